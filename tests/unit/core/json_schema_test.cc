// json_schema: every keyword of the subset through tables of (schema, value, expected findings),
// generation of each keyword checked against an exact value and against the validator, and the
// limits (depth, work, error count).
#include <roci/core/json_schema.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace roci::json_schema {
namespace {

namespace json = boost::json;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> strings(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.to_string());
  return out;
}

struct ValidationCase {
  std::string name;
  std::string schema;
  std::string value;
  std::vector<std::string> errors;  // Finding::to_string(), in order
  std::vector<std::string> unsupported = {};
  friend void PrintTo(const ValidationCase& c, std::ostream* os) { *os << c.name; }
};

class Validation : public ::testing::TestWithParam<ValidationCase> {};

TEST_P(Validation, ReportsExactlyTheExpectedFindings) {
  const auto& c = GetParam();
  const Report report = validate_instance(json::parse(c.schema), json::parse(c.value));
  EXPECT_THAT(strings(report.errors), ElementsAreArray(c.errors)) << c.schema << " / " << c.value;
  EXPECT_THAT(strings(report.unsupported), ElementsAreArray(c.unsupported));
  EXPECT_EQ(report.conforms(), c.errors.empty());
  EXPECT_FALSE(report.truncated);
}

const ValidationCase kValidationCases[] = {
    // type
    {"type_ok", R"({"type":"string"})", R"("a")", {}},
    {"type_wrong", R"({"type":"integer"})", R"("7")", {"$: expected integer, got string"}},
    {"integer_accepts_integral_double", R"({"type":"integer"})", "2.0", {}},
    {"integer_rejects_fraction",
     R"({"type":"integer"})",
     "2.5",
     {"$: expected integer, got number"}},
    {"number_accepts_integer", R"({"type":"number"})", "3", {}},
    {"boolean", R"({"type":"boolean"})", "0", {"$: expected boolean, got integer"}},
    {"null", R"({"type":"null"})", "false", {"$: expected null, got boolean"}},
    {"type_array", R"({"type":["string","null"]})", "null", {}},
    {"type_array_wrong",
     R"({"type":["string","null"]})",
     "1",
     {"$: expected string or null, got integer"}},
    {"nullable", R"({"type":"object","nullable":true})", "null", {}},
    {"nullable_false",
     R"({"type":"object","nullable":false})",
     "null",
     {"$: expected object, got null"}},
    {"no_type_accepts_anything", R"({})", R"([1,{"a":null}])", {}},
    // enum / const
    {"enum_ok", R"({"enum":["a","b",1]})", "1.0", {}},
    {"enum_wrong", R"({"enum":["a","b"]})", R"("c")", {R"($: expected one of "a", "b", got "c")"}},
    {"enum_object", R"({"enum":[{"x":1,"y":2}]})", R"({"y":2,"x":1})", {}},
    {"const_wrong", R"({"const":"on"})", R"("off")", {R"($: expected "on", got "off")"}},
    // objects
    {"required_missing",
     R"({"type":"object","required":["name","age"]})",
     R"({"age":3})",
     {"$.name: required property is missing"}},
    {"nested_path",
     R"({"type":"object","properties":{"items":{"type":"array","items":{
        "type":"object","properties":{"name":{"type":"integer"}}}}}})",
     R"({"items":[{"name":1},{"name":2},{"name":"x"}]})",
     {"$.items[2].name: expected integer, got string"}},
    {"odd_property_names_are_quoted",
     R"({"properties":{"a b":{"type":"string"}}})",
     R"({"a b":1})",
     {R"($["a b"]: expected string, got integer)"}},
    {"additional_false",
     R"({"properties":{"a":{}},"additionalProperties":false})",
     R"({"a":1,"b":2})",
     {"$.b: property is not allowed (additionalProperties is false)"}},
    {"additional_schema",
     R"({"additionalProperties":{"type":"number"}})",
     R"({"x":"1"})",
     {"$.x: expected number, got string"}},
    {"min_properties",
     R"({"minProperties":2})",
     R"({"a":1})",
     {"$: expected at least 2 properties, got 1"}},
    {"max_properties",
     R"({"maxProperties":1})",
     R"({"a":1,"b":2})",
     {"$: expected at most 1 property, got 2"}},
    // arrays
    {"min_items",
     R"({"type":"array","minItems":2})",
     "[1]",
     {"$: expected at least 2 items, got 1"}},
    {"max_items",
     R"({"type":"array","maxItems":1})",
     "[1,2]",
     {"$: expected at most 1 item, got 2"}},
    {"items_each",
     R"({"items":{"type":"string"}})",
     R"(["a",2,"c",4])",
     {"$[1]: expected string, got integer", "$[3]: expected string, got integer"}},
    {"items_false",
     R"({"items":false})",
     "[1]",
     {"$[0]: no value is allowed here (the schema is false)"}},
    // strings (lengths in code points)
    {"min_length", R"({"minLength":3})", R"("ab")", {"$: expected at least 3 characters, got 2"}},
    {"max_length_code_points", R"({"maxLength":2})", R"("é€")", {}},
    {"max_length", R"({"maxLength":2})", R"("abc")", {"$: expected at most 2 characters, got 3"}},
    // numbers
    {"minimum", R"({"minimum":5})", "4", {"$: expected a number >= 5, got 4"}},
    {"minimum_equal_ok", R"({"minimum":5})", "5", {}},
    {"maximum", R"({"maximum":1.5})", "2", {"$: expected a number <= 1.5, got 2"}},
    {"exclusive_minimum", R"({"exclusiveMinimum":0})", "0", {"$: expected a number > 0, got 0"}},
    {"exclusive_maximum",
     R"({"exclusiveMaximum":10})",
     "10",
     {"$: expected a number < 10, got 10"}},
    {"draft4_exclusive",
     R"({"minimum":1,"exclusiveMinimum":true})",
     "1",
     {"$: expected a number > 1, got 1"}},
    {"bounds_ignore_strings", R"({"minimum":5})", R"("a")", {}},
    // anyOf
    {"any_of_ok", R"({"anyOf":[{"type":"string"},{"type":"null"}]})", "null", {}},
    {"any_of_none",
     R"({"anyOf":[{"type":"string"},{"type":"object","required":["a"]}]})",
     "{}",
     {"$: matches none of the 2 anyOf schemas (0: expected string, got object; 1: $.a: required "
      "property is missing)"}},
    // $ref
    {"ref",
     R"({"$defs":{"id":{"type":"integer"}},"properties":{"a":{"$ref":"#/$defs/id"}}})",
     R"({"a":"x"})",
     {"$.a: expected integer, got string"}},
    {"ref_recursive",
     R"({"$defs":{"node":{"type":"object","properties":{
        "children":{"type":"array","items":{"$ref":"#/$defs/node"}},"v":{"type":"integer"}}}},
        "$ref":"#/$defs/node"})",
     R"({"children":[{"children":[{"v":"deep"}]}]})",
     {"$.children[0].children[0].v: expected integer, got string"}},
    {"ref_dangling",
     R"({"$ref":"#/$defs/nope"})",
     "1",
     {R"(#/$ref: malformed schema: "#/$defs/nope" points to nothing in the schema)"}},
    {"ref_remote",
     R"({"$ref":"https://example.com/s.json"})",
     "1",
     {R"(#/$ref: malformed schema: only references inside the schema ("#/...") are supported, )"
      R"(got "https://example.com/s.json")"}},
    // boolean schemas
    {"true_schema", "true", R"({"x":[1]})", {}},
    {"false_schema", "false", "1", {"$: no value is allowed here (the schema is false)"}},
    // malformed schemas are reported where the value needed them
    {"bad_type",
     R"({"type":"text"})",
     "1",
     {"#/type: malformed schema: must be a JSON type name (null, boolean, object, array, number, "
      "integer, string) or an array of them"}},
    {"bad_minimum", R"({"minimum":"3"})", "1", {"#/minimum: malformed schema: must be a number"}},
    {"bad_min_length",
     R"({"minLength":-1})",
     R"("a")",
     {"#/minLength: malformed schema: must be a non-negative integer"}},
    {"bad_required",
     R"({"required":"a"})",
     "{}",
     {"#/required: malformed schema: must be an array of property names"}},
    {"bad_enum", R"({"enum":[]})", "1", {"#/enum: malformed schema: must be a non-empty array"}},
    {"bad_subschema",
     R"({"properties":{"a":5}})",
     R"({"a":1})",
     {"#/properties/a: malformed schema: a schema must be an object or a boolean, got integer"}},
    // several errors at once, each with its path
    {"every_violation",
     R"({"type":"object","required":["id","tags"],"properties":{
        "id":{"type":"integer","minimum":1},"tags":{"type":"array","items":{"enum":["x","y"]}},
        "name":{"type":"string","maxLength":3}}})",
     R"({"id":0,"name":"long","tags":["x","z"]})",
     {"$.id: expected a number >= 1, got 0", "$.tags[1]: expected one of \"x\", \"y\", got \"z\"",
      "$.name: expected at most 3 characters, got 4"}},
    // unsupported assertions: listed, once per schema location, never silently passed
    {"unsupported_listed",
     R"({"type":"array","items":{"type":"string","pattern":"^a"},
        "uniqueItems":true})",
     R"(["a","b"])",
     {},
     {R"(#/uniqueItems: "uniqueItems" is not supported: not checked)",
      R"(#/items/pattern: "pattern" is not supported: not checked)"}},
    {"annotations_and_unknown_keywords_are_ignored",
     R"({"title":"t","description":"d","format":"email","default":1,"x-extension":true,
        "examples":[1],"$schema":"https://json-schema.org/draft/2020-12/schema"})",
     R"("not an email")",
     {}},
    {"tuple_items_unsupported",
     R"({"items":[{"type":"string"}]})",
     "[1]",
     {},
     {R"(#/items: "items" is not supported: an array of schemas (tuple form) is not checked)"}},
};

