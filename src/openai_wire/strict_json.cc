// parse_strict_json: Boost.JSON's basic_parser with a handler that builds the value through a
// value_stack (as boost::json::parser does) and additionally enforces the client-input rules that
// Boost.JSON 1.81 does not: unique object keys, finite numbers, and a per-string size limit. The
// handler tracks the path of the value being parsed so an error can name the field.
#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <cmath>
#include <exception>
#include <vector>

#include "openai_wire/json_util.h"

namespace roci::openai_wire::detail {
namespace {

class StrictHandler {
 public:
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  // `temp` is the value stack's scratch space (the caller's stack; the heap only past it).
  StrictHandler(const StrictJsonOptions& opts, unsigned char* temp, std::size_t temp_size)
      : opts_(opts), st_({}, temp, temp_size) {
    frames_.reserve(8);  // a chat request nests 4-5 deep and has ~10 keys: no regrowth
    keys_.reserve(16);
  }

  boost::json::value_stack& stack() { return st_; }
  std::optional<Error>& failure() { return failure_; }

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }

  bool on_object_begin(boost::json::error_code&) {
    frames_.push_back({false, 0, keys_.size()});
    return true;
  }
  bool on_object_end(std::size_t n, boost::json::error_code& ec) {
    if (auto dup = find_duplicate()) return fail_duplicate(ec, *dup);
    keys_.resize(frames_.back().keys_begin);
    frames_.pop_back();
    st_.push_object(n);
    value_done();
    return true;
  }
  bool on_array_begin(boost::json::error_code&) {
    frames_.push_back({true, 0, keys_.size()});
    return true;
  }
  bool on_array_end(std::size_t n, boost::json::error_code&) {
    frames_.pop_back();
    st_.push_array(n);
    value_done();
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t n, boost::json::error_code& ec) {
    if (n > opts_.max_string_bytes) return fail_too_long(ec, "an object key", true);
    st_.push_chars(s);
    key_part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t n, boost::json::error_code& ec) {
    if (n > opts_.max_string_bytes) return fail_too_long(ec, "an object key", true);
    st_.push_key(s);
    key_part_.append(s.data(), s.size());
    keys_.push_back(std::move(key_part_));
    key_part_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t n, boost::json::error_code& ec) {
    if (n > opts_.max_string_bytes) return fail_too_long(ec, "a string", false);
    st_.push_chars(s);
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t n, boost::json::error_code& ec) {
    if (n > opts_.max_string_bytes) return fail_too_long(ec, "a string", false);
    st_.push_string(s);
    value_done();
    return true;
  }
  bool on_number_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    st_.push_int64(i);
    value_done();
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    st_.push_uint64(u);
    value_done();
    return true;
  }
  bool on_double(double d, boost::json::string_view, boost::json::error_code& ec) {
    if (!std::isfinite(d)) {
      const std::string where = path();
      return fail(ec,
                  "invalid JSON: " + (where.empty() ? std::string("a number") : where) +
                      " is too large to be represented",
                  where);
    }
    st_.push_double(d);
    value_done();
    return true;
  }
  bool on_bool(bool b, boost::json::error_code&) {
    st_.push_bool(b);
    value_done();
    return true;
  }
  bool on_null(boost::json::error_code&) {
    st_.push_null();
    value_done();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }

 private:
  struct Frame {
    bool is_array;
    std::size_t index;       // arrays: index of the element being parsed
    std::size_t keys_begin;  // objects: first of this object's keys in keys_
  };

