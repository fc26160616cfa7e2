// OpenAiChatStream on hand-written SSE bodies (served by the fake): pings, role on every chunk,
// timings, [DONE] without its blank line, usage hold-back, truncation.
#include "unit/providers/lmstudio/lmstudio_fixture.h"

#include <gmock/gmock.h>

#include <map>
#include <utility>
#include <vector>

namespace roci::test {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kEventStream = "text/event-stream";

std::string chunk(std::string_view choices_json, std::string_view extra = {}) {
  std::string out = R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,)"
                    R"("model":"m","choices":)";
  out += choices_json;
  out += extra;
  out += "}\n\n";
  return out;
}

class RawSseTest : public LmStudioFixture {
 protected:
  Result<Collected> stream_body(std::string body) {
    Fault fault = Fault::respond(200, std::move(body), "/v1/chat/completions");
    fault.content_type = std::string(kEventStream);
    fake_->script(fault);
    return run(stream_all(provider_.get(), user_request("hi")));
  }
};

TEST_F(RawSseTest, PingsRoleOnEveryChunkTimingsAndDoneWithoutBlankLine) {
  start();
  std::string body;
  body +=
      chunk(R"([{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}])");
  body += ":\n\n: ping\n\n";
  body +=
      chunk(R"([{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}])");
  body += chunk(R"([{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}])");
  body +=
      chunk(R"([{"index":0,"delta":{"role":"assistant","content":"lo"},"finish_reason":null}])");
  body += chunk(R"([{"index":0,"delta":{},"finish_reason":"stop"}])",
                R"(,"timings":{"prompt_n":3,"predicted_n":2,"predicted_per_second":50.0})");
  body += chunk("[]", R"(,"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5})");
  body += "data: [DONE]";  // no trailing blank line (some llama.cpp builds)
  auto streamed = stream_body(body);
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_EQ(streamed->text, "Hello");
  EXPECT_EQ(streamed->text_deltas, 2) << "empty deltas are dropped";
  ASSERT_EQ(streamed->finishes, 1);
  EXPECT_EQ(streamed->parts_after_finish, 0);
  EXPECT_EQ(streamed->finish->reason, FinishReason::kStop);
  ASSERT_TRUE(streamed->finish->usage);
  EXPECT_EQ(streamed->finish->usage->total_tokens, 5);
  EXPECT_EQ(streamed->info.id, "chatcmpl-1");
}

TEST_F(RawSseTest, UsageOnTheFinishChunkItself) {
  start();
  std::string body;
  body += chunk(R"([{"index":0,"delta":{"content":"Hi"},"finish_reason":null}])");
  body += chunk(R"([{"index":0,"delta":{},"finish_reason":"length"}])",
                R"(,"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2})");
  body += "data: [DONE]\n\n";
  auto streamed = stream_body(body);
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->finish);
  EXPECT_EQ(streamed->finish->reason, FinishReason::kLength);
  ASSERT_TRUE(streamed->finish->usage);
  EXPECT_EQ(streamed->finish->usage->total_tokens, 2);
}

TEST_F(RawSseTest, FinishWithoutUsageEndsAtDone) {
  start();
  std::string body;
  body += chunk(R"([{"index":0,"delta":{"content":"Hi"},"finish_reason":null}])");
  body += chunk(R"([{"index":0,"delta":{},"finish_reason":"stop"}])");
  body += "data: [DONE]\n\n";
  auto streamed = stream_body(body);
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  ASSERT_EQ(streamed->finishes, 1);
  EXPECT_FALSE(streamed->finish->usage);
}

TEST_F(RawSseTest, FinishThenEndOfBodyWithoutDoneIsStillAFinish) {
  start();
  std::string body;
  body += chunk(R"([{"index":0,"delta":{"content":"Hi"},"finish_reason":null}])");
  body += chunk(R"([{"index":0,"delta":{},"finish_reason":"stop"}])");
  auto streamed = stream_body(body);
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_EQ(streamed->finishes, 1);
}

