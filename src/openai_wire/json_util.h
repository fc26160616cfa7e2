// Private JSON helpers shared by the openai_wire codecs (not installed, not used outside
// src/openai_wire/).
//
// Writing is JsonWriter's (json_writer.h); the tool-call object shared by requests and responses
// is here.
//
// Reading: total accessors that never throw; a missing key, a wrong type or an out-of-range number
// gives std::nullopt / a default.
//
//   if (auto n = get_int(obj, "prompt_tokens")) ...
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>

#include "openai_wire/json_writer.h"

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roci::openai_wire::detail {

// ---- writing (json_writer.h) ----

// The compact text of `v` (JsonWriter::value).
std::string to_json(const boost::json::value& v);
// {"id","type":"function","function":{"name","arguments"}}: OpenAI's tool-call object, the same in
// requests (assistant turns) and responses. Inline: the hot encoders are flattened.
inline void write_tool_call(JsonWriter& w, const ToolCall& call) {
  w.begin_object();
  w.key("id"_js).string(call.id);
  w.key("type"_js).string("function"_js);
  w.key("function"_js).begin_object();
  w.key("name"_js).string(call.name);
  w.key("arguments"_js).string(call.arguments);
  w.end_object();
  w.end_object();
}

// ---- parsing ----

// Parses an upstream payload leniently about limits (depth 256) but strictly about syntax.
// Errors are kUpstreamError: "malformed <what> from <upstream>: <reason> at byte <n>".
// The value's memory comes from `storage` (default: the heap). The hot-path decoders pass a
// monotonic resource on their stack: the tree then costs no malloc, and the caller must copy
// (assign into a default-storage value, never copy-construct) anything that outlives it.
Result<boost::json::value> parse_upstream_json(std::string_view body, std::string_view what,
                                               std::string_view upstream,
                                               boost::json::storage_ptr storage = {});

// The value, or nullopt when `body` is not JSON (no error details needed).
std::optional<boost::json::value> try_parse_json(std::string_view body);

struct StrictJsonOptions {
  std::size_t max_depth = 64;
  std::size_t max_string_bytes = 8u << 20;  // every string and every key
};
// Parses a client request body: RFC 8259 only (no NaN/Infinity, no comments, valid UTF-8), numbers
// must be finite, nesting <= max_depth, strings <= max_string_bytes, and no object may repeat a
// key (Boost.JSON 1.81 would silently keep the last one). Errors are kInvalidRequest naming the
// byte offset or the field path ("messages[0].role").
// The value's memory comes from `storage`, as in parse_upstream_json.
Result<boost::json::value> parse_strict_json(std::string_view body, const StrictJsonOptions& opts,
                                             boost::json::storage_ptr storage = {});

// ---- reading ----

const boost::json::value* find(const boost::json::object& obj, std::string_view key);
const boost::json::object* find_object(const boost::json::object& obj, std::string_view key);
const boost::json::array* find_array(const boost::json::object& obj, std::string_view key);
std::optional<std::string_view> get_string(const boost::json::object& obj, std::string_view key);
// A string, or a number printed as an integer / JSON number (tool-call ids: "365174485" or
// 365174485).
std::optional<std::string> get_id(const boost::json::object& obj, std::string_view key);
std::optional<double> as_double(const boost::json::value& v);
// Integers, and doubles with an integral value that fit in int64.
std::optional<std::int64_t> as_int64(const boost::json::value& v);
std::optional<double> get_double(const boost::json::object& obj, std::string_view key);
std::optional<std::int64_t> get_int64(const boost::json::object& obj, std::string_view key);
// Clamped into int range (token counts).
std::optional<int> get_int(const boost::json::object& obj, std::string_view key);
std::optional<bool> get_bool(const boost::json::object& obj, std::string_view key);

std::optional<Usage> decode_usage(const boost::json::value* v);

// "a string", "an array", "null", or the number itself ("3.5") for error messages.
std::string describe(const boost::json::value& v);

// At most `max_bytes` of `text` (cut on a UTF-8 boundary, control characters as spaces, trimmed),
// with "..." appended when cut. For quoting non-JSON upstream bodies in error messages.
std::string snippet(std::string_view text, std::size_t max_bytes = 200);
// Length of the well-formed UTF-8 sequence at the start of `s` (1..4), or 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view s);

}  // namespace roci::openai_wire::detail
