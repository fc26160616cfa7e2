// roci::stream_text (roci/sdk/stream.h): the free-function form of provider.stream_text, and the
// tool loop streamed (StepStream) over the mock's plans and over real HTTP to a fake LM Studio.
#include <roci/provider/lmstudio_provider.h>
#include <roci/provider/mock_provider.h>
#include <roci/sdk/generate.h>
#include <roci/sdk/stream.h>

#include "support/fake_upstream.h"

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <stop_token>
#include <thread>

namespace roci {
namespace {

ProviderRequest seed_request() {
  return ProviderRequest{.messages = {ModelMessage::user("Explain quantum computing")},
                         .settings = GenerationSettings{},
                         .tools = std::nullopt,
                         .response_format = std::nullopt,
                         .session_id = std::nullopt,
                         .transport = std::nullopt};
}

TEST(StreamText, FreeFunctionFormWorks) {
  MockProvider provider;
  auto stream = stream_text(provider, seed_request());
  ASSERT_TRUE(stream);
  int deltas = 0;
  while (auto d = stream->next()) deltas += d->text.empty() ? 0 : 1;
  EXPECT_EQ(deltas, 16);
}

namespace json = boost::json;
using namespace std::chrono_literals;

Tool sunny_tool(int* calls = nullptr) {
  return Tool("get_weather", "The weather in a city.",
              json::parse(R"({"type":"object","required":["city"],
                              "properties":{"city":{"type":"string"}}})"),
              [calls](const json::value& args) -> ToolOutput {
                if (calls != nullptr) ++*calls;
                return json::value("sunny in " + std::string(args.at("city").as_string()));
              });
}

// The mock's plan: one tool call per entry, then an answer.
ProviderRequest weather_plan(int tool_steps) {
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("go"));
  json::array steps;
  for (int i = 0; i < tool_steps; ++i) {
    steps.push_back(json::object{
        {"tool_call", json::object{{"name", "get_weather"}, {"arguments", R"({"city":"Oslo"})"}}}});
  }
  request.settings.extra["mock"] = json::object{{"steps", std::move(steps)}};
  return request;
}

// What a reader of a StepStream sees, per step.
struct StepsRead {
  std::vector<std::string> text;              // text per step
  std::vector<std::optional<Finish>> finish;  // the finish per step
  std::vector<ToolExecution> tools;           // tool-result deltas, in order
  std::vector<int> tool_steps;                // the step each tool result belongs to
  int tool_call_fragments = 0;
};

StepsRead read_steps(StepStream& stream) {
  StepsRead out;
  int last_step = 0;
  while (auto d = stream.next()) {
    EXPECT_GE(d->step, last_step);  // steps never go back
    last_step = d->step;
    const auto index = static_cast<std::size_t>(d->step - 1);
    if (out.text.size() <= index) out.text.resize(index + 1), out.finish.resize(index + 1);
    if (d->tool_result) {
      EXPECT_TRUE(d->delta.text.empty());
      out.tools.push_back(*d->tool_result);
      out.tool_steps.push_back(d->step);
      continue;
    }
    out.text[index] += d->delta.text;
    if (d->delta.tool_call) ++out.tool_call_fragments;
    if (d->delta.finish) out.finish[index] = d->delta.finish;
  }
  return out;
}

TEST(StreamTextLoop, StreamsEveryStepRunsTheToolAndEndsLikeGenerateText) {
  MockProvider provider;
  int calls = 0;
  auto stream =
      stream_text(provider, weather_plan(1), GenerateOptions{.tools = {sunny_tool(&calls)}});
  ASSERT_TRUE(stream) << stream.error();
  StepsRead read = read_steps(*stream);
  EXPECT_FALSE(stream->error());
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(read.text.size(), 2u);
  EXPECT_GE(read.tool_call_fragments, 1);
  ASSERT_TRUE(read.finish[0]);
  EXPECT_EQ(read.finish[0]->reason, FinishReason::kToolCalls);
  ASSERT_EQ(read.tools.size(), 1u);
  EXPECT_EQ(read.tool_steps[0], 1);
  EXPECT_EQ(read.tools[0].output, "sunny in Oslo");
  EXPECT_EQ(read.text[1], "According to get_weather: sunny in Oslo.");
  ASSERT_TRUE(read.finish[1]);
  EXPECT_EQ(read.finish[1]->reason, FinishReason::kStop);

  auto result = stream->result();
  ASSERT_TRUE(result) << result.error();
  auto generated =
      generate_text(provider, weather_plan(1), GenerateOptions{.tools = {sunny_tool()}});
  ASSERT_TRUE(generated) << generated.error();
  EXPECT_EQ(result->text, generated->text);
  EXPECT_EQ(result->finish_reason, FinishReason::kStop);
  EXPECT_EQ(result->model, "mock-model");
  EXPECT_FALSE(result->step_limit_reached);
  ASSERT_EQ(result->steps.size(), 2u);
  EXPECT_EQ(result->steps[0].response.tool_calls, generated->steps[0].response.tool_calls);
  ASSERT_EQ(result->steps[0].tool_results.size(), 1u);
  EXPECT_EQ(result->steps[0].tool_results[0].output, "sunny in Oslo");
  ASSERT_TRUE(result->steps[0].response.usage && result->steps[1].response.usage);
  EXPECT_EQ(result->usage.total_tokens, result->steps[0].response.usage->total_tokens +
                                            result->steps[1].response.usage->total_tokens);
  EXPECT_EQ(result->usage.total_tokens, generated->usage.total_tokens);
  ASSERT_EQ(result->response_messages.size(), generated->response_messages.size());
  for (std::size_t i = 0; i < result->response_messages.size(); ++i) {
    EXPECT_EQ(result->response_messages[i].role, generated->response_messages[i].role);
    EXPECT_EQ(result->response_messages[i].content, generated->response_messages[i].content);
  }
  auto again = stream->result();  // the same on every call
  ASSERT_TRUE(again);
  EXPECT_EQ(again->steps.size(), 2u);
}

