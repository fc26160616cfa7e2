// provider.stream_text / TextStream: the seed's pull loop over the mock, on the sync runtime.
#include "providers/sync_runtime.h"

#include "support/fake_upstream.h"

#include <roci/provider/lmstudio_provider.h>
#include <roci/provider/mock_provider.h>
#include <roci/provider/text_stream.h>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <chrono>
#include <stop_token>
#include <thread>

namespace roci {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

ProviderRequest seed_request() {
  // The seed's ProviderRequest { messages, settings, tools: None, response_format: None, ... }.
  return ProviderRequest{.messages = {ModelMessage::user("Explain quantum computing")},
                         .settings = GenerationSettings{},
                         .tools = std::nullopt,
                         .response_format = std::nullopt,
                         .session_id = std::nullopt,
                         .transport = std::nullopt};
}

TEST(StreamText, PullLoopConcatenationEqualsGenerateText) {
  MockProvider provider;
  auto stream = provider.stream_text(seed_request());
  ASSERT_TRUE(stream) << stream.error();
  EXPECT_TRUE(stream->info().id.starts_with("chatcmpl-mock-"));
  std::string text;
  std::optional<Finish> finish;
  while (auto d = stream->next()) {
    if (!d->text.empty()) text += d->text;
    if (d->finish) finish = d->finish;
  }
  EXPECT_FALSE(stream->error());
  ASSERT_TRUE(finish);
  EXPECT_EQ(finish->reason, FinishReason::kStop);
  auto generated = run_sync(provider.generate(seed_request()));
  ASSERT_TRUE(generated);
  EXPECT_EQ(text, generated->text);
  EXPECT_FALSE(stream->next());  // stays ended
}

TEST(StreamText, DestroyingEarlyIsCleanAndQuick) {
  MockProvider provider({.token_delay = 1s});
  auto start = Clock::now();
  {
    auto stream = provider.stream_text(seed_request());
    ASSERT_TRUE(stream);
    auto first = stream->next();
    ASSERT_TRUE(first);
    EXPECT_FALSE(first->text.empty());
  }  // destroyed with 15 tokens unread
  EXPECT_LT(Clock::now() - start, 500ms);
}

TEST(StreamText, MovedStreamKeepsReading) {
  MockProvider provider;
  auto stream = provider.stream_text(seed_request());
  ASSERT_TRUE(stream);
  TextStream moved = std::move(*stream);
  EXPECT_FALSE(stream->next());  // the moved-from stream is empty
  int deltas = 0;
  while (auto d = moved.next()) ++deltas;
  EXPECT_EQ(deltas, 17);  // 16 text deltas and the finish
}

TEST(StreamText, CutStreamSetsError) {
  MockProvider provider({.cut_after_tokens = 4});
  auto stream = provider.stream_text(seed_request());
  ASSERT_TRUE(stream);
  int deltas = 0;
  while (auto d = stream->next()) ++deltas;
  EXPECT_EQ(deltas, 4);
  ASSERT_TRUE(stream->error());
  EXPECT_EQ(stream->error()->kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(stream->error()->message, "mock stream cut after 4 tokens");
}

TEST(StreamText, SetupErrorComesBackFromStreamText) {
  MockProvider provider;
  auto request = seed_request();
  request.settings.extra["mock"] = boost::json::parse(R"({"fail_status": 404})");
  auto stream = provider.stream_text(request);
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().kind, ErrorKind::kModelNotFound);
}

TEST(StreamText, ReasoningAndToolCallsAreFlattened) {
  MockProvider provider;
  auto request = seed_request();
  request.settings.extra["mock"] = boost::json::parse(
      R"({"reasoning": true, "tool_call": {"name": "f", "arguments": "{\"a\":1}"}})");
  auto stream = provider.stream_text(request);
  ASSERT_TRUE(stream);
  std::string reasoning, arguments, name;
  while (auto d = stream->next()) {
    reasoning += d->reasoning;
    if (d->tool_call) {
      arguments += d->tool_call->arguments;
      name += d->tool_call->name;
    }
  }
  EXPECT_FALSE(reasoning.empty());
  EXPECT_EQ(name, "f");
  EXPECT_EQ(arguments, R"({"a":1})");
}

// --- The final result ---

void expect_same_answer(const GenerationResult& streamed, const GenerationResult& generated) {
  EXPECT_EQ(streamed.text, generated.text);
  EXPECT_EQ(streamed.reasoning, generated.reasoning);
  EXPECT_EQ(streamed.tool_calls, generated.tool_calls);
  EXPECT_EQ(streamed.finish_reason, generated.finish_reason);
  EXPECT_EQ(streamed.usage, generated.usage);
  EXPECT_EQ(streamed.model, generated.model);
  EXPECT_EQ(streamed.other_choices, generated.other_choices);
}

TEST(StreamTextResult, WithoutPullingEqualsGenerateText) {
  MockProvider provider({.models = {"local-model"}});
  auto stream = provider.stream_text(seed_request());
  ASSERT_TRUE(stream) << stream.error();
  auto result = stream->result();
  ASSERT_TRUE(result) << result.error();
  auto generated = run_sync(provider.generate(seed_request()));
  ASSERT_TRUE(generated);
  expect_same_answer(*result, *generated);
  EXPECT_EQ(result->model, "local-model");
  EXPECT_TRUE(result->id.starts_with("chatcmpl-mock-"));
  ASSERT_TRUE(result->usage);
  EXPECT_EQ(result->usage->completion_tokens, 16);
  auto again = stream->result();  // the same result again
  ASSERT_TRUE(again);
  EXPECT_EQ(again->text, result->text);
}

