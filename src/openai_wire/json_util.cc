#include "openai_wire/json_util.h"

#include <algorithm>
#include <boost/json/parser.hpp>
#include <climits>
#include <cmath>
#include <exception>
#include <limits>

namespace roci::openai_wire::detail {

std::string to_json(const boost::json::value& v) {
  std::string out;
  JsonWriter(out).value(v);
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
