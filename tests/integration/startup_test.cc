// What the real binary says when it starts: one line naming what it serves (provider, URL,
// default model, auth, default_max_tokens; the mock said plainly), and one upstream probe whose
// failure is a warning saying what to check, never a failed start.
#include "integration/gateway_fixture.h"

#include <gtest/gtest.h>

#include <string>

namespace roci::testing {
namespace {

TEST(GatewayStartup, SaysWhatItServesInFrontOfLmStudio) {
  GatewayUnderTest gw({.fake = FakeOptions{.models = {{"llama3.3"}}}});
  ASSERT_NE(gw.port, 0);
  const std::string expected = "serving lmstudio at " + gw.fake->base_url() +
                               "; default model: the model loaded there (\"local-model\" names it "
                               "too); auth: off (no API key required); default_max_tokens 100";
  EXPECT_TRUE(gw.process->wait_for_output(expected)) << gw.log();
  EXPECT_TRUE(gw.process->wait_for_output("lmstudio at " + gw.fake->base_url() + " is reachable"))
      << gw.log();
  EXPECT_TRUE(gw.process->wait_for_output("loaded: llama3.3")) << gw.log();
}

TEST(GatewayStartup, SaysPlainlyWhenItServesTheMock) {
  GatewayUnderTest gw({.fake = std::nullopt,
                       .provider = "mock",
                       .env = {{"INFERENCE_AUTH_API_KEYS", "sk-a"},
                               {"INFERENCE_INFERENCE_DEFAULT_MAX_TOKENS", "512"}}});
  ASSERT_NE(gw.port, 0);
  EXPECT_TRUE(gw.process->wait_for_output(
      "serving the built-in MOCK provider (canned test answers, not a model's; models: "
      "local-model, "))
      << gw.log();
  EXPECT_TRUE(gw.process->wait_for_output("auth: on (an API key is required)")) << gw.log();
  EXPECT_TRUE(gw.process->wait_for_output("default_max_tokens 512")) << gw.log();
  EXPECT_EQ(gw.log().find("sk-a"), std::string::npos);
}

TEST(GatewayStartup, AnUnreachableUpstreamIsAWarningNotAFailure) {
  // A port nothing listens on: the probe is refused at once.
  GatewayUnderTest gw({.fake = std::nullopt,
                       .provider = "lmstudio",
                       .env = {{"INFERENCE_INFERENCE_BASE_URL", "http://127.0.0.1:1"},
                               {"INFERENCE_INFERENCE_HTTP_MAX_RETRIES", "0"}}});
  ASSERT_NE(gw.port, 0) << gw.log();
  EXPECT_TRUE(gw.process->wait_for_output("lmstudio at http://127.0.0.1:1 ")) << gw.log();
  EXPECT_TRUE(gw.process->wait_for_output("lms server start")) << gw.log();
  EXPECT_NE(gw.log().find(" warn"), std::string::npos) << gw.log();
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models").status, 502);  // and it keeps serving
}

}  // namespace
}  // namespace roci::testing
