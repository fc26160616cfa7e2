// The streaming contract (ARCHITECTURE.md §4) end to end, byte for byte.
#include "integration/gateway_fixture.h"

namespace roci::testing {
namespace {

namespace json = boost::json;

std::vector<json::value> chunks_of(const std::string& raw_response) {
  std::vector<json::value> out;
  for (auto& d : sse_data(parse_response(raw_response).body)) {
    out.push_back(d == "[DONE]" ? json::value("[DONE]") : json::parse(d));
  }
  return out;
}

// The raw response to a streamed chat request that asks for the usage chunk (connection closed
// after it).
std::string stream_with_usage(const GatewayUnderTest& gw) {
  TestConnection c(gw.port);
  c.send(raw_post(
      "/v1/chat/completions",
      chat_body("llama3.3", "one two three", true, R"("stream_options":{"include_usage":true})"),
      "Connection: close\r\n"));
  return c.read_to_eof();
}

TEST(GatewayStreaming, ShapeIsOpenAiExactly) {
  GatewayUnderTest gw({});
  const std::string raw = stream_with_usage(gw);
  ASSERT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Type: text/event-stream"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Transfer-Encoding: chunked"), std::string::npos);

  auto chunks = chunks_of(raw);
  ASSERT_GE(chunks.size(), 4u);
  // First chunk carries the role.
  EXPECT_EQ(chunks[0].at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_EQ(chunks[0].at("object"), "chat.completion.chunk");
  std::string text;
  std::size_t i = 0;
  for (; i < chunks.size(); ++i) {
    auto& choices = chunks[i].at("choices").as_array();
    if (choices.empty()) break;
    auto& delta = choices[0].at("delta").as_object();
    if (auto* c = delta.if_contains("content"); c && c->is_string()) text += c->as_string();
    if (!choices[0].at("finish_reason").is_null()) {
      EXPECT_EQ(choices[0].at("finish_reason"), "stop");
      EXPECT_TRUE(chunks[i].as_object().contains("usage"));  // usage in the final chunk
      ++i;
      break;
    }
  }
  EXPECT_EQ(text, "Echo: one two three");
  // Then the trailing usage chunk (client asked include_usage), then [DONE].
  ASSERT_EQ(i + 2, chunks.size());
  EXPECT_TRUE(chunks[i].at("choices").as_array().empty());
  EXPECT_GT(chunks[i].at("usage").at("completion_tokens").as_int64(), 0);
  EXPECT_EQ(chunks[i + 1], "[DONE]");
  // The upstream was asked for usage even though LM Studio only sends it on request.
  auto sent = gw.fake->requests().back().json->as_object();
  EXPECT_EQ(sent.at("stream_options").at("include_usage"), true);
}

// llama.cpp opens a stream with a role-only chunk (nothing to forward) and the first token comes
// a token delay later: the headers must not wait for it.
TEST(GatewayStreaming, HeadersDoNotWaitForAFirstTokenStillOnItsWay) {
  using namespace std::chrono_literals;
  FakeOptions o;
  o.mode = FakeMode::kLlamaCpp;
  o.token_delay = 1500ms;
  GatewayUnderTest gw({.fake = o});
  TestConnection c(gw.port);
  const auto sent = std::chrono::steady_clock::now();
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "one two", true),
                  "Connection: close\r\n"));
  const std::string head = c.read_until("\r\n\r\n", 10s);
  const auto headers_after = std::chrono::steady_clock::now() - sent;
  ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head << gw.log();
  EXPECT_LT(headers_after, 1000ms) << "the headers waited for the first token";
  EXPECT_EQ(head.find("data: "), std::string::npos) << "no token can have been forwarded yet";
  const std::string raw = c.read_to_eof(20s);
  EXPECT_NE(raw.find("data: [DONE]"), std::string::npos) << raw;
}

// Events that arrive together leave together: a zero-delay stream's tail (finish, usage chunk,
// [DONE], end of body) reaches the client as one piece, never [DONE] without the finish chunk.
TEST(GatewayStreaming, ZeroDelayStreamArrivesWhole) {
  GatewayUnderTest gw({});
  const std::string raw = stream_with_usage(gw);
  auto chunks = chunks_of(raw);
  ASSERT_GE(chunks.size(), 4u) << raw;
  EXPECT_EQ(chunks.back(), "[DONE]");
  EXPECT_TRUE(chunks[chunks.size() - 2].at("choices").as_array().empty());  // the usage chunk
  EXPECT_NE(raw.find("0\r\n\r\n"), std::string::npos) << "the chunked body was not ended";
}

