// OpenAiProvider against the fake in OpenAI mode (plain HTTP; TLS is tested in net).
#include "support/fake_upstream.h"
#include "unit/providers/provider_test_util.h"

#include <roci/provider/openai_provider.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roci::test {
namespace {

using roci::testing::FakeMode;
using roci::testing::FakeUpstream;
using roci::testing::RecordedRequest;
using ::testing::HasSubstr;

constexpr std::string_view kKey = "sk-test-123";

class OpenAiProviderTest : public ::testing::Test {
 protected:
  void start(std::string key = std::string(kKey), OpenAiOptions options = {}) {
    fake_ = std::make_unique<FakeUpstream>(roci::testing::FakeOptions{
        .mode = FakeMode::kOpenAi,
        .models = {{"gpt-4o-mini"}, {.id = "text-embedding-3-small", .type = "embeddings"}},
        .api_key = std::string(kKey)});
    provider_ = std::make_unique<OpenAiProvider>("gpt-4o-mini", std::move(key),
                                                 fake_->base_url() + "/v1", std::move(options));
  }
  template <class T>
  T run(asio::awaitable<T> awaitable) {
    return roci::test::run(io_, std::move(awaitable));
  }
  RecordedRequest last() const { return fake_->requests().back(); }

  asio::io_context io_;
  std::unique_ptr<FakeUpstream> fake_;
  std::unique_ptr<OpenAiProvider> provider_;
};

TEST_F(OpenAiProviderTest, GenerateSendsBearerKeyToTheV1Path) {
  start();
  auto result = run(provider_->generate(user_request("hello")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->text, "Echo: hello");
  ASSERT_TRUE(result->usage);
  const auto sent = last();
  EXPECT_EQ(sent.path(), "/v1/chat/completions");
  EXPECT_EQ(sent.header("Authorization"), "Bearer sk-test-123");
  EXPECT_EQ(sent.header("OpenAI-Organization"), "");
  EXPECT_EQ(sent.header("OpenAI-Project"), "");
  EXPECT_EQ(sent.json->at("model").as_string(), "gpt-4o-mini");
}

TEST_F(OpenAiProviderTest, OrganizationAndProjectHeaders) {
  start(std::string(kKey), {.organization = "org-1", .project = "proj-2"});
  ASSERT_TRUE(run(provider_->generate(user_request("hi"))));
  EXPECT_EQ(last().header("OpenAI-Organization"), "org-1");
  EXPECT_EQ(last().header("OpenAI-Project"), "proj-2");
}

TEST_F(OpenAiProviderTest, WrongKeyIs401Error) {
  start("sk-wrong");
  auto result = run(provider_->generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().upstream_status, 401);
  EXPECT_THAT(result.error().message, HasSubstr("OpenAI"));
  EXPECT_THAT(result.error().message, ::testing::Not(HasSubstr("sk-wrong")));
}

TEST_F(OpenAiProviderTest, StreamWithUsageAndOneFinish) {
  start();
  auto streamed = run(stream_all(provider_.get(), user_request("stream these words")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_EQ(streamed->text, "Echo: stream these words");
  EXPECT_EQ(streamed->finishes, 1);
  ASSERT_TRUE(streamed->finish->usage);
  EXPECT_TRUE(last().json->at("stream_options").at("include_usage").as_bool());
}

TEST_F(OpenAiProviderTest, DeveloperRoleAndJsonObjectAreKept) {
  start();
  ProviderRequest request;
  request.messages = {ModelMessage::developer("Be terse."), ModelMessage::user("json please")};
  request.response_format = ResponseFormat::json_object();
  ASSERT_TRUE(run(provider_->generate(request)));
  const auto sent = last();
  EXPECT_EQ(sent.json->at("messages").as_array()[0].at("role").as_string(), "developer");
  EXPECT_EQ(sent.json->at("response_format").at("type").as_string(), "json_object");
}

TEST_F(OpenAiProviderTest, ListModelsAndHealthWithTheKey) {
  start();
  auto models = run(provider_->list_models());
  ASSERT_TRUE(models) << models.error();
  ASSERT_FALSE(models->empty());
  EXPECT_EQ(models->front().id, "gpt-4o-mini");
  auto health = run(provider_->health());
  ASSERT_TRUE(health);
  EXPECT_TRUE(health->reachable) << health->detail;
  EXPECT_EQ(last().path(), "/v1/models");
  EXPECT_EQ(last().header("Authorization"), "Bearer sk-test-123");
}

TEST_F(OpenAiProviderTest, HealthWithAWrongKeyIsUnreachableAndSaysWhy) {
  start("sk-wrong");
  auto health = run(provider_->health());
  ASSERT_TRUE(health);
  EXPECT_FALSE(health->reachable);
  EXPECT_THAT(health->detail, HasSubstr("API key"));
}

TEST_F(OpenAiProviderTest, Embeddings) {
  start();
  auto result = run(provider_->embed({.model = "text-embedding-3-small", .input = {"x"}}));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->embeddings.size(), 1u);
  EXPECT_EQ(last().path(), "/v1/embeddings");
}

TEST(OpenAiCapabilitiesTest, Table) {
  OpenAiProvider provider("gpt-4o-mini", "k");
  EXPECT_EQ(provider.name(), "openai");
  EXPECT_EQ(provider.base_url(), "https://api.openai.com/v1");
  const Capabilities mini = provider.capabilities("gpt-4o-mini");
  EXPECT_TRUE(mini.tools && mini.streaming && mini.json_mode && mini.json_schema);
  EXPECT_TRUE(mini.vision);
  EXPECT_TRUE(mini.system_messages);
  EXPECT_EQ(mini.context_length, 128000);
  EXPECT_TRUE(provider.capabilities("gpt-4.1-nano").vision);
  EXPECT_TRUE(provider.capabilities("o3-mini").vision);
  EXPECT_FALSE(provider.capabilities("gpt-3.5-turbo").vision);
  EXPECT_EQ(provider.capabilities(""), mini);
}

}  // namespace
}  // namespace roci::test
