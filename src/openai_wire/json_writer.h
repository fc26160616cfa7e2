// JsonWriter: the one way roci writes JSON text (requests sent upstream, responses and SSE chunks
// sent to clients, /health, the CLI). It appends compact JSON into the caller's std::string:
// separators are automatic, strings are escaped per RFC 8259 (bytes >= 0x80 copied as they are:
// UTF-8 in, UTF-8 out), doubles are printed in the shortest round-trip form ("0.7", not Boost's
// "7E-1") and keep a ".0" when integral, non-finite doubles become null.
//
//   using namespace roci::openai_wire::json_literals;
//   std::string out;
//   JsonWriter w(out);
//   w.begin_object();
//   w.key("model"_js).string(model);                 // a literal: quoted at compile time
//   w.key("stream"_js).boolean(true);
//   w.key("stop"_js).begin_array().string(stop).end_array();
//   w.end_object();                                   //
//   {"model":"...","stream":true,"stop":[".."]}
//
// Cost: the writer owns no memory and never allocates; only the caller's string grows (reserve it
// when the size is known). A literal ("text"_js, a JsonLiteral) is checked and quoted by the
// compiler and kept in static storage, so a literal key or value is one append; runtime strings
// go through the SSE2 / word-wise escape scan. raw() and members() write JSON text encoded earlier
// (a stream's id and model, escaped once). Every member but the escape and number conversions is
// defined here: a hot encoder marked [[gnu::flatten]] keeps the whole writer in registers, its
// separator choices fold away at compile time, and a member costs what a hand-written append does.
//
// Contract: the calls form well-formed JSON: a key only directly inside an object and followed by
// exactly one value, every end matching its begin, at most kMaxDepth open containers. The writer
// is driven by code, never by input: debug builds assert this, release builds do not check it.
// value() writes a boost::json::value of any depth and does not count against kMaxDepth. Text
// appended to the string around a complete top-level value (an SSE "data: " prefix) is the
// caller's business; in between, the string belongs to the writer.
#pragma once

#include <boost/json/fwd.hpp>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace roci::openai_wire {

namespace detail {

// A string literal as a template argument (for operator""_js).
template <std::size_t N>
struct LiteralText {
  char text[N] = {};
  consteval LiteralText(const char (&s)[N]) {  // NOLINT(google-explicit-constructor)
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
};

// `,"text":` in static storage, checked to need no escaping (else the program does not compile).
template <std::size_t N>
struct QuotedText {
  char text[N + 3] = {};
};
template <LiteralText S>
consteval QuotedText<sizeof(S.text)> quote() {
  constexpr std::size_t n = sizeof(S.text) - 1;  // without the terminating NUL
  QuotedText<sizeof(S.text)> q;
  q.text[0] = ',';
  q.text[1] = '"';
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(S.text[i]);
    if (c < 0x20 || c == '"' || c == '\\') throw "a _js literal must need no JSON escaping";
    q.text[2 + i] = S.text[i];
  }
  q.text[n + 2] = '"';
  q.text[n + 3] = ':';
  return q;
}
template <LiteralText S>
inline constexpr QuotedText<sizeof(S.text)> kQuoted = quote<S>();

}  // namespace detail

class JsonLiteral;
inline namespace json_literals {
template <detail::LiteralText S>
consteval JsonLiteral operator""_js();
}  // namespace json_literals

// A JSON string known at compile time ("model"_js), quoted by the compiler and kept in static
// storage as `,"text":`, so that writing it as a key or as a string value is one append.
class JsonLiteral {
 public:
  // The text itself.
  constexpr std::string_view name() const { return {quoted_ + 2, size_ - 4}; }

 private:
  friend class JsonWriter;
  template <detail::LiteralText S>
  friend consteval JsonLiteral json_literals::operator""_js();
  consteval JsonLiteral(const char* quoted, std::size_t size) : quoted_(quoted), size_(size) {}

  const char* quoted_;  // `,"text":`
  std::size_t size_;
};

inline namespace json_literals {
// "model"_js: a JsonLiteral. The text must need no escaping (no control character, '"' or '\\').
template <detail::LiteralText S>
consteval JsonLiteral operator""_js() {
  return JsonLiteral(detail::kQuoted<S>.text, sizeof(detail::kQuoted<S>.text));
}
}  // namespace json_literals

namespace detail {

// The writer's primitives (out of line: the escape scan is not worth inlining everywhere).
void append_escaped(std::string& out, std::string_view s);  // "..." with escapes
void append_integer(std::string& out, std::int64_t v);
void append_unsigned(std::string& out, std::uint64_t v);
void append_double(std::string& out, double v);
void append_value(std::string& out, const boost::json::value& v);

// Any string-like argument but a char array: a string literal is written "text"_js, so a literal
// passed without it does not compile rather than silently taking the escaping path.
template <class S>
concept RuntimeString = std::is_convertible_v<const S&, std::string_view> && !std::is_array_v<S>;

}  // namespace detail

class JsonWriter {
 public:
  static constexpr int kMaxDepth = 32;

