// LmStudioProvider::generate against the fake LM Studio: request encoding and LM Studio's quirks.
#include "unit/providers/lmstudio/lmstudio_fixture.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <cctype>

namespace roci::test {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

class LmStudioGenerateTest : public LmStudioFixture {};

TEST_F(LmStudioGenerateTest, ReturnsTextUsageAndStopAndSendsTheProviderModel) {
  start();
  auto result = run(provider_->generate(user_request("hello there")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->text, "Echo: hello there");
  EXPECT_EQ(result->finish_reason, FinishReason::kStop);
  ASSERT_TRUE(result->usage);
  EXPECT_GT(result->usage->completion_tokens, 0);
  EXPECT_EQ(result->usage->total_tokens,
            result->usage->prompt_tokens + result->usage->completion_tokens);
  EXPECT_EQ(result->model, "llama3.3");

  const auto request = last("/v1/chat/completions");
  EXPECT_EQ(request.method, "POST");
  ASSERT_TRUE(request.json);
  EXPECT_EQ(request.json->at("model").as_string(), "llama3.3");
  EXPECT_EQ(request.header("Authorization"), "");  // no key: no Bearer header
}

TEST_F(LmStudioGenerateTest, RequestModelOverridesTheProviderModel) {
  start({.models = {{"llama3.3"}, {"qwen3"}}});
  auto request = user_request("hi");
  request.model = "qwen3";
  auto result = run(provider_->generate(request));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(last("/v1/chat/completions").json->at("model").as_string(), "qwen3");
  EXPECT_EQ(result->model, "qwen3");
}

TEST_F(LmStudioGenerateTest, BaseUrlEndingInV1IsNotDoubled) {
  start({}, {}, "llama3.3", "/v1/");
  EXPECT_EQ(provider_->base_url(), fake_->base_url() + "/v1");
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(count("/v1/chat/completions"), 1u);
}

TEST_F(LmStudioGenerateTest, MaxTokensGivesFinishLength) {
  start();
  auto result = run(provider_->generate(user_request("one two three four five six", 2)));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->finish_reason, FinishReason::kLength);
  EXPECT_EQ(last("/v1/chat/completions").json->at("max_tokens").to_number<int>(), 2);
}

TEST_F(LmStudioGenerateTest, ApiKeyIsSentAsBearer) {
  start({.api_key = "sk-lm-abc:def"}, {.api_key = "sk-lm-abc:def"});
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(last("/v1/chat/completions").header("Authorization"), "Bearer sk-lm-abc:def");
}

TEST_F(LmStudioGenerateTest, Http200WithStringErrorBodyIsAnError) {
  start();
  fake_->script(Fault::respond(
      200, R"j({"error":"Unexpected endpoint or method. (POST /v1/chat/completions)"})j",
      "/v1/chat/completions"));
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("Unexpected endpoint"));
  EXPECT_THAT(result.error().message, HasSubstr("LM Studio"));
}

TEST_F(LmStudioGenerateTest, Http200WithObjectErrorBodyIsAnError) {
  start();
  fake_->script(
      Fault::respond(200, R"({"error":{"message":"Compute error."},"message":"Compute error."})",
                     "/v1/chat/completions"));
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("Compute error."));
}

TEST_F(LmStudioGenerateTest, StringErrorEnvelopeWith400IsInvalidRequest) {
  start();
  fake_->script(
      Fault::respond(400, R"({"error":"'response_format.type' must be 'json_schema' or 'text'"})",
                     "/v1/chat/completions"));
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(result.error().message, HasSubstr("must be 'json_schema' or 'text'"));
  EXPECT_EQ(result.error().upstream_status, 400);
}

TEST_F(LmStudioGenerateTest, ObjectEnvelope500IsUpstreamError) {
  start();
  fake_->script(Fault::respond(500, R"({"error":{"message":"boom","type":"server_error"}})",
                               "/v1/chat/completions"));
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(result.error().upstream_status, 500);
  EXPECT_THAT(result.error().message, HasSubstr("boom"));
}

TEST_F(LmStudioGenerateTest, UnknownModelIs404ModelNotFoundWithAvailableModels) {
  start({.models = {{"qwen3"}, {"gemma-3"}}}, {}, "qwen3");
  auto request = user_request("hi");
  request.model = "no-such-model";
  auto result = run(provider_->generate(request));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(result.error().upstream_status, 404);
  EXPECT_THAT(result.error().available_models, UnorderedElementsAre("qwen3", "gemma-3"));
}

TEST_F(LmStudioGenerateTest, MalformedJsonIsUpstreamError) {
  start();
  fake_->script({.path = "/v1/chat/completions", .kind = Fault::Kind::kMalformedJson});
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kUpstreamError);
}

