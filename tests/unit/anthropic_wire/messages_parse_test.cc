#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "anthropic_wire/messages_codec.h"
#include "test_util.h"

namespace roci::anthropic_wire {
namespace {

using testing::read_fixture;

ParsedMessagesRequest parse_ok(std::string_view body) {
  auto r = parse_messages_request(body, RequestLimits{});
  if (!r) ADD_FAILURE() << r.error().message;
  return r ? std::move(*r) : ParsedMessagesRequest{};
}

Error parse_error(std::string_view body) {
  auto r = parse_messages_request(body, RequestLimits{});
  EXPECT_FALSE(r) << "accepted " << body;
  return r ? Error{} : r.error();
}

TEST(MessagesParse, SdkRequiredParams) {
  auto p = parse_ok(read_fixture("request_required.json"));
  EXPECT_EQ(p.request.model, "claude-opus-5");
  EXPECT_EQ(p.request.settings.max_tokens, 1024);
  ASSERT_EQ(p.request.messages.size(), 1u);
  EXPECT_EQ(p.request.messages[0], ModelMessage::user("Hello, world"));
  EXPECT_FALSE(p.stream);
  // No chat defaults: what the client did not say stays unset.
  EXPECT_FALSE(p.request.settings.temperature);
  EXPECT_FALSE(p.request.tools);
}

TEST(MessagesParse, SdkEveryParam) {
  auto p = parse_ok(read_fixture("request_all_params.json"));
  const auto& req = p.request;
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0], ModelMessage::system("Today's date is 2024-06-01."));
  EXPECT_EQ(req.messages[1], ModelMessage::user("Hello, world"));
  EXPECT_EQ(req.settings.temperature, 1.0);
  EXPECT_EQ(req.settings.top_p, 0.7);
  EXPECT_EQ(req.settings.top_k, 5);
  EXPECT_EQ(req.settings.stop_sequences, std::vector<std::string>{"string"});
  EXPECT_EQ(p.options.stop_sequences, std::vector<std::string>{"string"});
  EXPECT_EQ(req.session_id, "13803d75-b4b5-4c3e-b2a2-6f21399b021b");
  ASSERT_TRUE(req.tools);
  ASSERT_EQ(req.tools->size(), 1u);
  EXPECT_EQ((*req.tools)[0].name, "name");
  EXPECT_EQ((*req.tools)[0].description, "Get the current weather in a given location");
  EXPECT_EQ((*req.tools)[0].parameters.at("required"), boost::json::parse(R"(["location"])"));
  EXPECT_EQ((*req.tools)[0].strict, true);
  EXPECT_EQ(req.tool_choice, (ToolChoice{ToolChoice::Mode::kAuto, {}}));
  EXPECT_EQ(req.parallel_tool_calls, false);
  EXPECT_TRUE(p.options.emit_thinking);  // adaptive
  // Anthropic-only fields (cache_control, container, service_tier, ...) go nowhere.
  EXPECT_TRUE(req.settings.extra.empty());
}

TEST(MessagesParse, ToolUseAndToolResultTurns) {
  auto p = parse_ok(read_fixture("request_tool_result.json"));
  const auto& m = p.request.messages;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0], ModelMessage::user("What is the weather in SF?"));
  EXPECT_EQ(m[1].role, Role::kAssistant);
  EXPECT_EQ(m[1].content, "I'll check the current weather in Paris for you.");
  ASSERT_EQ(m[1].tool_calls.size(), 1u);
  EXPECT_EQ(m[1].tool_calls[0],
            (ToolCall{"toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", R"({"location":"Paris"})"}));
  EXPECT_EQ(m[2], ModelMessage::tool("toolu_01NRLabsLyVHZPKxbKvkfSMn", "The weather is 73f"));
  ASSERT_TRUE(p.request.tools);
  EXPECT_EQ((*p.request.tools)[0].parameters,
            boost::json::parse(R"({"type":"object","properties":{"location":{"type":"string"}}})"));
}

TEST(MessagesParse, ToolResultsComeBeforeTheTurnsOtherBlocks) {
  auto p = parse_ok(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
      {"type":"text","text":"and then?"},
      {"type":"tool_result","tool_use_id":"a","content":[{"type":"text","text":"1"},{"type":"text","text":"2"}]},
      {"type":"tool_result","tool_use_id":"b","content":"boom","is_error":true}]}]})");
  const auto& m = p.request.messages;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0], ModelMessage::tool("a", "1\n2"));
  EXPECT_EQ(m[1], ModelMessage::tool("b", "Error: boom"));
  EXPECT_EQ(m[2], ModelMessage::user("and then?"));
}

