// LlamaCppProvider against the fake llama-server: paths, optional key, /health as the probe (200,
// 503 while loading, a 200 that is not llama-server), error envelopes, context from /v1/models.
#include "support/fake_upstream.h"
#include "unit/providers/provider_test_util.h"

#include <roci/provider/llamacpp_provider.h>
#include <roci/provider/mock_provider.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace roci::test {
namespace {

using roci::testing::FakeMode;
using roci::testing::FakeOptions;
using roci::testing::FakeUpstream;
using roci::testing::Fault;
using roci::testing::RecordedRequest;
using ::testing::HasSubstr;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(ROCI_FIXTURES_DIR) + "/llamacpp/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class LlamaCppProviderTest : public ::testing::Test {
 protected:
  void start(FakeOptions fake_options = {}, LlamaCppOptions options = {}, std::string suffix = {}) {
    fake_options.mode = FakeMode::kLlamaCpp;
    fake_ = std::make_unique<FakeUpstream>(std::move(fake_options));
    provider_ = std::make_unique<LlamaCppProvider>("qwen2.5-7b", fake_->base_url() + suffix,
                                                   std::move(options));
  }
  template <class T>
  T run(asio::awaitable<T> awaitable) {
    return roci::test::run(io_, std::move(awaitable));
  }
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& r : fake_->requests()) out.push_back(r.path());
    return out;
  }

  asio::io_context io_;
  std::unique_ptr<FakeUpstream> fake_;
  std::unique_ptr<LlamaCppProvider> provider_;
};

TEST_F(LlamaCppProviderTest, GenerateUsesTheV1PathWithoutAKey) {
  start({.models = {{"qwen2.5-7b"}}});
  auto result = run(provider_->generate(user_request("hello")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->text, "Echo: hello");
  const RecordedRequest sent = fake_->requests().back();
  EXPECT_EQ(sent.path(), "/v1/chat/completions");
  EXPECT_EQ(sent.header("Authorization"), "");
  EXPECT_EQ(sent.json->at("model").as_string(), "qwen2.5-7b");
  EXPECT_EQ(provider_->name(), "llamacpp");
  EXPECT_EQ(provider_->kind(), "llamacpp");
}

TEST_F(LlamaCppProviderTest, ApiKeyIsSentAsBearerWhenGiven) {
  start({.api_key = "sk-llama"}, {.api_key = "sk-llama"});
  ASSERT_TRUE(run(provider_->generate(user_request("hi"))));
  EXPECT_EQ(fake_->requests().back().header("Authorization"), "Bearer sk-llama");
}

TEST_F(LlamaCppProviderTest, AMissingKeyIsTheOperatorsProblemNamingLlamaCpp) {
  start({.api_key = "sk-llama"});
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(result.error().upstream_status, 401);
  EXPECT_THAT(result.error().message, HasSubstr("llama.cpp at " + fake_->base_url()));
  EXPECT_THAT(result.error().message, HasSubstr("Invalid API Key"));
}

TEST_F(LlamaCppProviderTest, HealthProbesSlashHealthOnly) {
  start();
  auto health = run(provider_->health());
  ASSERT_TRUE(health) << health.error();
  EXPECT_TRUE(health->reachable) << health->detail;
  EXPECT_EQ(health->detail, "llama.cpp answered /health");
  EXPECT_EQ(paths(), std::vector<std::string>{"/health"});
}

TEST_F(LlamaCppProviderTest, HealthHangsOffTheServerRootWhenTheBaseUrlEndsInV1) {
  start({}, {}, "/v1");
  auto health = run(provider_->health());
  ASSERT_TRUE(health) << health.error();
  EXPECT_TRUE(health->reachable) << health->detail;
  ASSERT_TRUE(run(provider_->generate(user_request("hi"))));
  EXPECT_EQ(paths(), (std::vector<std::string>{"/health", "/v1/chat/completions"}));
}

TEST_F(LlamaCppProviderTest, HealthWhileTheModelLoadsIsUnavailableWithTheReason) {
  start();
  fake_->script(Fault::respond(
      503, R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})",
      "/health"));
  auto health = run(provider_->health());
  ASSERT_TRUE(health) << health.error();
  EXPECT_FALSE(health->reachable);
  EXPECT_THAT(health->detail, HasSubstr("returned 503"));
  EXPECT_THAT(health->detail, HasSubstr("Loading model"));
  EXPECT_EQ(fake_->requests().size(), 1u) << "a probe is never retried";
}

