// Incremental Server-Sent Events parser (the WHATWG rules that matter for LLM streams).
//
//   SseParser parser(8 << 20);
//   parser.feed(bytes_from_socket);                  // any split, down to one byte at a time
//   while (true) {
//     auto ev = parser.next_event();                 // Result<std::optional<SseEvent>>
//     if (!ev) return ev.error();                    // an event or line over the limit
//     if (!*ev) break;                               // need more bytes
//     handle((*ev)->data);
//   }
//   parser.finish();  // at end of body: a last event without its blank line is still delivered
//
// Rules: lines end with LF, CRLF or CR (a CR at the end of one feed and LF at the start of the
// next is one line end); `data:` lines of one event are joined with '\n'; one optional space after
// the colon is stripped; lines starting with ':' are comments (llama.cpp pings) and skipped;
// `event:` and `id:` are kept; unknown fields are ignored; an event is dispatched at a blank line
// and only if it had a data line. Errors: kUpstreamError when one event exceeds max_event_bytes.
#pragma once

#include <roci/core/error.h>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace roci::openai_wire {

struct SseEvent {
  std::string event;  // "" when no event: field
  std::string data;
  std::string id;  // the last `id:` seen so far (WHATWG "last event ID", kept across events)
};

class SseParser {
 public:
  explicit SseParser(std::size_t max_event_bytes = 8u << 20);

  void feed(std::string_view bytes);
  Result<std::optional<SseEvent>> next_event();
  // The same, without copying the event out: the next event's data (its `event:` name and `id:`
  // are not reported; the last id is still tracked). The view is valid until the next call of any
  // member; the parser reuses the data's storage, so a stream of events costs no allocation per
  // event. Either call gives each event once; they may be mixed.
  Result<std::optional<std::string_view>> next_data();
  // Declares the end of input; a pending event with data is then returned by next_event().
  void finish();
  // False when next_event() / next_data() would answer "more bytes needed" at once: no byte was
  // fed since a call found no event. A caller polling for events skips the calls then.
  bool may_have_event() const {
    return failed_ || finished_ || std::max(scan_, pos_) < buffer_.size();
  }
  // Bytes fed but not yet consumed into returned events.
  std::size_t buffered_bytes() const;

 private:
  // Consumes lines until an event with data is complete in pending_ (true), or more bytes are
  // needed (false).
  Result<bool> complete_event();
  // Clears the data next_data() lent, keeping its room for the next event.
  void take_back_lent_data();
  // Copies a data line still held as a view of buffer_ into pending_.data (before buffer_ changes,
  // or a second data line is joined to it).
  void own_data();
  // Resets the pending event after it was handed out.
  void reset_pending();
  // Consumes one complete line; true when it was the blank line that completes an event with data.
  bool take_line(std::string_view line);
  Error too_large() const;

  std::string buffer_;  // fed bytes; [pos_, size) not yet consumed
  std::size_t pos_ = 0;
  std::size_t scan_ = 0;  // [pos_, scan_) is known to hold no line terminator
  std::size_t max_event_bytes_;
  std::size_t event_bytes_ = 0;  // bytes of the lines consumed into the pending event
  bool finished_ = false;
  bool failed_ = false;
  bool skip_lf_ = false;  // the last feed ended with CR: drop one LF at the next byte
  bool bom_checked_ = false;
  SseEvent pending_;
  // The pending event's one data line as a view of buffer_ (most events have one): copied into
  // pending_.data only when a second line joins it, an event is copied out, or buffer_ changes.
  std::string_view data_view_;
  bool data_in_buffer_ = false;
  bool pending_has_data_ = false;
  bool data_lent_ = false;  // next_data() lent an event's data: let go at the next call
  std::string last_id_;     // WHATWG "last event ID": persists across events
};

}  // namespace roci::openai_wire
