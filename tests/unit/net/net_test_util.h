// Helpers shared by the net unit tests (header-only): run one awaitable to completion on an
// io_context, build clients and requests for a scripted TestHttpServer
// (support/test_http_server.h).
#pragma once

#include "net/http_client.h"
#include "support/test_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

namespace roci::net::testing {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;
using roci::testing::eventually;
using roci::testing::Gate;
using roci::testing::ScriptConnection;
using roci::testing::TestHttpServer;

// Runs `op` on `ioc` until it completes (at most `limit`) and returns its value.
template <class T>
T run(boost::asio::io_context& ioc, boost::asio::awaitable<T> op, Ms limit = 5s) {
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) out.emplace(std::move(value));
  });
  ioc.restart();
  ioc.run_for(limit);
  if (error) std::rethrow_exception(error);
  if (!out) throw std::runtime_error("the operation did not complete in time");
  return std::move(*out);
}

// Runs `op`, emits a terminal cancellation after `after` and returns the op's value (at most
// 3 s; an exception from `op` is rethrown).
template <class T>
T run_cancelled_after(boost::asio::io_context& ioc, boost::asio::awaitable<T> op, Ms after) {
  boost::asio::cancellation_signal signal;
  boost::asio::steady_timer timer(ioc, after);
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(
      ioc, std::move(op),
      boost::asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e) out.emplace(std::move(value));
        timer.cancel();
      }));
  timer.async_wait([&](boost::system::error_code ec) {
    if (!ec) signal.emit(boost::asio::cancellation_type::terminal);
  });
  ioc.restart();
  ioc.run_for(3s);
  if (error) std::rethrow_exception(error);
  if (!out) throw std::runtime_error("the cancelled operation did not complete");
  return std::move(*out);
}

// A loopback port that was bound and released without listening: connecting to it is refused.
inline unsigned short unused_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline UpstreamIdentity test_identity(const std::string& url) {
  return {"Test Upstream", url, "Is the test server running?"};
}

// A client for `url` with short, test-sized deadlines unless overridden, and no backoff retries
// (retry_test.cc turns them on; the stale-connection resend is always on).
inline HttpOptions fast_options() {
  HttpOptions o;
  o.connect_timeout = 1s;
  o.first_byte_timeout = 2s;
  o.idle_timeout = 2s;
  o.request_timeout = 3s;
  o.stream_timeout = 3s;
  o.max_retries = 0;
  return o;
}

inline std::unique_ptr<HttpClient> make_client(const std::string& url,
                                               HttpOptions options = fast_options()) {
  auto origin = parse_base_url(url);
  if (!origin) throw std::runtime_error(origin.error().message);
  return std::make_unique<HttpClient>(*origin, std::move(options), test_identity(url));
}

inline HttpRequest get(std::string target) {
  HttpRequest r;
  r.method = http::verb::get;
  r.target = std::move(target);
  return r;
}

inline HttpRequest post(std::string target, std::string body) {
  HttpRequest r;
  r.method = http::verb::post;
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

// A keep-alive server script: answers every request with 200 and the request's target as body.
inline void echo_target_forever(ScriptConnection& conn) {
  while (auto request = conn.read_request()) {
    if (!conn.respond(200, request->target, "text/plain")) return;
  }
}

}  // namespace roci::net::testing
