// The session and gateway over real loopback sockets: an in-process Gateway (mock provider,
// port 0, one thread) driven by raw Beast clients. Routed requests go to a test dispatch.
#include "server/http/session.h"

#include "config/gateway_config.h"
#include "server/api/handlers.h"
#include "server/api/http_error.h"
#include "server/gateway.h"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace roci::server {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
namespace beast = boost::beast;
using Response = http::response<http::string_body>;

std::atomic<bool> g_slow_cancelled{false};
std::atomic<int> g_flood_done{0};  // 1: ended by a failed write
std::atomic<int> g_slow_started{0};

// Routed requests in these tests: /metrics is real; /v1/models/{id} echoes the id and the
// request id; /v1/chat/completions streams three events, or sleeps for 30 s when the body says
// "slow", or waits 300 ms with "delay"; /health answers 200 "ok".
asio::awaitable<void> test_dispatch(RequestContext& ctx) {
  const std::string_view target = ctx.request.target();
  if (target == "/metrics") co_return co_await handle_metrics(ctx);
  if (target.starts_with("/v1/models/")) {
    ctx.log.route = "/v1/models/{id}";
    std::string body = "id=" + std::string(target.substr(11)) + " rid=" + ctx.log.request_id;
    (void)co_await ctx.writer.send(200, "text/plain", std::move(body));
    co_return;
  }
  if (target == "/v1/chat/completions") {
    ctx.log.route = "/v1/chat/completions";
    const std::string& body = ctx.request.body();
    if (body.find("slow") != std::string::npos || body.find("delay") != std::string::npos) {
      ++g_slow_started;
      asio::steady_timer timer(co_await asio::this_coro::executor,
                               body.find("slow") != std::string::npos ? 30s : 300ms);
      auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        g_slow_cancelled = true;
        co_return co_await send_error(ctx, Error::cancelled());
      }
      (void)co_await ctx.writer.send(200, "application/json", "{\"done\":true}");
      co_return;
    }
    if (body.find("flood") != std::string::npos) {  // until the client stops reading
      if (!co_await ctx.writer.start_event_stream()) co_return;
      const std::string event = "data: " + std::string(64 * 1024, 'x') + "\n\n";
      for (;;) {
        if (!co_await ctx.writer.send_event(event)) break;
      }
      g_flood_done = 1;
      co_return;
    }
    if (!co_await ctx.writer.start_event_stream()) co_return;
    for (const char* e : {"data: {\"n\":1}\n\n", "data: {\"n\":2}\n\n", "data: [DONE]\n\n"}) {
      if (!co_await ctx.writer.send_event(e)) co_return;
    }
    (void)co_await ctx.writer.end_event_stream();
    co_return;
  }
  (void)co_await ctx.writer.send(200, "text/plain", "ok");
}

const DispatchFn kTestDispatch = [](RequestContext& ctx) { return test_dispatch(ctx); };

config::GatewayConfig test_config() {
  config::GatewayConfig c;
  c.inference.provider = "mock";
  c.server.host = "127.0.0.1";
  c.server.port = 0;
  c.server.threads = 1;
  c.server.request_header_timeout_secs = 1;
  c.server.request_body_timeout_secs = 2;
  c.server.idle_keep_alive_secs = 5;
  c.server.shutdown_grace_secs = 3;
  c.limits.max_header_bytes = 4096;
  c.limits.max_body_bytes = 64 * 1024;
  return c;
}

// A blocking-style client whose every read has a deadline.
class Client {
 public:
  explicit Client(const tcp::endpoint& ep) { socket_.connect(ep); }

  void send(std::string_view raw) { asio::write(socket_, asio::buffer(raw)); }

