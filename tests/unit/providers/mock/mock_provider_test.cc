// MockProvider: determinism, token accounting, faults, per-request scripting, tool calls and
// cancellation. Every test runs the provider's coroutines on its own io_context.
#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <string>
#include <variant>

namespace roci {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

template <class T>
T run(asio::awaitable<T> task) {
  asio::io_context io;
  auto future = asio::co_spawn(io, std::move(task), asio::use_future);
  io.run();
  return future.get();
}

ProviderRequest request_for(std::string prompt) {
  ProviderRequest request;
  request.messages = {ModelMessage::user(std::move(prompt))};
  return request;
}

ProviderRequest scripted(std::string prompt, std::string_view script_json) {
  ProviderRequest request = request_for(std::move(prompt));
  request.settings.extra["mock"] = boost::json::parse(script_json);
  return request;
}

// Everything a stream produced, collected part by part.
struct Collected {
  std::string text;
  std::string reasoning;
  std::string tool_arguments;
  std::vector<ToolCallDelta> tool_deltas;
  int text_deltas = 0;
  std::optional<Finish> finish;
  std::optional<Error> error;
  StreamInfo info;
};

asio::awaitable<Collected> collect(Provider& provider, ProviderRequest request) {
  Collected out;
  auto stream = co_await provider.stream(std::move(request));
  if (!stream) {
    out.error = stream.error();
    co_return out;
  }
  out.info = (*stream)->info();
  for (;;) {
    auto part = co_await (*stream)->next();
    if (!part) {
      out.error = part.error();
      break;
    }
    if (!*part) break;
    if (auto* t = std::get_if<TextDelta>(&**part)) {
      out.text += t->text;
      ++out.text_deltas;
    } else if (auto* r = std::get_if<ReasoningDelta>(&**part)) {
      out.reasoning += r->text;
    } else if (auto* c = std::get_if<ToolCallDelta>(&**part)) {
      out.tool_arguments += c->arguments;
      out.tool_deltas.push_back(*c);
    } else {
      out.finish = std::get<Finish>(**part);
    }
  }
  co_return out;
}

int words(const std::string& text) {
  int n = 0;
  bool in = false;
  for (char c : text) {
    const bool space = c == ' ';
    if (!space && !in) ++n;
    in = !space;
  }
  return n;
}

TEST(MockProvider, SameInputGivesSameTextAndDifferentPromptsDiffer) {
  MockProvider mock;
  auto a = run(mock.generate(request_for("Hello, how are you?")));
  auto b = run(mock.generate(request_for("Hello, how are you?")));
  auto c = run(mock.generate(request_for("Explain quantum computing")));
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(a->text.empty());
  EXPECT_EQ(a->text, b->text);
  EXPECT_NE(a->text, c->text);
  EXPECT_EQ(words(a->text), 16);
  std::string joined;
  for (const auto& t :
       MockProvider::answer_tokens(request_for("Hello, how are you?").messages, 16)) {
    joined += t;
  }
  EXPECT_EQ(joined, a->text);
}

TEST(MockProvider, UsageCountsPromptWordsAndProducedTokens) {
  MockProvider mock({.completion_tokens = 10});
  ProviderRequest request;
  request.messages = {ModelMessage::system("You are terse."),
                      ModelMessage::user("Hello, how are you?")};
  auto r = run(mock.generate(request));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->usage);
  EXPECT_EQ(r->usage->prompt_tokens, 7);
  EXPECT_EQ(r->usage->completion_tokens, 10);
  EXPECT_EQ(r->usage->total_tokens, 17);
  EXPECT_EQ(r->finish_reason, FinishReason::kStop);
  EXPECT_EQ(r->model, "mock-model");
  EXPECT_TRUE(r->id.starts_with("chatcmpl-mock-"));
  EXPECT_GT(r->created, 0);
}

TEST(MockProvider, MaxTokensCapsTheAnswerAndReportsLength) {
  MockProvider mock;
  auto request = request_for("Write a poem");
  request.settings.max_tokens = 5;
  auto capped = run(mock.generate(request));
  ASSERT_TRUE(capped);
  EXPECT_EQ(words(capped->text), 5);
  EXPECT_EQ(capped->finish_reason, FinishReason::kLength);
  EXPECT_EQ(capped->usage->completion_tokens, 5);

  request.settings.max_tokens = -1;  // LM Studio's "no limit"
  auto unlimited = run(mock.generate(request));
  ASSERT_TRUE(unlimited);
  EXPECT_EQ(words(unlimited->text), 16);
  EXPECT_EQ(unlimited->finish_reason, FinishReason::kStop);
  EXPECT_TRUE(unlimited->text.starts_with(capped->text));

  request.settings.max_tokens = 100;
  auto roomy = run(mock.generate(request));
  EXPECT_EQ(roomy->finish_reason, FinishReason::kStop);
}

