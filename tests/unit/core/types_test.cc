// The chat vocabulary's helpers: role and finish-reason names, message constructors, text().
#include <roci/core/types.h>

#include <gtest/gtest.h>

namespace roci {
namespace {

TEST(TypesTest, RolesRoundTripThroughTheirNames) {
  for (Role role : {Role::kSystem, Role::kDeveloper, Role::kUser, Role::kAssistant, Role::kTool}) {
    EXPECT_EQ(parse_role(to_string(role)), role) << to_string(role);
  }
  EXPECT_FALSE(parse_role("function").has_value());
  EXPECT_FALSE(parse_role("User").has_value());  // names are case-sensitive, as OpenAI's
  EXPECT_FALSE(parse_role("").has_value());
}

TEST(TypesTest, FinishReasonsAcceptTheUpstreamsSynonyms) {
  EXPECT_EQ(parse_finish_reason("stop"), FinishReason::kStop);
  EXPECT_EQ(parse_finish_reason("eos"), FinishReason::kStop);
  EXPECT_EQ(parse_finish_reason("end_turn"), FinishReason::kStop);
  EXPECT_EQ(parse_finish_reason("length"), FinishReason::kLength);
  EXPECT_EQ(parse_finish_reason("max_tokens"), FinishReason::kLength);
  EXPECT_EQ(parse_finish_reason("tool_calls"), FinishReason::kToolCalls);
  EXPECT_EQ(parse_finish_reason("function_call"), FinishReason::kToolCalls);
  EXPECT_EQ(parse_finish_reason("content_filter"), FinishReason::kContentFilter);
  EXPECT_EQ(parse_finish_reason("error"), FinishReason::kError);
  EXPECT_EQ(parse_finish_reason("whatever"), FinishReason::kOther);
}

TEST(TypesTest, FinishReasonNamesAreOpenAis) {
  EXPECT_EQ(to_string(FinishReason::kStop), "stop");
  EXPECT_EQ(to_string(FinishReason::kLength), "length");
  EXPECT_EQ(to_string(FinishReason::kToolCalls), "tool_calls");
  EXPECT_EQ(to_string(FinishReason::kContentFilter), "content_filter");
  EXPECT_EQ(to_string(FinishReason::kError), "error");
  EXPECT_EQ(to_string(FinishReason::kOther), "stop");  // an unknown reason is reported as stop
}

TEST(TypesTest, MessageConstructorsSetRoleAndFields) {
  EXPECT_EQ(ModelMessage::system("s").role, Role::kSystem);
  EXPECT_EQ(ModelMessage::developer("d").role, Role::kDeveloper);
  EXPECT_EQ(ModelMessage::user("u").content, "u");
  EXPECT_EQ(ModelMessage::assistant("a").role, Role::kAssistant);
  EXPECT_FALSE(ModelMessage::assistant("a").content_is_null);

  const ModelMessage calls = ModelMessage::assistant({ToolCall{"1", "f", "{}"}});
  EXPECT_EQ(calls.role, Role::kAssistant);
  EXPECT_TRUE(calls.content_is_null);
  ASSERT_EQ(calls.tool_calls.size(), 1u);
  EXPECT_EQ(calls.tool_calls[0].name, "f");

  const ModelMessage tool = ModelMessage::tool("call_1", "42");
  EXPECT_EQ(tool.role, Role::kTool);
  EXPECT_EQ(tool.tool_call_id, "call_1");
  EXPECT_EQ(tool.content, "42");
}

TEST(TypesTest, TextJoinsTheTextPartsAndSkipsImages) {
  EXPECT_EQ(ModelMessage::user("plain").text(), "plain");
  const ModelMessage parts = ModelMessage::user({ContentPart::text_part("look"),
                                                 ContentPart::image("https://x.test/a.png", "low"),
                                                 ContentPart::text_part("at this")});
  EXPECT_EQ(parts.text(), "look\nat this");
  EXPECT_EQ(parts.parts[1].type, ContentPartType::kImageUrl);
  EXPECT_EQ(parts.parts[1].detail, "low");
  EXPECT_EQ(ModelMessage::user(std::vector<ContentPart>{}).text(), "");
}

TEST(TypesTest, JsonSchemaFormatKeepsNameSchemaAndStrict) {
  const auto format =
      ResponseFormat::json_schema("answer", boost::json::object{{"type", "object"}}, true);
  EXPECT_EQ(format.type, ResponseFormat::Type::kJsonSchema);
  EXPECT_EQ(format.schema_name, "answer");
  EXPECT_EQ(format.schema.at("type"), "object");
  EXPECT_EQ(format.strict, true);
  EXPECT_EQ(ResponseFormat::json_object().type, ResponseFormat::Type::kJsonObject);
}

}  // namespace
}  // namespace roci
