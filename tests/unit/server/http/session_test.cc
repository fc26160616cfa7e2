// The session and gateway over real loopback sockets (session_test_support.h): routing, keep-alive,
// pipelining, request ids, event streams, cancellation, metrics, limits on connections, shutdown.
#include "session_test_support.h"

namespace roci::server::session_tests {
namespace {

TEST_F(SessionTest, UnknownRouteIs404Envelope) {
  start();
  auto c = client();
  c.send("GET /foo HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 404);
  EXPECT_EQ((*res)[http::field::content_type], "application/json");
  EXPECT_EQ((*res)[http::field::server], "roci");
  EXPECT_FALSE((*res)["X-Request-Id"].empty());
  EXPECT_EQ(error_type(*res), "invalid_request_error");
  EXPECT_NE(res->body().find("Unknown route: GET /foo. The gateway serves /v1/chat/completions"),
            std::string::npos);
  EXPECT_TRUE(res->keep_alive());
}

TEST_F(SessionTest, WrongMethodIs405WithAllow) {
  start();
  auto c = client();
  c.send("GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 405);
  EXPECT_EQ((*res)[http::field::allow], "POST");
  EXPECT_EQ(error_type(*res), "invalid_request_error");
  c.send("OPTIONS /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 405);
  EXPECT_EQ((*res)[http::field::allow], "GET");
}

TEST_F(SessionTest, WriteTimeoutComesFromTheConfigUnlessOverridden) {
  g_flood_done = 0;
  auto config = test_config();
  config.server.write_timeout_secs = 1;
  GatewayOptions options;
  options.dispatch = kTestDispatch;  // no write_timeout override: server.write_timeout_secs
  gateway_ = std::make_unique<Gateway>(std::move(config), std::move(options));
  gateway_->start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 9\r\n\r\n{\"flood\"}");
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000 && g_flood_done == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(g_flood_done, 1);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, 900ms);  // not before the deadline
  EXPECT_LT(elapsed, 8s);     // the default would be 30 s
}

TEST_F(SessionTest, KeepAliveServesSeveralRequests) {
  start();
  auto c = client();
  for (int i = 0; i < 3; ++i) {
    c.send("GET /v1/models/m" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto res = c.read();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 200);
    EXPECT_TRUE(res->body().starts_with("id=m" + std::to_string(i)));
    EXPECT_EQ((*res)[http::field::connection], "keep-alive");
  }
}

// The header fields of each request live in the session's arena, reset between requests: a head
// larger than the arena's own buffer, then a small one, then a large one again, each answered with
// its own fields.
TEST_F(SessionTest, EachRequestOnAConnectionKeepsItsOwnHeaderFields) {
  auto config = test_config();
  config.limits.max_header_bytes = 16 * 1024;
  start(std::move(config));
  auto c = client();
  const auto head = [](int i, int extra_fields) {
    std::string raw = "GET /v1/models/m" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n";
    for (int f = 0; f < extra_fields; ++f) {
      raw +=
          "X-Padding-" + std::to_string(f) + ": " + std::string(120, 'a' + (i + f) % 26) + "\r\n";
    }
    return raw + "X-Request-Id: rid-" + std::to_string(i) + "\r\n\r\n";
  };
  for (int i = 0; i < 3; ++i) {
    c.send(head(i, i == 1 ? 0 : 40));  // 40 fields of 120 bytes: past the 1 KiB arena buffer
    auto res = c.read();
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->result_int(), 200);
    EXPECT_TRUE(res->body().starts_with("id=m" + std::to_string(i))) << res->body();
    EXPECT_EQ((*res)["X-Request-Id"], "rid-" + std::to_string(i));
  }
}

TEST_F(SessionTest, Http10ClosesAfterTheResponse) {
  start();
  auto c = client();
  c.send("GET /health HTTP/1.0\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->version(), 10);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_TRUE(c.closed_within(2s));
}

TEST_F(SessionTest, ConnectionCloseIsHonoured) {
  start();
  auto c = client();
  c.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)[http::field::connection], "close");
  EXPECT_TRUE(c.closed_within(2s));
}

TEST_F(SessionTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  auto c = client();
  c.send(
      "GET /v1/models/first HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 9\r\n\r\n{\"delay\"}"
      "GET /v1/models/third HTTP/1.1\r\nHost: x\r\n\r\n");
  auto a = c.read();
  auto b = c.read();
  auto d = c.read();
  ASSERT_TRUE(a && b && d);
  EXPECT_TRUE(a->body().starts_with("id=first"));
  EXPECT_EQ(b->body(), "{\"done\":true}");
  EXPECT_TRUE(d->body().starts_with("id=third"));
}

TEST_F(SessionTest, RequestIdIsEchoedOrGenerated) {
  start();
  auto c = client();
  c.send("GET /v1/models/x HTTP/1.1\r\nHost: x\r\nX-Request-Id: my-id-42\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)["X-Request-Id"], "my-id-42");
  EXPECT_NE(res->body().find("rid=my-id-42"), std::string::npos);

  c.send("GET /v1/models/x HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad id\r\n\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_NE((*res)["X-Request-Id"], "bad id");
  EXPECT_FALSE((*res)["X-Request-Id"].empty());

  c.send("GET /nowhere HTTP/1.1\r\nHost: x\r\nX-Request-Id: err-1\r\n\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)["X-Request-Id"], "err-1");
}

TEST_F(SessionTest, EventStreamIsChunkedSse) {
  start();
  auto c = client();
  c.send(raw_chat_post("{}"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ((*res)[http::field::content_type], "text/event-stream");
  EXPECT_EQ((*res)[http::field::cache_control], "no-cache");
  EXPECT_TRUE(res->chunked());
  EXPECT_EQ(res->body(), "data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n");
  // The connection is still usable.
  c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(c.read());
}

TEST_F(SessionTest, AHandlerThatSendsNothingIsAnswered500AndTheConnectionCloses) {
  start();
  auto c = client();
  c.send(raw_chat_post(R"({"silent"})", "X-Request-Id: quiet-1\r\n"));
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 500);
  EXPECT_EQ(error_type(*res), "api_error");
  EXPECT_NE(res->body().find("The handler produced no response (request id quiet-1)."),
            std::string::npos)
      << res->body();
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(2s));
}

TEST_F(SessionTest, AStreamItsHandlerLeftOpenIsEndedAndTheConnectionServesOn) {
  start();
  auto c = client();
  c.send(raw_chat_post(R"({"open"})"));
  auto res = c.read();  // complete only once the chunked body was terminated
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_TRUE(res->chunked());
  EXPECT_EQ(res->body(), "data: {\"n\":1}\n\n");
  c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
}

TEST_F(SessionTest, Http10EventStreamIsUnchunkedAndCloses) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.0\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n{}");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->version(), 10);
  EXPECT_FALSE(res->chunked());
  EXPECT_EQ(res->body(), "data: {\"n\":1}\n\ndata: {\"n\":2}\n\ndata: [DONE]\n\n");
}

TEST_F(SessionTest, ClientThatStopsReadingIsDroppedAfterTheWriteDeadline) {
  g_flood_done = 0;
  start();  // write_timeout 2 s
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 9\r\n\r\n{\"flood\"}");
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 600 && g_flood_done == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(g_flood_done, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text = gateway_->metrics_text();
    if (text.find("status=\"499\"") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(text.find("status=\"499\""), std::string::npos);
}

TEST_F(SessionTest, ClientDisconnectCancelsTheHandlerAndCounts499) {
  g_slow_cancelled = false;
  g_slow_started = 0;
  start();
  {
    auto c = client();
    c.send(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 8\r\n\r\n{\"slow\"}");
    for (int i = 0; i < 200 && g_slow_started == 0; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(g_slow_started, 1);
    c.close();
  }
  for (int i = 0; i < 300 && !g_slow_cancelled; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(g_slow_cancelled);
  // A scrape is not one atomic snapshot: the worker may record the request between the render's
  // read of the request counters and its read of the cancellations. Wait for both.
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text = gateway_->metrics_text();
    if (text.find("roci_cancellations_total 1") != std::string::npos &&
        text.find("status=\"499\"") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(text.find("roci_cancellations_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("status=\"499\""), std::string::npos);
}

TEST_F(SessionTest, MetricsEndpointServesPrometheusText) {
  start();
  auto c = client();
  c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_TRUE((*res)[http::field::content_type].starts_with("text/plain; version=0.0.4"));
  EXPECT_NE(res->body().find("# TYPE roci_requests_total counter"), std::string::npos);
  EXPECT_NE(res->body().find("roci_connections_open 1"), std::string::npos);
}

TEST_F(SessionTest, ConnectionsPastTheLimitGet503) {
  auto config = test_config();
  config.limits.max_connections = 1;
  start(config);
  auto first = client();
  first.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(first.read());
  auto second = client();
  second.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = second.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 503);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_EQ(error_type(*res), "api_error");
}

TEST_F(SessionTest, GracefulShutdownFinishesInFlightRequests) {
  start();
  auto idle = client();
  idle.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle.read());
  auto busy = client();
  g_slow_started = 0;
  busy.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 9\r\n\r\n{\"delay\"}");
  for (int i = 0; i < 200 && g_slow_started == 0; ++i) std::this_thread::sleep_for(5ms);
  gateway_->stop();
  EXPECT_TRUE(idle.closed_within(2s));  // idle keep-alive connections close at once
  auto res = busy.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ((*res)[http::field::connection], "close");
  gateway_->wait();
  EXPECT_EQ(gateway_->open_connections(), 0);
}

TEST(GatewayRealRouter, ServesMetricsAndErrorsWithoutOverride) {
  Gateway gateway(test_config());
  gateway.start();
  Client c(gateway.endpoint());
  c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  c.send("DELETE /health HTTP/1.1\r\nHost: x\r\n\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 405);
  gateway.stop();
  gateway.wait();
}

}  // namespace
}  // namespace roci::server::session_tests