TEST(MockProvider, ServesTheRequestedModelOrTheConfiguredOne) {
  MockProvider mock({.models = {"a", "b"}}, "configured");
  auto request = request_for("hi");
  auto configured = run(mock.generate(request));
  ASSERT_TRUE(configured) << configured.error();
  EXPECT_EQ(configured->model, "configured");
  request.model = "b";
  auto listed = run(mock.generate(request));
  ASSERT_TRUE(listed) << listed.error();
  EXPECT_EQ(listed->model, "b");
  auto streamed = run(collect(mock, request));
  EXPECT_EQ(streamed.info.model, "b");
  EXPECT_TRUE(streamed.info.id.starts_with("chatcmpl-mock-"));
  auto models = run(mock.list_models());
  ASSERT_TRUE(models);
  ASSERT_EQ(models->size(), 3u);
  EXPECT_EQ((*models)[2].id, "configured");
  EXPECT_EQ(MockProvider({.models = {"first", "second"}}).model_id(), "first");
}

TEST(MockProvider, AnUnknownModelIsA404ListingTheCatalogue) {
  MockProvider mock({.models = {"local-model", "TheBloke/Llama-2-7B-Chat-GGUF"}});
  auto request = request_for("hi");
  request.model = "no-such-model";
  auto r = run(mock.generate(request));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(r.error().upstream_status, 404);
  EXPECT_EQ(r.error().message,
            "Model \"no-such-model\" not found. Available models: local-model, "
            "TheBloke/Llama-2-7B-Chat-GGUF.");
  EXPECT_EQ(r.error().available_models,
            (std::vector<std::string>{"local-model", "TheBloke/Llama-2-7B-Chat-GGUF"}));
  auto s = run(collect(mock, request));
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->kind, ErrorKind::kModelNotFound);
  auto e = run(mock.embed(EmbeddingRequest{.model = "no-such-model", .input = {"x"}}));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, ErrorKind::kModelNotFound);
  auto c = run(mock.complete(CompletionRequest{.model = "no-such-model", .prompt = {"x"}}));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorKind::kModelNotFound);
}

TEST(MockProvider, StreamConcatenationEqualsGeneratedText) {
  MockProvider mock;
  auto request = request_for("Explain quantum computing");
  auto generated = run(mock.generate(request));
  auto streamed = run(collect(mock, request));
  ASSERT_TRUE(generated);
  ASSERT_FALSE(streamed.error);
  EXPECT_EQ(streamed.text, generated->text);
  EXPECT_EQ(streamed.text_deltas, 16);
  ASSERT_TRUE(streamed.finish);
  EXPECT_EQ(streamed.finish->reason, FinishReason::kStop);
  EXPECT_EQ(streamed.finish->usage, generated->usage);
}

TEST(MockProvider, FailWithFailsGenerateAndStream) {
  MockProvider broken({.fail_with = Error::upstream("boom", 500)});
  auto r = run(broken.generate(request_for("hi")));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(r.error().message, "boom");
  auto s = run(collect(broken, request_for("hi")));
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->upstream_status, 500);
}

