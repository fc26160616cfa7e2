// mock_plan: the scripted plan of a tool loop (extra["mock"]["steps"]).
#include "providers/mock/mock_plan.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace roci::mock {
namespace {

ProviderRequest loop_request(int calls_so_far) {
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("go"));
  for (int i = 0; i < calls_so_far; ++i) {
    request.messages.push_back(ModelMessage::assistant(std::vector<ToolCall>{{"c", "t", "{}"}}));
    request.messages.push_back(ModelMessage::tool("c", "result " + std::to_string(i)));
  }
  request.tools = std::vector<ToolDefinition>{{"t", "", boost::json::value(), {}}};
  request.settings.extra["mock"] = boost::json::parse(R"({"tokens":3,"steps":[
      {"tool_call":{"name":"t","arguments":"{\"n\":1}"}},
      {"tool_call":[{"name":"t","arguments":"{\"n\":2}"},{"name":"t","arguments":"{\"n\":3}"}]},
      {"tokens":2}]})");
  return request;
}

TEST(MockPlanSteps, EachCallAfterTheUserMessageFollowsItsStep) {
  auto first = make_plan({}, loop_request(0), "mock-model");
  ASSERT_TRUE(first) << first.error();
  ASSERT_EQ(first->choices[0].tool_calls.size(), 1u);
  EXPECT_EQ(first->choices[0].tool_calls[0].arguments, R"({"n":1})");

  auto second = make_plan({}, loop_request(1), "mock-model");
  ASSERT_TRUE(second) << second.error();
  ASSERT_EQ(second->choices[0].tool_calls.size(), 2u);

  auto third = make_plan({}, loop_request(2), "mock-model");  // a step without tool_call: text
  ASSERT_TRUE(third) << third.error();
  EXPECT_TRUE(third->choices[0].tool_calls.empty());
  EXPECT_EQ(third->choices[0].text(), "According to t: result 0; t: result 1.");

  auto past = make_plan({}, loop_request(5), "mock-model");  // past the plan: text
  ASSERT_TRUE(past) << past.error();
  EXPECT_TRUE(past->choices[0].tool_calls.empty());
  EXPECT_EQ(past->choices[0].finish_reason, FinishReason::kStop);
}

TEST(MockPlanSteps, MalformedStepsAreScriptErrors) {
  ProviderRequest request = loop_request(0);
  request.settings.extra["mock"] = boost::json::parse(R"({"steps":{"tool_call":{}}})");
  EXPECT_FALSE(make_plan({}, request, "mock-model"));
  request.settings.extra["mock"] = boost::json::parse(R"({"steps":[{"steps":[]}]})");
  EXPECT_FALSE(make_plan({}, request, "mock-model"));
}

}  // namespace
}  // namespace roci::mock
