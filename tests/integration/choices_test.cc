// n > 1 through the real gateway: forwarded to the upstream, every choice back to the client
// (plain and streamed), against a fake upstream that answers several choices and against the
// embedded mock.
#include "integration/gateway_fixture.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <string>

namespace roci::testing {
namespace {

namespace json = boost::json;

// Per choice index: the concatenated content and the finish_reason of a streamed answer.
struct StreamedChoices {
  std::map<std::int64_t, std::string> text;
  std::map<std::int64_t, std::string> finish;
  std::map<std::int64_t, int> roles;
  bool usage = false;
  bool done = false;
};

StreamedChoices read_stream(const std::string& body) {
  StreamedChoices out;
  for (const auto& data : sse_data(body)) {
    if (data == "[DONE]") {
      out.done = true;
      continue;
    }
    const json::value chunk = json::parse(data);
    if (chunk.as_object().contains("usage")) out.usage = true;
    for (const auto& c : chunk.at("choices").as_array()) {
      const std::int64_t index = c.at("index").as_int64();
      const auto& delta = c.at("delta").as_object();
      if (const auto* t = delta.if_contains("content"); t && t->is_string()) {
        out.text[index] += t->as_string();
      }
      if (delta.contains("role")) ++out.roles[index];
      if (c.at("finish_reason").is_string()) out.finish[index] = c.at("finish_reason").as_string();
    }
  }
  return out;
}

std::string sse_chunk(std::string_view choices, std::string_view extra = {}) {
  std::string out = R"(data: {"id":"chatcmpl-n","object":"chat.completion.chunk","created":1,)"
                    R"("model":"llama3.3","choices":)";
  out += choices;
  out += extra;
  out += "}\n\n";
  return out;
}

json::value chat_request_body(FakeUpstream& fake) {
  for (const auto& r : fake.requests()) {
    if (r.path() == "/v1/chat/completions" && r.json) return *r.json;
  }
  return nullptr;
}

TEST(GatewayChoices, NIsForwardedAndEveryChoiceComesBack) {
  GatewayUnderTest gw({});
  ASSERT_NE(gw.port, 0);
  gw.fake->script(Fault::respond(200, R"({"id":"chatcmpl-n","object":"chat.completion",
      "created":1,"model":"llama3.3","choices":[
      {"index":0,"message":{"role":"assistant","content":"first"},"finish_reason":"stop"},
      {"index":1,"message":{"role":"assistant","content":"second"},"finish_reason":"length"}],
      "usage":{"prompt_tokens":2,"completion_tokens":5,"total_tokens":7}})",
                                 "/v1/chat/completions"));
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("llama3.3", "hello", false, R"("n":2)"));
  ASSERT_EQ(res.status, 200) << res.body;
  const json::value sent = chat_request_body(*gw.fake);
  ASSERT_TRUE(sent.is_object());
  EXPECT_EQ(sent.at("n"), 2);
  const json::value answer = res.json();
  const auto& choices = answer.at("choices").as_array();
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0].at("message").at("content"), "first");
  EXPECT_EQ(choices[1].at("index"), 1);
  EXPECT_EQ(choices[1].at("message").at("content"), "second");
  EXPECT_EQ(choices[1].at("finish_reason"), "length");
  EXPECT_EQ(answer.at("usage").at("total_tokens"), 7);
}

TEST(GatewayChoices, AStreamedNAnswerKeepsEachChoiceApart) {
  GatewayUnderTest gw({});
  ASSERT_NE(gw.port, 0);
  std::string body;
  body += sse_chunk(R"([{"index":0,"delta":{"role":"assistant","content":"Hel"},)"
                    R"("finish_reason":null}])");
  body += sse_chunk(R"([{"index":1,"delta":{"role":"assistant","content":"Bon"},)"
                    R"("finish_reason":null}])");
  body += sse_chunk(R"([{"index":0,"delta":{"content":"lo"},"finish_reason":null}])");
  body += sse_chunk(R"([{"index":1,"delta":{"content":"jour"},"finish_reason":null}])");
  body += sse_chunk(R"([{"index":0,"delta":{},"finish_reason":"stop"}])");
  body += sse_chunk(R"([{"index":1,"delta":{},"finish_reason":"length"}])");
  body += sse_chunk("[]", R"(,"usage":{"prompt_tokens":1,"completion_tokens":4,"total_tokens":5})");
  body += "data: [DONE]\n\n";
  Fault fault = Fault::respond(200, body, "/v1/chat/completions");
  fault.content_type = "text/event-stream";
  gw.fake->script(fault);
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("llama3.3", "hello", true, R"("n":2)"));
  ASSERT_EQ(res.status, 200) << res.body;
  const json::value sent = chat_request_body(*gw.fake);
  ASSERT_TRUE(sent.is_object());
  EXPECT_EQ(sent.at("n"), 2);
  const StreamedChoices s = read_stream(res.body);
  EXPECT_EQ(s.text, (std::map<std::int64_t, std::string>{{0, "Hello"}, {1, "Bonjour"}}));
  EXPECT_EQ(s.finish, (std::map<std::int64_t, std::string>{{0, "stop"}, {1, "length"}}));
  EXPECT_EQ(s.roles, (std::map<std::int64_t, int>{{0, 1}, {1, 1}}));
  EXPECT_TRUE(s.usage);
  EXPECT_TRUE(s.done);
}

