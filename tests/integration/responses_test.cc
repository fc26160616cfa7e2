// POST /v1/responses and GET / DELETE /v1/responses/{id} on the real inference-server binary in
// front of the fake LM Studio: the upstream is spoken to in Chat Completions, the client answered
// in the Responses dialect, streaming included; the store across requests; errors in OpenAI's
// envelope.
#include "integration/gateway_fixture.h"

namespace roci::testing {
namespace {

namespace json = boost::json;

TEST(GatewayResponses, PlainAnswerOverChatCompletionsUpstream) {
  GatewayUnderTest gw({});
  auto res = http_call(gw.port, "POST", "/v1/responses",
                       R"({"model":"llama3.3","input":"hello there","instructions":"Be brief."})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto j = res.json().as_object();
  EXPECT_EQ(j.at("object"), "response");
  EXPECT_TRUE(j.at("id").as_string().starts_with("resp_"));
  EXPECT_EQ(j.at("status"), "completed");
  const auto text =
      json::value_to<std::string>(j.at("output").at(0).at("content").at(0).at("text"));
  EXPECT_NE(text.find("hello"), std::string::npos) << text;
  EXPECT_GT(j.at("usage").at("total_tokens").as_int64(), 0);
  // Upstream: a chat completion with the instructions first and no seed defaults.
  const auto requests = gw.fake->requests();
  const auto& last = requests.back();
  EXPECT_EQ(last.path(), "/v1/chat/completions");
  auto sent = last.json->as_object();
  EXPECT_EQ(sent.at("messages").at(0).at("role"), "system");
  EXPECT_FALSE(sent.contains("max_tokens")) << json::serialize(sent);
  EXPECT_FALSE(sent.contains("temperature")) << json::serialize(sent);
}

TEST(GatewayResponses, StreamedEventsThenStoredAndContinued) {
  GatewayUnderTest gw({});
  auto res = http_call(gw.port, "POST", "/v1/responses",
                       R"({"model":"llama3.3","input":"one two three","stream":true})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("content-type"), "text/event-stream");
  auto data = sse_data(res.body);
  ASSERT_GE(data.size(), 8u) << res.body;
  EXPECT_EQ(json::parse(data.front()).at("type"), "response.created");
  auto done = json::parse(data.back()).as_object();
  EXPECT_EQ(done.at("type"), "response.completed");
  EXPECT_NE(res.body.find("event: response.output_text.delta"), std::string::npos);
  EXPECT_EQ(res.body.find("[DONE]"), std::string::npos);
  const std::string id(done.at("response").at("id").as_string());

  auto stored = http_call(gw.port, "GET", "/v1/responses/" + id);
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(stored.json(), done.at("response"));

  auto next =
      http_call(gw.port, "POST", "/v1/responses",
                R"({"model":"llama3.3","input":"four","previous_response_id":")" + id + "\"}");
  ASSERT_EQ(next.status, 200) << next.body;
  auto sent = gw.fake->requests().back().json->as_object();
  EXPECT_EQ(sent.at("messages").as_array().size(), 3u) << json::serialize(sent);

  EXPECT_EQ(http_call(gw.port, "DELETE", "/v1/responses/" + id).status, 200);
  auto gone = http_call(gw.port, "GET", "/v1/responses/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.json().at("error").at("code"), "response_not_found");
}

TEST(GatewayResponses, ErrorsInOpenAisEnvelope) {
  GatewayUnderTest gw({});
  auto bad = http_call(gw.port, "POST", "/v1/responses", R"({"model":"llama3.3"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json().at("error").at("param"), "input");
  auto unknown =
      http_call(gw.port, "POST", "/v1/responses", R"({"model":"nope-model","input":"x"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json().at("error").at("code"), "model_not_found");
  auto wrong = http_call(gw.port, "PUT", "/v1/responses/resp_1");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("allow"), "GET, DELETE");
}

TEST(GatewayResponses, StoreBoundsAreConfigKeys) {
  GatewayUnderTest gw({.env = {{"INFERENCE_RESPONSES_STORE_MAX_ENTRIES", "1"}}});
  auto first = http_call(gw.port, "POST", "/v1/responses", R"({"model":"llama3.3","input":"a"})");
  auto second = http_call(gw.port, "POST", "/v1/responses", R"({"model":"llama3.3","input":"b"})");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  const std::string a(first.json().at("id").as_string());
  const std::string b(second.json().at("id").as_string());
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/responses/" + a).status, 404);  // the oldest went
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/responses/" + b).status, 200);
}

}  // namespace
}  // namespace roci::testing
