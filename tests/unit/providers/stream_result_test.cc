// StreamResultBuilder: stream parts folded into the GenerationResult generate() returns.
#include <roci/provider/stream_result.h>

#include <gtest/gtest.h>

namespace roci {
namespace {

TEST(StreamResultBuilder, AssemblesToolCallFragmentsByIndex) {
  StreamResultBuilder b;
  b.add(TextDelta{"Let me ", 0});
  b.add(TextDelta{"check.", 0});
  b.add(ToolCallDelta{.index = 1, .id = "call_b", .name = "g", .arguments = "{\"x\""});
  b.add(ToolCallDelta{.index = 0, .id = "", .name = "", .arguments = "{\"a\":"});
  b.add(ToolCallDelta{.index = 0, .id = "call_a", .name = "f", .arguments = "1}"});  // late id
  b.add(ToolCallDelta{.index = 1, .arguments = ":2}"});
  EXPECT_FALSE(b.finished());
  b.add(Finish{.reason = FinishReason::kToolCalls, .usage = Usage{5, 7, 12}});
  EXPECT_TRUE(b.finished());
  auto r = b.build(StreamInfo{.id = "chatcmpl-1", .model = "qwen", .created = 42});
  EXPECT_EQ(r.text, "Let me check.");
  ASSERT_EQ(r.tool_calls.size(), 2u);
  EXPECT_EQ(r.tool_calls[0], (ToolCall{"call_a", "f", "{\"a\":1}"}));
  EXPECT_EQ(r.tool_calls[1], (ToolCall{"call_b", "g", "{\"x\":2}"}));
  EXPECT_EQ(r.finish_reason, FinishReason::kToolCalls);
  EXPECT_EQ(r.usage, (Usage{5, 7, 12}));
  EXPECT_EQ(r.model, "qwen");
  EXPECT_EQ(r.id, "chatcmpl-1");
  EXPECT_EQ(r.created, 42);
}

TEST(StreamResultBuilder, OtherChoicesInIndexOrderWithTheirFinish) {
  StreamResultBuilder b;
  b.add(TextDelta{"b", 2});
  b.add(ReasoningDelta{"hmm", 0});
  b.add(TextDelta{"zero", 0});
  b.add(TextDelta{"one", 1});
  b.add(Finish{.reason = FinishReason::kStop,
               .other_choices = {{.choice = 1, .reason = FinishReason::kLength},
                                 {.choice = 2, .reason = FinishReason::kStop}}});
  auto r = b.build({});
  EXPECT_EQ(r.text, "zero");
  EXPECT_EQ(r.reasoning, "hmm");
  ASSERT_EQ(r.other_choices.size(), 2u);
  EXPECT_EQ(r.other_choices[0].index, 1);
  EXPECT_EQ(r.other_choices[0].text, "one");
  EXPECT_EQ(r.other_choices[0].finish_reason, FinishReason::kLength);
  EXPECT_EQ(r.other_choices[1].text, "b");
}

TEST(StreamResultBuilder, NothingAddedIsAnEmptyStop) {
  StreamResultBuilder b;
  auto r = b.build({});
  EXPECT_TRUE(r.text.empty());
  EXPECT_EQ(r.finish_reason, FinishReason::kStop);
  EXPECT_FALSE(r.usage);
  EXPECT_TRUE(r.other_choices.empty());
}

}  // namespace
}  // namespace roci