INSTANTIATE_TEST_SUITE_P(JsonSchema, Validation, ::testing::ValuesIn(kValidationCases),
                         [](const auto& info) { return info.param.name; });

struct GenerationCase {
  std::string name;
  std::string schema;
  std::string expected;  // the exact value, as JSON
  friend void PrintTo(const GenerationCase& c, std::ostream* os) { *os << c.name; }
};

class Generation : public ::testing::TestWithParam<GenerationCase> {};

TEST_P(Generation, GivesTheExpectedValueAndItConforms) {
  const auto& c = GetParam();
  const json::value schema = json::parse(c.schema);
  auto value = generate_instance(schema);
  ASSERT_TRUE(value) << value.error();
  EXPECT_EQ(*value, json::parse(c.expected)) << json::serialize(*value);
  const Report report = validate_instance(schema, *value);
  EXPECT_TRUE(report.conforms()) << strings(report.errors).front();
  auto again = generate_instance(schema);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *value);  // deterministic
}

const GenerationCase kGenerationCases[] = {
    {"string", R"({"type":"string"})", R"("example")"},
    {"string_min_length", R"({"type":"string","minLength":10})", R"("example example")"},
    {"string_max_length", R"({"type":"string","maxLength":3})", R"("exa")"},
    {"string_empty", R"({"type":"string","maxLength":0})", R"("")"},
    {"string_format", R"({"type":"string","format":"date-time"})", R"("2024-01-01T00:00:00Z")"},
    {"string_format_too_long", R"({"type":"string","format":"uuid","maxLength":8})",
     R"("example")"},
    {"integer", R"({"type":"integer"})", "0"},
    {"integer_minimum", R"({"type":"integer","minimum":3.5})", "4"},
    {"integer_maximum", R"({"type":"integer","maximum":-2})", "-2"},
    {"integer_exclusive", R"({"type":"integer","exclusiveMinimum":0})", "1"},
    {"number_exclusive_both", R"({"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1})",
     "0.5"},
    {"number_minimum", R"({"type":"number","minimum":2.5})", "2.5"},
    {"boolean", R"({"type":"boolean"})", "true"},
    {"null", R"({"type":"null"})", "null"},
    {"nullable_prefers_the_type", R"({"type":["null","string"]})", R"("example")"},
    {"openapi_nullable", R"({"type":"integer","nullable":true})", "0"},
    {"enum_first", R"({"enum":["red","green"]})", R"("red")"},
    {"enum_first_that_fits", R"({"type":"string","enum":[1,"green"]})", R"("green")"},
    {"const", R"({"const":{"a":[1]}})", R"({"a":[1]})"},
    {"any_of_first_that_fits", R"({"anyOf":[{"type":"string"},{"type":"integer"}],
        "minimum":1})",
     R"("example")"},
    {"any_of_skips_unsatisfiable", R"({"anyOf":[false,{"type":"integer","minimum":2}]})", "2"},
    {"object_all_properties", R"({"type":"object","properties":{"name":{"type":"string"},
        "age":{"type":"integer","minimum":0},"tags":{"type":"array","items":{"type":"string"}}},
        "required":["name"]})",
     R"({"name":"example","age":0,"tags":["example"]})"},
    {"object_max_properties_keeps_required",
     R"({"type":"object","maxProperties":1,"properties":{"a":{},"b":{"type":"boolean"}},
         "required":["b"]})",
     R"({"b":true})"},
    {"object_min_properties", R"({"type":"object","minProperties":2,
        "additionalProperties":{"type":"integer"}})",
     R"({"property_1":0,"property_2":0})"},
    {"required_outside_properties", R"({"type":"object","required":["id"]})", R"({"id":null})"},
    {"array_min_items", R"({"type":"array","minItems":3,"items":{"type":"integer","minimum":7}})",
     "[7,7,7]"},
    {"array_max_items_zero", R"({"type":"array","maxItems":0,"items":{"type":"string"}})", "[]"},
    {"array_without_items", R"({"type":"array"})", "[null]"},
    {"implied_object", R"({"properties":{"a":{"type":"boolean"}}})", R"({"a":true})"},
    {"empty_schema", "{}", "null"},
    {"true_schema", "true", "null"},
    {"ref", R"({"$defs":{"p":{"type":"string","minLength":8}},"type":"object",
        "properties":{"x":{"$ref":"#/$defs/p"}},"required":["x"]})",
     R"({"x":"example example"})"},
    {"recursive_ref_stays_finite",
     R"({"$defs":{"node":{"type":"object","properties":{"children":{"type":"array",
        "items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"})",
     R"({"children":[{"children":[{}]}]})"},
    {"openai_strict_tool_parameters",
     R"({"type":"object","properties":{"location":{"type":"string","description":"City"},
        "unit":{"type":["string","null"],"enum":["celsius","fahrenheit",null]}},
        "required":["location","unit"],"additionalProperties":false})",
     R"({"location":"example","unit":"celsius"})"},
    {"unsupported_keywords_are_ignored", R"({"type":"string","pattern":"^[0-9]+$"})",
     R"("example")"},
};

