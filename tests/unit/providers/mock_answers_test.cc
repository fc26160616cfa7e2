// MockProvider's answers as a real server gives them: JSON for response_format (json_object, and
// json_schema instances that the schema module validates), tool calls by tool_choice and the auto
// rule, text that reports tool results so tool loops end, and n choices (plain and streamed).
#include "unit/providers/provider_test_util.h"

#include <roci/core/json_schema.h>
#include <roci/provider/mock_provider.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <string>
#include <vector>

namespace roci::test {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class MockAnswers : public ::testing::Test {
 protected:
  template <class T>
  T run(asio::awaitable<T> awaitable) {
    return roci::test::run(io_, std::move(awaitable));
  }
  Result<GenerationResult> generate(const ProviderRequest& request) {
    return run(mock_.generate(request));
  }
  Result<Collected> stream(const ProviderRequest& request) {
    return run(stream_all(&mock_, request));
  }

  asio::io_context io_;
  MockProvider mock_;
};

json::value parse_or_null(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value() : v;
}

const char* kPersonSchema = R"({"type":"object","properties":{
    "name":{"type":"string","minLength":2},"age":{"type":"integer","minimum":18,"maximum":99},
    "email":{"type":["string","null"],"format":"email"},
    "tags":{"type":"array","items":{"enum":["a","b"]},"minItems":2},
    "address":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],
               "additionalProperties":false}},
    "required":["name","age","tags","address"],"additionalProperties":false})";

TEST_F(MockAnswers, JsonObjectIsAValidJsonObjectPlainAndStreamed) {
  auto request = user_request("What is machine learning?");
  request.response_format = ResponseFormat::json_object();
  auto r = generate(request);
  ASSERT_TRUE(r) << r.error();
  const json::value v = parse_or_null(r->text);
  ASSERT_TRUE(v.is_object()) << r->text;
  std::string words;
  for (const auto& w : MockProvider::answer_tokens(request.messages, 16)) words += w;
  EXPECT_EQ(v.at("answer").as_string(), words);
  EXPECT_EQ(r->finish_reason, FinishReason::kStop);

  auto s = stream(request);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->text, r->text);
  EXPECT_GT(s->text_deltas, 5);  // JSON streams in small pieces
  EXPECT_EQ(r->usage->completion_tokens, s->text_deltas);
}

TEST_F(MockAnswers, JsonSchemaAnswerConformsToTheSchema) {
  auto request = user_request("Describe a person");
  request.response_format = ResponseFormat::json_schema("person", json::parse(kPersonSchema));
  request.settings.max_tokens = 1000;
  auto r = generate(request);
  ASSERT_TRUE(r) << r.error();
  const json::value v = parse_or_null(r->text);
  ASSERT_TRUE(v.is_object()) << r->text;
  const json_schema::Report report =
      json_schema::validate_instance(request.response_format->schema, v);
  EXPECT_TRUE(report.conforms()) << report.errors.front().to_string();
  EXPECT_TRUE(report.fully_checked());
  EXPECT_EQ(v.at("age"), 18);
  EXPECT_EQ(v.at("tags"), json::parse(R"(["a","a"])"));
  EXPECT_EQ(v.at("email"), "user@example.com");

  auto s = stream(request);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->text, r->text);
  ASSERT_TRUE(s->finish);
  EXPECT_EQ(s->finish->reason, FinishReason::kStop);
}

TEST_F(MockAnswers, JsonSchemaWithoutAnInstanceIsAnInvalidRequest) {
  auto request = user_request("x");
  request.response_format = ResponseFormat::json_schema(
      "broken", json::parse(R"({"type":"integer","minimum":5,"maximum":1})"));
  auto r = generate(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(r.error().param, "response_format.json_schema.schema");
  auto s = stream(request);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().param, "response_format.json_schema.schema");
}

TEST_F(MockAnswers, MaxTokensCutsAJsonAnswerLikeARealModel) {
  auto request = user_request("Describe a person", 3);
  request.response_format = ResponseFormat::json_schema("person", json::parse(kPersonSchema));
  auto r = generate(request);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->finish_reason, FinishReason::kLength);
  EXPECT_EQ(r->text.size(), 12u);  // three pieces of 4 bytes
  EXPECT_TRUE(parse_or_null(r->text).is_null());
}

