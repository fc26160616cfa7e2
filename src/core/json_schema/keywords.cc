#include "core/json_schema/keywords.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace roci::json_schema::detail {
namespace {

constexpr std::array<std::string_view, 16> kSupported = {"type",
                                                         "nullable",
                                                         "enum",
                                                         "const",
                                                         "properties",
                                                         "required",
                                                         "additionalProperties",
                                                         "minProperties",
                                                         "maxProperties",
                                                         "items",
                                                         "minItems",
                                                         "maxItems",
                                                         "minLength",
                                                         "maxLength",
                                                         "anyOf",
                                                         "$ref"};
constexpr std::array<std::string_view, 4> kSupportedBounds = {
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"};
constexpr std::array<std::string_view, 20> kAnnotations = {
    "$schema",       "$id",       "$comment",        "$defs",
    "definitions",   "title",     "description",     "default",
    "examples",      "example",   "format",          "deprecated",
    "readOnly",      "writeOnly", "contentEncoding", "contentMediaType",
    "contentSchema", "$anchor",   "$vocabulary",     "discriminator"};
constexpr std::array<std::string_view, 23> kUnsupported = {"pattern",
                                                           "patternProperties",
                                                           "propertyNames",
                                                           "allOf",
                                                           "oneOf",
                                                           "not",
                                                           "if",
                                                           "then",
                                                           "else",
                                                           "dependentRequired",
                                                           "dependentSchemas",
                                                           "dependencies",
                                                           "uniqueItems",
                                                           "contains",
                                                           "minContains",
                                                           "maxContains",
                                                           "prefixItems",
                                                           "additionalItems",
                                                           "unevaluatedItems",
                                                           "unevaluatedProperties",
                                                           "multipleOf",
                                                           "$dynamicRef",
                                                           "$recursiveRef"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& list, std::string_view keyword) {
  for (std::string_view k : list) {
    if (k == keyword) return true;
  }
  return false;
}

constexpr std::array<std::pair<std::string_view, TypeSet>, 7> kTypeNames = {{
    {"object", kObject},
    {"array", kArray},
    {"string", kString},
    {"number", kNumber},
    {"integer", kInteger},
    {"boolean", kBoolean},
    {"null", kNull},
}};

std::optional<TypeSet> parse_type(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  for (const auto& [name, bit] : kTypeNames) {
    if (v.get_string() == name) return bit;
  }
  return std::nullopt;
}

bool is_identifier(std::string_view key) {
  if (key.empty()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Reads one bound: a number, or (draft-04 exclusive*) a boolean. nullopt on a malformed value.
std::optional<std::optional<double>> number_keyword(const json::object& schema,
                                                    std::string_view keyword) {
  const json::value* v = schema.if_contains(keyword);
  if (v == nullptr) return std::optional<double>{};
  auto d = as_number(*v);
  if (!d || !std::isfinite(*d)) return std::nullopt;
  return std::optional<double>{*d};
}

}  // namespace

KeywordRole role_of(std::string_view keyword) {
  if (in(kSupported, keyword) || in(kSupportedBounds, keyword)) return KeywordRole::kSupported;
  if (in(kAnnotations, keyword)) return KeywordRole::kAnnotation;
  if (in(kUnsupported, keyword)) return KeywordRole::kUnsupported;
  return KeywordRole::kUnknown;
}

TypeSpec read_types(const json::object& schema) {
  TypeSpec spec;
  if (const json::value* type = schema.if_contains("type")) {
    spec.given = true;
    spec.set = 0;
    if (const json::array* list = type->if_array()) {
      for (const auto& item : *list) {
        auto bit = parse_type(item);
        if (!bit) {
          return {kAnyType, false,
                  "must name JSON types (null, boolean, object, array, number, integer, string)",
                  "type"};
        }
        spec.set |= *bit;
      }
      if (list->empty()) return {kAnyType, false, "must not be an empty array", "type"};
    } else {
      auto bit = parse_type(*type);
      if (!bit) {
        return {kAnyType, false,
                "must be a JSON type name (null, boolean, object, array, number, integer, string) "
                "or an array of them",
                "type"};
      }
      spec.set = *bit;
    }
  }
  if (const json::value* nullable = schema.if_contains("nullable")) {
    if (!nullable->is_bool()) return {kAnyType, false, "must be a boolean", "nullable"};
    if (nullable->get_bool() && spec.given) spec.set |= kNull;
  }
  return spec;
}

TypeSet type_of(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return kNull;
    case json::kind::bool_:
      return kBoolean;
    case json::kind::object:
      return kObject;
    case json::kind::array:
      return kArray;
    case json::kind::int64:
    case json::kind::uint64:
      return kInteger;
    case json::kind::double_: {
      const double d = value.get_double();
      return std::isfinite(d) && std::floor(d) == d ? kInteger : kNumber;
    }
    case json::kind::string:
      return kString;
  }
  return kNull;
}

bool matches(TypeSet allowed, const json::value& value) {
  const TypeSet t = type_of(value);
  if ((allowed & t) != 0) return true;
  return t == kInteger && (allowed & kNumber) != 0;
}

std::string_view type_name(TypeSet one) {
  for (const auto& [name, bit] : kTypeNames) {
    if (bit == one) return name;
  }
  return "value";
}

std::string describe_types(TypeSet allowed) {
  std::string out;
  std::size_t written = 0;
  std::size_t total = 0;
  for (const auto& entry : kTypeNames) total += (allowed & entry.second) != 0 ? 1 : 0;
  for (const auto& [name, bit] : kTypeNames) {
    if ((allowed & bit) == 0) continue;
    if (written > 0) out += written + 1 == total ? " or " : ", ";
    out += name;
    ++written;
  }
  return out;
}

std::string_view value_type_name(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::object:
      return "object";
    case json::kind::array:
      return "array";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
  }
  return "value";
}

std::optional<double> as_number(const json::value& value) {
  switch (value.kind()) {
    case json::kind::int64:
      return static_cast<double>(value.get_int64());
    case json::kind::uint64:
      return static_cast<double>(value.get_uint64());
    case json::kind::double_:
      return value.get_double();
    default:
      return std::nullopt;
  }
}

bool json_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return *as_number(a) == *as_number(b);
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const json::value& s = a.is_int64() ? a : b;  // one int64, one uint64
    const json::value& u = a.is_int64() ? b : a;
    return s.get_int64() >= 0 && static_cast<std::uint64_t>(s.get_int64()) == u.get_uint64();
  }
  if (a.kind() != b.kind()) return false;
  if (const json::array* x = a.if_array()) {
    const json::array& y = b.get_array();
    if (x->size() != y.size()) return false;
    for (std::size_t i = 0; i < x->size(); ++i) {
      if (!json_equal((*x)[i], y[i])) return false;
    }
    return true;
  }
  if (const json::object* x = a.if_object()) {
    const json::object& y = b.get_object();
    if (x->size() != y.size()) return false;
    for (const auto& kv : *x) {
      const json::value* other = y.if_contains(kv.key());
      if (other == nullptr || !json_equal(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

std::string preview(const json::value& value, std::size_t max_bytes) {
  std::string text = json::serialize(value);
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  text.resize(cut);
  text += "...";
  return text;
}

Bounds read_bounds(const json::object& schema) {
  Bounds b;
  auto fail = [&b](std::string_view keyword, std::string message) {
    b = Bounds{};
    b.problem = std::move(message);
    b.keyword = keyword;
    return b;
  };
  auto minimum = number_keyword(schema, "minimum");
  if (!minimum) return fail("minimum", "must be a number");
  auto maximum = number_keyword(schema, "maximum");
  if (!maximum) return fail("maximum", "must be a number");
  b.lo = *minimum;
  b.hi = *maximum;
  for (const bool lower : {true, false}) {
    const std::string_view keyword = lower ? "exclusiveMinimum" : "exclusiveMaximum";
    const json::value* v = schema.if_contains(keyword);
    if (v == nullptr) continue;
    std::optional<double>& bound = lower ? b.lo : b.hi;
    bool& exclusive = lower ? b.lo_exclusive : b.hi_exclusive;
    if (v->is_bool()) {  // draft-04: makes minimum / maximum exclusive
      exclusive = v->get_bool() && bound.has_value();
      continue;
    }
    auto d = as_number(*v);
    if (!d || !std::isfinite(*d)) return fail(keyword, "must be a number");
    // Both given: the tighter one applies.
    const bool tighter = !bound || (lower ? *d >= *bound : *d <= *bound);
    if (tighter) {
      bound = *d;
      exclusive = true;
    }
  }
  return b;
}

Count read_count(const json::object& schema, std::string_view keyword) {
  const json::value* v = schema.if_contains(keyword);
  if (v == nullptr) return {};
  if (v->is_int64() && v->get_int64() >= 0)
    return {static_cast<std::size_t>(v->get_int64()), false};
  if (v->is_uint64()) {
    return {static_cast<std::size_t>(
                std::min<std::uint64_t>(v->get_uint64(), std::numeric_limits<std::size_t>::max())),
            false};
  }
  if (v->is_double() && v->get_double() >= 0 && std::floor(v->get_double()) == v->get_double() &&
      v->get_double() < 9.0e18) {
    return {static_cast<std::size_t>(v->get_double()), false};
  }
  return {std::nullopt, true};
}

std::size_t count_code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

void append_property(std::string& path, std::string_view key) {
  if (is_identifier(key)) {
    path += '.';
    path += key;
    return;
  }
  path += '[';
  path += json::serialize(json::string_view(key.data(), key.size()));
  path += ']';
}

void append_index(std::string& path, std::size_t index) {
  path += '[';
  path += std::to_string(index);
  path += ']';
}

void append_pointer(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

void append_pointer(std::string& pointer, std::size_t index) {
  pointer += '/';
  pointer += std::to_string(index);
}

const json::value* resolve_ref(const json::value& root, std::string_view ref,
                               std::string& problem) {
  if (ref.empty() || ref.front() != '#') {
    problem = "only references inside the schema (\"#/...\") are supported, got \"" +
              std::string(ref) + "\"";
    return nullptr;
  }
  std::string_view rest = ref.substr(1);
  const json::value* at = &root;
  while (!rest.empty()) {
    if (rest.front() != '/') {
      problem = std::string("\"").append(ref).append(
          "\" is not a JSON pointer (anchors are not supported)");
      return nullptr;
    }
    rest.remove_prefix(1);
    const std::size_t slash = rest.find('/');
    std::string_view raw = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    if (const json::object* obj = at->if_object()) {
      at = obj->if_contains(token);
    } else if (const json::array* arr = at->if_array()) {
      char* end = nullptr;
      const unsigned long i = std::strtoul(token.c_str(), &end, 10);
      at = !token.empty() && end != nullptr && *end == '\0' && i < arr->size() ? &(*arr)[i]
                                                                               : nullptr;
    } else {
      at = nullptr;
    }
    if (at == nullptr) {
      problem = std::string("\"").append(ref).append("\" points to nothing in the schema");
      return nullptr;
    }
  }
  return at;
}

}  // namespace roci::json_schema::detail
