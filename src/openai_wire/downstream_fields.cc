#include "openai_wire/downstream_fields.h"

#include "core/request_checks.h"
#include "openai_wire/json_util.h"

namespace roci::openai_wire::detail {

Error field_error(std::string_view path, std::string_view expected, const boost::json::value& got) {
  return checks::field_error(path, expected, describe(got));
}

Result<std::string_view> string_field(const boost::json::value& v, std::string_view path) {
  if (!v.is_string()) return field_error(path, "a string", v);
  return std::string_view(v.get_string());
}

Result<bool> bool_field(const boost::json::value& v, std::string_view path) {
  if (!v.is_bool()) return field_error(path, "a boolean (true or false)", v);
  return v.get_bool();
}

Result<double> number_in(const boost::json::value& v, std::string_view path, double lo, double hi) {
  auto d = as_double(v);
  const checks::NumberRange range{lo, hi};
  if (!d || !checks::in_range(*d, range)) {
    return field_error(path, checks::number_expectation(range), v);
  }
  return *d;
}

Result<std::int64_t> integer_field(const boost::json::value& v, std::string_view path) {
  auto i = as_int64(v);
  if (!i) return field_error(path, "an integer", v);
  return *i;
}

Result<const boost::json::object*> object_field(const boost::json::value& v,
                                                std::string_view path) {
  if (!v.is_object()) return field_error(path, "an object", v);
  return &v.get_object();
}

Result<boost::json::object> parse_body_object(std::string_view body, const RequestLimits& limits,
                                              boost::json::storage_ptr storage) {
  auto parsed =
      parse_strict_json(body, {limits.max_depth, limits.max_string_bytes}, std::move(storage));
  if (!parsed) return parsed.error();
  if (!parsed->is_object()) {
    return Error::invalid_request("request body must be a JSON object, got " + describe(*parsed));
  }
  return std::move(parsed->get_object());
}

Result<bool> SettingsParser::parse(std::string_view key, const boost::json::value& v,
                                   GenerationSettings& out) {
  auto is = [&](std::string_view name) { return key == name; };
  const bool known = is("max_tokens") || is("max_completion_tokens") || is("temperature") ||
                     is("top_p") || is("top_k") || is("frequency_penalty") ||
                     is("presence_penalty") || is("seed") || is("stop");
  if (!known) return false;
  if (v.is_null()) return true;

  if (is("max_tokens") || is("max_completion_tokens")) {
    const auto i = as_int64(v);
    if (!i || !checks::max_tokens_valid(*i, limits_.max_tokens_ceiling)) {
      return field_error(key, checks::max_tokens_expectation(limits_.max_tokens_ceiling), v);
    }
    // max_completion_tokens is the newer name and wins whatever the key order.
    if (is("max_completion_tokens")) {
      saw_max_completion_tokens_ = true;
      out.max_tokens = static_cast<int>(*i);
    } else if (!saw_max_completion_tokens_) {
      out.max_tokens = static_cast<int>(*i);
    }
    return true;
  }
  if (is("temperature")) {
    auto d = number_in(v, key, checks::kTemperature.lo, checks::kTemperature.hi);
    if (!d) return d.error();
    out.temperature = *d;
    return true;
  }
  if (is("top_p")) {
    auto d = number_in(v, key, checks::kTopP.lo, checks::kTopP.hi);
    if (!d) return d.error();
    out.top_p = *d;
    return true;
  }
  if (is("frequency_penalty") || is("presence_penalty")) {
    auto d = number_in(v, key, checks::kPenalty.lo, checks::kPenalty.hi);
    if (!d) return d.error();
    (is("frequency_penalty") ? out.frequency_penalty : out.presence_penalty) = *d;
    return true;
  }
  if (is("top_k")) {
    const auto i = as_int64(v);
    if (!i || !checks::top_k_valid(*i)) return field_error(key, checks::kTopKExpectation, v);
    out.top_k = static_cast<int>(*i);
    return true;
  }
  if (is("seed")) {
    auto i = integer_field(v, key);
    if (!i) return i.error();
    out.seed = *i;
    return true;
  }
  // stop: a string or an array of strings.
  std::vector<std::string> stops;
  if (v.is_string()) {
    stops.emplace_back(v.get_string());
  } else if (v.is_array()) {
    const auto& arr = v.get_array();
    if (arr.size() > limits_.max_stop_sequences) {
      return checks::too_many_stops(arr.size(), limits_.max_stop_sequences);
    }
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        return field_error("stop[" + std::to_string(i) + "]", "a string", arr[i]);
      }
      stops.emplace_back(arr[i].get_string());
    }
  } else {
    return field_error(key, "a string or an array of strings", v);
  }
  if (!stops.empty()) out.stop_sequences = std::move(stops);
  return true;
}

}  // namespace roci::openai_wire::detail
