// One conformance suite over every provider: the mock, LmStudioProvider against the fake LM Studio,
// OpenAiProvider against the fake OpenAI, LlamaCppProvider against the fake llama.cpp
// llama-server, and LmStudioProvider against that llama-server too (LM Studio's fallbacks).
// Every provider must give the same shape of answer through the same interface.
#include "openai_wire/downstream_responses.h"
#include "support/fake_upstream.h"
#include "unit/providers/provider_test_util.h"

#include "anthropic_wire/messages_codec.h"
#include "openai_wire/sse_parser.h"

#include <boost/json.hpp>

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

// The Responses dialect over every provider: a Responses body parsed by the gateway's codec, served
// by the provider, rendered back as a response object and as the Responses event stream.
TEST_P(ProviderConformance, ResponsesDialectRoundTrip) {
  auto parsed = openai_wire::parse_responses_request(
      R"({"input":"Hello, how are you?","instructions":"Be brief.","max_output_tokens":64})", {});
  ASSERT_TRUE(parsed) << parsed.error();
  ProviderRequest request = parsed->request;
  request.messages.insert(request.messages.begin(), ModelMessage::system(*parsed->instructions));
  openai_wire::ResponseHead head{
      .id = "resp_c", .model = "m", .created_at = 1, .echo = parsed->echo};

  auto generated = run(provider_->generate(request));
  ASSERT_TRUE(generated) << generated.error();
  auto object = boost::json::parse(openai_wire::encode_response(
      head, openai_wire::response_output(*generated),
      openai_wire::response_outcome(generated->finish_reason), generated->usage, 2));
  EXPECT_EQ(object.at("status"), "completed");
  EXPECT_EQ(object.at("output").at(0).at("content").at(0).at("text").as_string(), generated->text);
  EXPECT_GT(object.at("usage").at("output_tokens").as_int64(), 0);

  auto streamed = run(stream_all(provider_.get(), request));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->finish);
  openai_wire::ResponsesEventEncoder events(head);
  std::string text = events.open();
  for (const auto& part : streamed->parts) {
    if (!std::holds_alternative<Finish>(part)) text += events.encode(part);
  }
  text += events.finish(*streamed->finish);
  EXPECT_EQ(text.rfind("event: response.created\n", 0), 0u);
  EXPECT_NE(text.find("event: response.completed\n"), std::string::npos);
  auto final_response = boost::json::parse(events.final_response());
  EXPECT_EQ(final_response.at("output").at(0).at("content").at(0).at("text").as_string(),
            streamed->text);
}

TEST_P(ProviderConformance, ResponsesDialectToolCall) {
  if (!GetParam().tool_calls) GTEST_SKIP() << GetParam().name << " cannot answer with tool calls";
  auto parsed = openai_wire::parse_responses_request(
      R"({"input":"call: {\"city\":\"Paris\"}","tools":[{"type":"function","name":"get_weather",
          "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]})",
      {});
  ASSERT_TRUE(parsed) << parsed.error();
  auto generated = run(provider_->generate(parsed->request));
  ASSERT_TRUE(generated) << generated.error();
  const auto output = openai_wire::response_output(*generated);
  ASSERT_EQ(output.size(), 1u);
  EXPECT_EQ(output[0].type, openai_wire::ResponseOutputItem::Type::kFunctionCall);
  EXPECT_EQ(output[0].name, "get_weather");
  EXPECT_EQ(boost::json::parse(output[0].text), boost::json::parse(R"({"city":"Paris"})"));
}

// ---- The Anthropic Messages dialect over every provider: a Messages body parsed into the
// provider's request, the answer rendered as Anthropic's message object and stream events.

ProviderRequest messages_request(std::string_view body) {
  auto parsed = anthropic_wire::parse_messages_request(body, {});
  EXPECT_TRUE(parsed) << parsed.error();
  if (!parsed) return {};
  parsed->request.model.clear();  // the provider's model (the gateway puts the resolved one here)
  return std::move(parsed->request);
}

// Encodes a stream with MessageStreamEncoder; returns its events' JSON data, in order.
std::vector<boost::json::value> messages_events(const std::vector<StreamPart>& parts) {
  anthropic_wire::MessageStreamEncoder encoder("msg_conformance", "m", {});
  std::string sse = encoder.begin();
  for (const auto& part : parts) sse += encoder.encode(part);
  std::vector<boost::json::value> events;
  openai_wire::SseParser parser;
  parser.feed(sse);
  while (auto event = parser.next_event()) {
    if (!*event) break;
    events.push_back(boost::json::parse((*event)->data));
  }
  return events;
}

TEST_P(ProviderConformance, MessagesDialectAnswersAndStreams) {
  const auto request = messages_request(
      R"({"model":"m","max_tokens":64,"system":"Be brief.","messages":[
          {"role":"user","content":[{"type":"text","text":"Explain quantum computing"}]}]})");
  auto generated = run(provider_->generate(request));
  ASSERT_TRUE(generated) << generated.error();
  const auto message = boost::json::parse(
      anthropic_wire::encode_message(*generated, "msg_conformance", generated->model, {}));
  EXPECT_EQ(message.at("type"), "message");
  EXPECT_EQ(message.at("stop_reason"), "end_turn");
  EXPECT_EQ(message.at("content").at(0).at("text"), generated->text.c_str());
  EXPECT_GT(message.at("usage").at("output_tokens").as_int64(), 0);

  auto streamed = run(stream_all(provider_.get(), request));
  ASSERT_TRUE(streamed) << streamed.error();
  const auto events = messages_events(streamed->parts);
  ASSERT_GE(events.size(), 6u);
  EXPECT_EQ(events.front().at("type"), "message_start");
  EXPECT_EQ(events.back().at("type"), "message_stop");
  std::string text;
  for (const auto& e : events) {
    if (e.at("type") == "content_block_delta") text += e.at("delta").at("text").as_string();
  }
  EXPECT_EQ(text, generated->text);
  EXPECT_EQ(events[events.size() - 2].at("delta").at("stop_reason"), "end_turn");
}

TEST_P(ProviderConformance, MessagesDialectToolUseRoundTrip) {
  if (!GetParam().tool_calls) GTEST_SKIP() << "this provider answers no tool calls";
  const std::string tools =
      R"("tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object"}}])";
  auto first = run(provider_->generate(messages_request(
      R"({"model":"m","max_tokens":64,)" + tools +
      R"(,"messages":[{"role":"user","content":"call: {\"city\":\"Paris\"}"}]})")));
  ASSERT_TRUE(first) << first.error();
  const auto message = boost::json::parse(
      anthropic_wire::encode_message(*first, "msg_conformance", first->model, {}));
  EXPECT_EQ(message.at("stop_reason"), "tool_use");
  const auto& block = message.at("content").as_array().back();
  EXPECT_EQ(block.at("type"), "tool_use");
  EXPECT_EQ(block.at("input"), boost::json::parse(R"({"city":"Paris"})"));

  // The client's next turn: the assistant's tool_use and the user's tool_result, accepted.
  const std::string next = R"({"model":"m","max_tokens":64,)" + tools +
                           R"(,"messages":[{"role":"user","content":"weather?"},
      {"role":"assistant","content":[)" +
                           boost::json::serialize(block) + R"(]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":)" +
                           boost::json::serialize(block.at("id")) + R"(,"content":"sunny"}]}]})";
  auto second = run(provider_->generate(messages_request(next)));
  ASSERT_TRUE(second) << second.error();
  EXPECT_TRUE(second->tool_calls.empty());
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
