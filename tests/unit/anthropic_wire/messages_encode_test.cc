#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "anthropic_wire/messages_codec.h"
#include "test_util.h"

namespace roci::anthropic_wire {
namespace {

using testing::missing_from;
using testing::read_fixture;

TEST(MessagesEncode, MatchesTheSdksBasicMessage) {
  const auto expected = boost::json::parse(read_fixture("message_basic.json"));
  GenerationResult r;
  r.text = "Hello there!";
  r.usage = Usage{11, 6, 17};
  const auto ours = boost::json::parse(encode_message(r, "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK",
                                                      "claude-opus-4-8", MessageOptions{}));
  EXPECT_EQ(ours, expected);  // exactly the SDK's object, no member more
}

TEST(MessagesEncode, MatchesTheSdksToolUseMessage) {
  auto expected = boost::json::parse(read_fixture("message_tool_use.json"));
  // Cache counters and service tier are Anthropic's own; we report input and output tokens.
  auto& usage = expected.at("usage").as_object();
  usage.erase("cache_creation_input_tokens");
  usage.erase("cache_read_input_tokens");
  usage.erase("service_tier");
  GenerationResult r;
  r.text = "I'll check the current weather in Paris for you.";
  r.tool_calls = {{"toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", R"({"location": "Paris"})"}};
  r.finish_reason = FinishReason::kToolCalls;
  r.usage = Usage{377, 65, 442};
  const auto ours = boost::json::parse(
      encode_message(r, "msg_019Q1hrJbZG26Fb9BQhrkHEr", "claude-opus-4-8", MessageOptions{}));
  EXPECT_EQ(ours, expected);
}

TEST(MessagesEncode, StopReasons) {
  EXPECT_EQ(stop_reason(FinishReason::kStop, false, std::nullopt), "end_turn");
  EXPECT_EQ(stop_reason(FinishReason::kLength, false, std::nullopt), "max_tokens");
  EXPECT_EQ(stop_reason(FinishReason::kToolCalls, false, std::nullopt), "tool_use");
  EXPECT_EQ(stop_reason(FinishReason::kStop, true, std::nullopt), "tool_use");  // "stop" + calls
  EXPECT_EQ(stop_reason(FinishReason::kContentFilter, false, std::nullopt), "refusal");
  ProviderStats stats;
  stats.stop_reason = "stopStringFound";  // LM Studio's stats
  EXPECT_EQ(stop_reason(FinishReason::kStop, false, stats), "stop_sequence");

  GenerationResult r;
  r.text = "one two";
  r.stats = stats;
  MessageOptions one_stop{.emit_thinking = true, .stop_sequences = {"three"}};
  auto v = boost::json::parse(encode_message(r, "msg_1", "m", one_stop));
  EXPECT_EQ(v.at("stop_reason"), "stop_sequence");
  EXPECT_EQ(v.at("stop_sequence"), "three");
}

TEST(MessagesEncode, ThinkingBlockFirstUnlessDisabled) {
  GenerationResult r;
  r.reasoning = "let me see";
  r.text = "4";
  auto v = boost::json::parse(encode_message(r, "msg_1", "m", MessageOptions{}));
  EXPECT_EQ(v.at("content"), boost::json::parse(R"([{"type":"thinking","thinking":"let me see",
      "signature":""},{"type":"text","text":"4"}])"));
  auto off = boost::json::parse(encode_message(r, "msg_1", "m", MessageOptions{false, {}}));
  EXPECT_EQ(off.at("content"), boost::json::parse(R"([{"type":"text","text":"4"}])"));
}

TEST(MessagesEncode, ToolInputThatIsNotAnObject) {
  GenerationResult r;
  r.tool_calls = {{"", "f", ""}, {"1", "g", "not json"}};
  auto v = boost::json::parse(encode_message(r, "msg_1", "m", MessageOptions{}));
  const auto& content = v.at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_TRUE(content[0].at("id").as_string().starts_with("toolu_"));
  EXPECT_EQ(content[0].at("input"), boost::json::object());
  EXPECT_EQ(content[1].at("input"), "not json");
  EXPECT_EQ(v.at("stop_reason"), "tool_use");
}

TEST(MessagesEncode, ErrorsInAnthropicsShape) {
  EXPECT_EQ(boost::json::parse(encode_error_body("overloaded_error", "Overloaded")),
            boost::json::parse(read_fixture("error_overloaded.json")));
  EXPECT_EQ(boost::json::parse(encode_error_body(error_type(400), "Bad request")),
            boost::json::parse(read_fixture("error_invalid_request.json")));
  const auto events = testing::parse_events(encode_error_event("overloaded_error", "Overloaded"));
  const auto expected = testing::parse_events(read_fixture("stream_error_event.sse"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].name, expected[0].name);
  EXPECT_EQ(events[0].data, expected[0].data);
}

TEST(MessagesEncode, ErrorTypeForEveryGatewayStatus) {
  EXPECT_EQ(error_type(400), "invalid_request_error");
  EXPECT_EQ(error_type(401), "authentication_error");
  EXPECT_EQ(error_type(403), "permission_error");
  EXPECT_EQ(error_type(404), "not_found_error");
  EXPECT_EQ(error_type(405), "invalid_request_error");
  EXPECT_EQ(error_type(413), "request_too_large");
  EXPECT_EQ(error_type(415), "invalid_request_error");
  EXPECT_EQ(error_type(431), "invalid_request_error");
  EXPECT_EQ(error_type(429), "rate_limit_error");
  EXPECT_EQ(error_type(500), "api_error");
  EXPECT_EQ(error_type(502), "api_error");
  EXPECT_EQ(error_type(503), "overloaded_error");
  EXPECT_EQ(error_type(504), "api_error");
}

TEST(MessagesEncode, CountTokensAndIds) {
  EXPECT_EQ(encode_count_tokens(14), R"({"input_tokens":14})");
  const std::string id = new_message_id();
  EXPECT_TRUE(id.starts_with("msg_"));
  EXPECT_EQ(id.size(), 4u + 24u);
  EXPECT_NE(id, new_message_id());
}

}  // namespace
}  // namespace roci::anthropic_wire
