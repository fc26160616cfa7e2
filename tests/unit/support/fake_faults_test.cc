// Scripted faults, keep-alive expiry and client-close detection of the fakes.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "support/fake_upstream.h"
#include "support/test_http_client.h"

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kStream =
    R"({"model":"llama3.3","stream":true,"messages":[{"role":"user","content":"a b c d e f"}]})";
constexpr std::string_view kPlain =
    R"({"model":"llama3.3","messages":[{"role":"user","content":"hi"}]})";

TEST(FakeFaultsTest, ServerClosesAnIdleKeepAliveSocketAfterTheTimeout) {
  FakeUpstream fake({.keep_alive_timeout = 200ms});
  TestConnection client(fake.port());
  EXPECT_EQ(client.request("GET", "/v1/models").status, 200);
  const auto start = Clock::now();
  EXPECT_FALSE(client.wait_for_close(120ms));  // still open well before the timeout
  EXPECT_TRUE(client.wait_for_close(500ms));
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 450ms);
}

TEST(FakeFaultsTest, RespondFaultReplacesTheAnswerOnce) {
  FakeUpstream fake;
  fake.script(Fault::respond(200, R"({"error":"Model crashed"})", "/v1/chat/completions"));
  TestConnection client(fake.port());
  auto response = client.request("POST", "/v1/chat/completions", std::string(kPlain));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"error":"Model crashed"})");
  response = client.request("POST", "/v1/chat/completions", std::string(kPlain));
  EXPECT_NE(response.body.find("Echo: hi"), std::string::npos);
}

TEST(FakeFaultsTest, FaultsMatchByPathAndMethod) {
  FakeUpstream fake;
  fake.script({.method = "POST",
               .path = "/v1/embeddings",
               .kind = Fault::Kind::kRespond,
               .status = 500,
               .body = "boom"});
  TestConnection client(fake.port());
  EXPECT_EQ(client.request("GET", "/v1/models").status, 200);
  EXPECT_EQ(client.request("POST", "/v1/embeddings", R"({"input":"x"})").status, 500);
}

TEST(FakeFaultsTest, CutMidStreamClosesAfterNChunks) {
  FakeUpstream fake;
  fake.script(Fault::cut_after(2));
  TestConnection client(fake.port());
  client.send_request("POST", "/v1/chat/completions", std::string(kStream));
  const std::string raw = client.read_until("\r\n0\r\n\r\n", 1s);
  EXPECT_TRUE(client.closed());
  const auto chunks = parse_response(raw).chunks;
  EXPECT_EQ(chunks.size(), 2u);
  EXPECT_EQ(raw.find("[DONE]"), std::string::npos);
  ASSERT_TRUE(fake.wait_for_idle(1s));
  EXPECT_EQ(fake.requests().at(0).outcome, RequestOutcome::kServerClosed);
  EXPECT_EQ(fake.cancellations(), 0);
}

TEST(FakeFaultsTest, ErrorEventAndMalformedLineMidStream) {
  FakeUpstream fake;
  fake.script({.malformed_sse_after_chunks = 1, .error_event_after_chunks = 2});
  TestConnection client(fake.port());
  client.send_request("POST", "/v1/chat/completions", std::string(kStream));
  const auto chunks = parse_response(client.read_until("\r\n0\r\n\r\n", 1s)).chunks;
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[1], "data: {not json\n\n");
  EXPECT_EQ(chunks[3], kComputeErrorEvent);
}

TEST(FakeFaultsTest, SlowFirstByteAndGap) {
  FakeUpstream fake;
  fake.script({.header_delay = 150ms, .gap_after_chunks = 1, .gap = 150ms});
  TestConnection client(fake.port());
  const auto start = Clock::now();
  client.send_request("POST", "/v1/chat/completions", std::string(kStream));
  const std::string head = client.read_until("\r\n\r\n", 1s);
  EXPECT_GE(Clock::now() - start, 140ms);
  const std::string rest = client.read_until("\r\n0\r\n\r\n", 1s);
  EXPECT_GE(Clock::now() - start, 290ms);
  EXPECT_NE(rest.find("[DONE]"), std::string::npos);
}

