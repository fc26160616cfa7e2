// The tool loop of generate_text (roci/sdk/generate.h) over the mock and a scripted provider.
#include <roci/provider/mock_provider.h>
#include <roci/sdk/conversation.h>
#include <roci/sdk/generate.h>

#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "scripted_provider.h"

namespace roci {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::ScriptedProvider;

json::value city_schema() {
  return json::parse(R"({"type":"object","required":["city"],
                         "properties":{"city":{"type":"string"}}})");
}

Tool weather_tool(int* calls = nullptr) {
  return Tool("get_weather", "The weather in a city.", city_schema(),
              [calls](const json::value& args) -> ToolOutput {
                if (calls != nullptr) ++*calls;
                return json::value("sunny in " + std::string(args.at("city").as_string()));
              });
}

// The mock's plan for one loop: each entry is one call's tool_call (null: answer with text).
ProviderRequest planned(std::string user, json::array steps) {
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user(std::move(user)));
  json::object mock;
  mock["steps"] = std::move(steps);
  request.settings.extra["mock"] = std::move(mock);
  return request;
}

json::object call(std::string name, std::string arguments) {
  json::object step;
  step["tool_call"] = json::object{{"name", std::move(name)}, {"arguments", std::move(arguments)}};
  return step;
}

TEST(ToolLoop, RunsTheToolAndReturnsTheModelsAnswerWithEveryStep) {
  MockProvider provider;
  int calls = 0;
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("What is the weather in Paris?"));
  auto run = generate_text(provider, request, GenerateOptions{.tools = {weather_tool(&calls)}});
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(run->steps.size(), 2u);
  const auto& first = run->steps[0];
  ASSERT_EQ(first.response.tool_calls.size(), 1u);
  EXPECT_EQ(first.response.finish_reason, FinishReason::kToolCalls);
  ASSERT_EQ(first.tool_results.size(), 1u);
  EXPECT_FALSE(first.tool_results[0].is_error);
  EXPECT_EQ(first.tool_results[0].output, "sunny in example");  // the mock's generated argument
  EXPECT_TRUE(run->steps[1].tool_results.empty());
  EXPECT_EQ(run->text, "According to get_weather: sunny in example.");
  EXPECT_EQ(run->finish_reason, FinishReason::kStop);
  EXPECT_EQ(run->model, "mock-model");
  EXPECT_FALSE(run->step_limit_reached);
  // Usage: per step and in total.
  const Usage a = *run->steps[0].response.usage, b = *run->steps[1].response.usage;
  EXPECT_EQ(run->usage.total_tokens, a.total_tokens + b.total_tokens);
  EXPECT_EQ(run->usage.prompt_tokens, a.prompt_tokens + b.prompt_tokens);
  // The messages to append: the assistant's call, the tool result, the answer.
  ASSERT_EQ(run->response_messages.size(), 3u);
  EXPECT_EQ(run->response_messages[0].role, Role::kAssistant);
  EXPECT_EQ(run->response_messages[0].tool_calls, first.response.tool_calls);
  EXPECT_EQ(run->response_messages[1].role, Role::kTool);
  EXPECT_EQ(run->response_messages[1].tool_call_id, first.response.tool_calls[0].id);
  EXPECT_EQ(run->response_messages[2].content, run->text);
}

TEST(ToolLoop, SendsTheToolResultsBackToTheModel) {
  ScriptedProvider provider;
  auto request = planned("go", json::array{call("get_weather", R"({"city":"Oslo"})")});
  auto run = generate_text(provider, request, GenerateOptions{.tools = {weather_tool()}});
  ASSERT_TRUE(run) << run.error();
  ASSERT_EQ(provider.requests.size(), 2u);
  ASSERT_TRUE(provider.requests[0].tools);
  EXPECT_EQ(provider.requests[0].tools->at(0).name, "get_weather");
  const auto& second = provider.requests[1].messages;
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[2].role, Role::kTool);
  EXPECT_EQ(second[2].content, "sunny in Oslo");
  EXPECT_EQ(run->text, "According to get_weather: sunny in Oslo.");
}