TEST_F(RawSseTest, EndOfBodyWithoutFinishOrDoneIsAnError) {
  start();
  std::string body;
  body += chunk(R"([{"index":0,"delta":{"content":"Hi"},"finish_reason":null}])");
  body += chunk(R"([{"index":0,"delta":{"content":" there"},"finish_reason":null}])");
  auto streamed = stream_body(body);
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->error);
  EXPECT_EQ(streamed->error->kind, ErrorKind::kUpstreamError);
  EXPECT_THAT(streamed->error->message, HasSubstr("connection closed mid-stream"));
  EXPECT_EQ(streamed->text, "Hi there");
  EXPECT_EQ(streamed->finishes, 0);
}

TEST_F(RawSseTest, DoneOnlyStreamIsAnEmptyAnswer) {
  start();
  auto streamed = stream_body("data: [DONE]\n\n");
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_EQ(streamed->finishes, 1);
  EXPECT_EQ(streamed->text, "");
}

TEST_F(RawSseTest, EmptyBodyIsAnError) {
  start();
  auto stream = [&] {
    Fault fault = Fault::respond(200, "", "/v1/chat/completions");
    fault.content_type = std::string(kEventStream);
    fake_->script(fault);
    return run(provider_->stream(user_request("hi")));
  }();
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().kind, ErrorKind::kUpstreamError);
}

TEST_F(RawSseTest, ToolCallFragmentsWithNullIdsAndNames) {
  start();
  std::string body;
  body += chunk(
      R"([{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"365174485",)"
      R"("type":"function","function":{"name":"search","arguments":""}}]},"finish_reason":null}])");
  body +=
      chunk(R"([{"index":0,"delta":{"tool_calls":[{"index":0,"id":null,"function":{"name":null,)"
            R"("arguments":"{\"q\":"}}]},"finish_reason":null}])");
  body += chunk(
      R"([{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"dell\"}"}}]},)"
      R"("finish_reason":null}])");
  body += chunk(R"([{"index":0,"delta":{},"finish_reason":"tool_calls"}])");
  body += chunk("[]", R"(,"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13})");
  body += "data: [DONE]\n\n";
  auto streamed = stream_body(body);
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  ASSERT_EQ(streamed->tool_calls.size(), 1u);
  EXPECT_EQ(streamed->tool_calls[0].id, "365174485");
  EXPECT_EQ(streamed->tool_calls[0].name, "search");
  EXPECT_EQ(streamed->tool_calls[0].arguments, R"({"q":"dell"})");
  EXPECT_EQ(streamed->finish->reason, FinishReason::kToolCalls);
  EXPECT_EQ(streamed->finish->usage->total_tokens, 13);
}