  void value_done() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
  }

  // The innermost object's keys, checked once the object is complete: pairwise when small,
  // sorted when large, so a huge object costs O(k log k).
  std::optional<std::string> find_duplicate() const {
    const std::size_t begin = frames_.back().keys_begin;
    const std::size_t count = keys_.size() - begin;
    if (count < 2) return std::nullopt;
    if (count <= 16) {
      for (std::size_t i = begin; i < keys_.size(); ++i) {
        for (std::size_t j = i + 1; j < keys_.size(); ++j) {
          if (keys_[i] == keys_[j]) return keys_[i];
        }
      }
      return std::nullopt;
    }
    std::vector<std::string_view> sorted(keys_.begin() + static_cast<std::ptrdiff_t>(begin),
                                         keys_.end());
    std::sort(sorted.begin(), sorted.end());
    auto it = std::adjacent_find(sorted.begin(), sorted.end());
    if (it == sorted.end()) return std::nullopt;
    return std::string(*it);
  }

  // "messages[2].content": the path of the value being parsed (of the innermost object itself
  // when called from on_object_end, with `leaf_key` appended by the caller).
  std::string path(bool include_current_key = true) const {
    std::string out;
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.is_array) {
        out += '[';
        out += std::to_string(f.index);
        out += ']';
        continue;
      }
      const bool innermost = i + 1 == frames_.size();
      if (innermost && !include_current_key) break;
      const std::size_t end = innermost ? keys_.size() : frames_[i + 1].keys_begin;
      if (end == f.keys_begin) break;  // no key yet
      if (!out.empty()) out += '.';
      out += keys_[end - 1];
    }
    return out;
  }

  bool fail_duplicate(boost::json::error_code& ec, const std::string& key) {
    const std::string container = path(false);
    std::string message = "invalid JSON: duplicate key \"" + key + "\"";
    if (!container.empty()) message += " in " + container;
    message += "; each key may appear only once in an object";
    return fail(ec, std::move(message), container.empty() ? key : container + "." + key);
  }

  bool fail(boost::json::error_code& ec, std::string message, std::string param) {
    failure_ = Error::invalid_request(std::move(message), std::move(param));
    ec = boost::json::error::exception;
    return false;
  }

  bool fail_too_long(boost::json::error_code& ec, std::string_view what, bool is_key) {
    std::string where = path(!is_key);
    std::string message = (where.empty() ? std::string(what) : where) + " is longer than " +
                          std::to_string(opts_.max_string_bytes) + " bytes";
    return fail(ec, std::move(message), std::move(where));
  }

  StrictJsonOptions opts_;
  boost::json::value_stack st_;
  std::vector<Frame> frames_;
  std::vector<std::string> keys_;  // keys of every open object, innermost last
  std::string key_part_;
  std::optional<Error> failure_;
};

std::string describe_parse_error(const boost::json::error_code& ec, std::string_view body,
                                 std::size_t pos, const StrictJsonOptions& opts) {
  const std::string at = " at byte " + std::to_string(pos);
  if (ec == boost::json::error::too_deep) {
    return "invalid JSON: nesting deeper than " + std::to_string(opts.max_depth) + " levels" + at;
  }
  if (ec == boost::json::error::incomplete) {
    return "invalid JSON: the body ends before the JSON value is complete" + at;
  }
  if (pos < body.size()) {
    const auto c = static_cast<unsigned char>(body[pos]);
    if (c >= 0x80) return "invalid JSON: invalid UTF-8" + at;
    if (c == 'N' || c == 'I' || c == '-') {
      const std::string_view rest = body.substr(pos);
      if (rest.starts_with("NaN") || rest.starts_with("Infinity") ||
          rest.starts_with("-Infinity")) {
        return "invalid JSON: NaN and Infinity are not JSON numbers" + at;
      }
    }
    return "invalid JSON: " + ec.message() + at + ", near: " + snippet(body.substr(pos), 24);
  }
  return "invalid JSON: " + ec.message() + at;
}

}  // namespace

Result<boost::json::value> parse_strict_json(std::string_view body, const StrictJsonOptions& opts,
                                             boost::json::storage_ptr storage) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Error::invalid_request("request body is empty; expected a JSON object");
  }
  try {
    boost::json::parse_options popts;
    popts.max_depth = opts.max_depth;
    alignas(16) unsigned char temp[4096];
    boost::json::basic_parser<StrictHandler> parser(popts, opts, temp, sizeof temp);
    parser.handler().stack().reset(std::move(storage));
    boost::json::error_code ec;
    const std::size_t n = parser.write_some(false, body.data(), body.size(), ec);
    if (auto& failure = parser.handler().failure()) return std::move(*failure);
    if (ec) return Error::invalid_request(describe_parse_error(ec, body, n, opts));
    if (n < body.size()) {
      return Error::invalid_request("invalid JSON: unexpected data after the JSON value at byte " +
                                    std::to_string(n));
    }
    return parser.handler().stack().release();
  } catch (const std::exception& e) {
    return Error::invalid_request(std::string("invalid JSON: ") + e.what());
  }
}

}  // namespace roci::openai_wire::detail
