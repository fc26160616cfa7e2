// Private: validators for fields of client request bodies. Each failure is kInvalidRequest with
// `param` = the field path and a message saying what was expected and what came:
//
//   auto t = number_in(v, "temperature", 0, 2);
//   // "temperature must be a number between 0 and 2, got 3.5"
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "openai_wire/downstream_codec.h"

namespace roci::openai_wire::detail {

// "<path> must be <expected>, got <what v is>".
Error field_error(std::string_view path, std::string_view expected, const boost::json::value& got);

Result<std::string_view> string_field(const boost::json::value& v, std::string_view path);
Result<bool> bool_field(const boost::json::value& v, std::string_view path);
Result<double> number_in(const boost::json::value& v, std::string_view path, double lo, double hi);
Result<std::int64_t> integer_field(const boost::json::value& v, std::string_view path);
Result<const boost::json::object*> object_field(const boost::json::value& v, std::string_view path);

// The request body as a JSON object (strict parse: depth, string size, duplicate keys), its
// memory from `storage` (see parse_upstream_json: copy out by assignment or emplace).
Result<boost::json::object> parse_body_object(std::string_view body, const RequestLimits& limits,
                                              boost::json::storage_ptr storage = {});

// Sampling settings shared by chat and legacy completions: max_tokens, max_completion_tokens
// (wins over max_tokens), temperature, top_p, top_k, frequency_penalty, presence_penalty, seed,
// stop. A null value counts as absent.
class SettingsParser {
 public:
  explicit SettingsParser(const RequestLimits& limits) : limits_(limits) {}
  // True when `key` is a settings field (then parsed into `out`), false for any other key.
  Result<bool> parse(std::string_view key, const boost::json::value& v, GenerationSettings& out);

 private:
  const RequestLimits& limits_;
  bool saw_max_completion_tokens_ = false;
};

}  // namespace roci::openai_wire::detail
