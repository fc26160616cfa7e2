// The gateway in front of llama.cpp's llama-server (inference.provider: llamacpp), and
// "llamacpp:<model>" selectors (LLAMACPP_BASE_URL) from another primary.
#include "integration/gateway_fixture.h"

namespace roci::testing {
namespace {

namespace json = boost::json;

constexpr std::string_view kLoading =
    R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})";

FakeOptions llama_server() {
  return FakeOptions{.mode = FakeMode::kLlamaCpp, .models = {{"qwen2.5-7b-instruct"}}};
}

TEST(GatewayLlamaCpp, PrimaryServesChatAndProbesHealthWithSlashHealth) {
  FakeUpstream llama(llama_server());
  GatewayUnderTest gw({.fake = std::nullopt,
                       .provider = "llamacpp",
                       .env = {{"INFERENCE_INFERENCE_BASE_URL", llama.base_url()}}});
  auto health = http_call(gw.port, "GET", "/health");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.json().at("provider"), "llamacpp");
  EXPECT_EQ(health.json().at("upstream").at("detail"), "llama.cpp answered /health");
  ASSERT_FALSE(llama.requests().empty());
  EXPECT_EQ(llama.requests().front().path(), "/health");

  // No default_model: the model llama-server lists is the default.
  auto chat = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("", "hello there"));
  ASSERT_EQ(chat.status, 200) << chat.body;
  EXPECT_EQ(chat.json().at("model"), "qwen2.5-7b-instruct");
  EXPECT_EQ(chat.json().at("choices").at(0).at("message").at("content"), "Echo: hello there");
  auto streamed = http_call(gw.port, "POST", "/v1/chat/completions",
                            chat_body("qwen2.5-7b-instruct", "one two", true));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  const auto events = sse_data(streamed.body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "[DONE]");
}

TEST(GatewayLlamaCpp, HealthIs503WhileTheModelLoads) {
  FakeUpstream llama(llama_server());
  // Twice: the gateway's start-up probe asks /health too.
  llama.script(Fault::respond(503, std::string(kLoading), "/health"));
  llama.script(Fault::respond(503, std::string(kLoading), "/health"));
  GatewayUnderTest gw({.fake = std::nullopt,
                       .provider = "llamacpp",
                       .env = {{"INFERENCE_INFERENCE_BASE_URL", llama.base_url()}}});
  auto health = http_call(gw.port, "GET", "/health");
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_EQ(health.json().at("upstream").at("reachable"), false);
  EXPECT_NE(
      json::value_to<std::string>(health.json().at("upstream").at("detail")).find("Loading model"),
      std::string::npos)
      << health.body;
}

TEST(GatewayLlamaCpp, ASelectorNeverReachesAnUnconfiguredLlamaCpp) {
  // LLAMACPP_BASE_URL in the environment does not make llamacpp: reachable from a mock gateway.
  FakeUpstream llama(llama_server());
  GatewayUnderTest gw(
      {.fake = std::nullopt, .provider = "mock", .env = {{"LLAMACPP_BASE_URL", llama.base_url()}}});
  auto chat = http_call(gw.port, "POST", "/v1/chat/completions",
                        chat_body("llamacpp:qwen2.5-7b-instruct", "hi"));
  EXPECT_EQ(chat.status, 404) << chat.body;
  EXPECT_EQ(llama.connections_accepted(), 0u);
}

}  // namespace
}  // namespace roci::testing
