#include "openai_wire/json_writer.h"

#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace roci::openai_wire::detail {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// True when any of the 8 bytes of `w` needs escaping (SWAR: a byte below 0x20, '"' or '\\').
// Exact as a yes/no answer; which byte it was is found byte by byte.
bool any_needs_escape(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const auto below = [](std::uint64_t v, std::uint64_t n) { return (v - kOnes * n) & ~v & kHigh; };
  return (below(w, 0x20) | below(w ^ (kOnes * '"'), 1) | below(w ^ (kOnes * '\\'), 1)) != 0;
}

#if defined(__SSE2__)
// Bit k set when byte k of the 16 at `p` needs escaping.
unsigned escape_mask16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i max_control = _mm_set1_epi8(0x1F);
  const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, max_control), max_control);  // v <= 0x1F
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))));
}
#endif

// The index of the first byte at or after `i` that needs escaping, or s.size(). Most text needs
// none: it is skipped 16 bytes at a time (SSE2, every x86-64), then 8 (SWAR), then byte by byte.
std::size_t next_escape(std::string_view s, std::size_t i) {
  const std::size_t n = s.size();
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    if (const unsigned mask = escape_mask16(s.data() + i); mask != 0) {
      return i + static_cast<std::size_t>(__builtin_ctz(mask));
    }
  }
#endif
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, sizeof w);
    if (any_needs_escape(w)) break;
  }
  while (i < n && !needs_escape(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

}  // namespace

void append_escaped(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  std::size_t run = 0;  // start of the current run of bytes copied verbatim
  for (std::size_t i = next_escape(s, 0); i < s.size(); i = next_escape(s, i + 1)) {
    out.append(s.data() + run, i - run);
    run = i + 1;
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_integer(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_unsigned(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.append("null");
    return;
  }
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  out.append(text);
  if (text.find_first_of(".e") == std::string_view::npos) out.append(".0");
}

void append_value(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out.append("null");
      return;
    case boost::json::kind::bool_:
      out.append(v.get_bool() ? "true" : "false");
      return;
    case boost::json::kind::int64:
      append_integer(out, v.get_int64());
      return;
    case boost::json::kind::uint64:
      append_unsigned(out, v.get_uint64());
      return;
    case boost::json::kind::double_:
      append_double(out, v.get_double());
      return;
    case boost::json::kind::string:
      append_escaped(out, v.get_string());
      return;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_value(out, e);
      }
      out.push_back(']');
      return;
    }
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        append_escaped(out, kv.key());
        out.push_back(':');
        append_value(out, kv.value());
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace roci::openai_wire::detail

namespace roci::openai_wire {

void JsonWriter::element(JsonLiteral s) {
  const std::size_t at = out_.size();
  out_.append(s.quoted_, s.size_ - 1);  // `,"text"`
  if (state_ == State::kOpen) out_[at] = '[';
}

}  // namespace roci::openai_wire