  explicit JsonWriter(std::string& out) noexcept : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // The opening bracket is written with the first member or element (which then costs one append
  // with its separator instead of two), or by the end of an empty container.
  JsonWriter& begin_object() { return open(false); }
  JsonWriter& end_object() { return close("{}", false); }
  JsonWriter& begin_array() { return open(true); }
  JsonWriter& end_array() { return close("[]", true); }

  JsonWriter& key(JsonLiteral k) {
    assert(in_object() && (state_ == State::kOpen || state_ == State::kNext));
    const std::size_t at = out_.size();
    out_.append(k.quoted_, k.size_);  // `,"text":`
    if (state_ == State::kOpen) out_[at] = '{';
    state_ = State::kAfterKey;
    return *this;
  }
  template <detail::RuntimeString S>
  JsonWriter& key(const S& k) {
    assert(in_object() && (state_ == State::kOpen || state_ == State::kNext));
    out_.push_back(state_ == State::kOpen ? '{' : ',');
    detail::append_escaped(out_, std::string_view(k));
    out_.push_back(':');
    state_ = State::kAfterKey;
    return *this;
  }

  JsonWriter& string(JsonLiteral s) {
    check_value();
    if (state_ == State::kAfterKey || state_ == State::kTop) {
      out_.append(s.quoted_ + 1, s.size_ - 2);  // `"text"`
    } else {
      element(s);
    }
    return after_value();
  }
  template <detail::RuntimeString S>
  JsonWriter& string(const S& s) {
    separate();
    detail::append_escaped(out_, std::string_view(s));
    return after_value();
  }
  JsonWriter& integer(std::int64_t v) {
    separate();
    if (static_cast<std::uint64_t>(v) < 10) {
      out_.push_back(static_cast<char>('0' + v));  // indexes, flags: no conversion call
    } else {
      detail::append_integer(out_, v);
    }
    return after_value();
  }
  JsonWriter& unsigned_integer(std::uint64_t v) {
    separate();
    detail::append_unsigned(out_, v);
    return after_value();
  }
  JsonWriter& number(double v) {
    separate();
    detail::append_double(out_, v);
    return after_value();
  }
  JsonWriter& boolean(bool v) {
    separate();
    if (v) {
      out_.append("true", 4);
    } else {
      out_.append("false", 5);
    }
    return after_value();
  }
  JsonWriter& null() {
    separate();
    out_.append("null", 4);
    return after_value();
  }
  // A string, or null when it is empty (OpenAI's optional `param` / `code`).
  JsonWriter& string_or_null(std::string_view s) { return s.empty() ? null() : string(s); }
  // `members`: an object's members encoded earlier (`"a":1,"b":2`, not empty; not checked),
  // written as key/value pairs would be.
  JsonWriter& members(std::string_view members) {
    assert(in_object() && (state_ == State::kOpen || state_ == State::kNext) && !members.empty());
    out_.push_back(state_ == State::kOpen ? '{' : ',');
    out_.append(members.data(), members.size());
    return after_value();
  }
  // `json`: one complete JSON value encoded earlier (not checked).
  JsonWriter& raw(std::string_view json) {
    separate();
    out_.append(json.data(), json.size());
    return after_value();
  }
  JsonWriter& value(const boost::json::value& v) {
    separate();
    detail::append_value(out_, v);
    return after_value();
  }

  // True once one top-level value has been written completely.
  bool complete() const { return depth_ == 0 && state_ == State::kNext; }

 private:
  enum class State : unsigned char {
    kTop,       // nothing written yet, at top level
    kOpen,      // a container was begun: its bracket is not written yet
    kNext,      // a value was written: the next one needs a comma
    kAfterKey,  // a key was written: its value follows, without a separator
  };

  bool in_object() const { return depth_ > 0 && (arrays_ & 1u) == 0; }
  void check_value() const {
    assert(depth_ == 0 ? state_ == State::kTop
                       : (in_object() ? state_ == State::kAfterKey : state_ != State::kAfterKey));
  }
  // The separator before a value: none after a key or at top level, ',' after an element, the
  // array's '[' before its first element.
  void separate() {
    check_value();
    if (state_ == State::kNext) {
      out_.push_back(',');
    } else if (state_ == State::kOpen) {
      out_.push_back('[');
    }
  }
  // A literal array element (rare: out of line).
  void element(JsonLiteral s);
  JsonWriter& after_value() {
    state_ = State::kNext;
    return *this;
  }
  JsonWriter& open(bool array) {
    separate();
    assert(depth_ < kMaxDepth);
    arrays_ = (arrays_ << 1) | static_cast<std::uint32_t>(array);
    ++depth_;
    state_ = State::kOpen;
    return *this;
  }
  JsonWriter& close(const char (&empty)[3], bool array) {
    assert(depth_ > 0 && (arrays_ & 1u) == static_cast<std::uint32_t>(array));
    assert(state_ == State::kOpen || state_ == State::kNext);
    if (state_ == State::kOpen) {
      out_.append(empty, 2);
    } else {
      out_.push_back(empty[1]);
    }
    arrays_ >>= 1;
    --depth_;
    return after_value();
  }

  std::string& out_;
  std::uint32_t arrays_ = 0;  // bit d: the container d levels up from the current one is an array
  int depth_ = 0;
  State state_ = State::kTop;
};

}  // namespace roci::openai_wire
