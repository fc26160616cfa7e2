// generate_instance: builds the simplest conforming value top-down, then checks it with the
// validator, so a returned value always conforms.
#include "core/json_schema/keywords.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace roci::json_schema {
namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the module's own helpers

// Optional content (non-required properties, the first array item past minItems) is generated
// down to this depth only: recursive schemas stay small and finite.
constexpr std::size_t kOptionalDepth = 6;
constexpr std::string_view kWord = "example";

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kFormatSamples = {{
    {"date-time", "2024-01-01T00:00:00Z"},
    {"date", "2024-01-01"},
    {"time", "00:00:00Z"},
    {"email", "user@example.com"},
    {"uri", "https://example.com/"},
    {"uuid", "00000000-0000-4000-8000-000000000000"},
    {"ipv4", "192.0.2.1"},
    {"ipv6", "2001:db8::1"},
    {"hostname", "example.com"},
}};

class Generator {
 public:
  Generator(const json::value& root, const Limits& limits) : root_(root), limits_(limits) {}

  Result<json::value> generate(const json::value& schema, std::size_t depth) {
    if (++steps_ > limits_.max_steps || ++values_ > limits_.max_values) {
      return fail("the schema asks for more than " + std::to_string(limits_.max_values) +
                  " values or " + std::to_string(limits_.max_steps) + " steps");
    }
    if (depth > limits_.max_depth) {
      return fail("the schema nests deeper than " + std::to_string(limits_.max_depth) +
                  " levels (a required property or item that contains itself?)");
    }
    if (schema.is_bool()) {
      if (schema.get_bool()) return json::value(nullptr);
      return fail("the schema is false: no value conforms");
    }
    const json::object* s = schema.if_object();
    if (s == nullptr) return fail("a schema must be an object or a boolean");

    if (const json::value* ref = s->if_contains("$ref")) {
      if (!ref->is_string()) return fail("$ref must be a string");
      std::string problem;
      const json::value* target = resolve_ref(root_, ref->get_string(), problem);
      if (target == nullptr) return fail("$ref " + problem);
      return at(std::string(ref->get_string()), [&] { return generate(*target, depth + 1); });
    }
    if (const json::value* c = s->if_contains("const")) return *c;
    if (const json::value* e = s->if_contains("enum")) return pick_enum(schema, *e);
    if (const json::value* any = s->if_contains("anyOf")) return pick_any_of(schema, *any, depth);

    const TypeSpec types = read_types(*s);
    if (!types.problem.empty()) return fail(std::string(types.keyword) + " " + types.problem);
    switch (choose_type(*s, types)) {
      case kObject:
        return object(*s, depth);
      case kArray:
        return array(*s, depth);
      case kString:
        return string(*s);
      case kInteger:
        return number(*s, true);
      case kNumber:
        return number(*s, false);
      case kBoolean:
        return json::value(true);
      default:
        return json::value(nullptr);
    }
  }

 private:
  Error fail(std::string message) const {
    return Error::invalid_request("cannot generate a value for the schema at " + pointer_ + ": " +
                                  std::move(message));
  }

  template <class Fn>
  Result<json::value> at(std::string pointer, Fn fn) {
    std::string saved = std::exchange(pointer_, std::move(pointer));
    Result<json::value> out = fn();
    pointer_ = std::move(saved);
    return out;
  }

  template <class Fn>
  Result<json::value> under(std::initializer_list<std::string_view> tokens, Fn fn) {
    std::string pointer = pointer_;
    for (std::string_view t : tokens) append_pointer(pointer, t);
    return at(std::move(pointer), fn);
  }

  bool conforms(const json::value& schema, const json::value& value) {
    return validate_within(root_, schema, value, limits_, steps_).conforms();
  }

  // The first enum value that also satisfies the rest of the schema.
  Result<json::value> pick_enum(const json::value& schema, const json::value& e) {
    const json::array* list = e.if_array();
    if (list == nullptr || list->empty()) return fail("enum must be a non-empty array");
    for (const auto& candidate : *list) {
      if (conforms(schema, candidate)) return candidate;
    }
    return fail("no enum value satisfies the rest of the schema");
  }

