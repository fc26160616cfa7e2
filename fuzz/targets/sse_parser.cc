// sse_parser: SseParser fed the input in one piece and split at input-derived positions.
//
// Invariants: the split feed (any chunk sizes, draining between feeds or not) gives exactly the
// events of the one-shot feed, and the same outcome (end of stream or the too-large error, after
// the same events); a parser keeps returning its error once failed; buffered_bytes() never exceeds
// what was fed; nothing is returned after the end of input has been drained.
#include "openai_wire/sse_parser.h"
#include "targets.h"
#include "targets/check.h"

#include <vector>

namespace roci::fuzz {
namespace {

using detail::as_view;
using detail::InputRng;

struct Outcome {
  std::vector<openai_wire::SseEvent> events;
  bool failed = false;
  bool data_only = false;  // read with next_data(): compare the data alone
};

// Drains every available event; false once the parser reported an error.
bool drain(openai_wire::SseParser& parser, Outcome& out) {
  while (true) {
    auto ev = parser.next_event();
    if (!ev) {
      FUZZ_CHECK(ev.error().kind == ErrorKind::kUpstreamError, "SSE error of the wrong kind");
      out.failed = true;
      auto again = parser.next_event();
      FUZZ_CHECK(!again, "a failed SseParser recovered");
      return false;
    }
    if (!*ev) return true;
    out.events.push_back(std::move(**ev));
  }
}

// As drain, with next_data() (the lent view, copied out; event and id stay empty).
bool drain_data(openai_wire::SseParser& parser, Outcome& out) {
  while (true) {
    auto data = parser.next_data();
    if (!data) {
      out.failed = true;
      return false;
    }
    if (!*data) return true;
    out.events.push_back({.data = std::string(**data)});
  }
}

Outcome one_shot(std::string_view input, std::size_t limit) {
  openai_wire::SseParser parser(limit);
  Outcome out;
  parser.feed(input);
  if (!drain(parser, out)) return out;
  parser.finish();
  if (drain(parser, out)) {
    auto tail = parser.next_event();
    FUZZ_CHECK(tail && !*tail, "SseParser returned something after the end was drained");
  }
  return out;
}

Outcome split(std::string_view input, std::size_t limit, InputRng& rng) {
  openai_wire::SseParser parser(limit);
  Outcome out;
  // Chunk sizes: one byte at a time, small or large chunks, chosen by the input's hash.
  const std::size_t max_chunk = std::size_t{1} << rng.below(12);  // 1 .. 2048
  const bool drain_each = rng.below(4) != 0;
  // next_data() instead of next_event() (only the data is compared then).
  const bool views = rng.below(2) == 0;
  out.data_only = views;
  auto drain_any = [&](Outcome& o) { return views ? drain_data(parser, o) : drain(parser, o); };
  std::size_t fed = 0;
  while (fed < input.size()) {
    const std::size_t n = std::min(input.size() - fed, 1 + rng.below(max_chunk));
    parser.feed(input.substr(fed, n));
    fed += n;
    if (drain_each || rng.below(8) == 0) {
      if (!drain_any(out)) return out;
      FUZZ_CHECK(parser.buffered_bytes() <= fed, "buffered_bytes() exceeds the bytes fed");
    }
  }
  if (!drain_any(out)) return out;
  parser.finish();
  drain_any(out);
  return out;
}

std::string describe(const Outcome& o) {
  std::string s = std::to_string(o.events.size()) + " events" + (o.failed ? " then an error" : "");
  for (const auto& e : o.events) {
    s +=
        "\n    event=\"" + e.event + "\" id=\"" + e.id + "\" data=\"" + e.data.substr(0, 80) + "\"";
  }
  return s;
}

void compare(std::string_view input, std::size_t limit, InputRng& rng) {
  const Outcome whole = one_shot(input, limit);
  const Outcome parts = split(input, limit, rng);
  bool same = whole.failed == parts.failed && whole.events.size() == parts.events.size();
  for (std::size_t i = 0; same && i < whole.events.size(); ++i) {
    const auto& a = whole.events[i];
    const auto& b = parts.events[i];
    same = a.data == b.data && (parts.data_only || (a.event == b.event && a.id == b.id));
  }
  FUZZ_CHECK(same, "split feed differs from one-shot feed (max_event_bytes " +
                       std::to_string(limit) + ")\n  one-shot: " + describe(whole) +
                       "\n  split:    " + describe(parts));
}

}  // namespace

void fuzz_sse_parser(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = as_view(data, size);
  InputRng rng(input);
  compare(input, 8u << 20, rng);            // the default limit: never reached here
  compare(input, 1 + rng.below(256), rng);  // a small limit: the too-large path
}

}  // namespace roci::fuzz
