#include "core/request_checks.h"

#include <charconv>
#include <cmath>

namespace roci::checks {

Error field_error(std::string_view path, std::string_view expected, std::string_view got) {
  std::string message(path);
  message += " must be ";
  message += expected;
  message += ", got ";
  message += got;
  return Error::invalid_request(std::move(message), std::string(path));
}

std::string format_number(double d) {
  if (!std::isfinite(d)) return std::isnan(d) ? "NaN" : (d > 0 ? "infinity" : "-infinity");
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string out(buf, end);
  if (out.ends_with(".0")) out.resize(out.size() - 2);
  return out;
}

std::string number_expectation(NumberRange range) {
  return "a number between " + format_number(range.lo) + " and " + format_number(range.hi);
}

bool in_range(double v, NumberRange range) { return v >= range.lo && v <= range.hi; }

std::string max_tokens_expectation(int ceiling) {
  return "an integer between 1 and " + std::to_string(ceiling) + " (or -1 for no limit)";
}

bool max_tokens_valid(std::int64_t v, int ceiling) { return v != 0 && v >= -1 && v <= ceiling; }

bool top_k_valid(std::int64_t v) { return v >= -1 && v <= kMaxTopK; }

Error too_many_stops(std::size_t count, std::size_t max) {
  return Error::invalid_request(
      "stop must hold at most " + std::to_string(max) + " sequences, got " + std::to_string(count),
      "stop");
}

Error empty_messages() { return field_error("messages", kMessagesExpectation, "an empty array"); }

Error too_many_messages(std::size_t count, std::size_t max) {
  return Error::invalid_request("messages holds " + std::to_string(count) + " entries; at most " +
                                    std::to_string(max) + " are accepted",
                                "messages");
}

namespace {

std::optional<Error> check_number(std::string_view path, const std::optional<double>& v,
                                  NumberRange range) {
  if (!v || in_range(*v, range)) return std::nullopt;
  return field_error(path, number_expectation(range), format_number(*v));
}

}  // namespace

std::optional<Error> check_settings(const GenerationSettings& s, int max_tokens_ceiling) {
  if (s.max_tokens && !max_tokens_valid(*s.max_tokens, max_tokens_ceiling)) {
    return field_error("max_tokens", max_tokens_expectation(max_tokens_ceiling),
                       std::to_string(*s.max_tokens));
  }
  if (auto e = check_number("temperature", s.temperature, kTemperature)) return e;
  if (auto e = check_number("top_p", s.top_p, kTopP)) return e;
  if (auto e = check_number("frequency_penalty", s.frequency_penalty, kPenalty)) return e;
  if (auto e = check_number("presence_penalty", s.presence_penalty, kPenalty)) return e;
  if (s.top_k && !top_k_valid(*s.top_k)) {
    return field_error("top_k", kTopKExpectation, std::to_string(*s.top_k));
  }
  if (s.stop_sequences && s.stop_sequences->size() > kMaxStopSequences) {
    return too_many_stops(s.stop_sequences->size(), kMaxStopSequences);
  }
  return std::nullopt;
}

std::optional<Error> check_messages(const std::vector<ModelMessage>& messages,
                                    std::size_t max_messages) {
  if (messages.empty()) return empty_messages();
  if (messages.size() > max_messages) return too_many_messages(messages.size(), max_messages);
  return std::nullopt;
}

}  // namespace roci::checks
