// core/request_checks: the ranges and wording shared by the gateway's parser and the SDK.
#include "core/request_checks.h"

#include <gtest/gtest.h>

namespace roci::checks {
namespace {

TEST(RequestChecks, AcceptsTheBoundsAndLmStudiosUnlimitedMaxTokens) {
  EXPECT_FALSE(check_settings({.max_tokens = -1, .temperature = 0, .top_p = 1}));
  EXPECT_FALSE(check_settings({.max_tokens = kMaxTokensCeiling, .temperature = 2, .top_p = 0}));
  EXPECT_FALSE(check_settings({.top_k = -1, .frequency_penalty = -2, .presence_penalty = 2}));
  EXPECT_FALSE(check_settings({}));
}

TEST(RequestChecks, NamesTheFieldTheRangeAndTheValue) {
  struct Case {
    GenerationSettings settings;
    std::string message;
  };
  const Case cases[] = {
      {{.temperature = 3.5}, "temperature must be a number between 0 and 2, got 3.5"},
      {{.top_p = 1.5}, "top_p must be a number between 0 and 1, got 1.5"},
      {{.max_tokens = 0},
       "max_tokens must be an integer between 1 and 1048576 (or -1 for no "
       "limit), got 0"},
      {{.presence_penalty = -3}, "presence_penalty must be a number between -2 and 2, got -3"},
      {{.top_k = -5}, "top_k must be an integer >= -1 (-1 or 0: no top-k limit), got -5"},
      {{.stop_sequences = std::vector<std::string>(17, "x")},
       "stop must hold at most 16 sequences, got 17"},
  };
  for (const auto& c : cases) {
    auto e = check_settings(c.settings);
    ASSERT_TRUE(e) << c.message;
    EXPECT_EQ(e->kind, ErrorKind::kInvalidRequest);
    EXPECT_EQ(e->message, c.message);
    EXPECT_EQ(e->message.substr(0, e->param.size()), e->param);
  }
}

TEST(RequestChecks, Messages) {
  EXPECT_EQ(check_messages({})->message,
            "messages must be a non-empty array of message objects, got an empty array");
  EXPECT_FALSE(check_messages({ModelMessage::user("hi")}));
  EXPECT_EQ(check_messages(std::vector<ModelMessage>(3), 2)->message,
            "messages holds 3 entries; at most 2 are accepted");
  EXPECT_EQ(format_number(3.0), "3");
  EXPECT_EQ(format_number(0.25), "0.25");
}

}  // namespace
}  // namespace roci::checks
