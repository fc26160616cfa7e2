// MessageStreamEncoder against the SDK's recorded streams: each fixture is turned into the parts
// an upstream would give, encoded by us, and compared event by event.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "anthropic_wire/messages_codec.h"
#include "test_util.h"

namespace roci::anthropic_wire {
namespace {

using testing::Event;
using testing::missing_from;
using testing::parse_events;
using testing::read_fixture;

// The parts a provider would yield for the recorded stream, and its Finish.
std::vector<StreamPart> parts_of(const std::vector<Event>& events) {
  std::vector<StreamPart> parts;
  std::vector<std::string> block_types;
  int tool_index = -1;
  for (const auto& e : events) {
    const auto& d = e.data.as_object();
    if (e.name == "content_block_start") {
      const auto& block = d.at("content_block").as_object();
      block_types.emplace_back(block.at("type").as_string());
      if (block_types.back() == "tool_use") {
        parts.emplace_back(ToolCallDelta{++tool_index, std::string(block.at("id").as_string()),
                                         std::string(block.at("name").as_string()), "", 0});
      }
    } else if (e.name == "content_block_delta") {
      const auto& delta = d.at("delta").as_object();
      const auto type = delta.at("type").as_string();
      if (type == "text_delta") {
        parts.emplace_back(TextDelta{std::string(delta.at("text").as_string())});
      } else if (type == "thinking_delta") {
        parts.emplace_back(ReasoningDelta{std::string(delta.at("thinking").as_string())});
      } else if (type == "input_json_delta") {
        const std::string json(delta.at("partial_json").as_string());
        if (!json.empty()) parts.emplace_back(ToolCallDelta{tool_index, "", "", json, 0});
      }
    } else if (e.name == "message_delta") {
      const auto reason = d.at("delta").at("stop_reason").as_string();
      Finish f;
      f.reason = reason == "tool_use"     ? FinishReason::kToolCalls
                 : reason == "max_tokens" ? FinishReason::kLength
                 : reason == "refusal"    ? FinishReason::kContentFilter
                                          : FinishReason::kStop;
      const auto& usage = d.at("usage").as_object();
      f.usage = Usage{0, static_cast<int>(usage.at("output_tokens").as_int64()), 0};
      parts.emplace_back(f);
    }
  }
  return parts;
}

// Events we do not produce: signatures (no upstream signs its reasoning) and empty text or
// thinking deltas.
bool produced_by_us(const Event& e) {
  if (e.name != "content_block_delta") return true;
  const auto& delta = e.data.at("delta").as_object();
  const auto type = delta.at("type").as_string();
  if (type == "signature_delta") return false;
  if (type == "text_delta") return !delta.at("text").as_string().empty();
  if (type == "thinking_delta") return !delta.at("thinking").as_string().empty();
  return true;
}

// Anthropic's own accounting (cache counters, service tier, stop_details) is not compared;
// message_start's usage is 0 in ours (the upstream reports usage at the end).
void drop_anthropic_only(Event& e) {
  auto& d = e.data.as_object();
  if (e.name == "message_start") {
    auto& message = d.at("message").as_object();
    message.erase("usage");
    message.erase("stop_details");
  } else if (e.name == "message_delta") {
    d.at("delta").as_object().erase("stop_details");
    auto& usage = d.at("usage").as_object();
    const auto out = usage.at("output_tokens");
    usage.clear();
    usage["output_tokens"] = out;
  }
}

void expect_same_stream(const std::string& fixture) {
  auto expected = parse_events(read_fixture(fixture));
  const auto& start = expected.at(0).data.at("message").as_object();
  MessageStreamEncoder encoder(std::string(start.at("id").as_string()),
                               std::string(start.at("model").as_string()), MessageOptions{});
  std::string sse = encoder.begin();
  for (const auto& part : parts_of(expected)) sse += encoder.encode(part);
  auto ours = parse_events(sse);

  std::erase_if(expected, [](const Event& e) { return !produced_by_us(e); });
  ASSERT_EQ(ours.size(), expected.size()) << sse;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].name, expected[i].name) << "event " << i;
    drop_anthropic_only(expected[i]);
    EXPECT_EQ(missing_from(expected[i].data, ours[i].data), "")
        << fixture << " event " << i << " (" << expected[i].name
        << "): ours = " << boost::json::serialize(ours[i].data);
  }
}

TEST(MessageStreamEncoder, MatchesTheSdksBasicStream) { expect_same_stream("stream_basic.sse"); }
TEST(MessageStreamEncoder, MatchesTheSdksToolUseStream) {
  expect_same_stream("stream_tool_use.sse");
}
TEST(MessageStreamEncoder, MatchesTheSdksThinkingStream) {
  expect_same_stream("stream_thinking.sse");
}

TEST(MessageStreamEncoder, UsageAndStopReasonInMessageDelta) {
  MessageStreamEncoder enc("msg_1", "m", MessageOptions{});
  std::string sse = enc.encode(TextDelta{"hi"});  // message_start comes with the first part
  sse += enc.encode(ToolCallDelta{0, "", "f", R"({"a":1})", 0});
  Finish f;
  f.reason = FinishReason::kStop;  // "stop" with a tool call is tool_use
  f.usage = Usage{12, 3, 15};
  sse += enc.encode(f);
  auto events = parse_events(sse);
  ASSERT_EQ(events.front().name, "message_start");
  const auto& tool_start = events[5];
  ASSERT_EQ(tool_start.name, "content_block_start");
  EXPECT_TRUE(tool_start.data.at("content_block").at("id").as_string().starts_with("toolu_"));
  const auto& delta = events[events.size() - 2];
  ASSERT_EQ(delta.name, "message_delta");
  EXPECT_EQ(delta.data.at("delta").at("stop_reason"), "tool_use");
  EXPECT_EQ(delta.data.at("usage"), boost::json::parse(R"({"input_tokens":12,"output_tokens":3})"));
  EXPECT_EQ(events.back().name, "message_stop");
}

TEST(MessageStreamEncoder, DropsOtherChoicesAndDisabledThinking) {
  MessageStreamEncoder enc("msg_1", "m", MessageOptions{false, {}});
  std::string sse = enc.begin();
  EXPECT_EQ(enc.begin(), "");  // once
  sse += enc.encode(ReasoningDelta{"hmm"});
  sse += enc.encode(TextDelta{"other", 1});
  sse += enc.encode(TextDelta{"ok"});
  sse += enc.encode(Finish{});
  std::vector<std::string> names;
  for (const auto& e : parse_events(sse)) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"message_start", "content_block_start", "ping",
                                             "content_block_delta", "content_block_stop",
                                             "message_delta", "message_stop"}));
  EXPECT_EQ(sse.find("hmm"), std::string::npos);
  EXPECT_EQ(sse.find("other"), std::string::npos);
}

}  // namespace
}  // namespace roci::anthropic_wire