TEST(MessagesParse, ImagesAndSystemBlocks) {
  auto p = parse_ok(R"({"model":"m","max_tokens":5,
      "system":[{"type":"text","text":"a"},{"type":"text","text":"b"}],
      "messages":[{"role":"user","content":[
        {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
        {"type":"image","source":{"type":"url","url":"https://example.com/x.jpg"}},
        {"type":"text","text":"what is this?"}]}]})");
  const auto& m = p.request.messages;
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], ModelMessage::system("a\nb"));
  ASSERT_EQ(m[1].parts.size(), 3u);
  EXPECT_EQ(m[1].parts[0], ContentPart::image("data:image/png;base64,iVBORw0KGgo="));
  EXPECT_EQ(m[1].parts[1], ContentPart::image("https://example.com/x.jpg"));
  EXPECT_EQ(m[1].parts[2], ContentPart::text_part("what is this?"));
}

TEST(MessagesParse, ToolChoiceAndThinking) {
  auto any = parse_ok(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
      "tool_choice":{"type":"any"},"thinking":{"type":"disabled"},"stream":true})");
  EXPECT_EQ(any.request.tool_choice, (ToolChoice{ToolChoice::Mode::kRequired, {}}));
  EXPECT_FALSE(any.request.parallel_tool_calls);
  EXPECT_FALSE(any.options.emit_thinking);
  EXPECT_TRUE(any.stream);
  auto tool = parse_ok(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
      "tool_choice":{"type":"tool","name":"get_weather"},"thinking":{"type":"enabled","budget_tokens":2048}})");
  EXPECT_EQ(tool.request.tool_choice, ToolChoice::function("get_weather"));
  EXPECT_TRUE(tool.options.emit_thinking);
  auto none = parse_ok(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],
      "tool_choice":{"type":"none"}})");
  EXPECT_EQ(none.request.tool_choice, (ToolChoice{ToolChoice::Mode::kNone, {}}));
}

TEST(MessagesParse, PastThinkingBlocksAreDropped) {
  auto p = parse_ok(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"},
      {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
        {"type":"tool_use","id":"t1","name":"f","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1"}]}]})");
  const auto& m = p.request.messages;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_TRUE(m[1].content_is_null);
  EXPECT_EQ(m[1].tool_calls[0].arguments, "{}");
  EXPECT_EQ(m[2], ModelMessage::tool("t1", ""));
}

TEST(MessagesParse, MaxTokensIsRequired) {
  auto e = parse_error(R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(e.param, "max_tokens");
  EXPECT_NE(e.message.find("max_tokens is required"), std::string::npos) << e.message;
  // count_tokens takes the same body without it.
  auto counted = parse_count_tokens_request(read_fixture("request_count_tokens.json"), {});
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(counted->request.messages.size(), 1u);
}

TEST(MessagesParse, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* param;
  };
  const Case cases[] = {
      {R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]})", "max_tokens"},
      {R"({"model":"m","max_tokens":5,"messages":[]})", "messages"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]})",
       "messages[0].role"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"video"}]}]})",
       "messages[0].content[0].type"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result"}]}]})",
       "messages[0].content[0].tool_use_id"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":[]}]}]})",
       "messages[0].content[0].input"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"temperature":1.5})",
       "temperature"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"top_k":-1})",
       "top_k"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f"}]})",
       "tools[0].input_schema"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]})",
       "tools[0].type"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"tool"}})",
       "tool_choice.name"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":"auto"})",
       "tool_choice"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stop_sequences":"x"})",
       "stop_sequences"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"thinking":{"type":"enabled"}})",
       "thinking.budget_tokens"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"system":[{"type":"image"}]})",
       "system[0].type"},
      {R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file"}}]}]})",
       "messages[0].content[0].source.type"},
  };
  for (const auto& c : cases) {
    auto e = parse_error(c.body);
    EXPECT_EQ(e.kind, ErrorKind::kInvalidRequest) << c.body;
    EXPECT_EQ(e.param, c.param) << c.body << " -> " << e.message;
  }
}

TEST(MessagesParse, LimitsApply) {
  RequestLimits limits;
  limits.max_messages = 1;
  limits.max_stop_sequences = 1;
  auto two = parse_messages_request(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"},{"role":"user","content":"y"}]})",
      limits);
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().param, "messages");
  auto stops = parse_messages_request(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"stop_sequences":["a","b"]})",
      limits);
  ASSERT_FALSE(stops);
  EXPECT_EQ(stops.error().param, "stop_sequences");
  auto duplicate = parse_messages_request(R"({"model":"m","model":"n","max_tokens":5})", limits);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().kind, ErrorKind::kInvalidRequest);
  auto over = parse_messages_request(
      R"({"model":"m","max_tokens":99999999,"messages":[{"role":"user","content":"x"}]})", limits);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().param, "max_tokens");
}

}  // namespace
}  // namespace roci::anthropic_wire
