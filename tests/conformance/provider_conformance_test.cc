// One conformance suite over every provider: the mock, LmStudioProvider against the fake LM Studio,
// OpenAiProvider against the fake OpenAI, LlamaCppProvider against the fake llama.cpp
// llama-server, and LmStudioProvider against that llama-server too (LM Studio's fallbacks).
// Every provider must give the same shape of answer through the same interface.
#include "support/fake_upstream.h"
#include "unit/providers/provider_test_util.h"

#include <roci/provider/llamacpp_provider.h>
#include <roci/provider/lmstudio_provider.h>
#include <roci/provider/mock_provider.h>
#include <roci/provider/openai_provider.h>
#include <roci/sdk/generate.h>
#include <roci/sdk/object.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>

namespace roci::test {
namespace {

using roci::testing::FakeMode;
using roci::testing::FakeOptions;
using roci::testing::FakeUpstream;
using roci::testing::Fault;

enum class Backend { kMock, kLmStudio, kOpenAi, kLlamaCpp, kLmStudioOnLlamaCpp };

struct ConformanceCase {
  std::string name;
  Backend backend;
  bool tool_calls = true;  // the provider can answer with tool calls
  friend void PrintTo(const ConformanceCase& c, std::ostream* os) { *os << c.name; }
};

constexpr std::string_view kOpenAiKey = "sk-conformance";

class ProviderConformance : public ::testing::TestWithParam<ConformanceCase> {
 protected:
  void SetUp() override {
    switch (GetParam().backend) {
      case Backend::kMock:
        provider_ = std::make_unique<MockProvider>(MockOptions{}, "mock-model");
        break;
      case Backend::kLmStudio:
        fake_ = std::make_unique<FakeUpstream>(
            FakeOptions{.mode = FakeMode::kLmStudio, .models = {{"llama3.3"}}});
        provider_ = std::make_unique<LmStudioProvider>(LmStudioModel::custom("llama3.3"),
                                                       fake_->base_url());
        break;
      case Backend::kOpenAi:
        fake_ = std::make_unique<FakeUpstream>(FakeOptions{.mode = FakeMode::kOpenAi,
                                                           .models = {{"gpt-4o-mini"}},
                                                           .api_key = std::string(kOpenAiKey)});
        provider_ = std::make_unique<OpenAiProvider>("gpt-4o-mini", std::string(kOpenAiKey),
                                                     fake_->base_url() + "/v1");
        break;
      case Backend::kLlamaCpp:
        fake_ = std::make_unique<FakeUpstream>(
            FakeOptions{.mode = FakeMode::kLlamaCpp, .models = {{"llama3.3"}}});
        provider_ = std::make_unique<LlamaCppProvider>("llama3.3", fake_->base_url());
        break;
      case Backend::kLmStudioOnLlamaCpp:
        fake_ = std::make_unique<FakeUpstream>(
            FakeOptions{.mode = FakeMode::kLlamaCpp, .models = {{"llama3.3"}}});
        provider_ = std::make_unique<LmStudioProvider>(LmStudioModel::custom("llama3.3"),
                                                       fake_->base_url());
        break;
    }
  }

  template <class T>
  T run(asio::awaitable<T> awaitable) {
    return roci::test::run(io_, std::move(awaitable));
  }

  ProviderRequest tool_request() const {
    auto request = user_request(R"(call: {"city":"Paris"})");
    request.tools = std::vector<ToolDefinition>{weather_tool()};
    return request;
  }

