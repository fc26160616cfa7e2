// Private to json_schema: how the subset reads a schema object (keyword roles, types, bounds,
// counts, $ref) and how it names places (JSONPath for values, JSON pointers for schemas). Shared
// by validate.cc and generate.cc so both read a schema the same way.
#pragma once

#include <roci/core/json_schema.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roci::json_schema::detail {

namespace json = boost::json;

enum class KeywordRole {
  kSupported,    // checked by validate_instance, used by generate_instance
  kAnnotation,   // no assertion (title, description, format, $defs, ...): ignored
  kUnsupported,  // an assertion outside the subset: reported by validate_instance
  kUnknown,      // not a JSON Schema keyword: ignored, as the specification says
};
KeywordRole role_of(std::string_view keyword);

// JSON types as a bit set. kInteger is a subset of kNumber when matching values.
using TypeSet = std::uint8_t;
inline constexpr TypeSet kNull = 1, kBoolean = 2, kObject = 4, kArray = 8, kNumber = 16,
                         kInteger = 32, kString = 64, kAnyType = 127;

// The types `type` (plus `nullable: true`) allows; kAnyType when `type` is absent. `problem` is
// set (and `set` is kAnyType) when `type` or `nullable` is malformed; `keyword` then names it.
struct TypeSpec {
  TypeSet set = kAnyType;
  bool given = false;
  std::string problem;
  std::string_view keyword;
};
TypeSpec read_types(const json::object& schema);

// The type a value has (kInteger for int64/uint64 and for doubles with an integral value).
TypeSet type_of(const json::value& value);
bool matches(TypeSet allowed, const json::value& value);
std::string_view type_name(TypeSet one);                     // "integer"
std::string describe_types(TypeSet allowed);                 // "string or null"
std::string_view value_type_name(const json::value& value);  // "integer" only for int64/uint64

// JSON equality (enum, const): numbers compare by value (1 == 1.0), objects ignore key order.
bool json_equal(const json::value& a, const json::value& b);
std::optional<double> as_number(const json::value& value);
// The value as JSON, cut to about `max_bytes` ("\"abc...\"").
std::string preview(const json::value& value, std::size_t max_bytes = 40);

// minimum / maximum / exclusiveMinimum / exclusiveMaximum (numbers, or draft-04 booleans that
// make minimum / maximum exclusive). `problem` names the first malformed keyword.
struct Bounds {
  std::optional<double> lo, hi;
  bool lo_exclusive = false, hi_exclusive = false;
  std::string problem;
  std::string_view keyword;
};
Bounds read_bounds(const json::object& schema);

// A non-negative integer keyword (minLength, maxItems, ...): nullopt when absent; `malformed`
// when present but not a non-negative integer.
struct Count {
  std::optional<std::size_t> value;
  bool malformed = false;
};
Count read_count(const json::object& schema, std::string_view keyword);

std::size_t count_code_points(std::string_view utf8);

// "$" + ".name" | "[\"a b\"]" | "[2]": JSONPath steps for value locations.
void append_property(std::string& path, std::string_view key);
void append_index(std::string& path, std::size_t index);
// "#" + "/token" with '~' and '/' escaped: JSON pointer steps for schema locations.
void append_pointer(std::string& pointer, std::string_view token);
void append_pointer(std::string& pointer, std::size_t index);

// The schema a local $ref ("#", "#/$defs/node", "#/properties/a~1b") points to inside `root`;
// nullptr with `problem` set when it is not local or points nowhere.
const json::value* resolve_ref(const json::value& root, std::string_view ref, std::string& problem);

// validate_instance over a sub-schema of `root` ($refs resolve against `root`); `steps` counts
// schema applications against Limits::max_steps across calls.
Report validate_within(const json::value& root, const json::value& schema, const json::value& value,
                       const Limits& limits, std::size_t& steps);

}  // namespace roci::json_schema::detail