TEST(MockProvider, CutAfterTokensEndsTheStreamWithUpstreamError) {
  MockProvider mock({.cut_after_tokens = 3});
  auto s = run(collect(mock, request_for("hi")));
  EXPECT_EQ(s.text_deltas, 3);
  EXPECT_FALSE(s.finish);
  ASSERT_TRUE(s.error);
  EXPECT_EQ(s.error->kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(s.error->message, "mock stream cut after 3 tokens");
}

TEST(MockProvider, FirstByteDelayDelaysTheOpenAndTokenDelaySpacesTokens) {
  MockProvider slow_open({.first_byte_delay = 60ms});
  auto start = Clock::now();
  auto opened = run(slow_open.stream(request_for("hi")));
  ASSERT_TRUE(opened);
  EXPECT_GE(Clock::now() - start, 60ms);

  MockProvider slow_tokens({.completion_tokens = 5, .token_delay = 15ms});
  start = Clock::now();
  auto s = run(collect(slow_tokens, request_for("hi")));
  EXPECT_EQ(s.text_deltas, 5);
  EXPECT_GE(Clock::now() - start, 60ms);  // four gaps between five tokens
}

TEST(MockProvider, ExtraMockScriptsFailureStatuses) {
  MockProvider mock({.models = {"a", "b"}});
  struct Case {
    int status;
    ErrorKind kind;
  };
  for (auto [status, kind] :
       {Case{400, ErrorKind::kInvalidRequest}, Case{404, ErrorKind::kModelNotFound},
        Case{429, ErrorKind::kRateLimited}, Case{500, ErrorKind::kUpstreamError},
        Case{502, ErrorKind::kUpstreamUnreachable}, Case{504, ErrorKind::kTimeout}}) {
    auto request = scripted("hi", R"({"fail_status": )" + std::to_string(status) + "}");
    auto r = run(mock.generate(request));
    ASSERT_FALSE(r) << status;
    EXPECT_EQ(r.error().kind, kind) << status;
    auto s = run(collect(mock, request));
    ASSERT_TRUE(s.error) << status;
    EXPECT_EQ(s.error->kind, kind) << status;
    if (status == 404) {
      EXPECT_EQ(r.error().available_models, (std::vector<std::string>{"a", "b"}));
    }
    if (status == 500) {
      EXPECT_EQ(r.error().upstream_status, 500);
    }
  }
}

TEST(MockProvider, ExtraMockScriptsTokensCutAndDelays) {
  MockProvider mock;
  auto three = run(mock.generate(scripted("hi", R"({"tokens": 3})")));
  ASSERT_TRUE(three);
  EXPECT_EQ(words(three->text), 3);

  auto cut = run(collect(mock, scripted("hi", R"({"cut_after_tokens": 2})")));
  EXPECT_EQ(cut.text_deltas, 2);
  ASSERT_TRUE(cut.error);
  EXPECT_EQ(cut.error->message, "mock stream cut after 2 tokens");

  auto start = Clock::now();
  auto delayed = run(collect(
      mock, scripted("hi", R"({"first_byte_delay_ms": 40, "token_delay_ms": 5, "tokens": 3})")));
  EXPECT_EQ(delayed.text_deltas, 3);
  EXPECT_GE(Clock::now() - start, 50ms);

  auto bad = run(mock.generate(scripted("hi", R"({"tokens": "many"})")));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(bad.error().param, "mock");
}

TEST(MockProvider, ScriptedToolCall) {
  MockProvider mock;
  auto request = scripted(
      "weather?", R"({"tool_call": {"name": "get_weather", "arguments": {"city": "Paris"}}})");
  auto r = run(mock.generate(request));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->tool_calls.size(), 1u);
  EXPECT_EQ(r->tool_calls[0].id, "call_mock_0");
  EXPECT_EQ(r->tool_calls[0].name, "get_weather");
  EXPECT_EQ(r->tool_calls[0].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(r->finish_reason, FinishReason::kToolCalls);
  EXPECT_TRUE(r->text.empty());

  auto s = run(collect(mock, request));
  ASSERT_FALSE(s.error);
  ASSERT_GE(s.tool_deltas.size(), 2u);
  EXPECT_EQ(s.tool_deltas[0].id, "call_mock_0");
  EXPECT_EQ(s.tool_deltas[0].name, "get_weather");
  EXPECT_TRUE(s.tool_deltas[1].id.empty());
  EXPECT_EQ(s.tool_arguments, R"({"city":"Paris"})");
  EXPECT_EQ(s.finish->reason, FinishReason::kToolCalls);
}

TEST(MockProvider, CallPrefixWithToolsCallsTheFirstTool) {
  MockProvider mock;
  auto request = request_for(R"(call: {"q": "roci"})");
  request.tools = std::vector<ToolDefinition>{{.name = "search"}, {.name = "other"}};
  auto r = run(mock.generate(request));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->tool_calls.size(), 1u);
  EXPECT_EQ(r->tool_calls[0].name, "search");
  EXPECT_EQ(r->tool_calls[0].arguments, R"({"q": "roci"})");
  EXPECT_EQ(r->finish_reason, FinishReason::kToolCalls);

  // The fake upstream's convention: "call: name {json}; other {json}".
  request.messages = {ModelMessage::user(R"(call: other {"a": 1}; search {"b": "x;y"})")};
  auto two = run(mock.generate(request));
  ASSERT_TRUE(two);
  ASSERT_EQ(two->tool_calls.size(), 2u);
  EXPECT_EQ(two->tool_calls[0].name, "other");
  EXPECT_EQ(two->tool_calls[0].arguments, R"({"a": 1})");
  EXPECT_EQ(two->tool_calls[1].id, "call_mock_1");
  EXPECT_EQ(two->tool_calls[1].name, "search");
  EXPECT_EQ(two->tool_calls[1].arguments, R"({"b": "x;y"})");
  auto streamed = run(collect(mock, request));
  ASSERT_FALSE(streamed.error);
  EXPECT_EQ(streamed.tool_deltas.back().index, 1);
  EXPECT_EQ(streamed.tool_arguments, R"({"a": 1}{"b": "x;y"})");

  request.tool_choice = ToolChoice{.mode = ToolChoice::Mode::kNone};
  auto none = run(mock.generate(request));
  EXPECT_TRUE(none->tool_calls.empty());
  EXPECT_FALSE(none->text.empty());
}