INSTANTIATE_TEST_SUITE_P(JsonSchema, Generation, ::testing::ValuesIn(kGenerationCases),
                         [](const auto& info) { return info.param.name; });

struct UnsatisfiableCase {
  std::string name;
  std::string schema;
  std::string message_part;
  friend void PrintTo(const UnsatisfiableCase& c, std::ostream* os) { *os << c.name; }
};

class Unsatisfiable : public ::testing::TestWithParam<UnsatisfiableCase> {};

TEST_P(Unsatisfiable, IsAnInvalidRequestNamingTheProblem) {
  const auto& c = GetParam();
  auto value = generate_instance(json::parse(c.schema));
  ASSERT_FALSE(value) << json::serialize(*value);
  EXPECT_EQ(value.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(value.error().message, HasSubstr(c.message_part));
}

const UnsatisfiableCase kUnsatisfiableCases[] = {
    {"false", "false", "the schema is false"},
    {"not_a_schema", "3", "a schema must be an object or a boolean"},
    {"bad_type", R"({"type":"text"})", "type must be a JSON type name"},
    {"enum_none_fits", R"({"type":"integer","enum":["a"]})", "no enum value satisfies"},
    {"bounds_cross", R"({"type":"integer","minimum":5,"maximum":3})",
     "$: expected a number >= 5, got 3"},
    {"length_cross", R"({"type":"string","minLength":5,"maxLength":2})",
     "expected at most 2 characters"},
    {"required_forbidden", R"({"type":"object","required":["a"],"additionalProperties":false})",
     "$.a: property is not allowed"},
    {"dangling_ref", R"({"properties":{"a":{"$ref":"#/nope"}},"required":["a"]})",
     R"(#/properties/a: $ref "#/nope" points to nothing)"},
    {"required_recursion", R"({"$defs":{"n":{"type":"object","properties":{"next":{
        "$ref":"#/$defs/n"}},"required":["next"]}},"$ref":"#/$defs/n"})",
     "nests deeper than 32 levels"},
    {"huge_min_items", R"({"type":"array","minItems":100000})", "above the generation limit"},
    {"huge_min_length", R"({"type":"string","minLength":100000})", "above the generation limit"},
    {"no_branch", R"({"anyOf":[{"type":"string"}],"type":"integer"})", "no anyOf branch"},
};