// LM Studio's usage chunk completes the answer; [DONE] and the end of the body may come in a later
// write. The gateway reads them after the client's answer is out, so the next stream reuses the
// upstream connection instead of opening another.
TEST(GatewayStreaming, AStreamWhoseDoneComesLaterLeavesItsUpstreamConnectionReusable) {
  using namespace std::chrono_literals;
  GatewayUnderTest gw({});
  Fault f;
  f.path = "/v1/chat/completions";
  f.answer = "hi";         // one token: the chunks are the token, the finish, the usage, [DONE]
  f.gap_after_chunks = 3;  // [DONE] and the end of the body 50 ms after the usage chunk
  f.gap = 50ms;
  f.times = 0;
  gw.fake->script(f);
  std::size_t after_first = 0;
  for (int i = 0; i < 3; ++i) {
    const std::string raw = stream_with_usage(gw);
    auto chunks = chunks_of(raw);
    ASSERT_GE(chunks.size(), 3u) << raw << gw.log();
    EXPECT_EQ(chunks.back(), "[DONE]");
    EXPECT_EQ(chunks[chunks.size() - 2].at("usage").at("completion_tokens"), 1);
    if (i == 0) after_first = gw.fake->connections_accepted();
  }
  EXPECT_EQ(gw.fake->connections_accepted(), after_first) << gw.log();
}

TEST(GatewayStreaming, NoTrailingUsageChunkUnlessAsked) {
  GatewayUnderTest gw({});
  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "a b", true),
                  "Connection: close\r\n"));
  auto chunks = chunks_of(c.read_to_eof());
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(chunks.back(), "[DONE]");
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_FALSE(chunks[i].at("choices").as_array().empty()) << "unexpected usage-only chunk";
  }
  // usage still travels in the finish chunk
  EXPECT_TRUE(chunks[chunks.size() - 2].as_object().contains("usage"));
}

TEST(GatewayStreaming, SetupErrorKeepsItsRealStatus) {
  FakeOptions o;
  o.models = {{"a"}, {"b"}};  // two loaded: LM Studio 404s unknown names
  o.single_model_serves_any_name = false;
  GatewayUnderTest gw({.fake = o, .env = {{"INFERENCE_INFERENCE_ALLOWED_MODELS", ""}}});
  gw.fake->script(Fault::respond(500, R"({"error":"engine crashed"})", "/v1/chat/completions"));
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("a", "x", true));
  EXPECT_EQ(res.status, 500) << res.body;
  EXPECT_NE(res.body.find("engine crashed"), std::string::npos);
  EXPECT_EQ(res.header("content-type").rfind("application/json", 0), 0u);
}

TEST(GatewayStreaming, MidStreamFailureBecomesErrorEventWithoutDone) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::cut_after(2, "/v1/chat/completions"));
  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "a b c d e f g h", true),
                  "Connection: close\r\n"));
  const std::string raw = c.read_to_eof();
  ASSERT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
  auto data = sse_data(parse_response(raw).body);
  ASSERT_FALSE(data.empty());
  EXPECT_NE(data.back(), "[DONE]");
  auto err = json::parse(data.back());
  EXPECT_TRUE(err.as_object().contains("error")) << data.back();
  // And the gateway keeps serving.
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "ok")).status,
            200);
}

TEST(GatewayStreaming, UpstreamErrorEventIsForwardedAsErrorEvent) {
  GatewayUnderTest gw({});
  Fault f;
  f.path = "/v1/chat/completions";
  f.error_event_after_chunks = 1;
  gw.fake->script(f);
  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "a b c", true),
                  "Connection: close\r\n"));
  const std::string raw = c.read_to_eof();
  auto data = sse_data(parse_response(raw).body);
  ASSERT_FALSE(data.empty());
  EXPECT_NE(data.back().find("Compute error"), std::string::npos) << data.back();
  EXPECT_NE(data.back(), "[DONE]");
}

TEST(GatewayStreaming, ToolCallDeltasPassThroughWithNumericIds) {
  GatewayUnderTest gw({});
  Fault f;
  f.path = "/v1/chat/completions";
  f.tool_calls = {{"get_weather", R"({"city":"Paris","unit":"celsius"})"}};
  gw.fake->script(f);
  std::string body = chat_body(
      "llama3.3", "weather?", true,
      R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}])");
  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", body, "Connection: close\r\n"));
  auto chunks = chunks_of(c.read_to_eof());
  std::string args, id, name, finish;
  for (auto& ch : chunks) {
    if (ch == "[DONE]" || ch.at("choices").as_array().empty()) continue;
    auto& choice = ch.at("choices").at(0).as_object();
    if (choice.at("finish_reason").is_string()) finish = choice.at("finish_reason").as_string();
    auto* tcs = choice.at("delta").as_object().if_contains("tool_calls");
    if (!tcs) continue;
    auto& tc = tcs->as_array().at(0).as_object();
    if (auto* v = tc.if_contains("id"); v && v->is_string()) id = v->as_string();
    if (auto* fn = tc.if_contains("function")) {
      if (auto* n = fn->as_object().if_contains("name"); n && n->is_string()) name = n->as_string();
      if (auto* a = fn->as_object().if_contains("arguments"); a && a->is_string())
        args += a->as_string();
    }
  }
  EXPECT_EQ(name, "get_weather");
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(json::parse(args), json::parse(R"({"city":"Paris","unit":"celsius"})"));
  EXPECT_EQ(finish, "tool_calls");
}

}  // namespace
}  // namespace roci::testing
