// validate_instance: one walk over the value, applying each schema keyword where JSON Schema says
// it applies (type-specific keywords only to values of that type).
#include "core/json_schema/keywords.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace roci::json_schema {
namespace detail {
namespace {

constexpr std::size_t kEnumPreview = 5;  // enum values listed in a message

// Shortest decimal text that reads back as `d` ("10", "0.1", "1e+30").
std::string format_number(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

class Validator {
 public:
  Validator(const json::value& root, const Limits& limits, std::size_t& steps, Report& report,
            std::string path, std::string pointer)
      : root_(root),
        limits_(limits),
        steps_(steps),
        report_(report),
        path_(std::move(path)),
        pointer_(std::move(pointer)) {}

  void check(const json::value& schema, const json::value& value, std::size_t depth) {
    if (report_.truncated) return;
    if (++steps_ > limits_.max_steps) {
      report_.errors.push_back({path_, "the schema is too complex: checking it takes more than " +
                                           std::to_string(limits_.max_steps) + " steps"});
      report_.truncated = true;
      return;
    }
    if (depth > limits_.max_depth) {
      error(path_, "the schema or the value nests deeper than " +
                       std::to_string(limits_.max_depth) + " levels");
      return;
    }
    if (schema.is_bool()) {
      if (!schema.get_bool()) error(path_, "no value is allowed here (the schema is false)");
      return;
    }
    const json::object* s = schema.if_object();
    if (s == nullptr) {
      schema_error({}, "a schema must be an object or a boolean, got " +
                           std::string(value_type_name(schema)));
      return;
    }
    for (const auto& kv : *s) {
      if (role_of(kv.key()) == KeywordRole::kUnsupported) unsupported(kv.key(), "not checked");
    }
    if (const json::value* ref = s->if_contains("$ref")) check_ref(*ref, value, depth);

    const TypeSpec types = read_types(*s);
    if (!types.problem.empty()) {
      schema_error(types.keyword, types.problem);
    } else if (types.given && !matches(types.set, value)) {
      error(path_, "expected " + describe_types(types.set) + ", got " +
                       std::string(value_type_name(value)));
    }
    if (const json::value* e = s->if_contains("enum")) check_enum(*e, value);
    if (const json::value* c = s->if_contains("const"); c != nullptr && !json_equal(*c, value)) {
      error(path_, "expected " + preview(*c) + ", got " + preview(value));
    }
    if (const json::value* any = s->if_contains("anyOf")) check_any_of(*any, value, depth);

    switch (value.kind()) {
      case json::kind::object:
        check_object(*s, value.get_object(), depth);
        break;
      case json::kind::array:
        check_array(*s, value.get_array(), depth);
        break;
      case json::kind::string:
        check_string(*s, value.get_string());
        break;
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        check_number(*s, value);
        break;
      default:
        break;
    }
  }

 private:
  void error(const std::string& path, std::string message) {
    if (report_.truncated) return;
    if (report_.errors.size() >= limits_.max_errors) {
      report_.truncated = true;
      return;
    }
    report_.errors.push_back({path, std::move(message)});
  }

  void schema_error(std::string_view keyword, std::string message) {
    std::string at = pointer_;
    if (!keyword.empty()) append_pointer(at, keyword);
    error(at, "malformed schema: " + std::move(message));
  }

  void unsupported(std::string_view keyword, std::string_view what) {
    std::string at = pointer_;
    append_pointer(at, keyword);
    for (const auto& f : report_.unsupported) {
      if (f.path == at) return;
    }
    report_.unsupported.push_back(
        {std::move(at),
         std::string("\"").append(keyword).append("\" is not supported: ").append(what)});
  }

  // Runs `fn` with `step` appended to the value path and `token` to the schema pointer.
  template <class Step, class Token, class Fn>
  void nested(Step step, Token token, Fn fn) {
    const std::size_t path_size = path_.size();
    const std::size_t pointer_size = pointer_.size();
    step(path_);
    token(pointer_);
    fn();
    path_.resize(path_size);
    pointer_.resize(pointer_size);
  }

  void check_ref(const json::value& ref, const json::value& value, std::size_t depth) {
    if (!ref.is_string()) {
      schema_error("$ref", "must be a string");
      return;
    }
    std::string problem;
    const json::value* target = resolve_ref(root_, ref.get_string(), problem);
    if (target == nullptr) {
      schema_error("$ref", problem);
      return;
    }
    std::string saved = std::exchange(pointer_, std::string(ref.get_string()));
    check(*target, value, depth + 1);
    pointer_ = std::move(saved);
  }

  void check_enum(const json::value& e, const json::value& value) {
    const json::array* list = e.if_array();
    if (list == nullptr || list->empty()) {
      schema_error("enum", "must be a non-empty array");
      return;
    }
    for (const auto& candidate : *list) {
      if (json_equal(candidate, value)) return;
    }
    std::string allowed;
    for (std::size_t i = 0; i < list->size() && i < kEnumPreview; ++i) {
      if (i > 0) allowed += ", ";
      allowed += preview((*list)[i]);
    }
    if (list->size() > kEnumPreview) allowed += ", ...";
    error(path_, "expected one of " + allowed + ", got " + preview(value));
  }

  void check_any_of(const json::value& any, const json::value& value, std::size_t depth) {
    const json::array* branches = any.if_array();
    if (branches == nullptr || branches->empty()) {
      schema_error("anyOf", "must be a non-empty array of schemas");
      return;
    }
    std::string why;
    std::vector<Finding> unsupported_seen;
    for (std::size_t i = 0; i < branches->size(); ++i) {
      Report scratch;
      std::string pointer = pointer_;
      append_pointer(pointer, "anyOf");
      append_pointer(pointer, i);
      Validator branch(root_, limits_, steps_, scratch, path_, std::move(pointer));
      branch.check((*branches)[i], value, depth + 1);
      if (scratch.truncated) {  // a limit, not a mismatch: the answer is unknown
        report_.truncated = true;
        report_.errors.push_back(scratch.errors.back());
        return;
      }
      if (scratch.conforms()) {
        merge_unsupported(scratch.unsupported);
        return;
      }
      unsupported_seen.insert(unsupported_seen.end(), scratch.unsupported.begin(),
                              scratch.unsupported.end());
      why += (i == 0 ? " (" : "; ") + std::to_string(i) + ": ";
      const Finding& first = scratch.errors.front();
      why += first.path == path_ ? first.message : first.to_string();
    }
    merge_unsupported(unsupported_seen);
    error(path_,
          "matches none of the " + std::to_string(branches->size()) + " anyOf schemas" + why + ")");
  }

  void merge_unsupported(const std::vector<Finding>& found) {
    for (const auto& f : found) {
      bool known = false;
      for (const auto& g : report_.unsupported) known = known || g.path == f.path;
      if (!known) report_.unsupported.push_back(f);
    }
  }

  void check_object(const json::object& s, const json::object& value, std::size_t depth) {
    const json::object* properties = nullptr;
    if (const json::value* p = s.if_contains("properties")) {
      properties = p->if_object();
      if (properties == nullptr) schema_error("properties", "must be an object of schemas");
    }
    if (properties != nullptr) {
      for (const auto& kv : *properties) {
        const json::value* member = value.if_contains(kv.key());
        if (member == nullptr) continue;
        nested([&](std::string& p) { append_property(p, kv.key()); },
               [&](std::string& p) {
                 append_pointer(p, "properties");
                 append_pointer(p, kv.key());
               },
               [&] { check(kv.value(), *member, depth + 1); });
      }
    }
    if (const json::value* r = s.if_contains("required")) {
      const json::array* names = r->if_array();
      bool strings = names != nullptr;
      for (std::size_t i = 0; strings && i < names->size(); ++i) {
        strings = (*names)[i].is_string();
      }
      if (!strings) {
        schema_error("required", "must be an array of property names");
      } else {
        for (const auto& name : *names) {
          if (value.contains(name.get_string())) continue;
          std::string at = path_;
          append_property(at, name.get_string());
          error(at, "required property is missing");
        }
      }
    }
    if (const json::value* extra = s.if_contains("additionalProperties")) {
      if (!extra->is_bool() && !extra->is_object()) {
        schema_error("additionalProperties", "must be a boolean or a schema");
      } else if (!(extra->is_bool() && extra->get_bool())) {
        for (const auto& kv : value) {
          if (properties != nullptr && properties->contains(kv.key())) continue;
          if (extra->is_bool()) {
            std::string at = path_;
            append_property(at, kv.key());
            error(at, "property is not allowed (additionalProperties is false)");
            continue;
          }
          nested([&](std::string& p) { append_property(p, kv.key()); },
                 [&](std::string& p) { append_pointer(p, "additionalProperties"); },
                 [&] { check(*extra, kv.value(), depth + 1); });
        }
      }
    }
    check_count(s, "minProperties", value.size(), true, "property", "properties");
    check_count(s, "maxProperties", value.size(), false, "property", "properties");
  }

  void check_array(const json::object& s, const json::array& value, std::size_t depth) {
    if (const json::value* items = s.if_contains("items")) {
      if (items->is_array()) {
        unsupported("items", "an array of schemas (tuple form) is not checked");
      } else if (!items->is_object() && !items->is_bool()) {
        schema_error("items", "must be a schema");
      } else {
        for (std::size_t i = 0; i < value.size() && !report_.truncated; ++i) {
          nested([&](std::string& p) { append_index(p, i); },
                 [&](std::string& p) { append_pointer(p, "items"); },
                 [&] { check(*items, value[i], depth + 1); });
        }
      }
    }
    check_count(s, "minItems", value.size(), true, "item", "items");
    check_count(s, "maxItems", value.size(), false, "item", "items");
  }

  void check_string(const json::object& s, std::string_view value) {
    const std::size_t length = count_code_points(value);
    check_count(s, "minLength", length, true, "character", "characters");
    check_count(s, "maxLength", length, false, "character", "characters");
  }

  void check_count(const json::object& s, std::string_view keyword, std::size_t actual,
                   bool at_least, std::string_view one, std::string_view many) {
    const Count c = read_count(s, keyword);
    if (c.malformed) {
      schema_error(keyword, "must be a non-negative integer");
      return;
    }
    if (!c.value || (at_least ? actual >= *c.value : actual <= *c.value)) return;
    error(path_, std::string("expected ") + (at_least ? "at least " : "at most ") +
                     plural(*c.value, one, many) + ", got " + std::to_string(actual));
  }

  void check_number(const json::object& s, const json::value& value) {
    const Bounds b = read_bounds(s);
    if (!b.problem.empty()) {
      schema_error(b.keyword, b.problem);
      return;
    }
    const double d = *as_number(value);
    if (b.lo && (d < *b.lo || (b.lo_exclusive && d == *b.lo))) {
      error(path_, std::string("expected a number ") + (b.lo_exclusive ? "> " : ">= ") +
                       format_number(*b.lo) + ", got " + preview(value));
    }
    if (b.hi && (d > *b.hi || (b.hi_exclusive && d == *b.hi))) {
      error(path_, std::string("expected a number ") + (b.hi_exclusive ? "< " : "<= ") +
                       format_number(*b.hi) + ", got " + preview(value));
    }
  }

  const json::value& root_;
  const Limits& limits_;
  std::size_t& steps_;  // schema applications so far, shared with anyOf branches
  Report& report_;
  std::string path_;     // where in the value: "$.items[2].name"
  std::string pointer_;  // where in the schema: "#/properties/items/items"
};

}  // namespace

Report validate_within(const json::value& root, const json::value& schema, const json::value& value,
                       const Limits& limits, std::size_t& steps) {
  Report report;
  Validator(root, limits, steps, report, "$", "#").check(schema, value, 0);
  return report;
}

}  // namespace detail

Report validate_instance(const boost::json::value& schema, const boost::json::value& value,
                         const Limits& limits) {
  std::size_t steps = 0;
  return detail::validate_within(schema, schema, value, limits, steps);
}

}  // namespace roci::json_schema
