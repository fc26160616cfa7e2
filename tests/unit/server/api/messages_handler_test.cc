// POST /v1/messages and /v1/messages/count_tokens through a recording ResponseWriter: the message
// object, the event stream (§4 with Anthropic's events), errors in Anthropic's envelope with the
// gateway's statuses, no chat defaults, token counting without a completion.
#include "server/api/anthropic_errors.h"
#include "server/api/handlers.h"
#include "unit/server/handler_test_util.h"

#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace roci::server {
namespace {

namespace json = boost::json;
using testing::Harness;
using testing::model;
using testing::RecordingProvider;

std::string body(bool stream, std::string_view extra = R"("max_tokens":32)") {
  std::string b = R"({"model":"qwen3-8b","messages":[{"role":"user","content":"Tell me a story"}])";
  if (stream) b += R"(,"stream":true)";
  if (!extra.empty()) b += "," + std::string(extra);
  return b + "}";
}

std::unique_ptr<RecordingProvider> lmstudio() {
  return std::make_unique<RecordingProvider>("lmstudio",
                                             std::vector<ModelInfo>{model("qwen3-8b", "loaded")});
}

std::string event_type(const std::string& event) {
  const auto at = event.find("data: ");
  return std::string(json::parse(event.substr(at + 6)).at("type").as_string());
}

TEST(MessagesHandler, AnswersTheMessageObjectWithoutChatDefaults) {
  Harness h(lmstudio());
  h.errors = &kAnthropicErrors;
  h.run(handle_messages, body(false));
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  const auto m = h.writer.body_json().as_object();
  EXPECT_EQ(m.at("type"), "message");
  EXPECT_TRUE(m.at("id").as_string().starts_with("msg_"));  // not the upstream's chatcmpl- id
  EXPECT_EQ(m.at("model"), "qwen3-8b");
  EXPECT_EQ(m.at("content"), json::parse(R"([{"type":"text","text":"Hello there"}])"));
  EXPECT_EQ(m.at("usage"), json::parse(R"({"input_tokens":5,"output_tokens":2})"));
  const auto& sent = h.recording().requests.back();
  EXPECT_EQ(sent.settings.max_tokens, 32);
  EXPECT_FALSE(sent.settings.temperature);  // 0.7 is the Chat Completions default only
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

TEST(MessagesHandler, StreamsAnthropicsEvents) {
  Harness h(lmstudio());
  h.errors = &kAnthropicErrors;
  h.run(handle_messages, body(true));
  EXPECT_TRUE(h.writer.started);
  EXPECT_TRUE(h.writer.ended);
  std::vector<std::string> types;
  for (const auto& e : h.writer.events) {
    for (std::size_t at = 0; (at = e.find("event: ", at)) != std::string::npos; ++at) {
      types.push_back(e.substr(at + 7, e.find('\n', at) - at - 7));
    }
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"message_start", "content_block_start", "ping",
                                      "content_block_delta", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(event_type(h.writer.events.front()), "message_start");
  EXPECT_TRUE(h.log.stream);
  ASSERT_TRUE(h.log.usage);
  EXPECT_EQ(h.log.usage->completion_tokens, 2);
}

TEST(MessagesHandler, AFailureMidStreamIsAnErrorEvent) {
  Harness h(lmstudio());
  h.errors = &kAnthropicErrors;
  h.recording().stream_parts = {TextDelta{"Once"}};
  h.recording().stream_error = Error::upstream("LM Studio cut the stream");
  h.run(handle_messages, body(true));
  ASSERT_FALSE(h.writer.events.empty());
  const std::string& last = h.writer.events.back();
  EXPECT_TRUE(last.starts_with("event: error\n")) << last;
  EXPECT_EQ(json::parse(last.substr(last.find("data: ") + 6)).at("error").at("type"), "api_error");
  for (const auto& e : h.writer.events) EXPECT_EQ(e.find("message_stop"), std::string::npos);
  EXPECT_TRUE(h.writer.ended);
}

TEST(MessagesHandler, ErrorsInAnthropicsEnvelope) {
  Harness h(lmstudio());
  h.errors = &kAnthropicErrors;
  h.run(handle_messages, body(false, ""));  // no max_tokens
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  const auto missing = h.writer.body_json().as_object();
  EXPECT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing.at("type"), "error");
  EXPECT_EQ(missing.at("error").at("type"), "invalid_request_error");
  EXPECT_TRUE(missing.at("error").at("message").as_string().starts_with("max_tokens is required"));
  h.run(handle_messages,
        R"({"model":"nope","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 404);
  EXPECT_EQ(h.writer.body_json().at("error").at("type"), "not_found_error");
}

TEST(MessagesHandler, CountTokensEstimatesAndNeverGenerates) {
  Harness h(lmstudio());
  h.errors = &kAnthropicErrors;
  h.run(handle_count_tokens,
        R"({"model":"qwen3-8b","messages":[{"role":"user","content":"Hello, world"}]})");
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 200);
  EXPECT_EQ(h.writer.body_json(), json::parse(R"({"input_tokens":10})"));
  EXPECT_TRUE(h.recording().requests.empty());  // neither generate nor stream
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

}  // namespace
}  // namespace roci::server
