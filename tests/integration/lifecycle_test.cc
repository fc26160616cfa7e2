// Start-up, configuration, graceful shutdown and the OpenAI provider, through the real binary.
#include "integration/gateway_fixture.h"

#include <cstdio>
#include <fstream>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

TEST(GatewayLifecycle, EmbeddedDefaultServesTheMockWithTheSeedModels) {
  ChildProcess gw(gateway_binary(), {"--port", "0"});
  const auto port = port_of(gw.wait_for_line("inference-server listening on "));
  ASSERT_NE(port, 0) << gw.output();
  auto models = http_call(port, "GET", "/v1/models");
  ASSERT_EQ(models.status, 200);
  EXPECT_NE(models.body.find("local-model"), std::string::npos);
  auto chat = http_call(port, "POST", "/v1/chat/completions", chat_body("local-model", "hi"));
  EXPECT_EQ(chat.status, 200) << chat.body;
  EXPECT_EQ(gw.stop(SIGTERM), 0);
}

TEST(GatewayLifecycle, UnknownEnvVariableStopsStartUpNamingIt) {
  ChildProcess gw(gateway_binary(), {"--port", "0"}, {{"INFERENCE_INFERENCE_TIMEOUT", "5"}});
  EXPECT_NE(gw.wait(10s), 0);
  EXPECT_NE(gw.output().find("INFERENCE_INFERENCE_TIMEOUT"), std::string::npos) << gw.output();
}

TEST(GatewayLifecycle, UnparsableValueStopsStartUpNamingIt) {
  ChildProcess gw(gateway_binary(), {"--port", "0"},
                  {{"INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS", "sixty"}});
  EXPECT_NE(gw.wait(10s), 0);
  EXPECT_NE(gw.output().find("INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS"), std::string::npos);
}

TEST(GatewayLifecycle, CheckConfigListsEveryProblem) {
  const std::string path = "/tmp/roci-check-config-test.yaml";
  {
    std::ofstream f(path);
    f << "inference:\n  provider: ollama\n  http:\n    timeout_secs: -1\nserver:\n  port: 70000\n";
  }
  ChildProcess bad(gateway_binary(), {"--config", path, "--check-config"});
  EXPECT_NE(bad.wait(10s), 0);
  const auto out = bad.output();
  EXPECT_NE(out.find("inference.provider"), std::string::npos) << out;
  EXPECT_NE(out.find("inference.http.timeout_secs"), std::string::npos) << out;
  EXPECT_NE(out.find("server.port"), std::string::npos) << out;
  std::remove(path.c_str());

  ChildProcess good(gateway_binary(), {"--check-config"});
  EXPECT_EQ(good.wait(10s), 0) << good.output();
}

TEST(GatewayLifecycle, EnvOverridesThePortAndFlagsOverrideEnv) {
  GatewayUnderTest gw({.env = {{"INFERENCE_INFERENCE_DEFAULT_MODEL", "llama3.3"}},
                       .args = {"--log-level", "debug"}});
  ASSERT_NE(gw.port, 0);
  EXPECT_EQ(http_call(gw.port, "GET", "/health").status, 200);
}

TEST(GatewayLifecycle, GracefulShutdownFinishesAnOpenStream) {
  FakeOptions o;
  o.token_delay = 50ms;
  GatewayUnderTest gw({.fake = o});
  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "a b c d e f g h i j", true),
                  "Connection: close\r\n"));
  c.read_until("Echo");
  kill(gw.process->pid(), SIGTERM);
  const std::string raw = c.read_to_eof(10s);
  EXPECT_NE(raw.find("data: [DONE]"), std::string::npos) << raw;
  EXPECT_EQ(gw.process->wait(10s), 0) << gw.log();
}

// An expired model list is refreshed in the background, detached from any request: a stop while
// that refresh waits on an upstream that never answers still ends the process cleanly and soon.
TEST(GatewayLifecycle, StopDuringABackgroundModelListRefreshIsClean) {
  GatewayUnderTest gw({});
  ASSERT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x")).status,
            200);
  std::this_thread::sleep_for(2100ms);  // the model list's 2 s lifetime
  gw.fake->script(Fault::hang("/v1/models"));
  ASSERT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x")).status,
            200);
  bool hanging = false;
  for (int i = 0; i < 50 && !hanging; ++i) {
    for (const auto& r : gw.fake->requests()) {
      hanging = hanging || (r.path() == "/v1/models" && !r.completed());
    }
    if (!hanging) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(hanging) << "no background listing reached the upstream";
  kill(gw.process->pid(), SIGTERM);
  EXPECT_EQ(gw.process->wait(10s), 0) << gw.log();
}

TEST(GatewayLifecycle, OpenAiProviderSendsTheKeyAndNeverShowsIt) {
  FakeOptions o;
  o.mode = FakeMode::kOpenAi;
  o.api_key = "sk-test-secret-123";
  o.models = {{"gpt-4o-mini"}};
  GatewayUnderTest gw(
      {.fake = o, .provider = "openai", .env = {{"OPENAI_API_KEY", "sk-test-secret-123"}}});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("gpt-4o-mini", "hello"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(gw.fake->requests().back().header("authorization"), "Bearer sk-test-secret-123");
  auto health = http_call(gw.port, "GET", "/health");
  EXPECT_EQ(health.body.find("sk-test-secret-123"), std::string::npos);
  EXPECT_EQ(gw.log().find("sk-test-secret-123"), std::string::npos);
}

TEST(RociCli, ChatStreamsFromTheMockWithNoServer) {
  ChildProcess cli(roci_cli_binary(), {"chat", "mock:local-model", "hi"});
  EXPECT_EQ(cli.wait(10s), 0) << cli.output();
  EXPECT_GT(cli.output().size(), 10u);
}

}  // namespace
}  // namespace roci::testing