TEST(StreamTextResult, AfterPullingSomeDeltasCountsThemToo) {
  MockProvider provider;
  auto stream = provider.stream_text(seed_request());
  ASSERT_TRUE(stream);
  std::string shown;
  for (int i = 0; i < 3; ++i) {
    auto d = stream->next();
    ASSERT_TRUE(d);
    shown += d->text;
  }
  auto result = stream->result();
  ASSERT_TRUE(result);
  auto generated = run_sync(provider.generate(seed_request()));
  ASSERT_TRUE(generated);
  expect_same_answer(*result, *generated);
  EXPECT_TRUE(result->text.starts_with(shown));
  EXPECT_FALSE(stream->next());
}

TEST(StreamTextResult, AssemblesToolCallsReasoningAndChoices) {
  MockProvider provider;
  auto request = seed_request();
  request.settings.extra["n"] = 3;
  request.settings.extra["mock"] = boost::json::parse(
      R"({"reasoning": true, "tool_call": [{"name": "f", "arguments": "{\"a\":1}"},
                                           {"name": "g", "arguments": "{\"b\":[1,2]}"}]})");
  auto stream = provider.stream_text(request);
  ASSERT_TRUE(stream) << stream.error();
  auto result = stream->result();
  ASSERT_TRUE(result) << result.error();
  auto generated = run_sync(provider.generate(request));
  ASSERT_TRUE(generated) << generated.error();
  expect_same_answer(*result, *generated);
  ASSERT_EQ(result->tool_calls.size(), 2u);
  EXPECT_EQ(result->tool_calls[1].name, "g");
  EXPECT_EQ(result->tool_calls[1].arguments, R"({"b":[1,2]})");
  EXPECT_EQ(result->finish_reason, FinishReason::kToolCalls);
  EXPECT_FALSE(result->reasoning.empty());
  EXPECT_EQ(result->other_choices.size(), 2u);
}

TEST(StreamTextResult, CutStreamGivesTheStreamsError) {
  MockProvider provider({.cut_after_tokens = 4});
  auto stream = provider.stream_text(seed_request());
  ASSERT_TRUE(stream);
  auto result = stream->result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kUpstreamError);
  ASSERT_TRUE(stream->error());
  EXPECT_EQ(stream->error()->message, result.error().message);
}

// --- Stopping from another thread ---

// Requests a stop on `source` from another thread after `delay`.
std::jthread stop_after(std::stop_source source, std::chrono::milliseconds delay) {
  return std::jthread([source, delay]() mutable {
    std::this_thread::sleep_for(delay);
    source.request_stop();
  });
}

TEST(StreamTextStop, AnotherThreadEndsABlockingNext) {
  MockProvider provider({.token_delay = 10s});
  std::stop_source stop;
  auto stream = provider.stream_text(seed_request(), stop.get_token());
  ASSERT_TRUE(stream) << stream.error();
  auto first = stream->next();  // the first token comes at once, the next one in 10 s
  ASSERT_TRUE(first);
  const auto start = Clock::now();
  auto stopper = stop_after(stop, 50ms);
  EXPECT_FALSE(stream->next());
  EXPECT_LT(Clock::now() - start, 2s);
  ASSERT_TRUE(stream->error());
  EXPECT_EQ(stream->error()->kind, ErrorKind::kCancelled);
  auto result = stream->result();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kCancelled);
  EXPECT_FALSE(stream->next());  // stays ended
}

TEST(StreamTextStop, AnotherThreadEndsABlockingOpen) {
  MockProvider provider({.first_byte_delay = 10s});
  std::stop_source stop;
  const auto start = Clock::now();
  auto stopper = stop_after(stop, 50ms);
  auto stream = provider.stream_text(seed_request(), stop.get_token());
  EXPECT_LT(Clock::now() - start, 2s);
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().kind, ErrorKind::kCancelled);
}

TEST(StreamTextStop, AStopRequestedBeforehandNeverStartsTheRead) {
  MockProvider provider({.token_delay = 10s});
  std::stop_source stop;
  auto stream = provider.stream_text(seed_request(), stop.get_token());
  ASSERT_TRUE(stream);
  stop.request_stop();
  const auto start = Clock::now();
  EXPECT_FALSE(stream->next());
  EXPECT_LT(Clock::now() - start, 1s);
  ASSERT_TRUE(stream->error());
  EXPECT_EQ(stream->error()->kind, ErrorKind::kCancelled);
}

TEST(StreamTextStop, AStreamNeverStoppedReadsToTheEnd) {
  MockProvider provider;
  std::stop_source stop;
  auto stream = provider.stream_text(seed_request(), stop.get_token());
  ASSERT_TRUE(stream);
  auto result = stream->result();
  ASSERT_TRUE(result) << result.error();
  stop.request_stop();  // after the end: nothing left to stop
  EXPECT_TRUE(stream->result());
}

TEST(StreamTextStop, TheUpstreamSeesTheConnectionClose) {
  testing::FakeUpstream fake({.token_delay = 1s});
  LmStudioProvider provider(LmStudioModel::custom("llama3.3"), fake.base_url());
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("one two three four five six"));
  std::stop_source stop;
  auto stream = provider.stream_text(request, stop.get_token());
  ASSERT_TRUE(stream) << stream.error();
  auto stopper = stop_after(stop, 50ms);
  while (stream->next()) {
  }
  ASSERT_TRUE(stream->error());
  EXPECT_EQ(stream->error()->kind, ErrorKind::kCancelled);
  EXPECT_TRUE(fake.wait_for_client_close(2s));  // closed while the stream was still running
}

}  // namespace
}  // namespace roci
