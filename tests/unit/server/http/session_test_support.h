// What the session tests share (session_test.cc, session_read_test.cc): an in-process Gateway
// (mock provider, port 0, one thread) whose routed requests go to a test dispatch, and a raw
// client whose every read has a deadline.
#pragma once

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

namespace roci::server::session_tests {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;
namespace beast = boost::beast;
using Response = http::response<http::string_body>;

inline std::atomic<bool> g_slow_cancelled{false};
inline std::atomic<int> g_flood_done{0};  // 1: ended by a failed write
inline std::atomic<int> g_slow_started{0};

// Routed requests in these tests: /metrics is real; /v1/models/{id} echoes the id and the
// request id; /v1/chat/completions streams three events, or sleeps for 30 s when the body says
// "slow", or waits 300 ms with "delay", or sends nothing with "silent", or leaves its stream open
// after one event with "open"; /health answers 200 "ok".
inline asio::awaitable<void> test_dispatch(RequestContext& ctx) {
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
    if (body.find("silent") != std::string::npos) co_return;
    if (body.find("open") != std::string::npos) {
      if (co_await ctx.writer.start_event_stream()) {
        (void)co_await ctx.writer.send_event("data: {\"n\":1}\n\n");
      }
      co_return;  // the stream's end is left to the session
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

inline const DispatchFn kTestDispatch = [](RequestContext& ctx) { return test_dispatch(ctx); };

// The bytes of a chat request whose JSON body is `body`; `fields`: more header lines, each ending
// in CRLF.
inline std::string raw_chat_post(std::string_view body, std::string_view fields = {}) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + std::string(fields) +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

inline config::GatewayConfig test_config() {
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

}  // namespace roci::server::session_tests