  // The first anyOf branch whose value also satisfies the rest of the schema.
  Result<json::value> pick_any_of(const json::value& schema, const json::value& any,
                                  std::size_t depth) {
    const json::array* branches = any.if_array();
    if (branches == nullptr || branches->empty()) {
      return fail("anyOf must be a non-empty array of schemas");
    }
    std::optional<Error> first_failure;
    for (std::size_t i = 0; i < branches->size(); ++i) {
      auto candidate =
          under({"anyOf", std::to_string(i)}, [&] { return generate((*branches)[i], depth + 1); });
      if (candidate && conforms(schema, *candidate)) return candidate;
      if (!candidate && !first_failure) first_failure = candidate.error();
    }
    if (first_failure) return *first_failure;
    return fail("no anyOf branch gives a value that satisfies the rest of the schema");
  }

  // The type to generate: the first non-null one `type` allows, else one its keywords imply.
  static TypeSet choose_type(const json::object& s, const TypeSpec& types) {
    if (types.given) {
      for (TypeSet t : {kObject, kArray, kString, kInteger, kNumber, kBoolean}) {
        if ((types.set & t) != 0) return t;
      }
      return kNull;
    }
    auto has = [&s](std::initializer_list<std::string_view> keys) {
      for (auto k : keys) {
        if (s.contains(k)) return true;
      }
      return false;
    };
    if (has({"properties", "required", "additionalProperties", "minProperties"})) return kObject;
    if (has({"items", "minItems", "maxItems"})) return kArray;
    if (has({"minLength", "maxLength", "format"})) return kString;
    if (has({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) return kNumber;
    return kNull;
  }

  Result<std::size_t> count(const json::object& s, std::string_view keyword) {
    const Count c = read_count(s, keyword);
    if (c.malformed) return fail(std::string(keyword) + " must be a non-negative integer");
    return c.value.value_or(0);
  }

  Result<json::value> object(const json::object& s, std::size_t depth) {
    const json::value* p = s.if_contains("properties");
    const json::object* properties = p != nullptr ? p->if_object() : nullptr;
    if (p != nullptr && properties == nullptr) return fail("properties must be an object");
    const json::value* r = s.if_contains("required");
    const json::array* required = r != nullptr ? r->if_array() : nullptr;
    if (r != nullptr && required == nullptr) return fail("required must be an array");
    auto is_required = [required](std::string_view name) {
      if (required == nullptr) return false;
      for (const auto& n : *required) {
        if (n.is_string() && n.get_string() == name) return true;
      }
      return false;
    };
    const Count max = read_count(s, "maxProperties");
    auto min = count(s, "minProperties");
    if (!min) return min.error();
    const std::size_t required_count = required != nullptr ? required->size() : 0;
    std::size_t optional_room =
        max.value ? (*max.value > required_count ? *max.value - required_count : 0)
                  : std::numeric_limits<std::size_t>::max();
    if (depth > kOptionalDepth) optional_room = 0;
    if (*min > limits_.max_items) return fail("minProperties is above the generation limit");

    json::object out;
    if (properties != nullptr) {
      for (const auto& kv : *properties) {
        const bool must = is_required(kv.key());
        if (!must && optional_room == 0) continue;
        auto v = under({"properties", kv.key()}, [&] { return generate(kv.value(), depth + 1); });
        if (!v) {
          if (must) return v.error();
          continue;  // an optional property that cannot be generated is left out
        }
        if (!must) --optional_room;
        out.emplace(kv.key(), std::move(*v));
      }
    }
    const json::value* extra = s.if_contains("additionalProperties");
    auto add_extra = [&](std::string_view name) -> Result<void> {
      if (extra == nullptr || extra->is_bool()) {  // false: the validator names the problem
        out.emplace(name, nullptr);
        return {};
      }
      auto v = under({"additionalProperties"}, [&] { return generate(*extra, depth + 1); });
      if (!v) return v.error();
      out.emplace(name, std::move(*v));
      return {};
    };
    if (required != nullptr) {
      for (const auto& name : *required) {
        if (!name.is_string()) return fail("required must hold property names");
        if (out.contains(name.get_string())) continue;
        if (auto added = add_extra(name.get_string()); !added) return added.error();
      }
    }
    for (std::size_t k = 1; out.size() < *min; ++k) {
      const std::string name = "property_" + std::to_string(k);
      if (out.contains(name)) continue;
      if (auto added = add_extra(name); !added) return added.error();
    }
    return json::value(std::move(out));
  }

  Result<json::value> array(const json::object& s, std::size_t depth) {
    auto min = count(s, "minItems");
    if (!min) return min.error();
    const Count max = read_count(s, "maxItems");
    if (*min > limits_.max_items) {
      return fail("minItems " + std::to_string(*min) + " is above the generation limit of " +
                  std::to_string(limits_.max_items));
    }
    const json::value* items = s.if_contains("items");
    if (items != nullptr && !items->is_object() && !items->is_bool()) items = nullptr;  // tuples
    std::size_t wanted = std::max<std::size_t>(*min, depth <= kOptionalDepth ? 1 : 0);
    if (max.value) wanted = std::min(wanted, *max.value);

    json::array out;
    for (std::size_t i = 0; i < wanted; ++i) {
      if (items == nullptr) {
        out.emplace_back(nullptr);
        continue;
      }
      auto v = under({"items"}, [&] { return generate(*items, depth + 1); });
      if (!v) {
        if (i < *min) return v.error();
        break;  // the optional item is left out
      }
      out.push_back(std::move(*v));
    }
    return json::value(std::move(out));
  }

  Result<json::value> string(const json::object& s) {
    auto min = count(s, "minLength");
    if (!min) return min.error();
    const Count max = read_count(s, "maxLength");
    if (*min > limits_.max_string_bytes) {
      return fail("minLength " + std::to_string(*min) + " is above the generation limit of " +
                  std::to_string(limits_.max_string_bytes));
    }
    auto fits = [&](std::size_t n) { return n >= *min && (!max.value || n <= *max.value); };
    if (const json::value* f = s.if_contains("format"); f != nullptr && f->is_string()) {
      for (const auto& [format, sample] : kFormatSamples) {
        if (f->get_string() == format && fits(sample.size())) return json::value(sample);
      }
    }
    std::string text(kWord);
    while (text.size() < *min) {
      text += ' ';
      text += kWord;
    }
    if (text.size() > *min && max.value && text.size() > *max.value) {
      text.resize(std::max(*min, *max.value));
    }
    if (!text.empty() && text.back() == ' ') text.back() = 'e';  // no trailing space
    return json::value(std::move(text));
  }

  Result<json::value> number(const json::object& s, bool integer) {
    const Bounds b = read_bounds(s);
    if (!b.problem.empty()) return fail(std::string(b.keyword) + " " + b.problem);
    double v = 0;
    if (integer) {
      std::optional<double> lo, hi;
      if (b.lo) lo = b.lo_exclusive ? std::floor(*b.lo) + 1 : std::ceil(*b.lo);
      if (b.hi) hi = b.hi_exclusive ? std::ceil(*b.hi) - 1 : std::floor(*b.hi);
      if (lo && v < *lo) v = *lo;
      if (hi && v > *hi) v = *hi;
    } else {
      if (b.lo && (v < *b.lo || (b.lo_exclusive && v <= *b.lo))) {
        v = !b.lo_exclusive ? *b.lo : (b.hi ? (*b.lo + *b.hi) / 2 : *b.lo + 1);
      }
      if (b.hi && (v > *b.hi || (b.hi_exclusive && v >= *b.hi))) {
        v = !b.hi_exclusive ? *b.hi : (b.lo ? (*b.lo + *b.hi) / 2 : *b.hi - 1);
      }
    }
    // Integral values print as integers ("3", not "3e0"), which also satisfy "number".
    if (std::floor(v) == v && std::fabs(v) < 9.0e15) {
      return json::value(static_cast<std::int64_t>(v));
    }
    return json::value(v);
  }

  const json::value& root_;
  const Limits& limits_;
  std::size_t steps_ = 0;   // generation and validation steps (Limits::max_steps)
  std::size_t values_ = 0;  // values generated (Limits::max_values)
  std::string pointer_ = "#";
};

}  // namespace

Result<boost::json::value> generate_instance(const boost::json::value& schema,
                                             const Limits& limits) {
  Generator generator(schema, limits);
  auto value = generator.generate(schema, 0);
  if (!value) return value.error();
  // The checks above are local; siblings of $ref, enum or anyOf and conflicting bounds are only
  // seen by the whole-schema validation.
  Report report = validate_instance(schema, *value, limits);
  if (!report.conforms()) {
    return Error::invalid_request(
        "cannot generate a value for the schema: the simplest candidate breaks it (" +
        report.errors.front().to_string() + ")");
  }
  return value;
}

}  // namespace roci::json_schema