TEST(MockProvider, ScriptedReasoningComesFirst) {
  MockProvider mock;
  auto request = scripted("think", R"({"reasoning": true})");
  asio::io_context io;
  auto future = asio::co_spawn(
      io,
      [](MockProvider& m, ProviderRequest req) -> asio::awaitable<bool> {
        auto stream = co_await m.stream(std::move(req));
        if (!stream) co_return false;
        auto first = co_await (*stream)->next();
        co_return first&&* first&& std::holds_alternative<ReasoningDelta>(**first);
      }(mock, request),
      asio::use_future);
  io.run();
  EXPECT_TRUE(future.get());
  auto r = run(mock.generate(request));
  EXPECT_FALSE(r->reasoning.empty());
  EXPECT_FALSE(r->text.empty());
}

// The first token arrives at once; the next one is 1 s away. A 20 ms timer wins the race and
// the losing next() is cancelled at once; destroying the stream afterwards is immediate.
asio::awaitable<std::chrono::milliseconds> race_next_against_timer(MockProvider& mock) {
  auto stream = co_await mock.stream(request_for("hi"));
  if (!stream) co_return std::chrono::milliseconds::max();
  co_await (*stream)->next();
  asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
  auto start = Clock::now();
  auto winner = co_await ((*stream)->next() || timer.async_wait(asio::use_awaitable));
  if (winner.index() != 1) co_return std::chrono::milliseconds::max();
  stream->reset();
  co_return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

TEST(MockProvider, CancellingASlowStreamReturnsAtOnce) {
  MockProvider mock({.token_delay = 1s});
  auto elapsed = run(race_next_against_timer(mock));
  EXPECT_GE(elapsed, 20ms);
  EXPECT_LT(elapsed, 100ms);
}

asio::awaitable<std::chrono::milliseconds> race_open_against_timer(MockProvider& mock) {
  asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
  auto start = Clock::now();
  auto winner = co_await (mock.generate(request_for("hi")) || mock.stream(request_for("hi")) ||
                          timer.async_wait(asio::use_awaitable));
  if (winner.index() != 2) co_return std::chrono::milliseconds::max();
  co_return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

TEST(MockProvider, CancellingAWaitForTheFirstByteReturnsAtOnce) {
  MockProvider mock({.first_byte_delay = 1s});
  auto elapsed = run(race_open_against_timer(mock));
  EXPECT_LT(elapsed, 100ms);
}

TEST(MockProvider, ModelsHealthAndCapabilities) {
  MockProvider mock({.models = {"m1", "m2"}});
  auto models = run(mock.list_models());
  ASSERT_TRUE(models);
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].id, "m1");
  EXPECT_TRUE((*models)[1].loaded());
  auto health = run(mock.health());
  ASSERT_TRUE(health);
  EXPECT_TRUE(health->reachable);
  EXPECT_EQ(health->detail, "mock provider (no upstream)");
  auto caps = mock.capabilities("m1");
  EXPECT_TRUE(caps.tools && caps.streaming && caps.json_mode && caps.json_schema && caps.vision &&
              caps.reasoning && caps.system_messages);
  EXPECT_EQ(caps.context_length, 32768);
}

TEST(MockProvider, EmbeddingsAreDeterministicUnitVectors) {
  MockProvider mock;
  EmbeddingRequest request{.input = {"hello", "world", "hello"}};
  auto r = run(mock.embed(request));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->embeddings.size(), 3u);
  EXPECT_EQ(r->embeddings[0].size(), 8u);
  EXPECT_EQ(r->embeddings[0], r->embeddings[2]);
  EXPECT_NE(r->embeddings[0], r->embeddings[1]);
  double norm = 0;
  for (double x : r->embeddings[0]) norm += x * x;
  EXPECT_NEAR(norm, 1.0, 1e-9);
  EXPECT_EQ(r->usage.prompt_tokens, 3);
  EXPECT_FALSE(run(mock.embed(EmbeddingRequest{})));
}

TEST(MockProvider, CompletionsAreDeterministic) {
  MockProvider mock;
  CompletionRequest request{.prompt = {"Once upon a time"}};
  request.settings.max_tokens = 4;
  auto a = run(mock.complete(request));
  auto b = run(mock.complete(request));
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->choices.size(), 1u);
  EXPECT_EQ(a->choices[0].text, b->choices[0].text);
  EXPECT_EQ(words(a->choices[0].text), 4);
  EXPECT_EQ(a->choices[0].finish_reason, FinishReason::kLength);
  EXPECT_TRUE(a->id.starts_with("cmpl-mock-"));
}

}  // namespace
}  // namespace roci