TEST(StreamTextLoop, StopsAtTheStepLimitWithTheLastToolsRun) {
  MockProvider provider;
  int calls = 0;
  auto stream = stream_text(provider, weather_plan(3),
                            GenerateOptions{.tools = {sunny_tool(&calls)}, .max_steps = 2});
  ASSERT_TRUE(stream) << stream.error();
  auto result = stream->result();  // without pulling deltas first
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(result->steps.size(), 2u);
  EXPECT_TRUE(result->step_limit_reached);
  EXPECT_EQ(result->finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(result->response_messages.size(), 4u);  // two calls and their results
}

TEST(StreamTextLoop, WithoutToolsIsOneStreamedStep) {
  MockProvider provider;
  auto stream = stream_text(provider, seed_request(), GenerateOptions{});
  ASSERT_TRUE(stream) << stream.error();
  StepsRead read = read_steps(*stream);
  auto generated = generate_text(provider, seed_request());
  ASSERT_TRUE(generated);
  ASSERT_EQ(read.text.size(), 1u);
  EXPECT_EQ(read.text[0], generated->text);
  auto result = stream->result();
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->steps.size(), 1u);
  EXPECT_EQ(result->text, generated->text);
}

TEST(StreamTextLoop, AnInvalidRequestIsRefusedBeforeSending) {
  MockProvider provider;
  auto zero = stream_text(provider, weather_plan(1), GenerateOptions{.max_steps = 0});
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().kind, ErrorKind::kInvalidRequest);
  auto request = weather_plan(1);
  request.settings.temperature = 3.5;
  auto hot = stream_text(provider, request, GenerateOptions{.tools = {sunny_tool()}});
  ASSERT_FALSE(hot);
  EXPECT_EQ(hot.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_NE(hot.error().message.find("temperature"), std::string::npos);
}

TEST(StreamTextLoop, AStopEndsARunningToolAtOnce) {
  Tool slow("slow", "Waits.", json::value(),
            [](const json::value&) -> asio::awaitable<std::string> {
              asio::steady_timer timer(co_await asio::this_coro::executor, 30s);
              co_await timer.async_wait(asio::use_awaitable);
              co_return std::string("done");
            });
  MockProvider provider;
  auto request = weather_plan(0);
  request.settings.extra["mock"] = json::object{
      {"steps", json::array{json::object{
                    {"tool_call", json::object{{"name", "slow"}, {"arguments", "{}"}}}}}}};
  std::stop_source stop;
  auto stream = stream_text(provider, request, GenerateOptions{.tools = {slow}}, stop.get_token());
  ASSERT_TRUE(stream) << stream.error();
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(50ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto result = stream->result();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kCancelled);
  ASSERT_TRUE(stream->error());
  EXPECT_FALSE(stream->next());
}

// Over real HTTP: a fake LM Studio streams the tool call in fragments, then answers after the
// tool result.
class StreamTextLoopHttp : public ::testing::Test {
 protected:
  testing::FakeUpstream fake_{
      {.models = {{"llama3.3"}, {"qwen3"}}, .single_model_serves_any_name = false}};
  LmStudioProvider provider_{LmStudioModel::custom("llama3.3"), fake_.base_url()};
};

TEST_F(StreamTextLoopHttp, RunsTheLoopOverTwoStreamedRequests) {
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user(R"(call: get_weather {"city":"Oslo"})"));
  int calls = 0;
  auto stream = stream_text(provider_, request, GenerateOptions{.tools = {sunny_tool(&calls)}});
  ASSERT_TRUE(stream) << stream.error();
  StepsRead read = read_steps(*stream);
  ASSERT_FALSE(stream->error()) << *stream->error();
  EXPECT_EQ(calls, 1);
  EXPECT_GT(read.tool_call_fragments, 1);  // the arguments arrived in pieces
  ASSERT_EQ(read.tools.size(), 1u);
  EXPECT_EQ(read.tools[0].output, "sunny in Oslo");
  auto result = stream->result();
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->steps.size(), 2u);
  ASSERT_EQ(result->steps[0].response.tool_calls.size(), 1u);
  EXPECT_EQ(result->steps[0].response.tool_calls[0].arguments, R"({"city":"Oslo"})");
  EXPECT_EQ(result->model, "llama3.3");
  EXPECT_EQ(result->text, read.text[1]);
  EXPECT_TRUE(result->text.starts_with("Echo:")) << result->text;

  std::vector<json::value> sent;
  for (const auto& r : fake_.requests()) {
    if (r.path() == "/v1/chat/completions" && r.json) sent.push_back(*r.json);
  }
  ASSERT_EQ(sent.size(), 2u);
  for (const auto& body : sent) EXPECT_EQ(body.at("stream"), json::value(true));
  const auto& messages = sent[1].at("messages").as_array();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[2].at("role"), "tool");
  EXPECT_EQ(messages[2].at("content"), "sunny in Oslo");
}

TEST_F(StreamTextLoopHttp, AnUnknownModelIsRefusedWhenTheFirstStepOpens) {
  testing::FakeUpstream substituting{{.models = {{"llama3.3"}}}};  // answers any name
  LmStudioProvider provider(LmStudioModel::custom("llama3.3"), substituting.base_url());
  ProviderRequest request;
  request.model = "no-such-model";
  request.messages.push_back(ModelMessage::user("hi"));
  auto stream = stream_text(provider, request, GenerateOptions{.tools = {sunny_tool()}});
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().code, "model_mismatch");
}

}  // namespace
}  // namespace roci
