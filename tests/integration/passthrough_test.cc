// What a client notices through the real gateway: the upstream's `logprobs` come back untouched
// (plain and streamed), an answer of the common shape comes back as the upstream wrote it, and a
// JSON body is read whatever curl labelled it, unless its type is clearly not JSON or a foreign
// browser page sent it.
#include "integration/gateway_fixture.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace roci::testing {
namespace {

namespace json = boost::json;

std::string fixture(const std::string& relative) {
  std::ifstream in(std::string(ROCI_FIXTURES_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

GatewaySetup openai_upstream() {
  FakeOptions o;
  o.mode = FakeMode::kOpenAi;
  o.models = {{.id = "gpt-4o-mini-2024-07-18"}};
  return {.fake = o, .provider = "openai", .env = {{"OPENAI_API_KEY", "sk-test"}}};
}

TEST(GatewayPassthrough, LogprobsOfAnAnswerComeBackUntouched) {
  GatewayUnderTest gw(openai_upstream());
  const std::string upstream = fixture("openai/chat_response_logprobs.json");
  gw.fake->script(Fault::respond(200, upstream, "/v1/chat/completions"));
  auto res = http_call(
      gw.port, "POST", "/v1/chat/completions",
      chat_body("gpt-4o-mini-2024-07-18", "hi", false, R"("logprobs":true,"top_logprobs":2)"));
  ASSERT_EQ(res.status, 200) << res.body;
  const json::value sent = gw.fake->requests().back().json.value_or(json::value());
  EXPECT_EQ(sent.at("logprobs"), true);  // the request's fields are forwarded
  EXPECT_EQ(sent.at("top_logprobs"), 2);
  EXPECT_EQ(res.json().at("choices").at(0).at("logprobs"),
            json::parse(upstream).at("choices").at(0).at("logprobs"));
}

GatewaySetup lmstudio_with(const std::string& model) {
  FakeOptions o;
  o.models = {{.id = model}};
  return {.fake = o};
}

TEST(GatewayPassthrough, AnAnswerOfTheCommonShapeComesBackByteForByte) {
  GatewayUnderTest gw(lmstudio_with("granite-3.0-2b-instruct"));
  const std::string upstream = fixture("lmstudio/chat_response.json");  // LM Studio's layout
  gw.fake->script(Fault::respond(200, upstream, "/v1/chat/completions"));
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("granite-3.0-2b-instruct", "hi", false));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, upstream);
}

TEST(GatewayPassthrough, AnAnswerTheGatewayCompletesIsEncodedAgain) {
  GatewayUnderTest gw(lmstudio_with("granite-3.0-2b-instruct"));
  json::value answer = json::parse(fixture("lmstudio/chat_response.json"));
  answer.as_object().erase("usage");  // OpenAI's shape always has usage: the gateway adds zeros
  gw.fake->script(Fault::respond(200, json::serialize(answer), "/v1/chat/completions"));
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("granite-3.0-2b-instruct", "hi", false));
  ASSERT_EQ(res.status, 200) << res.body;
  answer.as_object()["usage"] = {
      {"prompt_tokens", 0}, {"completion_tokens", 0}, {"total_tokens", 0}};
  EXPECT_EQ(res.json(), answer);
}

TEST(GatewayPassthrough, LogprobsOfAStreamComeBackWithTheirChunks) {
  GatewayUnderTest gw(openai_upstream());
  const std::string upstream = fixture("openai/stream_logprobs.sse");
  Fault fault = Fault::respond(200, upstream, "/v1/chat/completions");
  fault.content_type = "text/event-stream";
  gw.fake->script(fault);
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("gpt-4o-mini-2024-07-18", "hi", true, R"("logprobs":true)"));
  ASSERT_EQ(res.status, 200) << res.body;
  std::vector<json::value> expected;  // every non-null logprobs the upstream sent, in order
  for (const auto& data : sse_data(upstream)) {
    if (data == "[DONE]") continue;
    const json::value chunk = json::parse(data);
    for (const auto& c : chunk.at("choices").as_array()) {
      if (!c.at("logprobs").is_null()) expected.push_back(c.at("logprobs"));
    }
  }
  std::vector<json::value> got;
  for (const auto& data : sse_data(res.body)) {
    if (data == "[DONE]") continue;
    const json::value chunk = json::parse(data);
    for (const auto& c : chunk.at("choices").as_array()) {
      if (!c.at("logprobs").is_null()) got.push_back(c.at("logprobs"));
    }
  }
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(got, expected);
}

TEST(GatewayPassthrough, CurlWithoutAContentTypeIsServed) {
  GatewayUnderTest gw({.fake = std::nullopt, .provider = "mock"});
  const std::string body = chat_body("local-model", "hi");
  // What `curl -d` sends by default, what a script without headers sends, and fetch()'s default.
  for (const char* type : {"application/x-www-form-urlencoded", "text/plain;charset=UTF-8"}) {
    auto res = http_call(gw.port, "POST", "/v1/chat/completions", body, {{"Content-Type", type}});
    EXPECT_EQ(res.status, 200) << type << ": " << res.body;
  }
  TestConnection c(gw.port);
  c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(c.read_response().status, 200);
}

TEST(GatewayPassthrough, TypesThatAreNotJsonAndForeignPagesAre415) {
  GatewayUnderTest gw({.fake = std::nullopt, .provider = "mock"});
  const std::string body = chat_body("local-model", "hi");
  for (const char* type : {"multipart/form-data; boundary=x", "text/html"}) {
    auto res = http_call(gw.port, "POST", "/v1/chat/completions", body, {{"Content-Type", type}});
    EXPECT_EQ(res.status, 415) << type;
    EXPECT_EQ(res.json().at("error").at("code"), "unsupported_media_type");
  }
  auto res = http_call(
      gw.port, "POST", "/v1/chat/completions", body,
      {{"Content-Type", "application/x-www-form-urlencoded"}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(res.status, 415) << res.body;
}

TEST(GatewayPassthrough, AFormBodyThatIsNotJsonIsA400) {
  GatewayUnderTest gw({.fake = std::nullopt, .provider = "mock"});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", "model=local-model&q=hi",
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(res.json().at("error").at("type"), "invalid_request_error");
}

}  // namespace
}  // namespace roci::testing
