// A subset of JSON Schema (2020-12 wording, draft-04..07 spellings accepted): generate a value
// that conforms to a schema, and validate a value against a schema listing every violation.
//
//   auto schema = boost::json::parse(R"({"type":"object","required":["name"],
//                                        "properties":{"name":{"type":"string"}}})");
//   auto example = roci::json_schema::generate_instance(schema);     // {"name":"example"}
//   auto report = roci::json_schema::validate_instance(schema, boost::json::parse(R"({"n":1})"));
//   for (const auto& e : report.errors) std::cerr << e.to_string() << "\n";
//   // "$.name: required property is missing"
//
// The subset: `type` (object, array, string, number, integer, boolean, null, or an array of them),
// OpenAPI `nullable`, `enum`, `const`, `properties`, `required`, `additionalProperties` (boolean
// or schema), `minProperties` / `maxProperties`, `items` (one schema), `minItems` / `maxItems`,
// `minLength` / `maxLength` (in code points), `minimum` / `maximum`, `exclusiveMinimum` /
// `exclusiveMaximum` (numbers, or draft-04 booleans), `anyOf`, `$ref` to a JSON pointer inside the
// same schema ("#/$defs/node"), and the boolean schemas true / false. Keywords that are
// annotations (title, description, default, examples, format, $defs, ...) and unknown keywords are
// ignored, as JSON Schema says. Assertions outside the subset (pattern, allOf, oneOf, not,
// uniqueItems, multipleOf, prefixItems, if/then/else, ...) are never checked: validate_instance
// lists them in Report::unsupported instead of letting them pass unnoticed, and generate_instance
// ignores them.
//
// Both functions are pure, deterministic and bounded by Limits (nesting depth, generated size,
// reported errors); neither throws on any schema or value.
#pragma once

#include <roci/export.h>

#include <roci/core/error.h>

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace roci::json_schema {

struct Limits {
  // Nesting of schemas in schemas and of values in values; each $ref hop counts as a level.
  std::size_t max_depth = 32;
  // generate_instance: the most values it builds (objects, arrays and scalars together), the
  // longest string, the most items or properties in one container.
  std::size_t max_values = 10000;
  std::size_t max_string_bytes = 4096;
  std::size_t max_items = 1000;
  // validate_instance: errors reported before it stops (Report::truncated).
  std::size_t max_errors = 100;
  // Work: schema applications (a value checked against one schema, or one value generated), so
  // that nested anyOf branches cannot multiply into an unbounded search.
  std::size_t max_steps = 200000;
};

// One finding. `path` is a JSONPath into the value ("$", "$.items[2].name", "$[\"a b\"]") for a
// violation, and a JSON pointer into the schema ("#/properties/name/pattern") for a schema problem
// or an unsupported keyword.
struct Finding {
  std::string path;
  std::string message;  // "expected integer, got string"
  std::string to_string() const { return path + ": " + message; }
  friend bool operator==(const Finding&, const Finding&) = default;
};

struct Report {
  // The value breaks the schema, or the schema is malformed where the value needed it
  // ("#/minimum: must be a number"), or a limit was reached.
  std::vector<Finding> errors;
  // Assertion keywords outside the subset that applied to the value and were not checked, once
  // per schema location.
  std::vector<Finding> unsupported;
  bool truncated = false;  // more errors than Limits::max_errors; the rest were not listed

  // Nothing the subset checks is violated.
  bool conforms() const { return errors.empty(); }
  // Every assertion that applied was checked: conforms() is the whole answer.
  bool fully_checked() const { return unsupported.empty(); }
};

// A value that conforms to `schema`, the same for the same schema: the first enum / const value
// that fits, the first anyOf branch that fits, every required property and (near the top) the
// optional ones, max(minItems, 1) items (minItems deeper down), strings "example" stretched or cut
// to their length bounds (known `format`s get a sample of that format: date-time, date, time,
// email, uri, uuid, ipv4, ipv6, hostname), numbers 0 moved inside their bounds, true, null.
// The value is checked with validate_instance before it is returned.
// Errors (kInvalidRequest, message naming the schema location): a malformed or unsatisfiable
// schema (enum with no fitting value, minimum above maximum, required property forbidden, false),
// an unresolvable $ref, or a limit reached (a schema whose required content nests forever).
ROCI_EXPORT Result<boost::json::value> generate_instance(const boost::json::value& schema,
                                                         const Limits& limits = {});

// Every violation of `schema` by `value` (up to Limits::max_errors), and the unsupported keywords
// met on the way. Never fails: a malformed schema part is reported as an error at its location.
ROCI_EXPORT Report validate_instance(const boost::json::value& schema,
                                     const boost::json::value& value, const Limits& limits = {});

}  // namespace roci::json_schema
