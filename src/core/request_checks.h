// Private: the range checks on what a generation request sends, shared by the gateway (its parser
// of client bodies, openai_wire/downstream_*) and the SDK (before it sends, src/sdk). One set of
// ranges and one wording, so an SDK user and a gateway client read the same message:
//
//   if (auto e = roci::checks::check_settings(settings)) return *e;
//   // "temperature must be a number between 0 and 2, got 3.5" (kInvalidRequest, param
//   //  "temperature")
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roci::checks {

struct NumberRange {
  double lo = 0;
  double hi = 0;
};
inline constexpr NumberRange kTemperature{0, 2};
inline constexpr NumberRange kTopP{0, 1};
inline constexpr NumberRange kPenalty{-2, 2};  // frequency_penalty, presence_penalty
inline constexpr int kMaxTokensCeiling = 1 << 20;
inline constexpr std::int64_t kMaxTopK = 1'000'000'000;
inline constexpr std::size_t kMaxStopSequences = 16;
inline constexpr std::size_t kMaxMessages = 4096;

// "<path> must be <expected>, got <got>": kInvalidRequest with param = path.
Error field_error(std::string_view path, std::string_view expected, std::string_view got);

// A number as messages print it: integral values without ".0" ("3" for 3.0).
std::string format_number(double d);

// "a number between 0 and 2".
std::string number_expectation(NumberRange range);
bool in_range(double v, NumberRange range);

// max_tokens: 1..ceiling, or -1 (no limit; LM Studio's spelling).
std::string max_tokens_expectation(int ceiling);
bool max_tokens_valid(std::int64_t v, int ceiling);

inline constexpr std::string_view kTopKExpectation = "an integer >= -1 (-1 or 0: no top-k limit)";
bool top_k_valid(std::int64_t v);

// "stop must hold at most 16 sequences, got 17".
Error too_many_stops(std::size_t count, std::size_t max);

inline constexpr std::string_view kMessagesExpectation = "a non-empty array of message objects";
// "messages must be a non-empty array of message objects, got an empty array".
Error empty_messages();
// "messages holds N entries; at most M are accepted".
Error too_many_messages(std::size_t count, std::size_t max);

// Every typed setting against its range (the order the gateway parses them in is irrelevant: the
// first violation found is returned). settings.extra is not checked (it is forwarded untouched).
std::optional<Error> check_settings(const GenerationSettings& settings,
                                    int max_tokens_ceiling = kMaxTokensCeiling);

// The messages of a request: not empty, at most `max_messages`.
std::optional<Error> check_messages(const std::vector<ModelMessage>& messages,
                                    std::size_t max_messages = kMaxMessages);

}  // namespace roci::checks