TEST_F(RawSseTest, NonStreamJsonAnswerToAStreamRequestIsReplayed) {
  start();
  Fault fault = Fault::respond(
      200,
      R"({"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"m","choices":[)"
      R"({"index":0,"message":{"role":"assistant","content":"Whole answer"},"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}})",
      "/v1/chat/completions");
  fake_->script(fault);
  auto streamed = run(stream_all(provider_.get(), user_request("hi")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  EXPECT_EQ(streamed->text, "Whole answer");
  ASSERT_EQ(streamed->finishes, 1);
  EXPECT_EQ(streamed->finish->usage->total_tokens, 4);
}

// The text of each choice, and the choice order of the text deltas.
std::pair<std::map<int, std::string>, std::vector<int>> texts_by_choice(const Collected& c) {
  std::map<int, std::string> texts;
  std::vector<int> order;
  for (const auto& part : c.parts) {
    if (const auto* t = std::get_if<TextDelta>(&part)) {
      texts[t->choice] += t->text;
      order.push_back(t->choice);
    }
  }
  return {texts, order};
}

TEST_F(RawSseTest, AnNStreamInterleavesChoicesAndEndsWhenAllFinished) {
  start();
  std::string body;
  body += chunk(R"([{"index":0,"delta":{"role":"assistant","content":"A"},"finish_reason":null}])");
  body += chunk(R"([{"index":1,"delta":{"role":"assistant","content":"B"},"finish_reason":null}])");
  // Choice 0 ends with usage on its finish chunk while choice 1 is still going.
  body += chunk(R"([{"index":0,"delta":{},"finish_reason":"stop"}])",
                R"(,"usage":{"prompt_tokens":1,"completion_tokens":3,"total_tokens":4})");
  body += chunk(R"([{"index":1,"delta":{"content":"b"},"finish_reason":null}])");
  body += chunk(R"([{"index":1,"delta":{},"finish_reason":"length"}])");
  body += "data: [DONE]\n\n";
  auto streamed = stream_body(body);
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_FALSE(streamed->error) << *streamed->error;
  auto [texts, order] = texts_by_choice(*streamed);
  EXPECT_EQ(texts[0], "A");
  EXPECT_EQ(texts[1], "Bb");
  EXPECT_EQ(order, (std::vector<int>{0, 1, 1}));
  ASSERT_EQ(streamed->finishes, 1);
  EXPECT_EQ(streamed->parts_after_finish, 0);
  EXPECT_EQ(streamed->finish->reason, FinishReason::kStop);
  EXPECT_EQ(streamed->finish->other_choices,
            (std::vector<ChoiceFinish>{{.choice = 1, .reason = FinishReason::kLength}}));
  EXPECT_EQ(streamed->finish->usage->total_tokens, 4);
}

TEST_F(RawSseTest, AnNJsonAnswerToAStreamRequestIsReplayedWithItsChoices) {
  start();
  Fault fault = Fault::respond(
      200,
      R"({"id":"chatcmpl-2","object":"chat.completion","created":1,"model":"m","choices":[)"
      R"({"index":0,"message":{"role":"assistant","content":"one"},"finish_reason":"stop"},)"
      R"({"index":1,"message":{"role":"assistant","content":"two"},"finish_reason":"length"}],)"
      R"("usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}})",
      "/v1/chat/completions");
  fake_->script(fault);
  auto streamed = run(stream_all(provider_.get(), user_request("hi")));
  ASSERT_TRUE(streamed) << streamed.error();
  auto [texts, order] = texts_by_choice(*streamed);
  EXPECT_EQ(texts[0], "one");
  EXPECT_EQ(texts[1], "two");
  ASSERT_TRUE(streamed->finish);
  EXPECT_EQ(streamed->finish->other_choices,
            (std::vector<ChoiceFinish>{{.choice = 1, .reason = FinishReason::kLength}}));
}

// ChatStream::ready() before each next() call, until next() returned nullopt (or an error).
asio::awaitable<Result<std::vector<bool>>> ready_before_each_part(Provider* provider,
                                                                  ProviderRequest request) {
  auto stream = co_await provider->stream(std::move(request));
  if (!stream) co_return stream.error();
  std::vector<bool> ready;
  while (true) {
    ready.push_back((*stream)->ready());
    auto part = co_await (*stream)->next();
    if (!part) co_return part.error();
    if (!*part) co_return ready;
  }
}

TEST_F(RawSseTest, EveryPartOfABodyReadAtOnceIsReady) {
  start();
  std::string body;
  body += chunk(R"([{"index":0,"delta":{"role":"assistant","content":"Hel"}}])");
  body += chunk(R"([{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}])");
  body += chunk("[]", R"(,"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5})");
  body += "data: [DONE]\n\n";
  Fault fault = Fault::respond(200, std::move(body), "/v1/chat/completions");
  fault.content_type = std::string(kEventStream);
  fake_->script(fault);
  auto ready = run(ready_before_each_part(provider_.get(), user_request("hi")));
  ASSERT_TRUE(ready) << ready.error();
  // "Hel", "lo", Finish: already here; after Finish only the socket's drain is left.
  EXPECT_EQ(*ready, (std::vector<bool>{true, true, true, false}));
}

TEST_F(RawSseTest, APartStillOnItsWayIsNotReady) {
  // 150 ms between tokens: even a stalled test process has read only the first before ready().
  start({.token_delay = std::chrono::milliseconds(150)});
  Fault fault;
  fault.path = "/v1/chat/completions";
  fault.answer = "one two";
  fake_->script(fault);
  auto ready = run(ready_before_each_part(provider_.get(), user_request("hi")));
  ASSERT_TRUE(ready) << ready.error();
  ASSERT_GE(ready->size(), 3u);
  EXPECT_TRUE(ready->front()) << "open() already decoded the first part";
  EXPECT_FALSE((*ready)[1]) << "the second token comes 150 ms later";
}