ToolDefinition search_tool() {
  return ToolDefinition{
      .name = "search_docs",
      .parameters = json::parse(R"({"type":"object","properties":{"query":{"type":"string"},
          "limit":{"type":"integer","minimum":1}},"required":["query","limit"]})")};
}

TEST_F(MockAnswers, AutoCallsTheToolTheUserAsksForWithSchemaArguments) {
  auto request = user_request("What's the weather like in Paris today?");
  request.tools = std::vector<ToolDefinition>{search_tool(), weather_tool()};
  auto r = generate(request);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->tool_calls.size(), 1u);
  EXPECT_EQ(r->tool_calls[0].name, "get_weather");
  EXPECT_EQ(r->tool_calls[0].id, "call_mock_0");
  EXPECT_EQ(r->tool_calls[0].arguments, R"({"city":"example"})");
  EXPECT_TRUE(json_schema::validate_instance(weather_tool().parameters,
                                             json::parse(r->tool_calls[0].arguments))
                  .conforms());
  EXPECT_EQ(r->finish_reason, FinishReason::kToolCalls);
  EXPECT_TRUE(r->text.empty());

  request.messages = {ModelMessage::user("Please search the docs for pooling")};
  auto searched = generate(request);
  ASSERT_TRUE(searched);
  ASSERT_EQ(searched->tool_calls.size(), 1u);
  EXPECT_EQ(searched->tool_calls[0].name, "search_docs");
  EXPECT_EQ(searched->tool_calls[0].arguments, R"({"query":"example","limit":1})");

  // Nothing asks for a tool (inside a word does not count): auto answers with text.
  for (const char* text : {"Tell me a story", "Summarise my research"}) {
    request.messages = {ModelMessage::user(text)};
    auto story = generate(request);
    ASSERT_TRUE(story);
    EXPECT_TRUE(story->tool_calls.empty()) << text;
    EXPECT_FALSE(story->text.empty());
    EXPECT_EQ(story->finish_reason, FinishReason::kStop);
  }
}

TEST_F(MockAnswers, RequiredAndNamedFunctionForceACall) {
  auto request = user_request("Tell me a story");
  request.tools = std::vector<ToolDefinition>{search_tool(), weather_tool()};
  request.tool_choice = ToolChoice{.mode = ToolChoice::Mode::kRequired};
  auto required = generate(request);
  ASSERT_TRUE(required);
  ASSERT_EQ(required->tool_calls.size(), 1u);
  EXPECT_EQ(required->tool_calls[0].name, "search_docs");  // the first tool

  request.tool_choice = ToolChoice::function("get_weather");
  auto named = generate(request);
  ASSERT_TRUE(named);
  ASSERT_EQ(named->tool_calls.size(), 1u);
  EXPECT_EQ(named->tool_calls[0].name, "get_weather");

  request.tool_choice = ToolChoice::function("nope");
  auto unknown = generate(request);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(unknown.error().param, "tool_choice");
}

TEST_F(MockAnswers, ABrokenParametersSchemaIsAnInvalidRequestNamingTheTool) {
  auto request = user_request("weather?");
  ToolDefinition broken = weather_tool();
  broken.parameters = json::parse(R"({"type":"object","required":["x"],
                                      "additionalProperties":false})");
  request.tools = std::vector<ToolDefinition>{search_tool(), broken};
  auto r = generate(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().param, "tools[1].function.parameters");
  EXPECT_THAT(r.error().message, HasSubstr("tool \"get_weather\""));
}

// The conversation of a client's tool loop after it ran the tool the mock called.
std::vector<ModelMessage> after_tool_result(const std::string& question) {
  return {ModelMessage::user(question),
          ModelMessage::assistant(std::vector<ToolCall>{
              {.id = "call_mock_0", .name = "get_weather", .arguments = R"({"city":"Paris"})"}}),
          ModelMessage::tool("call_mock_0", R"({"temperature": 21, "sky": "clear"})")};
}