TEST(ToolLoop, RunsParallelCallsConcurrently) {
  int running = 0, most = 0;
  Tool slow("slow", "Waits.", json::value(),
            [&](const json::value&) -> asio::awaitable<std::string> {
              ++running;
              most = std::max(most, running);
              asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
              co_await timer.async_wait(asio::use_awaitable);
              --running;
              co_return std::string("done");
            });
  MockProvider provider;
  json::object step;
  step["tool_call"] = json::array{json::object{{"name", "slow"}, {"arguments", "{}"}},
                                  json::object{{"name", "slow"}, {"arguments", "{}"}},
                                  json::object{{"name", "slow"}, {"arguments", "{}"}}};
  auto request = planned("go", json::array{step});
  auto run = generate_text(provider, request, GenerateOptions{.tools = {slow}});
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(most, 3);
  ASSERT_EQ(run->steps[0].tool_results.size(), 3u);
  // Results keep the order of the calls.
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(run->steps[0].tool_results[i].call.id, run->steps[0].response.tool_calls[i].id);
    EXPECT_EQ(run->steps[0].tool_results[i].output, "done");
  }
  EXPECT_EQ(run->response_messages.size(), 5u);  // call, 3 results, answer
}

TEST(ToolLoop, AToolsErrorGoesBackToTheModelAsItsResult) {
  Tool failing("lookup", "Fails.", json::value(), [](const json::value&) -> ToolOutput {
    return Error::invalid_request("no such row");
  });
  Tool throwing("explode", "Throws.", json::value(),
                [](const json::value&) -> std::string { throw std::runtime_error("kaboom"); });
  ScriptedProvider provider;
  json::object step;
  step["tool_call"] = json::array{json::object{{"name", "lookup"}, {"arguments", "{}"}},
                                  json::object{{"name", "explode"}, {"arguments", "{}"}}};
  auto run = generate_text(provider, planned("go", json::array{step}),
                           GenerateOptions{.tools = {failing, throwing}});
  ASSERT_TRUE(run) << run.error();
  const auto& results = run->steps[0].tool_results;
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].is_error);
  EXPECT_EQ(results[0].output, R"({"error":"no such row"})");
  ASSERT_TRUE(results[0].error);
  EXPECT_EQ(results[0].error->kind, ErrorKind::kInvalidRequest);
  EXPECT_TRUE(results[1].is_error);
  EXPECT_EQ(results[1].output, R"({"error":"explode threw: kaboom"})");
  EXPECT_EQ(provider.requests.at(1).messages.at(2).content, R"({"error":"no such row"})");
}

TEST(ToolLoop, InvalidArgumentsAreAnErrorTheModelSeesAndTheHandlerNeverRuns) {
  int calls = 0;
  ScriptedProvider provider;
  json::object step;
  step["tool_call"] =
      json::array{json::object{{"name", "get_weather"}, {"arguments", "{\"city\": "}},
                  json::object{{"name", "get_weather"}, {"arguments", R"({"city": 5})"}},
                  json::object{{"name", "get_wether"}, {"arguments", "{}"}}};
  auto run = generate_text(provider, planned("go", json::array{step}),
                           GenerateOptions{.tools = {weather_tool(&calls)}});
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(calls, 0);
  const auto& results = run->steps[0].tool_results;
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) EXPECT_TRUE(r.is_error) << r.output;
  EXPECT_NE(results[0].output.find("the arguments of get_weather are not valid JSON"),
            std::string::npos)
      << results[0].output;
  EXPECT_NE(results[1].output.find("do not match its parameters schema: $.city: expected string"),
            std::string::npos)
      << results[1].output;
  EXPECT_NE(results[2].output.find(
                R"(there is no tool named \"get_wether\"; the tools are: get_weather)"),
            std::string::npos)
      << results[2].output;
}