  // nullopt on timeout or error.
  std::optional<Response> read(std::chrono::milliseconds timeout = 5s) {
    Response res;
    beast::error_code result = asio::error::timed_out;
    bool done = false;
    http::async_read(socket_, buffer_, res, [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    run(timeout, done);
    if (!done || result) return std::nullopt;
    return res;
  }

  // True when the server closed the connection within `timeout` (EOF or reset).
  bool closed_within(std::chrono::milliseconds timeout) {
    char byte;
    beast::error_code result;
    bool done = false;
    socket_.async_read_some(asio::buffer(&byte, 1), [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    run(timeout, done);
    return done && result;
  }

  void close() { socket_.close(); }

 private:
  void run(std::chrono::milliseconds timeout, bool& done) {
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      socket_.cancel();
      ioc_.restart();
      ioc_.run();
    }
  }

  asio::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buffer_;
};

class SessionTest : public ::testing::Test {
 protected:
  void start(config::GatewayConfig config = test_config(), bool override_dispatch = true) {
    GatewayOptions options;
    if (override_dispatch) options.dispatch = kTestDispatch;
    options.write_timeout = 2s;
    gateway_ = std::make_unique<Gateway>(std::move(config), std::move(options));
    gateway_->start();
  }
  void TearDown() override {
    if (gateway_) {
      gateway_->stop();
      gateway_->wait();
    }
  }
  Client client() { return Client(gateway_->endpoint()); }

  std::string error_type(const Response& res) {
    auto v = boost::json::parse(res.body());
    return std::string(v.at("error").at("type").as_string());
  }

  std::unique_ptr<Gateway> gateway_;
};

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

TEST_F(SessionTest, OversizedContentLengthIs413BeforeTheBody) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000000\r\n\r\n");
  auto res = c.read(3s);  // no body was sent
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(3s));
}

TEST_F(SessionTest, ChunkedBodyCrossingTheLimitIs413) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  std::string chunk(40 * 1024, 'a');
  std::string framed = "a000\r\n" + chunk + "\r\n";
  c.send(framed);
  c.send(framed);  // 80 KiB > 64 KiB
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413);
}

TEST_F(SessionTest, NonJsonPostIs415) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: text/html\r\n"
      "Content-Length: 2\r\n\r\nhi");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 415);
  EXPECT_EQ(error_type(*res), "invalid_request_error");
}

TEST_F(SessionTest, OversizedHeadersAre431) {
  start();
  auto c = client();
  c.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 431);
  EXPECT_TRUE(c.closed_within(3s));
}

TEST_F(SessionTest, TooManyHeaderFieldsAre431NamingTheLimit) {
  auto config = test_config();
  config.limits.max_header_count = 10;
  start(config);
  auto fields = [](int n) {
    std::string out = "Host: x\r\n";
    for (int i = 1; i < n; ++i) out += "X-F" + std::to_string(i) + ": v\r\n";
    return out;
  };
  auto ok = client();
  ok.send("GET /health HTTP/1.1\r\n" + fields(10) + "\r\n");  // exactly at the limit
  auto res = ok.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);

  auto c = client();
  c.send("GET /health HTTP/1.1\r\n" + fields(11) + "\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 431);
  EXPECT_EQ(error_type(*res), "invalid_request_error");
  EXPECT_NE(res->body().find("limits.max_header_count is 10"), std::string::npos) << res->body();
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(3s));
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

TEST_F(SessionTest, SlowHeadersAreCutOffAfterTheDeadline) {
  start();
  auto c = client();
  const auto t0 = std::chrono::steady_clock::now();
  c.send("GET /health HTTP/1.1\r\nHost: x\r\n");  // never finished
  EXPECT_TRUE(c.closed_within(4s));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s);
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

// The head and body are parsed from what the first read brought; the rest is read as it comes.
TEST_F(SessionTest, HeadAndBodyArrivingInPiecesAreReadWhole) {
  start();
  auto c = client();
  const std::string body = "{\"x\":\"delay\"}";
  c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: appl");
  std::this_thread::sleep_for(50ms);
  c.send("ication/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body.substr(0, 7));
  std::this_thread::sleep_for(50ms);
  c.send(body.substr(7));
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->body(), "{\"done\":true}");  // the handler saw the whole body
}

TEST_F(SessionTest, AMalformedBodyThatCameWithTheHeadIs400) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400);
  EXPECT_EQ(error_type(*res), "invalid_request_error");
  EXPECT_NE(res->body().find("Malformed request body"), std::string::npos) << res->body();
  EXPECT_FALSE(res->keep_alive());
}

TEST_F(SessionTest, ABodyOverTheLimitThatCameWithTheHeadIs413) {
  start();
  auto c = client();
  const std::string chunk(40 * 1024, 'a');
  const std::string framed = "a000\r\n" + chunk + "\r\n";
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      framed + framed);  // 80 KiB > 64 KiB, all in one write
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413);
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
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n{}");
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

TEST_F(SessionTest, ExpectContinueGetsAnInterimResponse) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  auto first = c.read(3s);  // Beast reads the 100 as a complete message
  ASSERT_TRUE(first);
  EXPECT_EQ(first->result_int(), 100);
  c.send("{}");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
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
}  // namespace roci::server