TEST(FakeFaultsTest, MalformedAndOversizedBodies) {
  FakeUpstream fake;
  fake.script({.kind = Fault::Kind::kMalformedJson});
  fake.script({.kind = Fault::Kind::kOversized, .oversized_bytes = 100000});
  TestConnection client(fake.port());
  auto response = client.request("POST", "/v1/chat/completions", std::string(kPlain));
  EXPECT_EQ(response.status, 200);
  EXPECT_THROW(boost::json::parse(response.body), std::exception);
  response = client.request("POST", "/v1/chat/completions", std::string(kPlain));
  EXPECT_EQ(response.body.size(), 100000u);
  EXPECT_TRUE(response.json().is_string());
}

TEST(FakeFaultsTest, CloseWithoutResponseLooksLikeAStaleSocket) {
  FakeUpstream fake;
  fake.script(Fault::close_without_response());
  TestConnection client(fake.port());
  client.send_request("GET", "/v1/models");
  EXPECT_EQ(client.read_until("\r\n\r\n", 1s), "");
  EXPECT_TRUE(client.closed());
}

TEST(FakeFaultsTest, DetectsClientCloseBetweenTokensWithin100Ms) {
  FakeUpstream fake({.token_delay = 2000ms});
  TestConnection client(fake.port());
  client.send_request("POST", "/v1/chat/completions", std::string(kStream));
  const std::string first = client.read_until("Echo:", 1s);
  ASSERT_NE(first.find("Echo:"), std::string::npos);
  const auto start = Clock::now();
  client.close();
  EXPECT_TRUE(fake.wait_for_client_close(100ms));
  EXPECT_LT(Clock::now() - start, 100ms);
  EXPECT_EQ(fake.cancellations(), 1);
  ASSERT_TRUE(fake.wait_for_idle(100ms));
  EXPECT_TRUE(fake.requests().at(0).cancelled());
  EXPECT_FALSE(fake.wait_for_client_close(10ms));  // already reported
}

TEST(FakeFaultsTest, DetectsClientCloseBeforeTheFirstByte) {
  FakeUpstream fake;
  fake.script({.header_delay = 5000ms});
  TestConnection client(fake.port());
  client.send_request("POST", "/v1/chat/completions", std::string(kPlain));
  ASSERT_TRUE(fake.wait_for_requests(1, 1s));
  client.close();
  EXPECT_TRUE(fake.wait_for_client_close(100ms));
}

TEST(FakeFaultsTest, HangEndsWhenTheClientCloses) {
  FakeUpstream fake;
  fake.script(Fault::hang());
  TestConnection client(fake.port());
  client.send_request("POST", "/v1/chat/completions", std::string(kPlain));
  EXPECT_EQ(client.read_until("\r\n", 150ms), "");
  client.close();
  EXPECT_TRUE(fake.wait_for_client_close(100ms));
}

TEST(FakeFaultsTest, NonStreamGenerationTimeFollowsTokenDelay) {
  FakeUpstream fake({.token_delay = 50ms});
  TestConnection client(fake.port());
  const auto start = Clock::now();
  client.request("POST", "/v1/chat/completions", std::string(kPlain));  // 2 tokens
  EXPECT_GE(Clock::now() - start, 95ms);
}

TEST(FakeFaultsTest, ContentOverrides) {
  FakeUpstream fake;
  fake.script({.answer = "Custom text", .finish_reason = "length", .model = "served:2"});
  TestConnection client(fake.port());
  const auto body = client.request("POST", "/v1/chat/completions", std::string(kPlain)).json();
  EXPECT_EQ(body.at("model"), "served:2");
  const auto& choice = body.at("choices").as_array()[0];
  EXPECT_EQ(choice.at("message").at("content"), "Custom text");
  EXPECT_EQ(choice.at("finish_reason"), "length");
}

}  // namespace
}  // namespace roci::testing