INSTANTIATE_TEST_SUITE_P(JsonSchema, Unsatisfiable, ::testing::ValuesIn(kUnsatisfiableCases),
                         [](const auto& info) { return info.param.name; });

TEST(JsonSchemaLimits, DeepValuesAreReportedNotRecursedForever) {
  std::string deep = "1";
  for (int i = 0; i < 30; ++i) deep = "[" + deep + "]";  // 60 levels with the $ref hops
  const json::value schema = json::parse(R"({"$defs":{"a":{"items":{"$ref":"#/$defs/a"}}},
                                           "$ref":"#/$defs/a"})");
  const Report report = validate_instance(schema, json::parse(deep));
  ASSERT_FALSE(report.conforms());
  EXPECT_THAT(report.errors.front().message, HasSubstr("nests deeper than 32 levels"));

  const Report self = validate_instance(json::parse(R"({"$ref":"#"})"), json::parse("1"));
  ASSERT_FALSE(self.conforms());
  EXPECT_THAT(self.errors.front().message, HasSubstr("nests deeper"));
}

TEST(JsonSchemaLimits, ErrorsStopAtMaxErrors) {
  const json::value schema = json::parse(R"({"items":{"type":"string"}})");
  json::array many(500, json::value(1));
  const Report report = validate_instance(schema, many, Limits{.max_errors = 10});
  EXPECT_EQ(report.errors.size(), 10u);
  EXPECT_TRUE(report.truncated);
  EXPECT_EQ(report.errors[9].path, "$[9]");
}

// {"$defs":{"l0":<leaf>,"l1":<level over l0>,...},"$ref":"#/$defs/l<levels>"}.
template <class Level>
json::value layered_schema(int levels, std::string_view leaf, Level level) {
  std::string text = R"({"$defs":{"l0":)" + std::string(leaf);
  for (int i = 1; i <= levels; ++i) {
    text += ",\"l" + std::to_string(i) +
            "\":" + level("{\"$ref\":\"#/$defs/l" + std::to_string(i - 1) + "\"}");
  }
  text += R"(},"$ref":"#/$defs/l)" + std::to_string(levels) + "\"}";
  return json::parse(text);
}

TEST(JsonSchemaLimits, NestedAnyOfCannotExplode) {
  // Each level offers two branches that both descend into the items: 2^levels applications.
  const json::value schema = layered_schema(10, R"({"type":"integer"})", [](std::string ref) {
    return R"({"type":"array","anyOf":[{"items":)" + ref + R"(,"minItems":2},{"items":)" + ref +
           "}]}";
  });
  std::string value = R"("not an integer")";
  for (int i = 0; i < 10; ++i) value = "[" + value + "]";
  const Limits limits{.max_steps = 500};
  const Report report = validate_instance(schema, json::parse(value), limits);
  EXPECT_TRUE(report.truncated);
  EXPECT_THAT(report.errors.back().message, HasSubstr("too complex"));
  EXPECT_FALSE(validate_instance(schema, json::parse(value)).conforms());  // default budget

  // Generation under the same budget ends too, with a conforming value or the limit it hit.
  auto generated = generate_instance(schema, limits);
  if (generated) {
    EXPECT_TRUE(validate_instance(schema, *generated).conforms());
  } else {
    EXPECT_THAT(generated.error().message,
                ::testing::AnyOf(HasSubstr("more than"), HasSubstr("nests deeper"),
                                 HasSubstr("too complex")));
  }
}

int count_objects(const json::value& v) {
  int n = v.is_object() ? 1 : 0;
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) n += count_objects(kv.value());
  }
  return n;
}

