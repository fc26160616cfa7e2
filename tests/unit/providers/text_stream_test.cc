// provider.stream_text / TextStream: the seed's pull loop over the mock, on the sync runtime.
#include "providers/sync_runtime.h"

#include <roci/provider/mock_provider.h>
#include <roci/provider/text_stream.h>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <chrono>

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

}  // namespace
}  // namespace roci
