// The fake LM Studio's routes, model resolution and error envelopes (LMSTUDIO_API.md §1-3, §7).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <regex>

#include "support/fake_upstream.h"
#include "support/test_http_client.h"

namespace roci::testing {
namespace {

namespace json = boost::json;

std::string chat_body(std::string_view model, std::string_view user, std::string_view extra = "") {
  return R"({"model":")" + std::string(model) + R"(","messages":[{"role":"user","content":")" +
         std::string(user) + "\"}]" + std::string(extra) + "}";
}

TEST(FakeLmStudioTest, UnknownRoutesAndMethodsAnswer200WithAStringError) {
  FakeUpstream fake;
  TestConnection client(fake.port());
  const std::pair<std::string, std::string> cases[] = {
      {"GET", "/health"}, {"OPTIONS", "/v1/models"}, {"POST", "/chat/completions"}, {"GET", "/"}};
  for (const auto& [method, path] : cases) {
    const auto response = client.request(method, path, method == "POST" ? "{}" : "");
    EXPECT_EQ(response.status, 200) << method << " " << path;
    EXPECT_EQ(response.body,
              "{\"error\":\"Unexpected endpoint or method. (" + method + " " + path + ")\"}");
  }
  EXPECT_EQ(fake.connections_accepted(), 1u);  // keep-alive reused the socket
}

TEST(FakeLmStudioTest, SendsExpressHeaders) {
  FakeUpstream fake;
  TestConnection client(fake.port());
  const auto response = client.request("GET", "/lmstudio-greeting");
  EXPECT_EQ(response.body, R"({"lmstudio":true})");
  EXPECT_EQ(response.header("X-Powered-By"), "Express");
  EXPECT_EQ(response.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_TRUE(std::regex_match(response.header("ETag"), std::regex(R"(W/"11-[A-Za-z0-9+/]{27}")")))
      << response.header("ETag");
  EXPECT_EQ(response.header("Connection"), "keep-alive");
  EXPECT_EQ(response.header("Keep-Alive"), "timeout=5");
}

TEST(FakeLmStudioTest, ListsModelsInV1AndV0Shapes) {
  FakeUpstream fake({.models = {{.id = "qwen3", .capabilities = {"tool_use"}},
                                {.id = "gemma", .loaded = false},
                                {.id = "nomic-embed", .type = "embeddings"}}});
  TestConnection client(fake.port());
  EXPECT_EQ(client.request("GET", "/v1/models").body,
            R"({"data":[{"id":"qwen3","object":"model","owned_by":"organization_owner"},)"
            R"({"id":"gemma","object":"model","owned_by":"organization_owner"},)"
            R"({"id":"nomic-embed","object":"model","owned_by":"organization_owner"}],)"
            R"("object":"list"})");
  const auto v0 = client.request("GET", "/api/v0/models").json();
  const auto& data = v0.at("data").as_array();
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[0].at("state"), "loaded");
  EXPECT_EQ(data[0].at("loaded_context_length"), 4096);
  EXPECT_EQ(data[0].at("capabilities").as_array()[0], "tool_use");
  EXPECT_EQ(data[1].at("state"), "not-loaded");
  EXPECT_FALSE(data[1].as_object().contains("loaded_context_length"));
  EXPECT_EQ(data[2].at("type"), "embeddings");
  const auto one = client.request("GET", "/api/v0/models/gemma").json();
  EXPECT_EQ(one.at("id"), "gemma");
  EXPECT_EQ(one.at("compatibility_type"), "gguf");
}

TEST(FakeLmStudioTest, UnknownModelWithTwoLoadedIs404ListingYourModels) {
  FakeUpstream fake({.models = {{"qwen3"}, {"gemma"}}});
  TestConnection client(fake.port());
  const auto response = client.request("POST", "/v1/chat/completions", chat_body("default", "hi"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body,
            R"({"error":{"message":"Model \"default\" not found. Please specify a valid model.)"
            R"(\n\nYour models:\n\nqwen3\ngemma","type":"invalid_request_error","param":"model",)"
            R"("code":"model_not_found"}})");
}

TEST(FakeLmStudioTest, OneLoadedModelSilentlyServesAnyName) {
  FakeUpstream fake({.models = {{"gemma-3-1b-it-qat:2"}}});
  TestConnection client(fake.port());
  const auto response = client.request("POST", "/v1/chat/completions", chat_body("gpt-4o", "hi"));
  ASSERT_EQ(response.status, 200);
  const auto body = response.json();
  EXPECT_EQ(body.at("model"), "gemma-3-1b-it-qat:2");
  EXPECT_EQ(body.at("system_fingerprint"), "gemma-3-1b-it-qat:2");
}

TEST(FakeLmStudioTest, NoLoadedModelIs404WithNullCode) {
  FakeUpstream fake({.models = {{.id = "qwen3", .loaded = false}}, .jit = false});
  TestConnection client(fake.port());
  const auto response = client.request("POST", "/v1/chat/completions", chat_body("x", "hi"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body,
            R"({"error":{"message":"No models loaded. Please load a model in the developer page )"
            R"(or use the 'lms load' command.","type":"invalid_request_error","param":"model",)"
            R"("code":null}})");
}