TEST_F(LlamaCppProviderTest, HealthIsNeverInferredFromHttp200Alone) {
  start();
  // What LM Studio answers to a path it does not serve.
  fake_->script(Fault::respond(
      200, R"json({"error":"Unexpected endpoint or method. (GET /health)"})json", "/health"));
  auto health = run(provider_->health());
  ASSERT_TRUE(health) << health.error();
  EXPECT_FALSE(health->reachable);
  EXPECT_THAT(health->detail, HasSubstr("did not return {\"status\":\"ok\"}"));
}

TEST_F(LlamaCppProviderTest, HealthIsUnreachableWhenNothingListens) {
  LlamaCppProvider provider("m", "http://127.0.0.1:" + std::to_string(closed_port()));
  auto health = run(provider.health());
  ASSERT_TRUE(health) << health.error();
  EXPECT_FALSE(health->reachable);
  EXPECT_THAT(health->detail, HasSubstr("llama-server"));
}

TEST_F(LlamaCppProviderTest, ContextOverflowIsTheClientsError) {
  start();
  fake_->script(Fault::respond(400, fixture("error_context_size.json"), "/v1/chat/completions"));
  auto result = run(provider_->generate(user_request("a very long prompt")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(result.error().code, "context_length_exceeded");
  EXPECT_THAT(result.error().message, HasSubstr("exceeds the available context size"));
}

TEST_F(LlamaCppProviderTest, StreamEndsWithOneFinishAndUsage) {
  start();
  auto streamed = run(stream_all(provider_.get(), user_request("one two three")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_EQ(streamed->text, "Echo: one two three");
  EXPECT_EQ(streamed->finishes, 1);
  ASSERT_TRUE(streamed->finish->usage);
}

TEST_F(LlamaCppProviderTest, ListingModelsReadsTheServedContextLength) {
  start({.models = {{.id = "qwen2.5-7b", .loaded_context_length = 16384}}});
  EXPECT_EQ(provider_->capabilities("qwen2.5-7b").context_length, 4096);
  auto models = run(provider_->list_models());
  ASSERT_TRUE(models) << models.error();
  ASSERT_EQ(models->size(), 1u);
  EXPECT_EQ(models->front().id, "qwen2.5-7b");
  EXPECT_EQ(provider_->capabilities("qwen2.5-7b").context_length, 16384);
  EXPECT_TRUE(provider_->capabilities("qwen2.5-7b").tools);
  EXPECT_EQ(paths(), std::vector<std::string>{"/v1/models"}) << "no /api/v0 on llama-server";
}

TEST_F(LlamaCppProviderTest, DeveloperMessagesAreSentAsSystem) {
  start();
  ProviderRequest request = user_request("hi");
  request.messages.insert(request.messages.begin(), ModelMessage::developer("be brief"));
  ASSERT_TRUE(run(provider_->generate(request)));
  const auto sent = fake_->requests().back();
  EXPECT_EQ(sent.json->at("messages").at(0).at("role").as_string(), "system");
}

}  // namespace
}  // namespace roci::test

namespace roci::test {
namespace {

// count_tokens: the chat template applied by llama-server (/apply-template), then its tokenizer
// (/tokenize) on that prompt; no completion is asked for.
TEST_F(LlamaCppProviderTest, CountTokensAppliesTheTemplateThenTokenizes) {
  start({.models = {{"qwen2.5-7b"}}});
  ProviderRequest request = user_request("one two three");
  request.messages.insert(request.messages.begin(), ModelMessage::system("be brief"));
  auto count = run(provider_->count_tokens(request));
  ASSERT_TRUE(count) << count.error();
  // The fake's template is "<|role|> content " per message and its tokens are words.
  EXPECT_EQ(*count, 7);
  EXPECT_EQ(paths(), (std::vector<std::string>{"/apply-template", "/tokenize"}));
  const auto requests = fake_->requests();
  EXPECT_EQ(requests[0].json->at("model"), "qwen2.5-7b");
  EXPECT_EQ(requests[1].json->at("content"), "<|system|> be brief <|user|> one two three ");
  EXPECT_EQ(requests[1].json->at("parse_special"), true);
}

TEST(ProviderCountTokens, UnsupportedByDefault) {
  asio::io_context io;
  MockProvider provider;
  auto count = roci::test::run(io, provider.count_tokens(user_request("hi")));
  ASSERT_FALSE(count);
  EXPECT_EQ(count.error().kind, ErrorKind::kUnsupported);
}

}  // namespace
}  // namespace roci::test