TEST(GatewayChoices, AServerThatIgnoresNAnswersOneChoiceAndNOutOfRangeIs400) {
  GatewayUnderTest gw({});
  ASSERT_NE(gw.port, 0);
  auto one = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("llama3.3", "hello", false, R"("n":3)"));
  ASSERT_EQ(one.status, 200) << one.body;  // the fake LM Studio ignores n, as LM Studio does
  EXPECT_EQ(one.json().at("choices").as_array().size(), 1u);
  for (const char* n : {R"("n":0)", R"("n":129)", R"("n":"2")"}) {
    auto bad =
        http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi", false, n));
    EXPECT_EQ(bad.status, 400) << n;
    EXPECT_EQ(bad.json().at("error").at("param"), "n") << bad.body;
  }
}

TEST(GatewayChoices, TheEmbeddedMockHonoursN) {
  GatewayUnderTest gw({.fake = std::nullopt, .provider = "mock"});
  ASSERT_NE(gw.port, 0);
  auto plain = http_call(gw.port, "POST", "/v1/chat/completions",
                         chat_body("local-model", "Tell me a story", false, R"("n":3)"));
  ASSERT_EQ(plain.status, 200) << plain.body;
  const json::value answer = plain.json();
  const auto& choices = answer.at("choices").as_array();
  ASSERT_EQ(choices.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(choices[i].at("index"), i);

  auto streamed =
      http_call(gw.port, "POST", "/v1/chat/completions",
                chat_body("local-model", "Tell me a story", true, R"("n":3,"max_tokens":4)"));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  const StreamedChoices s = read_stream(streamed.body);
  ASSERT_EQ(s.text.size(), 3u);
  EXPECT_EQ(s.finish,
            (std::map<std::int64_t, std::string>{{0, "length"}, {1, "length"}, {2, "length"}}));
  EXPECT_NE(s.text.at(0), s.text.at(1));
  EXPECT_TRUE(s.done);
}

TEST(GatewayChoices, TheEmbeddedMockAnswersJsonAndCallsToolsThroughTheGateway) {
  GatewayUnderTest gw({.fake = std::nullopt, .provider = "mock"});
  ASSERT_NE(gw.port, 0);
  auto schema =
      http_call(gw.port, "POST", "/v1/chat/completions",
                chat_body("local-model", "Describe a city", false,
                          R"("response_format":{"type":"json_schema","json_schema":{"name":"city",)"
                          R"("schema":{"type":"object","properties":{"name":{"type":"string"},)"
                          R"("population":{"type":"integer","minimum":1}},)"
                          R"("required":["name","population"],"additionalProperties":false}}})"));
  ASSERT_EQ(schema.status, 200) << schema.body;
  const std::string content(
      schema.json().at("choices").at(0).at("message").at("content").as_string());
  EXPECT_EQ(json::parse(content), json::parse(R"({"name":"example","population":1})"));

  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{)"
      R"("type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])";
  auto call = http_call(gw.port, "POST", "/v1/chat/completions",
                        chat_body("local-model", "What is the weather in Paris?", false, tools));
  ASSERT_EQ(call.status, 200) << call.body;
  const json::value called = call.json();
  const auto& choice = called.at("choices").at(0);
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  EXPECT_EQ(choice.at("message").at("tool_calls").at(0).at("function").at("arguments"),
            R"({"city":"example"})");
}

}  // namespace
}  // namespace roci::testing