TEST(FakeLmStudioTest, JitLoadsAKnownModel) {
  FakeUpstream fake({.models = {{"qwen3"}, {.id = "gemma", .loaded = false}}});
  TestConnection client(fake.port());
  EXPECT_EQ(client.request("POST", "/v1/chat/completions", chat_body("gemma", "hi")).status, 200);
  EXPECT_TRUE(fake.models()[1].loaded);
}

TEST(FakeLmStudioTest, ValidationErrorsAreFlatStrings) {
  FakeUpstream fake;
  TestConnection client(fake.port());
  auto response =
      client.request("POST", "/v1/chat/completions",
                     chat_body("llama3.3", "hi", R"(,"response_format":{"type":"json_object"})"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"error":"'response_format.type' must be 'json_schema' or 'text'"})");
  response = client.request("POST", "/v1/chat/completions", R"({"model":"llama3.3"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"error":"'messages' field is required"})");
  response = client.request("POST", "/v1/chat/completions", R"({"messages":{}})");
  EXPECT_EQ(response.body, R"({"error":"'messages' field is required"})");
}

TEST(FakeLmStudioTest, NonStreamAnswerEchoesTheLastUserMessage) {
  FakeUpstream fake;
  TestConnection client(fake.port());
  const auto body =
      client.request("POST", "/v1/chat/completions", chat_body("llama3.3", "hello   world")).json();
  EXPECT_TRUE(std::regex_match(std::string(body.at("id").as_string()),
                               std::regex("chatcmpl-[0-9a-z]{20}")));
  EXPECT_EQ(body.at("object"), "chat.completion");
  const auto& choice = body.at("choices").as_array()[0];
  EXPECT_EQ(choice.at("message"),
            json::parse(R"({"role":"assistant","content":"Echo: hello world"})"));
  EXPECT_EQ(choice.at("finish_reason"), "stop");
  EXPECT_TRUE(choice.at("logprobs").is_null());
  EXPECT_EQ(body.at("usage").at("completion_tokens"), 3);
  EXPECT_FALSE(body.as_object().contains("stats"));
}

TEST(FakeLmStudioTest, MaxTokensCutsWithLengthAndV0AddsStats) {
  FakeUpstream fake;
  TestConnection client(fake.port());
  const auto body = client
                        .request("POST", "/api/v0/chat/completions",
                                 chat_body("llama3.3", "one two three", R"(,"max_tokens":2)"))
                        .json();
  const auto& choice = body.at("choices").as_array()[0];
  EXPECT_EQ(choice.at("message").at("content"), "Echo: one");
  EXPECT_EQ(choice.at("finish_reason"), "length");
  EXPECT_EQ(body.at("stats").at("stop_reason"), "maxPredictedTokensReached");
  EXPECT_EQ(body.at("model_info").at("context_length"), 4096);
  EXPECT_EQ(body.at("runtime").at("supported_formats").as_array()[0], "gguf");
}

