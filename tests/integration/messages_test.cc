// The Anthropic Messages API of the real inference-server binary (POST /v1/messages and
// /v1/messages/count_tokens) in front of the fake LM Studio and the fake llama-server: the message
// object, the typed stream events, tools, token counting, and every error in Anthropic's envelope
// (the gate's included) with the gateway's usual statuses.
#include "integration/gateway_fixture.h"

#include <gmock/gmock.h>

namespace roci::testing {
namespace {

namespace json = boost::json;

constexpr const char* kKey = "sk-roci-messages-test";

std::string messages_body(std::string_view model, std::string_view prompt, bool stream = false,
                          std::string_view extra = R"("max_tokens":64)") {
  return chat_body(model, prompt, stream, extra);
}

// The error of an Anthropic error body, after checking the envelope's shape.
json::object anthropic_error(const TestResponse& res) {
  const auto body = res.json();
  EXPECT_TRUE(body.is_object()) << res.body;
  if (!body.is_object()) return {};
  EXPECT_EQ(body.at("type"), "error") << res.body;
  EXPECT_EQ(body.as_object().size(), 2u) << res.body;
  return body.at("error").as_object();
}

std::vector<std::string> event_types(const TestResponse& res) {
  std::vector<std::string> out;
  for (const auto& data : sse_data(res.body)) {
    out.emplace_back(json::parse(data).at("type").as_string());
  }
  return out;
}

TEST(GatewayMessages, CreateAnswersAMessageObjectWithoutChatDefaults) {
  GatewayUnderTest gw({});
  auto res = http_call(gw.port, "POST", "/v1/messages", messages_body("llama3.3", "hello there"),
                       {{"anthropic-version", "2023-06-01"}, {"anthropic-beta", "tools-2024"}});
  ASSERT_EQ(res.status, 200) << res.body;
  const auto m = res.json().as_object();
  EXPECT_EQ(m.at("type"), "message");
  EXPECT_EQ(m.at("role"), "assistant");
  EXPECT_TRUE(m.at("id").as_string().starts_with("msg_"));
  EXPECT_EQ(m.at("model"), "llama3.3");
  EXPECT_EQ(m.at("content").at(0).at("type"), "text");
  EXPECT_NE(m.at("content").at(0).at("text").as_string().find("hello"), json::string::npos);
  EXPECT_EQ(m.at("stop_reason"), "end_turn");
  EXPECT_GT(m.at("usage").at("input_tokens").as_int64(), 0);
  const auto sent = gw.fake->requests().back().json->as_object();
  EXPECT_EQ(sent.at("max_tokens").as_int64(), 64);
  EXPECT_FALSE(sent.contains("temperature"));  // the seed's 0.7 is for Chat Completions only
}

TEST(GatewayMessages, StreamIsAnthropicsEventSequence) {
  GatewayUnderTest gw({});
  auto res = http_call(gw.port, "POST", "/v1/messages", messages_body("llama3.3", "a b c", true));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("content-type"), "text/event-stream");
  EXPECT_NE(res.body.find("event: message_start\n"), std::string::npos);
  const auto types = event_types(res);
  ASSERT_GE(types.size(), 7u) << res.body;
  EXPECT_EQ(types[0], "message_start");
  EXPECT_EQ(types[1], "content_block_start");
  EXPECT_EQ(types[2], "ping");
  EXPECT_EQ(types[3], "content_block_delta");
  EXPECT_EQ(types[types.size() - 3], "content_block_stop");
  EXPECT_EQ(types[types.size() - 2], "message_delta");
  EXPECT_EQ(types.back(), "message_stop");
  const auto delta = json::parse(sse_data(res.body)[types.size() - 2]);
  EXPECT_EQ(delta.at("delta").at("stop_reason"), "end_turn");
  EXPECT_GT(delta.at("usage").at("output_tokens").as_int64(), 0);
}

TEST(GatewayMessages, ToolUseAndToolResult) {
  GatewayUnderTest gw({});
  const std::string tools =
      R"("max_tokens":64,"tools":[{"name":"get_weather","input_schema":{"type":"object"}}])";
  auto res =
      http_call(gw.port, "POST", "/v1/messages",
                messages_body("llama3.3", R"(call: get_weather {"city":"Paris"})", false, tools));
  ASSERT_EQ(res.status, 200) << res.body;
  const auto m = res.json().as_object();
  EXPECT_EQ(m.at("stop_reason"), "tool_use");
  const auto& block = m.at("content").as_array().back().as_object();
  EXPECT_EQ(block.at("type"), "tool_use");
  EXPECT_EQ(block.at("name"), "get_weather");
  EXPECT_EQ(block.at("input"), json::parse(R"({"city":"Paris"})"));
  // The upstream got an OpenAI tool definition from the input_schema.
  const auto sent = gw.fake->requests().back().json->as_object();
  EXPECT_EQ(sent.at("tools").at(0).at("function").at("parameters"),
            json::parse(R"({"type":"object"})"));

  auto streamed =
      http_call(gw.port, "POST", "/v1/messages",
                messages_body("llama3.3", R"(call: get_weather {"city":"Paris"})", true, tools));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  std::string partial;
  for (const auto& data : sse_data(streamed.body)) {
    const auto e = json::parse(data);
    if (e.at("type") == "content_block_delta" && e.at("delta").at("type") == "input_json_delta") {
      partial += e.at("delta").at("partial_json").as_string();
    }
  }
  EXPECT_EQ(json::parse(partial), json::parse(R"({"city":"Paris"})"));
}

TEST(GatewayMessages, ErrorsAreInAnthropicsShape) {
  GatewayUnderTest gw({.env = {{"INFERENCE_LIMITS_MAX_BODY_BYTES", "2048"}}});
  auto missing =
      http_call(gw.port, "POST", "/v1/messages", chat_body("llama3.3", "x"));  // no max_tokens
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(anthropic_error(missing).at("type"), "invalid_request_error");
  EXPECT_NE(anthropic_error(missing).at("message").as_string().find("max_tokens"),
            json::string::npos);

  auto unknown = http_call(gw.port, "POST", "/v1/messages", messages_body("no-such-model", "x"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(anthropic_error(unknown).at("type"), "not_found_error");

  auto large =
      http_call(gw.port, "POST", "/v1/messages", messages_body("llama3.3", std::string(4096, 'x')));
  EXPECT_EQ(large.status, 413);
  EXPECT_EQ(anthropic_error(large).at("type"), "request_too_large");

  auto media = http_call(gw.port, "POST", "/v1/messages", messages_body("llama3.3", "x"),
                         {{"Content-Type", "text/html"}});
  EXPECT_EQ(media.status, 415);
  EXPECT_EQ(anthropic_error(media).at("type"), "invalid_request_error");

  auto method = http_call(gw.port, "GET", "/v1/messages");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(anthropic_error(method).at("type"), "invalid_request_error");

  // Chat Completions keeps OpenAI's envelope.
  auto chat = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("no-such-model", "x"));
  EXPECT_EQ(chat.status, 404);
  EXPECT_TRUE(chat.json().at("error").as_object().contains("code"));
}

TEST(GatewayMessages, AuthenticationErrorForAMissingOrWrongKey) {
  GatewayUnderTest gw({.env = {{"INFERENCE_AUTH_API_KEYS", kKey}}});
  const std::string body = messages_body("llama3.3", "x");
  auto none = http_call(gw.port, "POST", "/v1/messages", body);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(anthropic_error(none).at("type"), "authentication_error");
  auto wrong = http_call(gw.port, "POST", "/v1/messages", body, {{"x-api-key", "sk-wrong"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(anthropic_error(wrong).at("type"), "authentication_error");
  auto x_api_key = http_call(gw.port, "POST", "/v1/messages", body, {{"x-api-key", kKey}});
  EXPECT_EQ(x_api_key.status, 200) << x_api_key.body;
  auto bearer = http_call(gw.port, "POST", "/v1/messages", body,
                          {{"Authorization", std::string("Bearer ") + kKey}});
  EXPECT_EQ(bearer.status, 200) << bearer.body;
}

TEST(GatewayMessages, AFailureMidStreamIsAnErrorEventWithoutMessageStop) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::cut_after(2, "/v1/chat/completions"));
  auto res = http_call(gw.port, "POST", "/v1/messages",
                       messages_body("llama3.3", "one two three four five six", true));
  ASSERT_EQ(res.status, 200) << res.body;
  const auto data = sse_data(res.body);
  ASSERT_FALSE(data.empty());
  const auto last = json::parse(data.back());
  EXPECT_EQ(last.at("type"), "error") << res.body;
  EXPECT_EQ(last.at("error").at("type"), "api_error");
  EXPECT_NE(res.body.find("event: error\n"), std::string::npos);
  EXPECT_EQ(res.body.find("message_stop"), std::string::npos);
}

TEST(GatewayMessages, CountTokensEstimatesWithoutATokenizer) {
  GatewayUnderTest gw({});
  auto res =
      http_call(gw.port, "POST", "/v1/messages/count_tokens",
                R"({"model":"llama3.3","messages":[{"role":"user","content":"Hello, world"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  // The estimate (token_estimate.h): 12 bytes -> 3, + 4 for the message, + 3 for the reply.
  EXPECT_EQ(res.json(), json::parse(R"({"input_tokens":10})"));
  for (const auto& r : gw.fake->requests()) {
    EXPECT_NE(r.path(), "/v1/chat/completions") << "count_tokens asked for a completion";
  }
  auto unknown = http_call(gw.port, "POST", "/v1/messages/count_tokens",
                           R"({"model":"nope","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(anthropic_error(unknown).at("type"), "not_found_error");
}

TEST(GatewayMessages, CountTokensIsExactOnLlamaCpp) {
  FakeUpstream llama(FakeOptions{.mode = FakeMode::kLlamaCpp, .models = {{"qwen2.5-7b"}}});
  GatewayUnderTest gw({.fake = std::nullopt,
                       .provider = "llamacpp",
                       .env = {{"INFERENCE_INFERENCE_BASE_URL", llama.base_url()}}});
  auto res = http_call(gw.port, "POST", "/v1/messages/count_tokens",
                       R"({"model":"qwen2.5-7b","system":"be brief",
                           "messages":[{"role":"user","content":"one two three"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  // The fake's template: "<|system|> be brief <|user|> one two three ", one token a word.
  EXPECT_EQ(res.json(), json::parse(R"({"input_tokens":7})"));
  std::vector<std::string> paths;
  for (const auto& r : llama.requests()) paths.push_back(r.path());
  EXPECT_THAT(paths, ::testing::Contains("/tokenize"));
  EXPECT_THAT(paths, ::testing::Not(::testing::Contains("/v1/chat/completions")));
}

}  // namespace
}  // namespace roci::testing
