// The server core: script connections (requests, counters, closes, resets, trickles, TLS
// refusals), session coroutines with their helpers, and the destructor unblocking scripts.
#include "support/test_http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "support/test_certs.h"
#include "support/test_http_client.h"

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(TestHttpServer, ScriptsReadPipelinedRequestsAndCountThem) {
  std::vector<ServerRequest> seen;
  std::mutex mutex;
  TestHttpServer server([&](ScriptConnection& conn) {
    while (auto request = conn.read_request()) {
      {
        std::lock_guard lock(mutex);
        seen.push_back(*request);
      }
      conn.respond(200, request->body, "text/plain");
    }
  });
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()));
  TestConnection c(server.port());
  c.send(request_text("POST", "/a?x=1", "one", {{"X-Name", "v"}}) +
         request_text("GET", "/b", "", {{"Connection", "close"}}));
  EXPECT_EQ(c.read_response().body, "one");
  EXPECT_EQ(c.read_response().status, 200);
  c.close();
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }));
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(server.requests(), 2);
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/a?x=1");
  EXPECT_EQ(seen[0].header("x-name"), "v");
  EXPECT_EQ(seen[0].body, "one");
  EXPECT_TRUE(seen[0].keep_alive);
  EXPECT_FALSE(seen[1].keep_alive);
}

TEST(TestHttpServer, ReadRequestHasADeadlineAndRefusesNonHttp) {
  std::atomic<int> timed_out{0};
  TestHttpServer server([&](ScriptConnection& conn) {
    const auto start = Clock::now();
    if (!conn.read_request(100ms) && Clock::now() - start < 1s) ++timed_out;
  });
  TestConnection silent(server.port());
  EXPECT_TRUE(silent.wait_for_close(2s)) << "the script ended at its deadline";
  TestConnection garbage(server.port());
  garbage.send("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_TRUE(garbage.wait_for_close(2s));
  EXPECT_EQ(timed_out, 2);
  EXPECT_EQ(server.requests(), 0);
  EXPECT_EQ(server.client_closes(), 0) << "neither client closed first";
}

TEST(TestHttpServer, TrickleStallAndReset) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n");
    conn.trickle("abcd", 20ms);
    if (!conn.read_request()) return;
    conn.close(/*reset=*/true);
  });
  TestConnection c(server.port());
  const auto start = Clock::now();
  EXPECT_EQ(c.request("GET", "/").body, "abcd");
  EXPECT_GE(Clock::now() - start, 75ms);
  c.send_request("GET", "/again");
  EXPECT_TRUE(c.wait_for_close(2s));
  EXPECT_EQ(c.received(), "");
}

TEST(TestHttpServer, WaitClientCloseSeesTheClientLeave) {
  std::atomic<int> saw_close{0};
  TestHttpServer server([&](ScriptConnection& conn) {
    if (conn.wait_client_close(2s)) ++saw_close;
  });
  { TestConnection c(server.port()); }
  EXPECT_TRUE(eventually([&] { return saw_close == 1; }));
  EXPECT_EQ(server.client_closes(), 1);
}

TEST(TestHttpServer, TheDestructorUnblocksScripts) {
  Gate never;
  std::atomic<bool> ended{false};
  const auto start = Clock::now();
  {
    TestHttpServer server([&](ScriptConnection& conn) {
      conn.wait_client_close(30s);
      ended = true;
    });
    TestConnection c(server.port());
    ASSERT_TRUE(eventually([&] { return server.accepted() == 1; }));
  }
  EXPECT_TRUE(ended);
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(TestHttpServer, APlainClientFailsTheTlsHandshake) {
  const auto cert = make_self_signed("DNS:localhost");
  SSL_CTX* ctx = cert.server_context();
  std::atomic<int> scripts{0};
  TestHttpServer server([&](ScriptConnection&) { ++scripts; }, ctx);
  SSL_CTX_free(ctx);  // the server holds its own reference
  EXPECT_EQ(server.url().rfind("https://127.0.0.1:", 0), 0u);
  TestConnection c(server.port());
  c.send(request_text("GET", "/"));
  EXPECT_TRUE(c.wait_for_close(3s));
  EXPECT_TRUE(eventually([&] { return server.tls_failures() == 1; }));
  EXPECT_EQ(scripts, 0);
}

// A session answering every request with its target, until the client leaves or stays idle.
boost::asio::awaitable<void> echo_session(Tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    RequestRead read = co_await read_request(
        socket, buffer, RequestLimits{.max_body_bytes = 8, .idle_timeout = 200ms});
    if (read.outcome == RequestRead::Outcome::kBodyTooLarge) {
      co_await write_all(socket, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n");
      break;
    }
    if (read.outcome != RequestRead::Outcome::kRequest) break;
    const std::string& target = read.request.target;
    if (target == "/sleep" && co_await sleep_unless_closed(socket, 5s)) break;
    std::string out = response_head(200, "text/plain", target.size()) + target;
    if (!co_await write_all(socket, out)) break;
  }
  close_socket(socket, false);
}

TEST(TestHttpServer, SessionsServeOnTheIoContext) {
  TestHttpServer server({.threads = 2},
                        [](Tcp::socket socket) { return echo_session(std::move(socket)); });
  TestConnection c(server.port());
  EXPECT_EQ(c.request("GET", "/one").body, "/one");
  EXPECT_EQ(c.request("GET", "/two").body, "/two");
  EXPECT_EQ(c.request("POST", "/big", "123456789").status, 413);
  EXPECT_TRUE(c.wait_for_close(1s));

  TestConnection idle(server.port());
  const auto start = Clock::now();
  EXPECT_TRUE(idle.wait_for_close(2s));
  EXPECT_GE(Clock::now() - start, 150ms) << "closed at the idle timeout";

  TestConnection sleeper(server.port());
  sleeper.send_request("GET", "/sleep");
  std::this_thread::sleep_for(50ms);
  sleeper.close();  // the session's sleep ends at once
  EXPECT_EQ(server.accepted(), 3);
}

}  // namespace
}  // namespace roci::testing