TEST_F(MockAnswers, AfterAToolResultAutoAnswersWithTextThatReportsIt) {
  ProviderRequest request;
  request.tools = std::vector<ToolDefinition>{weather_tool()};
  for (const std::string question : {"What's the weather in Paris?", R"(call: {"city":"Paris"})"}) {
    request.messages = after_tool_result(question);
    auto r = generate(request);
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(r->tool_calls.empty()) << question;
    EXPECT_EQ(r->text, R"(According to get_weather: {"temperature": 21, "sky": "clear"}.)");
    EXPECT_EQ(r->finish_reason, FinishReason::kStop);
    auto s = stream(request);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->text, r->text);
  }
  // json_object wraps the same report.
  request.response_format = ResponseFormat::json_object();
  auto json_answer = generate(request);
  ASSERT_TRUE(json_answer);
  EXPECT_EQ(parse_or_null(json_answer->text).at("answer"),
            R"(According to get_weather: {"temperature": 21, "sky": "clear"}.)");
  // A forced choice still calls, as OpenAI does.
  request.response_format.reset();
  request.tool_choice = ToolChoice{.mode = ToolChoice::Mode::kRequired};
  auto forced = generate(request);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->tool_calls.size(), 1u);
}

TEST_F(MockAnswers, LongToolResultsAreCut) {
  ProviderRequest request;
  request.messages = after_tool_result("weather?");
  request.messages.back().content = std::string(500, 'x');
  request.settings.max_tokens = 10;
  auto r = generate(request);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text, "According to get_weather: " + std::string(200, 'x') + "....");
}

TEST_F(MockAnswers, NChoicesPlain) {
  auto request = user_request("Tell me a story");
  auto one = generate(request);
  request.settings.extra["n"] = 3;
  auto three = generate(request);
  ASSERT_TRUE(one && three);
  EXPECT_EQ(three->text, one->text);  // choice 0 does not depend on n
  ASSERT_EQ(three->other_choices.size(), 2u);
  EXPECT_EQ(three->other_choices[0].index, 1);
  EXPECT_EQ(three->other_choices[1].index, 2);
  EXPECT_NE(three->other_choices[0].text, three->text);
  EXPECT_NE(three->other_choices[1].text, three->other_choices[0].text);
  EXPECT_EQ(three->usage->completion_tokens, 3 * one->usage->completion_tokens);

  request.settings.extra["n"] = 129;
  auto too_many = generate(request);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().param, "n");
}

TEST_F(MockAnswers, NChoicesStreamedInterleaveWithTheirIndexes) {
  auto request = user_request("Tell me a story", 5);
  request.settings.extra["n"] = 2;
  auto plain = generate(request);
  auto s = stream(request);
  ASSERT_TRUE(plain && s);
  std::map<int, std::string> texts;
  std::vector<int> order;
  for (const auto& part : s->parts) {
    if (const auto* t = std::get_if<TextDelta>(&part)) {
      texts[t->choice] += t->text;
      order.push_back(t->choice);
    }
  }
  EXPECT_EQ(texts[0], plain->text);
  EXPECT_EQ(texts[1], plain->other_choices.at(0).text);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 0, 1, 0, 1, 0, 1, 0, 1}));
  ASSERT_TRUE(s->finish);
  EXPECT_EQ(s->finishes, 1);
  EXPECT_EQ(s->finish->reason, FinishReason::kLength);
  EXPECT_EQ(s->finish->other_choices,
            (std::vector<ChoiceFinish>{{.choice = 1, .reason = FinishReason::kLength}}));
  EXPECT_EQ(s->finish->usage, plain->usage);
}

TEST_F(MockAnswers, NChoicesOfToolCallsHaveTheirOwnIds) {
  auto request = user_request("weather in Paris?");
  request.tools = std::vector<ToolDefinition>{weather_tool()};
  request.settings.extra["n"] = 2;
  auto r = generate(request);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->other_choices.size(), 1u);
  EXPECT_EQ(r->tool_calls.at(0).id, "call_mock_0");
  EXPECT_EQ(r->other_choices[0].tool_calls.at(0).id, "call_mock_1_0");
  EXPECT_EQ(r->other_choices[0].finish_reason, FinishReason::kToolCalls);
}

TEST_F(MockAnswers, CompletionsHonourN) {
  CompletionRequest request{.prompt = {"Once upon a time", "In a galaxy"}};
  request.settings.extra["n"] = 2;
  auto r = run(mock_.complete(request));
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->choices.size(), 4u);  // per prompt, n choices
  EXPECT_NE(r->choices[0].text, r->choices[1].text);
}

}  // namespace
}  // namespace roci::test