// Every part of the stream, taken with next_ready() whenever it gives one and next() otherwise,
// described one per line (the order and content the gateway forwards).
asio::awaitable<Result<std::pair<std::string, int>>> parts_taking_ready(Provider* provider,
                                                                        ProviderRequest request) {
  auto stream = co_await provider->stream(std::move(request));
  if (!stream) co_return stream.error();
  std::string parts;
  int taken_ready = 0;
  auto describe = [&parts](const StreamPart& part) {
    if (const auto* t = std::get_if<TextDelta>(&part)) parts += "text " + t->text + "\n";
    if (const auto* r = std::get_if<ReasoningDelta>(&part)) parts += "reasoning " + r->text + "\n";
    if (const auto* c = std::get_if<ToolCallDelta>(&part)) parts += "tool " + c->arguments + "\n";
    if (const auto* f = std::get_if<Finish>(&part)) {
      parts += "finish " + std::string(to_string(f->reason)) +
               (f->usage ? " usage " + std::to_string(f->usage->total_tokens) : "") + "\n";
    }
  };
  while (true) {
    if (auto ready = (*stream)->next_ready()) {
      ++taken_ready;
      describe(*ready);
      continue;
    }
    auto part = co_await (*stream)->next();
    if (!part) co_return part.error();
    if (!*part) co_return std::pair{parts, taken_ready};
    describe(**part);
  }
}

TEST_F(RawSseTest, NextReadyGivesTheSamePartsAsNext) {
  start();
  std::string body;
  body += chunk(R"([{"index":0,"delta":{"role":"assistant","content":"Hel"}}])");
  body += chunk(R"([{"index":0,"delta":{"reasoning_content":"hm","content":"lo"}}])");
  body += chunk(R"([{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":)"
                R"({"name":"f","arguments":"{}"}}]}}])");
  body += chunk(R"([{"index":0,"delta":{},"finish_reason":"stop"}])");
  body += chunk("[]", R"(,"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5})");
  body += "data: [DONE]\n\n";
  Fault fault = Fault::respond(200, body, "/v1/chat/completions");
  fault.content_type = std::string(kEventStream);
  fake_->script(fault);
  auto taken = run(parts_taking_ready(provider_.get(), user_request("hi")));
  ASSERT_TRUE(taken) << taken.error();
  EXPECT_EQ(taken->first, "text Hel\nreasoning hm\ntext lo\ntool {}\nfinish stop usage 5\n");
  EXPECT_GE(taken->second, 4) << "the body was read at once: every part after the first is ready";

  auto streamed = stream_body(body);
  ASSERT_TRUE(streamed) << streamed.error();
  EXPECT_EQ(streamed->text, "Hello");
  EXPECT_EQ(streamed->reasoning, "hm");
  ASSERT_TRUE(streamed->finish);
  EXPECT_EQ(streamed->finish->usage, (Usage{3, 2, 5}));
}

TEST_F(RawSseTest, AnErrorEventAfterReadyPartsComesFromNext) {
  start();
  std::string body;
  body += chunk(R"([{"index":0,"delta":{"content":"a"}}])");
  body += chunk(R"([{"index":0,"delta":{"content":"b"}}])");
  body += "data: {\"error\":{\"message\":\"model crashed\"}}\n\n";
  Fault fault = Fault::respond(200, body, "/v1/chat/completions");
  fault.content_type = std::string(kEventStream);
  fake_->script(fault);
  auto taken = run(parts_taking_ready(provider_.get(), user_request("hi")));
  ASSERT_FALSE(taken);
  EXPECT_THAT(taken.error().message, HasSubstr("model crashed"));
}

// llama.cpp and OpenAI open with a role-only chunk: the stream is open (and the gateway can send
// its 200) with that first event, not with the first token, which may come much later.
asio::awaitable<Result<std::chrono::milliseconds>> time_to_open(Provider* provider,
                                                                ProviderRequest request) {
  const auto start = std::chrono::steady_clock::now();
  auto stream = co_await provider->stream(std::move(request));
  if (!stream) co_return stream.error();
  co_return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start);
}

TEST_F(RawSseTest, ARoleOnlyFirstChunkOpensTheStream) {
  start({.mode = FakeMode::kLlamaCpp, .token_delay = std::chrono::milliseconds(1500)});
  auto opened = run(time_to_open(provider_.get(), user_request("hi")));
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_LT(*opened, std::chrono::milliseconds(1000)) << "open() waited for the first token";
}

}  // namespace
}  // namespace roci::test
