// inference.http.max_retries / retry_backoff_ms: defaults, overlays, ranges, and what the SDK gets.
#include "config/gateway_config.h"

#include "config_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roci::config {
namespace {

using testing::find_problem;
using ::testing::HasSubstr;
using testing::load_yaml;

TEST(RetryKeys, DefaultsAreTwoRetriesAfter100Ms) {
  const HttpSection http;
  EXPECT_EQ(http.max_retries, 2);
  EXPECT_EQ(http.retry_backoff_ms, 100);
  const HttpOptions options = to_http_options(http);
  EXPECT_EQ(options.max_retries, 2);
  EXPECT_EQ(options.retry_backoff, std::chrono::milliseconds(100));
  EXPECT_EQ(options.max_retry_backoff, std::chrono::seconds(2));
}

TEST(RetryKeys, YamlEnvAndFlagsSetThem) {
  auto yaml = load_yaml("inference:\n  http:\n    max_retries: 5\n    retry_backoff_ms: 250\n");
  ASSERT_TRUE(yaml) << format_problems(yaml.problems);
  EXPECT_EQ(yaml.config->inference.http.max_retries, 5);
  EXPECT_EQ(to_http_options(yaml.config->inference.http).retry_backoff,
            std::chrono::milliseconds(250));

  auto env = load_gateway_config({.env = {{"INFERENCE_INFERENCE_HTTP_MAX_RETRIES", "0"},
                                          {"INFERENCE_INFERENCE_HTTP_RETRY_BACKOFF_MS", "0"}}});
  ASSERT_TRUE(env) << format_problems(env.problems);
  EXPECT_EQ(to_http_options(env.config->inference.http).max_retries, 0);

  auto flags = load_gateway_config({.flags = {{"inference.http.max_retries", "10"}}});
  ASSERT_TRUE(flags) << format_problems(flags.problems);
  EXPECT_EQ(flags.config->inference.http.max_retries, 10);
}

TEST(RetryKeys, OutOfRangeValuesAreReportedTogether) {
  auto result = load_yaml("inference:\n  http:\n    max_retries: 11\n    retry_backoff_ms: -1\n");
  ASSERT_FALSE(result);
  const auto* retries = find_problem(result, "inference.http.max_retries");
  ASSERT_NE(retries, nullptr) << format_problems(result.problems);
  EXPECT_THAT(retries->why, HasSubstr("between 0 and 10"));
  const auto* backoff = find_problem(result, "inference.http.retry_backoff_ms");
  ASSERT_NE(backoff, nullptr) << format_problems(result.problems);
  EXPECT_THAT(backoff->why, HasSubstr("between 0 and 60000"));
}

TEST(RetryKeys, AppearInTheKnownKeysAndTheEffectiveConfig) {
  const auto keys = known_config_keys();
  EXPECT_NE(std::find(keys.begin(), keys.end(),
                      std::pair<std::string, std::string>{"inference.http.max_retries",
                                                          "INFERENCE_INFERENCE_HTTP_MAX_RETRIES"}),
            keys.end());
  const std::string described = describe_effective_config(GatewayConfig{});
  EXPECT_THAT(described, HasSubstr("max_retries: 2"));
  EXPECT_THAT(described, HasSubstr("retry_backoff_ms: 100"));
}

}  // namespace
}  // namespace roci::config