TEST_F(LmStudioGenerateTest, NumericToolCallIdsAndArguments) {
  start();
  auto request = user_request(R"(call: get_weather {"city":"Paris"})");
  request.tools = std::vector<ToolDefinition>{weather_tool()};
  auto result = run(provider_->generate(request));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(result->tool_calls.size(), 1u);
  EXPECT_EQ(result->tool_calls[0].name, "get_weather");
  EXPECT_EQ(boost::json::parse(result->tool_calls[0].arguments),
            boost::json::parse(R"({"city":"Paris"})"));
  EXPECT_TRUE(all_digits(result->tool_calls[0].id)) << result->tool_calls[0].id;
  EXPECT_EQ(last("/v1/chat/completions").json->at("tools").as_array().size(), 1u);
}

TEST_F(LmStudioGenerateTest, ReasoningContentIsSeparated) {
  start({.reasoning = "Let me think."});
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->reasoning, "Let me think.");
  EXPECT_EQ(result->text, "Echo: hi");
}

TEST_F(LmStudioGenerateTest, GptOssReasoningFieldIsSeparated) {
  start({.reasoning = "Thinking hard.", .reasoning_field = "reasoning"});
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->reasoning, "Thinking hard.");
}

TEST_F(LmStudioGenerateTest, JsonObjectIsSentAsJsonSchema) {
  start();
  auto request = user_request("give me json");
  request.response_format = ResponseFormat::json_object();
  auto result = run(provider_->generate(request));
  ASSERT_TRUE(result) << result.error();  // the fake answers 400 to json_object, like LM Studio
  const auto sent = last("/v1/chat/completions");
  ASSERT_TRUE(sent.json);
  const auto& format = sent.json->at("response_format");
  EXPECT_EQ(format.at("type").as_string(), "json_schema");
  EXPECT_TRUE(format.at("json_schema").as_object().contains("schema"));
}

TEST_F(LmStudioGenerateTest, DeveloperIsSentAsSystem) {
  start();
  ProviderRequest request;
  request.messages = {ModelMessage::developer("Be terse."), ModelMessage::user("hi")};
  auto result = run(provider_->generate(request));
  ASSERT_TRUE(result) << result.error();
  const auto sent = last("/v1/chat/completions");
  ASSERT_TRUE(sent.json);
  const auto& messages = sent.json->at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("role").as_string(), "system");
}

TEST_F(LmStudioGenerateTest, ExtraSettingsAreForwarded) {
  start();
  auto request = user_request("hi");
  request.settings.extra["ttl"] = 600;
  request.settings.extra["draft_model"] = "qwen-0.5b";
  auto result = run(provider_->generate(request));
  ASSERT_TRUE(result) << result.error();
  const auto sent = last("/v1/chat/completions");
  EXPECT_EQ(sent.json->at("ttl").to_number<int>(), 600);
  EXPECT_EQ(sent.json->at("draft_model").as_string(), "qwen-0.5b");
}

TEST_F(LmStudioGenerateTest, EmbeddingsAndCompletions) {
  start({.models = {{"llama3.3"}, {.id = "nomic-embed", .type = "embeddings"}}});
  EmbeddingRequest embed{.model = "nomic-embed", .input = {"a", "b"}};
  auto embedded = run(provider_->embed(embed));
  ASSERT_TRUE(embedded) << embedded.error();
  ASSERT_EQ(embedded->embeddings.size(), 2u);
  EXPECT_EQ(embedded->embeddings[0].size(), 8u);
  EXPECT_EQ(count("/v1/embeddings"), 1u);

  CompletionRequest completion{.prompt = {"Once upon"}};
  completion.settings.max_tokens = 3;
  auto completed = run(provider_->complete(completion));
  ASSERT_TRUE(completed) << completed.error();
  ASSERT_EQ(completed->choices.size(), 1u);
  EXPECT_FALSE(completed->choices[0].text.empty());
  EXPECT_EQ(last("/v1/completions").json->at("model").as_string(), "llama3.3");
}

TEST_F(LmStudioGenerateTest, KeepAliveIsClampedBelowLmStudiosFiveSeconds) {
  LmStudioOptions options;
  options.http.keep_alive = std::chrono::seconds(30);
  start({}, options);
  ASSERT_NE(provider_->http_options(), nullptr);
  EXPECT_LE(provider_->http_options()->keep_alive, std::chrono::seconds(4));
  EXPECT_EQ(provider_->name(), "lmstudio");
  EXPECT_EQ(provider_->model_id(), "llama3.3");
}

TEST(LmStudioProviderTest, InvalidBaseUrlFailsEveryCallWithoutThrowing) {
  asio::io_context io;
  LmStudioProvider provider(LmStudioModel::custom("m"), "ftp://nowhere");
  auto result = run(io, provider.generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kInvalidRequest);
  auto health = run(io, provider.health());
  ASSERT_TRUE(health);
  EXPECT_FALSE(health->reachable);
  EXPECT_THAT(health->detail, HasSubstr("base URL"));
}

}  // namespace
}  // namespace roci::test