  asio::io_context io_;                 // outlives the provider's pooled sockets
  std::unique_ptr<FakeUpstream> fake_;  // outlives the provider
  std::unique_ptr<Provider> provider_;
};

TEST_P(ProviderConformance, GenerateReturnsTextUsageAndStop) {
  auto result = run(provider_->generate(user_request("Hello, how are you?")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_FALSE(result->text.empty());
  EXPECT_EQ(result->finish_reason, FinishReason::kStop);
  ASSERT_TRUE(result->usage);
  EXPECT_GT(result->usage->completion_tokens, 0);
  EXPECT_GT(result->usage->total_tokens, 0);
  EXPECT_FALSE(result->model.empty());
  EXPECT_TRUE(result->tool_calls.empty());
}

TEST_P(ProviderConformance, SmallMaxTokensGivesFinishLength) {
  auto request = user_request("Tell me a very long story about many different things please", 2);
  auto result = run(provider_->generate(request));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->finish_reason, FinishReason::kLength);
  auto streamed = run(stream_all(provider_.get(), request));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->finish);
  EXPECT_EQ(streamed->finish->reason, FinishReason::kLength);
}

TEST_P(ProviderConformance, StreamYieldsTextDeltasThenExactlyOneFinishWithUsage) {
  auto streamed = run(stream_all(provider_.get(), user_request("Explain quantum computing")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_GT(streamed->text_deltas, 0);
  EXPECT_EQ(streamed->finishes, 1);
  EXPECT_EQ(streamed->parts_after_finish, 0);
  ASSERT_FALSE(streamed->parts.empty());
  EXPECT_TRUE(std::holds_alternative<Finish>(streamed->parts.back()));
  EXPECT_EQ(streamed->finish->reason, FinishReason::kStop);
  ASSERT_TRUE(streamed->finish->usage);
  EXPECT_GT(streamed->finish->usage->completion_tokens, 0);
}

TEST_P(ProviderConformance, StreamTextEqualsGenerateText) {
  const auto request = user_request("The same prompt twice");
  auto generated = run(provider_->generate(request));
  auto streamed = run(stream_all(provider_.get(), request));
  ASSERT_TRUE(generated) << generated.error();
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_EQ(streamed->text, generated->text);
  ASSERT_TRUE(streamed->finish);
  EXPECT_EQ(streamed->finish->reason, generated->finish_reason);
}

TEST_P(ProviderConformance, ListModelsIsNotEmpty) {
  auto models = run(provider_->list_models());
  ASSERT_TRUE(models) << models.error();
  ASSERT_FALSE(models->empty());
  for (const auto& model : *models) EXPECT_FALSE(model.id.empty());
}

TEST_P(ProviderConformance, HealthIsReachable) {
  auto health = run(provider_->health());
  ASSERT_TRUE(health) << health.error();
  EXPECT_TRUE(health->reachable) << health->detail;
  EXPECT_FALSE(health->detail.empty());
}

TEST_P(ProviderConformance, CapabilitiesIncludeStreaming) {
  EXPECT_TRUE(provider_->capabilities(provider_->model_id()).streaming);
  EXPECT_GT(provider_->capabilities(provider_->model_id()).context_length, 0);
}

TEST_P(ProviderConformance, ToolCallRequestYieldsAToolCall) {
  if (!GetParam().tool_calls) GTEST_SKIP() << GetParam().name << " cannot answer with tool calls";
  auto result = run(provider_->generate(tool_request()));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(result->tool_calls.size(), 1u);
  EXPECT_EQ(result->tool_calls[0].name, "get_weather");
  EXPECT_FALSE(result->tool_calls[0].id.empty());
  EXPECT_EQ(boost::json::parse(result->tool_calls[0].arguments),
            boost::json::parse(R"({"city":"Paris"})"));
}

TEST_P(ProviderConformance, StreamedToolCallIsASequenceOfToolCallDeltas) {
  if (!GetParam().tool_calls) GTEST_SKIP() << GetParam().name << " cannot answer with tool calls";
  auto streamed = run(stream_all(provider_.get(), tool_request()));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_GT(streamed->tool_call_deltas, 0);
  ASSERT_EQ(streamed->tool_calls.size(), 1u);
  EXPECT_EQ(streamed->tool_calls.at(0).name, "get_weather");
  EXPECT_FALSE(streamed->tool_calls.at(0).id.empty());
  EXPECT_EQ(boost::json::parse(streamed->tool_calls.at(0).arguments),
            boost::json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(streamed->finishes, 1);
  EXPECT_EQ(streamed->finish->reason, FinishReason::kToolCalls);
}

TEST_P(ProviderConformance, DroppingAStreamMidwayIsClean) {
  if (fake_) {
    // Slow the answer down so the drop happens while the upstream is still writing.
    fake_->script({.path = "/v1/chat/completions", .token_delay = std::chrono::milliseconds(30)});
  }
  auto read = run(stream_and_drop(
      provider_.get(), user_request("one two three four five six seven eight nine ten"), 1));
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(*read, 1);
  if (fake_) {
    EXPECT_TRUE(fake_->wait_for_client_close(std::chrono::seconds(3)))
        << "the upstream must see the connection close";
  }
  // The provider is fine afterwards.
  auto after = run(provider_->generate(user_request("still there?")));
  ASSERT_TRUE(after) << after.error();
  EXPECT_FALSE(after->text.empty());
}

// The SDK over every provider: generate_text's tool loop and generate_object, awaited on this
// test's own io_context.
TEST_P(ProviderConformance, ToolLoopRunsTheToolAndEndsWithTheAnswer) {
  if (!GetParam().tool_calls) GTEST_SKIP() << GetParam().name << " cannot answer with tool calls";
  std::vector<std::string> cities;
  const ToolDefinition d = weather_tool();
  Tool weather(d.name, d.description, d.parameters, [&](const boost::json::value& args) {
    cities.emplace_back(args.at("city").as_string());
    return std::string("sunny");
  });
  auto loop = run(generate_text_async(*provider_, user_request(R"(call: {"city":"Paris"})"),
                                      GenerateOptions{.tools = {weather}}));
  ASSERT_TRUE(loop) << loop.error();
  EXPECT_THAT(cities, ::testing::ElementsAre("Paris"));
  ASSERT_EQ(loop->steps.size(), 2u);
  ASSERT_EQ(loop->steps[0].tool_results.size(), 1u);
  EXPECT_EQ(loop->steps[0].tool_results[0].output, "sunny");
  EXPECT_EQ(loop->finish_reason, FinishReason::kStop);
  EXPECT_FALSE(loop->text.empty());
  EXPECT_FALSE(loop->model.empty());
  int total = 0;
  for (const auto& step : loop->steps) total += step.response.usage.value_or(Usage{}).total_tokens;
  EXPECT_EQ(loop->usage.total_tokens, total);
  EXPECT_EQ(loop->response_messages.size(), 3u);
}

boost::json::value city_schema() {
  return boost::json::parse(
      R"({"type":"object","required":["city"],"properties":{"city":{"type":"string"}}})");
}

TEST_P(ProviderConformance, GenerateObjectReturnsTheValidatedObject) {
  if (fake_) fake_->script({.path = "/v1/chat/completions", .answer = R"({"city":"Paris"})"});
  auto got =
      run(generate_object_async(*provider_, user_request("Where is the Louvre?"), city_schema()));
  ASSERT_TRUE(got) << got.error();
  EXPECT_TRUE(got->object.at("city").is_string());
  EXPECT_EQ(got->attempts, 1);
}

TEST_P(ProviderConformance, GenerateObjectNamesATruncatedAnswer) {
  if (fake_) {
    fake_->script({.path = "/v1/chat/completions", .answer = R"({"city": "Paris", "x": 1})"});
  }
  auto got = run(
      generate_object_async(*provider_, user_request("Where is the Louvre?", 2), city_schema()));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "output_truncated") << got.error();
  EXPECT_FALSE(got.error().model_output.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Providers, ProviderConformance,
    ::testing::Values(ConformanceCase{"Mock", Backend::kMock},
                      ConformanceCase{"LmStudio", Backend::kLmStudio},
                      ConformanceCase{"OpenAi", Backend::kOpenAi},
                      ConformanceCase{"LlamaCpp", Backend::kLlamaCpp},
                      ConformanceCase{"LmStudioOnLlamaCpp", Backend::kLmStudioOnLlamaCpp}),
    [](const ::testing::TestParamInfo<ConformanceCase>& info) { return info.param.name; });

}  // namespace
}  // namespace roci::test
