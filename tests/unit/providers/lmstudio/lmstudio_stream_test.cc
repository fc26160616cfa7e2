// LmStudioProvider::stream against the fake LM Studio: parts, usage, tool calls, errors, drops.
#include "unit/providers/lmstudio/lmstudio_fixture.h"

#include <gmock/gmock.h>

namespace roci::test {
namespace {

using ::testing::HasSubstr;

class LmStudioStreamTest : public LmStudioFixture {};

TEST_F(LmStudioStreamTest, TextDeltasThenOneFinishWithUsageFromTheTrailingChunk) {
  start();
  auto streamed = run(stream_all(provider_.get(), user_request("hello there friend")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_EQ(streamed->text, "Echo: hello there friend");
  EXPECT_GT(streamed->text_deltas, 1);
  EXPECT_EQ(streamed->finishes, 1);
  EXPECT_EQ(streamed->parts_after_finish, 0);
  ASSERT_TRUE(std::holds_alternative<Finish>(streamed->parts.back()));
  ASSERT_TRUE(streamed->finish);
  EXPECT_EQ(streamed->finish->reason, FinishReason::kStop);
  ASSERT_TRUE(streamed->finish->usage) << "usage must come from the trailing choices:[] chunk";
  EXPECT_GT(streamed->finish->usage->completion_tokens, 0);
  EXPECT_EQ(streamed->info.model, "llama3.3");
  EXPECT_FALSE(streamed->info.id.empty());

  // include_usage is always requested: the only way to get usage from LM Studio.
  const auto sent = last("/v1/chat/completions");
  ASSERT_TRUE(sent.json);
  EXPECT_TRUE(sent.json->at("stream").as_bool());
  EXPECT_TRUE(sent.json->at("stream_options").at("include_usage").as_bool());
}

TEST_F(LmStudioStreamTest, StreamTextEqualsGenerateText) {
  start();
  auto generated = run(provider_->generate(user_request("same words both ways")));
  auto streamed = run(stream_all(provider_.get(), user_request("same words both ways")));
  ASSERT_TRUE(generated) << generated.error();
  ASSERT_TRUE(streamed) << streamed.error();
  EXPECT_EQ(streamed->text, generated->text);
  EXPECT_EQ(streamed->finish->usage, generated->usage);
}

TEST_F(LmStudioStreamTest, MaxTokensGivesFinishLength) {
  start();
  auto streamed = run(stream_all(provider_.get(), user_request("a b c d e f g h", 2)));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->finish);
  EXPECT_EQ(streamed->finish->reason, FinishReason::kLength);
}

TEST_F(LmStudioStreamTest, ToolCallFragmentsAreReassembled) {
  start();
  auto request = user_request(R"(call: get_weather {"city":"Paris","unit":"celsius"})");
  request.tools = std::vector<ToolDefinition>{weather_tool()};
  auto streamed = run(stream_all(provider_.get(), request));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  ASSERT_EQ(streamed->tool_calls.size(), 1u);
  const ToolCall& call = streamed->tool_calls.at(0);
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_FALSE(call.id.empty());
  EXPECT_EQ(boost::json::parse(call.arguments),
            boost::json::parse(R"({"city":"Paris","unit":"celsius"})"));
  EXPECT_GT(streamed->tool_call_deltas, 1) << "LM Studio streams arguments in fragments";
  EXPECT_EQ(streamed->finish->reason, FinishReason::kToolCalls);
}

TEST_F(LmStudioStreamTest, ParallelToolCallsKeepTheirIndexes) {
  start();
  auto request = user_request(R"(call: get_weather {"city":"Paris"}; get_weather {"city":"Rome"})");
  request.tools = std::vector<ToolDefinition>{weather_tool()};
  auto streamed = run(stream_all(provider_.get(), request));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_EQ(streamed->tool_calls.size(), 2u);
  EXPECT_EQ(boost::json::parse(streamed->tool_calls.at(1).arguments),
            boost::json::parse(R"({"city":"Rome"})"));
  EXPECT_NE(streamed->tool_calls.at(0).id, streamed->tool_calls.at(1).id);
}

TEST_F(LmStudioStreamTest, ReasoningDeltasComeBeforeText) {
  start({.reasoning = "First I think."});
  auto streamed = run(stream_all(provider_.get(), user_request("hi")));
  ASSERT_TRUE(streamed) << streamed.error();
  EXPECT_EQ(streamed->reasoning, "First I think.");
  EXPECT_EQ(streamed->text, "Echo: hi");
  ASSERT_FALSE(streamed->parts.empty());
  EXPECT_TRUE(std::holds_alternative<ReasoningDelta>(streamed->parts.front()));
}

TEST_F(LmStudioStreamTest, StreamSetupWaitsForTheFirstEvent) {
  start();
  fake_->script(
      {.path = "/v1/chat/completions", .first_chunk_delay = std::chrono::milliseconds(300)});
  const auto started = std::chrono::steady_clock::now();
  auto stream = run(provider_->stream(user_request("hi")));
  ASSERT_TRUE(stream) << stream.error();
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250))
      << "stream() completes only once the first event arrived";
  EXPECT_FALSE((*stream)->info().id.empty());
}

TEST_F(LmStudioStreamTest, ErrorAsFirstEventFailsStreamSetup) {
  start();
  fake_->script({.path = "/v1/chat/completions", .error_event_after_chunks = 0});
  auto stream = run(provider_->stream(user_request("hi")));
  ASSERT_FALSE(stream);
  EXPECT_THAT(stream.error().message, HasSubstr("Compute error."));
}

TEST_F(LmStudioStreamTest, MidStreamErrorEventIsAnErrorPartAndNoFinish) {
  start();
  fake_->script({.path = "/v1/chat/completions", .error_event_after_chunks = 2});
  auto streamed = run(stream_all(provider_.get(), user_request("one two three four five")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->error);
  EXPECT_THAT(streamed->error->message, HasSubstr("Compute error."));
  EXPECT_EQ(streamed->finishes, 0);
}

TEST_F(LmStudioStreamTest, CutMidStreamIsAnErrorAndNoFinish) {
  start();
  fake_->script(Fault::cut_after(2, "/v1/chat/completions"));
  auto streamed = run(stream_all(provider_.get(), user_request("one two three four five six")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->error);
  EXPECT_EQ(streamed->error->kind, ErrorKind::kUpstreamError);
  EXPECT_THAT(streamed->error->message, HasSubstr("mid-stream"));
  EXPECT_EQ(streamed->finishes, 0);
  EXPECT_FALSE(streamed->text.empty());
}

TEST_F(LmStudioStreamTest, MalformedEventIsAnError) {
  start();
  fake_->script({.path = "/v1/chat/completions", .malformed_sse_after_chunks = 1});
  auto streamed = run(stream_all(provider_.get(), user_request("one two three")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->error);
  EXPECT_EQ(streamed->error->kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(streamed->finishes, 0);
}

TEST_F(LmStudioStreamTest, SetupErrorsKeepTheirKind) {
  start({.models = {{"qwen3"}, {"gemma-3"}}}, {}, "qwen3");
  auto request = user_request("hi");
  request.model = "missing";
  auto stream = run(provider_->stream(request));
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().kind, ErrorKind::kModelNotFound);
}

TEST_F(LmStudioStreamTest, Http200JsonErrorToAStreamRequestIsAnError) {
  start();
  fake_->script(Fault::respond(
      200, R"j({"error":"Unexpected endpoint or method. (POST /v1/chat/completions)"})j",
      "/v1/chat/completions"));
  auto stream = run(provider_->stream(user_request("hi")));
  ASSERT_FALSE(stream);
  EXPECT_THAT(stream.error().message, HasSubstr("Unexpected endpoint"));
}

TEST_F(LmStudioStreamTest, DroppingAStreamClosesTheUpstreamConnection) {
  start({.token_delay = std::chrono::milliseconds(30)});
  auto read = run(stream_and_drop(provider_.get(),
                                  user_request("one two three four five six seven eight nine"), 2));
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(*read, 2);
  EXPECT_TRUE(fake_->wait_for_client_close(std::chrono::seconds(3)))
      << "the fake must see the client close the connection mid-stream";
  EXPECT_EQ(last("/v1/chat/completions").outcome, RequestOutcome::kClientClosed);
}

TEST_F(LmStudioStreamTest, CompletedStreamLeavesTheConnectionReusable) {
  start();
  for (int i = 0; i < 3; ++i) {
    auto streamed = run(stream_all(provider_.get(), user_request("again")));
    ASSERT_TRUE(streamed) << streamed.error();
    ASSERT_FALSE(streamed->error) << *streamed->error;
  }
  EXPECT_EQ(fake_->cancellations(), 0);
  EXPECT_LT(fake_->connections_accepted(), 3u) << "a completed stream's socket goes to the pool";
}

TEST_F(LmStudioStreamTest, CancellingStreamSetupClosesTheUpstream) {
  start();
  fake_->script(Fault::hang("/v1/chat/completions"));
  auto raced = run(race(provider_->stream(user_request("hi")), std::chrono::milliseconds(150)));
  EXPECT_FALSE(raced.has_value()) << "the timer wins against a hanging upstream";
  EXPECT_TRUE(fake_->wait_for_client_close(std::chrono::seconds(3)));
}

}  // namespace
}  // namespace roci::test
