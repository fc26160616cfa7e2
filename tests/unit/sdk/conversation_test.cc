// Conversation (roci/sdk/conversation.h): history, system prompt, the token estimate, trimming.
#include <roci/sdk/conversation.h>

#include <gtest/gtest.h>

namespace roci {
namespace {

TEST(Conversation, EstimatesTokensAsDocumented) {
  EXPECT_EQ(estimate_tokens(ModelMessage::user("")), 4);
  EXPECT_EQ(estimate_tokens(ModelMessage::user("abcd")), 5);
  EXPECT_EQ(estimate_tokens(ModelMessage::user("abcde")), 6);
  auto call = ModelMessage::assistant(std::vector<ToolCall>{{"id", "calc", R"({"x":1})"}});
  EXPECT_EQ(estimate_tokens(call), 4 + 3);  // "calc" + 7 bytes of arguments = 11 bytes
  auto image = ModelMessage::user({ContentPart::text_part("see"), ContentPart::image("http://x")});
  EXPECT_EQ(estimate_tokens(image), 4 + 1 + 256);
}

TEST(Conversation, TurnsResultsIntoMessagesAfterTheSystemPrompt) {
  Conversation chat("Be terse.");
  chat.add_user("hi");
  GenerationResult answer;
  answer.text = "hello";
  chat.add(answer);
  GenerationResult calls;
  calls.tool_calls = {{"c1", "calc", "{}"}};
  chat.add(calls);
  auto messages = chat.messages();
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0], ModelMessage::system("Be terse."));
  EXPECT_EQ(messages[2].content, "hello");
  EXPECT_TRUE(messages[3].content_is_null);
  EXPECT_EQ(messages[3].tool_calls, calls.tool_calls);
  EXPECT_EQ(chat.request().messages, messages);
  chat.set_system_prompt("");
  EXPECT_EQ(chat.messages().size(), 3u);
}

TEST(Conversation, TrimsWholeOldTurnsToTheBudgetAndKeepsTheLast) {
  Conversation chat("sys");         // 5 tokens
  const std::string text(40, 'x');  // 14 tokens a message
  for (int turn = 0; turn < 3; ++turn) {
    chat.add_user(text);
    chat.add(ModelMessage::assistant(std::vector<ToolCall>{{"c", "t", ""}}));  // 5 tokens
    chat.add(ModelMessage::tool("c", text));                                   // 15 tokens
  }
  EXPECT_EQ(estimate_tokens(chat.messages()), 5 + 3 * 34);
  EXPECT_TRUE(chat.trim_to(80));  // drops the first turn only
  ASSERT_EQ(chat.history().size(), 6u);
  EXPECT_EQ(chat.history().front().role, Role::kUser);
  EXPECT_FALSE(chat.trim_to(10));  // the last turn stays even over the budget
  ASSERT_EQ(chat.history().size(), 3u);
  EXPECT_EQ(chat.history()[2].role, Role::kTool);
  EXPECT_EQ(chat.messages().front().content, "sys");
}

}  // namespace
}  // namespace roci
