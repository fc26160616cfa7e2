#include "server/api/token_estimate.h"

#include <gtest/gtest.h>

namespace roci::server {
namespace {

TEST(TokenEstimate, FourBytesATokenPlusFixedCosts) {
  ProviderRequest request;
  EXPECT_EQ(estimate_prompt_tokens(request), 3);  // the reply's opening alone
  request.messages = {ModelMessage::user("12345678")};
  EXPECT_EQ(estimate_prompt_tokens(request), 3 + 4 + 2);
  request.messages.push_back(ModelMessage::user(
      {ContentPart::text_part("123"), ContentPart::image("data:image/png;base64,AAAA")}));
  EXPECT_EQ(estimate_prompt_tokens(request), 3 + 8 + 85 + 3);  // 11 bytes: 3 tokens
}

TEST(TokenEstimate, ToolsAndToolCallsCount) {
  ProviderRequest request;
  request.messages = {ModelMessage::assistant({ToolCall{"id", "get", R"({"a":1})"}})};
  const int without_tools = estimate_prompt_tokens(request);
  EXPECT_EQ(without_tools, 3 + 4 + 3);  // "get" + 7 bytes of arguments: 10 bytes, 3 tokens
  request.tools = std::vector<ToolDefinition>{
      {"get", "Gets the thing", boost::json::object{{"type", "object"}}, std::nullopt}};
  EXPECT_GT(estimate_prompt_tokens(request), without_tools + 5);
}

}  // namespace
}  // namespace roci::server
