// inference.backends and routing.*: FLEET.md's configuration contract.
#include "config/gateway_config.h"

#include "config_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roci::config {
namespace {

using testing::example_config;
using testing::find_problem;
using ::testing::HasSubstr;
using testing::load_yaml;

TEST(BackendList, FleetMdShapeLoads) {
  auto result = load_gateway_config(
      {.file = example_config("fleet.yaml"), .env = {{"LAPTOP_KEY", "sk-laptop"}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  const auto backends = effective_backends(*result.config);
  ASSERT_EQ(backends.size(), 2u);
  EXPECT_EQ(backends[0].name, "desk");
  EXPECT_EQ(backends[0].provider, "lmstudio");
  EXPECT_EQ(backends[0].max_concurrent, 4);  // limits.max_concurrent_upstream
  EXPECT_EQ(backends[0].api_key, "");
  EXPECT_EQ(backends[1].name, "laptop");
  EXPECT_EQ(backends[1].max_concurrent, 2);
  EXPECT_EQ(backends[1].api_key, "sk-laptop");
  EXPECT_EQ(result.config->routing.spill_queue_depth, 16);
}

TEST(BackendList, AbsentIsOneDefaultBackendFromProviderAndBaseUrl) {
  auto result = load_yaml("inference: {provider: lmstudio, base_url: 'http://h:1234'}\n",
                          {{"INFERENCE_INFERENCE_API_KEY", "k"}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  const auto backends = effective_backends(*result.config);
  ASSERT_EQ(backends.size(), 1u);
  EXPECT_EQ(backends[0].name, "default");
  EXPECT_EQ(backends[0].provider, "lmstudio");
  EXPECT_EQ(backends[0].base_url, "http://h:1234");
  EXPECT_EQ(backends[0].api_key, "k");
}

TEST(BackendList, RoutingDefaults) {
  auto result = load_gateway_config({});
  ASSERT_TRUE(result);
  EXPECT_EQ(result.config->routing.probe_interval_secs, 2);
  EXPECT_EQ(result.config->routing.cooldown_secs, 5);
  EXPECT_EQ(result.config->routing.spill_queue_depth, 16);
}

TEST(BackendList, PerBackendHttpOverridesApplyOverInferenceHttp) {
  auto result = load_yaml(R"(
inference:
  provider: llamacpp
  http: {timeout_secs: 90, connect_timeout_secs: 3}
  backends:
    - name: closet
      base_url: http://10.0.0.5:8080
      http: {timeout_secs: 300}
    - name: other
      base_url: http://10.0.0.6:8080
)",
                          {{"INFERENCE_INFERENCE_HTTP_CONNECT_TIMEOUT_SECS", "4"}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  const auto backends = effective_backends(*result.config);
  EXPECT_EQ(backends[0].provider, "llamacpp");
  EXPECT_EQ(backends[0].http.timeout_secs, 300);
  EXPECT_EQ(backends[0].http.connect_timeout_secs, 4);  // env over the file, then inherited
  EXPECT_EQ(backends[1].http.timeout_secs, 90);
}

TEST(BackendList, BackendsWithBaseUrlIsAnErrorNamingBoth) {
  for (auto [yaml, env] : std::vector<std::pair<std::string, std::map<std::string, std::string>>>{
           {"inference:\n  base_url: http://x:1\n  backends: [{name: a, base_url: 'http://a:1'}]\n",
            {}},
           {"inference:\n  backends: [{name: a, base_url: 'http://a:1'}]\n",
            {{"INFERENCE_INFERENCE_BASE_URL", "http://x:1"}}}}) {
    auto result = load_yaml(yaml, env);
    ASSERT_FALSE(result);
    const auto* p = find_problem(result, "inference.backends");
    ASSERT_NE(p, nullptr) << format_problems(result.problems);
    EXPECT_THAT(p->why, HasSubstr("inference.backends and inference.base_url"));
  }
}

TEST(BackendList, CheckConfigListsEveryProblemWithFileAndLine) {
  auto result = load_yaml(R"(
inference:
  provider: lmstudio
  backends:
    - name: desk
      base_url: http://192.168.1.20:1234
    - name: desk
      base_url: http://192.168.1.20:1234/
    - name: Bad Name
      base_url: ftp://x
    - name: lmstudio
      base_url: http://h:1
      max_concurrent: 0
      colour: red
      http: {timeout_sec: 3}
    - base_url: http://h:2
      provider: nosuch
)");
  ASSERT_FALSE(result);
  const std::string all = format_problems(result.problems);
  auto expect = [&](const std::string& key, const std::string& text) {
    const auto* p = find_problem(result, key);
    ASSERT_NE(p, nullptr) << key << " missing in\n" << all;
    EXPECT_THAT(p->why, HasSubstr(text)) << key;
    EXPECT_THAT(p->why, ::testing::MatchesRegex(".*\\(.*\\.yaml:[0-9]+\\)$")) << key;
  };
  expect("inference.backends[1].name", "already the name of inference.backends[0]");
  expect("inference.backends[1].base_url", "already the base_url of inference.backends[0]");
  expect("inference.backends[2].name", "may only contain");
  expect("inference.backends[2].base_url", "http(s) URL");
  expect("inference.backends[3].name", "is a provider kind");
  expect("inference.backends[3].max_concurrent", "between 1 and");
  expect("inference.backends[3].colour", "unknown field");
  expect("inference.backends[3].http.timeout_sec", "did you mean http.timeout_secs?");
  expect("inference.backends[4].name", "needs a name");
  expect("inference.backends[4].provider", "must be one of");
}

TEST(BackendList, BaseUrlRequiredExceptForMock) {
  auto result = load_yaml(
      "inference:\n  provider: lmstudio\n  backends:\n    - {name: a}\n    - {name: b, provider: "
      "mock}\n");
  ASSERT_FALSE(result);
  EXPECT_NE(find_problem(result, "inference.backends[0].base_url"), nullptr);
  EXPECT_EQ(find_problem(result, "inference.backends[1].base_url"), nullptr);
}

TEST(BackendList, ApiKeyEnvMustBeSet) {
  const char* yaml =
      "inference:\n  backends:\n    - {name: a, provider: openai, base_url: 'https://x/v1', "
      "api_key_env: A_KEY}\n    - {name: b, provider: openai, base_url: 'https://y/v1'}\n";
  auto result = load_yaml(yaml);
  ASSERT_FALSE(result);
  EXPECT_THAT(find_problem(result, "inference.backends[0].api_key_env")->why,
              HasSubstr("A_KEY is not set"));
  EXPECT_THAT(find_problem(result, "inference.backends[1].api_key_env")->why,
              HasSubstr("needs a key"));
  EXPECT_EQ(find_problem(result, "inference.api_key"), nullptr);  // not the single-upstream rule
}

TEST(BackendList, SpillDepthMustBeBelowMaxQueue) {
  auto result =
      load_yaml("inference:\n  backends: [{name: a, provider: mock}]\nlimits: {max_queue: 8}\n");
  ASSERT_FALSE(result);
  EXPECT_THAT(find_problem(result, "routing.spill_queue_depth")->why,
              HasSubstr("below limits.max_queue (8)"));
  // Without backends the spill depth is irrelevant: existing configs with a small queue still load.
  EXPECT_TRUE(load_yaml("limits: {max_queue: 8}\n"));
}

TEST(BackendList, FromTheFileOnly) {
  auto result = load_gateway_config({.env = {{"INFERENCE_INFERENCE_BACKENDS", "a,b"}}});
  ASSERT_FALSE(result);
  EXPECT_THAT(find_problem(result, "INFERENCE_INFERENCE_BACKENDS")->why,
              HasSubstr("config file only"));
}

TEST(BackendList, EffectiveConfigPrintsTheListAndLoadsBack) {
  auto result = load_gateway_config(
      {.file = example_config("fleet.yaml"), .env = {{"LAPTOP_KEY", "secret-laptop"}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  const std::string dump = describe_effective_config(*result.config);
  EXPECT_THAT(dump, HasSubstr("backends:"));
  EXPECT_THAT(dump, HasSubstr("LAPTOP_KEY"));
  EXPECT_THAT(dump, ::testing::Not(HasSubstr("secret-laptop")));
  std::string loadable;  // the secret placeholder lines removed, as the header says
  std::istringstream lines(dump);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("api_key:") == std::string::npos && line.find("api_keys:") == std::string::npos)
      loadable += line + "\n";
  }
  auto again = load_yaml(loadable, {{"LAPTOP_KEY", "secret-laptop"}});
  ASSERT_TRUE(again) << format_problems(again.problems) << loadable;
  EXPECT_EQ(effective_backends(*again.config).size(), 2u);
  EXPECT_EQ(effective_backends(*again.config)[1].max_concurrent, 2);
}

}  // namespace
}  // namespace roci::config