TEST(JsonSchemaLimits, GeneratedValuesAreBounded) {
  // Ten levels of four optional object properties each would be 4^10 objects.
  const json::value schema = layered_schema(10, R"({"type":"integer"})", [](std::string ref) {
    return R"({"type":"object","properties":{"a":)" + ref + R"(,"b":)" + ref + R"(,"c":)" + ref +
           R"(,"d":)" + ref + "}}";
  });
  auto value = generate_instance(schema);
  ASSERT_TRUE(value) << value.error();
  EXPECT_TRUE(validate_instance(schema, *value).conforms());
  EXPECT_EQ(count_objects(*value), 1 + 4 + 16 + 64);  // optional content stops at depth 6

  auto small = generate_instance(schema, Limits{.max_values = 50});
  ASSERT_TRUE(small) << small.error();  // optional properties past the budget are left out
  EXPECT_TRUE(validate_instance(schema, *small).conforms());
  EXPECT_LT(count_objects(*small), 50);
}

TEST(JsonSchema, UnsupportedFindingsComeFromBranchesThatApplied) {
  const json::value schema = json::parse(
      R"({"anyOf":[{"type":"string","pattern":"x"},{"type":"integer","multipleOf":2}]})");
  const Report report = validate_instance(schema, json::parse("3"));
  EXPECT_TRUE(report.conforms());
  EXPECT_FALSE(report.fully_checked());
  EXPECT_THAT(strings(report.unsupported),
              ElementsAreArray({R"(#/anyOf/1/multipleOf: "multipleOf" is not supported: not )"
                                R"(checked)"}));
}

}  // namespace
}  // namespace roci::json_schema
