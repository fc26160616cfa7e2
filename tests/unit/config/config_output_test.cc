// The API key's handling, describe_effective_config, the example configs, effective deadlines and
// the key table.
#include "config/gateway_config.h"

#include "config_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

namespace roci::config {
namespace {

using testing::example_config;
using testing::find_problem;
using ::testing::HasSubstr;
using testing::load_yaml;
using ::testing::Not;

constexpr const char* kSecret = "sk-test-DO-NOT-PRINT-0123456789";

TEST(ConfigApiKey, OpenAiWithoutKeyIsAProblem) {
  auto result = load_gateway_config({.env = {{"INFERENCE_INFERENCE_PROVIDER", "openai"}}});
  ASSERT_FALSE(result);
  const auto* p = find_problem(result, "inference.api_key");
  ASSERT_NE(p, nullptr) << format_problems(result.problems);
  EXPECT_THAT(p->why, HasSubstr("set OPENAI_API_KEY or inference.api_key"));
}

TEST(ConfigApiKey, OpenAiApiKeyFillsTheKeyAndIsNeverPrinted) {
  auto result = load_gateway_config(
      {.env = {{"INFERENCE_INFERENCE_PROVIDER", "openai"}, {"OPENAI_API_KEY", kSecret}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_EQ(result.config->inference.api_key, kSecret);
  const auto described = describe_effective_config(*result.config);
  EXPECT_THAT(described, Not(HasSubstr(kSecret)));
  EXPECT_THAT(described, HasSubstr("api_key: (set)"));

  // With other problems present, neither the problems nor their formatting show the key.
  auto failed = load_gateway_config({.env = {{"INFERENCE_INFERENCE_PROVIDER", "openai"},
                                             {"OPENAI_API_KEY", kSecret},
                                             {"INFERENCE_SERVER_PORT", "-1"},
                                             {"INFERENCE_INFERENCE_API_KEYS", kSecret}}});
  ASSERT_FALSE(failed);
  EXPECT_THAT(format_problems(failed.problems), Not(HasSubstr(kSecret)));
}

TEST(ConfigApiKey, ExplicitKeyWinsAndOtherProvidersIgnoreOpenAiApiKey) {
  auto explicit_key = load_gateway_config({.env = {{"INFERENCE_INFERENCE_PROVIDER", "openai"},
                                                   {"INFERENCE_INFERENCE_API_KEY", "sk-explicit"},
                                                   {"OPENAI_API_KEY", kSecret}}});
  ASSERT_TRUE(explicit_key);
  EXPECT_EQ(explicit_key.config->inference.api_key, "sk-explicit");

  auto lmstudio = load_gateway_config(
      {.env = {{"INFERENCE_INFERENCE_PROVIDER", "lmstudio"}, {"OPENAI_API_KEY", kSecret}}});
  ASSERT_TRUE(lmstudio);
  EXPECT_TRUE(lmstudio.config->inference.api_key.empty());
  EXPECT_THAT(describe_effective_config(*lmstudio.config), HasSubstr("api_key: (not set)"));
}

TEST(ConfigApiKey, KeyFromYamlIsHiddenToo) {
  auto result = load_yaml(std::string("inference: {provider: openai, api_key: ") + kSecret +
                          ", base_url: 'ftp://x'}\n");
  ASSERT_FALSE(result);
  EXPECT_THAT(format_problems(result.problems), Not(HasSubstr(kSecret)));
}

TEST(ConfigFormat, FormatProblemsOneLineEach) {
  EXPECT_EQ(format_problems({{"server.port", "must be between 0 and 65535, got 70000"},
                             {"INFERENCE_X", "unknown variable"}}),
            "server.port: must be between 0 and 65535, got 70000\nINFERENCE_X: unknown variable\n");
  EXPECT_EQ(format_problems({}), "");
}

TEST(ConfigFormat, DescribeShowsEverySectionAndLoadsBack) {
  GatewayConfig config;
  config.server.port = 8080;
  config.inference.provider = "lmstudio";
  config.inference.base_url = "http://localhost:1234";
  config.inference.default_model = "a: b";
  config.inference.allowed_models = {"a: b", "c,d"};
  config.inference.accept_model_mismatch = true;
  config.inference.default_temperature = 0.3;
  config.inference.http.first_byte_timeout_secs = 600;
  config.limits.max_body_bytes = 1234567;
  config.log.level = "trace";
  const auto described = describe_effective_config(config);
  for (const char* part : {"server:", "inference:", "  http:", "limits:", "log:",
                           "default_temperature: 0.3", "first_byte_timeout_secs: 600"}) {
    EXPECT_THAT(described, HasSubstr(part)) << described;
  }

  // The secret placeholders are refused when loaded back; without those lines the dump reloads
  // as is.
  auto placeholder = load_yaml(described);
  ASSERT_FALSE(placeholder);
  EXPECT_NE(find_problem(placeholder, "inference.api_key"), nullptr);
  EXPECT_NE(find_problem(placeholder, "auth.api_keys"), nullptr);
  std::string without_key = described;
  without_key.erase(without_key.find("  api_key: (not set)\n"), 21);
  without_key.erase(without_key.find("  api_keys: (not set)\n"), 22);
  auto reloaded = load_yaml(without_key);
  ASSERT_TRUE(reloaded) << format_problems(reloaded.problems) << described;
  EXPECT_EQ(describe_effective_config(*reloaded.config), described);
  EXPECT_EQ(reloaded.config->inference.allowed_models, config.inference.allowed_models);
}

TEST(ConfigFormat, EnvironMapReadsTheProcessEnvironment) {
  ::setenv("ROCI_CONFIG_TEST_VAR", "a=b", 1);
  const auto env = environ_map();
  ASSERT_TRUE(env.contains("ROCI_CONFIG_TEST_VAR"));
  EXPECT_EQ(env.at("ROCI_CONFIG_TEST_VAR"), "a=b");
  ::unsetenv("ROCI_CONFIG_TEST_VAR");
}

TEST(ConfigExamples, MockYamlIsTheDefaults) {
  auto result = load_gateway_config({.file = example_config("mock.yaml")});
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_EQ(describe_effective_config(*result.config), describe_effective_config(GatewayConfig{}));
}

TEST(ConfigExamples, LmStudioYamlLoads) {
  auto result = load_gateway_config({.file = example_config("lmstudio.yaml")});
  ASSERT_TRUE(result) << format_problems(result.problems);
  const auto& inference = result.config->inference;
  EXPECT_EQ(inference.provider, "lmstudio");
  EXPECT_EQ(inference.base_url, "http://localhost:1234");
  // Installed as etc/roci/inference-server.yaml: every model LM Studio has, and "local-model" (an
  // alias for the loaded one) when a request names none.
  EXPECT_TRUE(inference.allowed_models.empty());
  EXPECT_EQ(inference.default_model, "local-model");
  EXPECT_EQ(inference.default_max_tokens, 100);
  EXPECT_EQ(first_byte_timeout(inference.http), std::chrono::seconds(600));
}

TEST(ConfigExamples, OpenAiYamlLoadsWithTheKeyFromTheEnvironment) {
  const auto path = example_config("openai.yaml");
  EXPECT_FALSE(load_gateway_config({.file = path}));
  auto result = load_gateway_config({.file = path, .env = {{"OPENAI_API_KEY", kSecret}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_EQ(result.config->inference.provider, "openai");
  EXPECT_EQ(result.config->inference.api_key, kSecret);
}

TEST(ConfigDeadlines, ZeroMeansTimeoutSecs) {
  HttpSection http;
  http.timeout_secs = 90;
  EXPECT_EQ(first_byte_timeout(http), std::chrono::seconds(90));
  EXPECT_EQ(stream_idle_timeout(http), std::chrono::seconds(90));
  http.first_byte_timeout_secs = 600;
  http.stream_idle_timeout_secs = 20;
  EXPECT_EQ(first_byte_timeout(http), std::chrono::seconds(600));
  EXPECT_EQ(stream_idle_timeout(http), std::chrono::seconds(20));

  const auto options = to_http_options(http);
  EXPECT_EQ(options.request_timeout, std::chrono::seconds(90));
  EXPECT_EQ(options.first_byte_timeout, std::chrono::seconds(600));
  EXPECT_EQ(options.idle_timeout, std::chrono::seconds(20));
  EXPECT_EQ(options.connect_timeout, std::chrono::seconds(10));
  EXPECT_EQ(options.stream_timeout, std::chrono::seconds(1800));
  EXPECT_EQ(options.keep_alive, std::chrono::seconds(30));
  EXPECT_EQ(options.max_idle_connections, 10u);
}

TEST(ConfigKeys, EnvNamesFollowTheRuleAndAreUnique) {
  const auto keys = known_config_keys();
  EXPECT_EQ(keys.size(), 58u);  // 41 + log.* (2) + auth.* (4) + cors.* (3) + ui.* (2) +
                                // responses.* (3) + routing.* (3)
  std::set<std::string> envs;
  for (const auto& [path, env] : keys) {
    std::string expected = "INFERENCE_";
    for (char c : path) expected += c == '.' ? '_' : static_cast<char>(std::toupper(c));
    EXPECT_EQ(env, expected);
    EXPECT_TRUE(envs.insert(env).second) << env;
  }
  EXPECT_TRUE(envs.contains("INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS"));
  EXPECT_TRUE(envs.contains("INFERENCE_INFERENCE_ALLOWED_MODELS"));
}

}  // namespace
}  // namespace roci::config