TEST(FakeLmStudioTest, ToolCallHasNumericIdAndNoContentKey) {
  FakeUpstream fake;
  TestConnection client(fake.port());
  const auto body =
      client
          .request("POST", "/v1/chat/completions",
                   chat_body("llama3.3", R"(call: get_weather {\"city\":\"Paris\"})",
                             R"(,"tools":[{"type":"function","function":{"name":"get_weather"}}])"))
          .json();
  const auto& choice = body.at("choices").as_array()[0];
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  const auto& message = choice.at("message").as_object();
  EXPECT_FALSE(message.contains("content"));
  const auto& call = message.at("tool_calls").as_array()[0];
  EXPECT_TRUE(std::regex_match(std::string(call.at("id").as_string()), std::regex("[0-9]{9}")));
  EXPECT_EQ(call.at("function").at("name"), "get_weather");
  EXPECT_EQ(call.at("function").at("arguments"), R"({"city":"Paris"})");
}

TEST(FakeLmStudioTest, ReasoningGoesToReasoningContent) {
  FakeUpstream fake({.reasoning = "Let me think."});
  TestConnection client(fake.port());
  const auto body =
      client.request("POST", "/v1/chat/completions", chat_body("llama3.3", "hi")).json();
  EXPECT_EQ(body.at("choices").as_array()[0].at("message").at("reasoning_content"),
            "Let me think.");
}

TEST(FakeLmStudioTest, EmbeddingsAndCompletions) {
  FakeUpstream fake({.models = {{"llama3.3"}, {.id = "nomic-embed", .type = "embeddings"}}});
  TestConnection client(fake.port());
  const auto embeddings =
      client.request("POST", "/v1/embeddings", R"({"model":"nomic-embed","input":["a","b"]})")
          .json();
  EXPECT_EQ(embeddings.at("model"), "nomic-embed@q4_k_m");
  EXPECT_EQ(embeddings.at("data").as_array().size(), 2u);
  EXPECT_EQ(embeddings.at("data").as_array()[1].at("embedding").as_array().size(), 8u);
  EXPECT_EQ(embeddings.at("usage"), json::parse(R"({"prompt_tokens":0,"total_tokens":0})"));
  const auto completion =
      client.request("POST", "/v1/completions", R"({"model":"llama3.3","prompt":"once upon"})")
          .json();
  EXPECT_EQ(completion.at("object"), "text_completion");
  EXPECT_TRUE(std::regex_match(std::string(completion.at("id").as_string()),
                               std::regex("cmpl-[0-9a-z]{20}")));
  EXPECT_EQ(completion.at("choices").as_array()[0].at("text"), "Echo: once upon");
}

TEST(FakeLmStudioTest, ApiKeyIsRequiredWhenSet) {
  FakeUpstream fake({.api_key = "sk-lm-test"});
  TestConnection client(fake.port());
  EXPECT_EQ(client.request("GET", "/lmstudio-greeting").status, 200);
  const auto denied = client.request("GET", "/v1/models");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.json().at("error").at("code"), "invalid_api_key");
  EXPECT_EQ(
      client.request("GET", "/v1/models", "", {{"Authorization", "Bearer sk-lm-test"}}).status,
      200);
}

TEST(FakeLmStudioTest, RecordsRequests) {
  FakeUpstream fake;
  TestConnection client(fake.port());
  client.request("POST", "/v1/chat/completions?x=1", chat_body("llama3.3", "hi"),
                 {{"X-Trace", "abc"}});
  ASSERT_TRUE(fake.wait_for_idle(std::chrono::seconds(1)));
  const auto records = fake.requests();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].method, "POST");
  EXPECT_EQ(records[0].target, "/v1/chat/completions?x=1");
  EXPECT_EQ(records[0].path(), "/v1/chat/completions");
  EXPECT_EQ(records[0].header("x-trace"), "abc");
  ASSERT_TRUE(records[0].json);
  EXPECT_EQ(records[0].json->at("model"), "llama3.3");
  EXPECT_TRUE(records[0].completed());
  EXPECT_EQ(records[0].connection, 1u);
}

}  // namespace
}  // namespace roci::testing
