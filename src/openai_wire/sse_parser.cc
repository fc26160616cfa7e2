#include "openai_wire/sse_parser.h"

#include "openai_wire/literal_match.h"

#include <algorithm>
#include <cstring>

namespace roci::openai_wire {
namespace {

// The first CR or LF at or after `from`, or npos. Two memchr scans, not string::find_first_of,
// which tests every byte against the set with a call.
std::size_t find_line_end(const std::string& buffer, std::size_t from) {
  if (from >= buffer.size()) return std::string::npos;
  const char* begin = buffer.data() + from;
  const std::size_t n = buffer.size() - from;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', n));
  const std::size_t cr_span = lf != nullptr ? static_cast<std::size_t>(lf - begin) : n;
  // A blank line (an event's end) has nothing before its LF to look at.
  const auto* cr =
      cr_span != 0 ? static_cast<const char*>(std::memchr(begin, '\r', cr_span)) : nullptr;
  const char* end = cr != nullptr ? cr : lf;
  return end != nullptr ? static_cast<std::size_t>(end - buffer.data()) : std::string::npos;
}

// The room next_data() keeps for the next event's data.
constexpr std::size_t kKeptDataBytes = 4096;

}  // namespace

SseParser::SseParser(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

void SseParser::feed(std::string_view bytes) {
  if (failed_ || finished_ || bytes.empty()) return;
  take_back_lent_data();  // a lent view dies here (the contract), and the pending one is copied
  own_data();
  // Compact: drop consumed bytes once they are at least half the buffer, so each byte is moved
  // a bounded number of times (amortised O(n)) and memory stays proportional to the live tail.
  if (pos_ == buffer_.size()) {
    buffer_.clear();
    pos_ = scan_ = 0;
  } else if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    scan_ -= pos_;
    pos_ = 0;
  }
  buffer_.append(bytes);
}

void SseParser::finish() { finished_ = true; }

std::size_t SseParser::buffered_bytes() const { return buffer_.size() - pos_ + event_bytes_; }

Error SseParser::too_large() const {
  return Error::upstream("the upstream sent a server-sent event larger than " +
                         std::to_string(max_event_bytes_) + " bytes; the stream was abandoned");
}

Result<std::optional<SseEvent>> SseParser::next_event() {
  take_back_lent_data();
  auto complete = complete_event();
  if (!complete) return complete.error();
  if (!*complete) return std::optional<SseEvent>();
  own_data();
  SseEvent ev = std::move(pending_);
  ev.id = last_id_;
  pending_ = SseEvent{};
  reset_pending();
  return std::optional<SseEvent>(std::move(ev));
}

Result<std::optional<std::string_view>> SseParser::next_data() {
  take_back_lent_data();
  auto complete = complete_event();
  if (!complete) return complete.error();
  if (!*complete) return std::optional<std::string_view>();
  reset_pending();
  data_lent_ = true;
  if (data_in_buffer_) return std::optional<std::string_view>(data_view_);
  return std::optional<std::string_view>(pending_.data);
}

void SseParser::own_data() {
  if (!data_in_buffer_) return;
  data_in_buffer_ = false;
  pending_.data.assign(data_view_);
}

void SseParser::take_back_lent_data() {
  if (!data_lent_) return;
  data_lent_ = false;
  data_in_buffer_ = false;
  // The capacity stays for the next event, unless this one was large (a stream may wait for
  // minutes between events).
  if (pending_.data.capacity() > kKeptDataBytes) {
    std::string().swap(pending_.data);
  } else {
    pending_.data.clear();
  }
  pending_.event.clear();
}

void SseParser::reset_pending() {
  pending_has_data_ = false;
  event_bytes_ = 0;
}

Result<bool> SseParser::complete_event() {
  if (failed_) return too_large();
  while (true) {
    if (skip_lf_ && pos_ < buffer_.size()) {
      // The previous feed ended with CR; an LF first in this feed completes that CRLF.
      if (buffer_[pos_] == '\n') ++pos_;
      skip_lf_ = false;
      scan_ = std::max(scan_, pos_);
    }
    const std::size_t end = find_line_end(buffer_, std::max(scan_, pos_));
    if (end == std::string::npos) {
      scan_ = buffer_.size();
      if (buffer_.size() - pos_ + event_bytes_ > max_event_bytes_) {
        failed_ = true;
        return too_large();
      }
      if (!finished_) return false;
      if (pos_ < buffer_.size()) {  // a last line without its terminator
        const std::string_view line(buffer_.data() + pos_, buffer_.size() - pos_);
        pos_ = scan_ = buffer_.size();
        take_line(line);
      }
      if (pending_has_data_) return true;
      pending_.event.clear();
      pending_.data.clear();
      data_in_buffer_ = false;
      event_bytes_ = 0;
      return false;
    }
    const std::string_view line(buffer_.data() + pos_, end - pos_);
    std::size_t next = end + 1;
    if (buffer_[end] == '\r') {
      if (next < buffer_.size()) {
        if (buffer_[next] == '\n') ++next;
      } else {
        skip_lf_ = true;
      }
    }
    if (!line.empty()) {
      event_bytes_ += line.size() + 1;
      if (event_bytes_ > max_event_bytes_) {
        failed_ = true;
        return too_large();
      }
    }
    pos_ = scan_ = next;
    if (take_line(line)) return true;
  }
}

bool SseParser::take_line(std::string_view line) {
  if (!bom_checked_) {
    bom_checked_ = true;
    if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
  }
  if (line.empty()) {
    if (pending_has_data_) return true;
    pending_.event.clear();  // a block without data dispatches nothing
    event_bytes_ = 0;
    return false;
  }
  if (line.front() == ':') return false;  // comment (llama.cpp keep-alive ping)
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (detail::is_literal(field, "data")) {
    if (!pending_has_data_) {
      data_view_ = value;  // lines are views of buffer_
      data_in_buffer_ = true;
    } else {
      own_data();
      pending_.data.push_back('\n');
      pending_.data.append(value);
    }
    pending_has_data_ = true;
  } else if (detail::is_literal(field, "event")) {
    pending_.event.assign(value);
  } else if (detail::is_literal(field, "id")) {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  }
  // retry: and unknown fields are ignored.
  return false;
}

}  // namespace roci::openai_wire
