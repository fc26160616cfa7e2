#include "openai_wire/json_util.h"

#include <algorithm>
#include <climits>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <boost/json/parser.hpp>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>

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

void append_json_string(std::string& out, std::string_view s) {
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

void append_tool_call(std::string& out, const ToolCall& call) {
  out.append("{\"id\":");
  append_json_string(out, call.id);
  out.append(",\"type\":\"function\",\"function\":{\"name\":");
  append_json_string(out, call.name);
  out.append(",\"arguments\":");
  append_json_string(out, call.arguments);
  out.append("}}");
}

void append_json_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_json_double(std::string& out, double v) {
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

void append_json_value(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out.append("null");
      return;
    case boost::json::kind::bool_:
      out.append(v.get_bool() ? "true" : "false");
      return;
    case boost::json::kind::int64:
      append_json_int(out, v.get_int64());
      return;
    case boost::json::kind::uint64: {
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
      out.append(buf, end);
      return;
    }
    case boost::json::kind::double_:
      append_json_double(out, v.get_double());
      return;
    case boost::json::kind::string:
      append_json_string(out, v.get_string());
      return;
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_value(out, e);
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
        append_json_string(out, kv.key());
        out.push_back(':');
        append_json_value(out, kv.value());
      }
      out.push_back('}');
      return;
    }
  }
}

std::string to_json(const boost::json::value& v) {
  std::string out;
  append_json_value(out, v);
  return out;
}

Result<boost::json::value> parse_upstream_json(std::string_view body, std::string_view what,
                                               std::string_view upstream,
                                               boost::json::storage_ptr storage) {
  auto malformed = [&](std::string_view reason) {
    std::string msg = "malformed " + std::string(what) + " from " + std::string(upstream) + ": ";
    msg += reason;
    return Error::upstream(std::move(msg));
  };
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return malformed("empty body");
  }
  try {
    boost::json::parse_options opts;
    opts.max_depth = 256;
    alignas(16) unsigned char temp[2048];  // the parser's scratch stack; the heap only past it
    boost::json::parser p({}, opts, temp, sizeof temp);
    p.reset(std::move(storage));
    boost::json::error_code ec;
    std::size_t n = p.write(body.data(), body.size(), ec);
    if (ec) {
      return malformed(ec.message() + " at byte " + std::to_string(n) + " in \"" + snippet(body) +
                       "\"");
    }
    return p.release();
  } catch (const std::exception& e) {
    return malformed(e.what());
  }
}

std::optional<boost::json::value> try_parse_json(std::string_view body) {
  try {
    boost::json::parse_options opts;
    opts.max_depth = 256;
    boost::json::parser p({}, opts);
    boost::json::error_code ec;
    p.write(body.data(), body.size(), ec);
    if (ec) return std::nullopt;
    return p.release();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

const boost::json::value* find(const boost::json::object& obj, std::string_view key) {
  return obj.if_contains(key);
}

const boost::json::object* find_object(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const boost::json::array* find_array(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v ? v->if_array() : nullptr;
}

std::optional<std::string_view> get_string(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

std::optional<std::string> get_id(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_number()) {
    if (auto i = as_int64(*v)) return std::to_string(*i);
    return to_json(*v);
  }
  return std::nullopt;
}

std::optional<double> as_double(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::int64:
      return static_cast<double>(v.get_int64());
    case boost::json::kind::uint64:
      return static_cast<double>(v.get_uint64());
    case boost::json::kind::double_:
      return v.get_double();
    default:
      return std::nullopt;
  }
}

std::optional<std::int64_t> as_int64(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::int64:
      return v.get_int64();
    case boost::json::kind::uint64:
      if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return std::nullopt;
      }
      return static_cast<std::int64_t>(v.get_uint64());
    case boost::json::kind::double_: {
      const double d = v.get_double();
      // 2^63 is exactly representable; anything at or beyond it does not fit.
      if (!std::isfinite(d) || d != std::trunc(d) || d >= 9223372036854775808.0 ||
          d < -9223372036854775808.0) {
        return std::nullopt;
      }
      return static_cast<std::int64_t>(d);
    }
    default:
      return std::nullopt;
  }
}

std::optional<double> get_double(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v ? as_double(*v) : std::nullopt;
}

std::optional<std::int64_t> get_int64(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v ? as_int64(*v) : std::nullopt;
}

std::optional<int> get_int(const boost::json::object& obj, std::string_view key) {
  auto v = get_int64(obj, key);
  if (!v) return std::nullopt;
  constexpr std::int64_t kMax = std::numeric_limits<int>::max();
  constexpr std::int64_t kMin = std::numeric_limits<int>::min();
  return static_cast<int>(*v > kMax ? kMax : (*v < kMin ? kMin : *v));
}

std::optional<bool> get_bool(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  if (!v || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

std::optional<Usage> decode_usage(const boost::json::value* v) {
  if (!v || !v->is_object()) return std::nullopt;
  const auto& o = v->get_object();
  Usage u;
  u.prompt_tokens = get_int(o, "prompt_tokens").value_or(0);
  u.completion_tokens = get_int(o, "completion_tokens").value_or(0);
  // Summed in 64 bits and clamped: counts are already clamped to INT_MAX (fuzz regression
  // usage-total-tokens-int-overflow).
  const long long sum = static_cast<long long>(u.prompt_tokens) + u.completion_tokens;
  u.total_tokens =
      get_int(o, "total_tokens").value_or(static_cast<int>(std::min<long long>(sum, INT_MAX)));
  return u;
}

std::string describe(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return to_json(v);
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "an unknown value";
}

std::string snippet(std::string_view text, std::size_t max_bytes) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  text.remove_prefix(first);
  text = text.substr(0, text.find_last_not_of(" \t\r\n") + 1);
  bool cut = false;
  if (text.size() > max_bytes) {
    std::size_t end = max_bytes;
    // Back up over UTF-8 continuation bytes so a code point is never split.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text = text.substr(0, end);
    cut = true;
  }
  // The snippet ends up in JSON error bodies sent to clients: control characters become spaces and
  // bytes that are not well-formed UTF-8 become '?', so the body stays valid UTF-8 JSON.
  std::string out;
  out.reserve(text.size() + 3);
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = utf8_sequence_length(text.substr(i));
    if (n == 0) {
      out.push_back('?');
      ++i;
    } else if (n == 1) {
      out.push_back(static_cast<unsigned char>(text[i]) < 0x20 ? ' ' : text[i]);
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (cut) out.append("...");
  return out;
}

std::size_t utf8_sequence_length(std::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace roci::openai_wire::detail