TEST(ToolLoop, StopsAtTheStepLimitWithTheLastToolsRun) {
  int calls = 0;
  MockProvider provider;
  auto request = planned("go", json::array{call("get_weather", R"({"city":"A"})"),
                                           call("get_weather", R"({"city":"B"})"),
                                           call("get_weather", R"({"city":"C"})")});
  auto run = generate_text(provider, request,
                           GenerateOptions{.tools = {weather_tool(&calls)}, .max_steps = 2});
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(run->steps.size(), 2u);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(run->step_limit_reached);
  EXPECT_EQ(run->finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(run->steps[1].tool_results.at(0).output, "sunny in B");

  // Without a limit the plan runs to its end: three calls, then the answer.
  auto full = generate_text(provider, request, GenerateOptions{.tools = {weather_tool(&calls)}});
  ASSERT_TRUE(full) << full.error();
  EXPECT_EQ(full->steps.size(), 4u);
  EXPECT_EQ(full->text,
            "According to get_weather: sunny in A; get_weather: sunny in B; get_weather: sunny in "
            "C.");
}

TEST(ToolLoop, RejectsAStepLimitBelowOne) {
  MockProvider provider;
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("hi"));
  auto run = generate_text(provider, request, GenerateOptions{.max_steps = 0});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().param, "max_steps");
}

TEST(ToolLoop, AModelErrorEndsTheLoop) {
  ScriptedProvider provider;
  provider.answers.push_back(Error::upstream("LM Studio: boom", 500));
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("hi"));
  auto run = generate_text(provider, request, GenerateOptions{.tools = {weather_tool()}});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().message, "LM Studio: boom");
}

TEST(ToolLoop, CancellationStopsTheLoopAtOnce) {
  using namespace asio::experimental::awaitable_operators;
  Tool forever("wait", "Waits a long time.", json::value(),
               [](const json::value&) -> asio::awaitable<std::string> {
                 asio::steady_timer timer(co_await asio::this_coro::executor, 30s);
                 co_await timer.async_wait(asio::use_awaitable);
                 co_return std::string("late");
               });
  MockProvider provider;
  auto request = planned("go", json::array{call("wait", "{}")});
  asio::io_context ioc;  // the caller's own io_context
  std::optional<Result<GenerateTextResult>> got;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer deadline(co_await asio::this_coro::executor, 50ms);
        GenerateOptions options;
        options.tools.push_back(forever);
        auto loop = generate_text_async(provider, request, std::move(options));
        auto winner = co_await (std::move(loop) || deadline.async_wait(asio::use_awaitable));
        if (winner.index() == 0) got.emplace(std::move(std::get<0>(winner)));
      },
      asio::detached);
  ioc.run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_FALSE(got);  // the deadline won; the loop was cancelled and destroyed

  // A cancellation signal delivered to the loop itself completes it with kCancelled.
  asio::io_context ioc2;
  asio::cancellation_signal signal;
  asio::co_spawn(ioc2, generate_text_async(provider, request, GenerateOptions{.tools = {forever}}),
                 asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, auto r) {
                   ASSERT_FALSE(e);
                   got = std::move(r);
                 }));
  asio::steady_timer later(ioc2, 30ms);
  later.async_wait([&](auto) { signal.emit(asio::cancellation_type::terminal); });
  ioc2.run();
  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error().kind, ErrorKind::kCancelled);
}

TEST(ToolLoop, RunsOnTheCallersOwnIoContext) {
  MockProvider provider;
  asio::io_context ioc;
  std::optional<Result<GenerateTextResult>> got;
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("What is the weather in Paris?"));
  asio::co_spawn(ioc,
                 generate_text_async(provider, request, GenerateOptions{.tools = {weather_tool()}}),
                 [&](std::exception_ptr e, Result<GenerateTextResult> r) {
                   ASSERT_FALSE(e);
                   got = std::move(r);
                 });
  ioc.run();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->steps.size(), 2u);
}

TEST(ToolLoop, ResultsContinueAConversation) {
  MockProvider provider;
  Conversation chat("You are terse.");
  chat.add_user("What is the weather in Paris?");
  auto run = generate_text(provider, chat.request(), GenerateOptions{.tools = {weather_tool()}});
  ASSERT_TRUE(run) << run.error();
  chat.add(*run);
  ASSERT_EQ(chat.history().size(), 4u);
  EXPECT_EQ(chat.messages().front().role, Role::kSystem);
  chat.add_user("And tomorrow?");
  auto next = generate_text(provider, chat.request());
  ASSERT_TRUE(next) << next.error();
  chat.add(*next);
  EXPECT_EQ(chat.history().back().role, Role::kAssistant);
}

}  // namespace
}  // namespace roci
