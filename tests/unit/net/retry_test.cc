// HttpClient's retries against a loopback TestHttpServer: 502/503 and refused connections are sent
// again with backoff, within the total deadline and the retry budget; cancellation stops the wait;
// timeouts after sending and other statuses are never retried; on_retry sees every retry.
#include "net/http_client.h"

#include "net_test_util.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <vector>

namespace roci::net {
namespace {

using namespace roci::net::testing;
using Clock = std::chrono::steady_clock;

// Options with retries on, and every on_retry call recorded.
struct Retries {
  std::mutex mutex;
  std::vector<HttpRetry> seen;

  HttpOptions options(int max_retries, Ms backoff = 20ms) {
    HttpOptions o = fast_options();
    o.max_retries = max_retries;
    o.retry_backoff = backoff;
    o.on_retry = [this](const HttpRetry& r) {
      std::lock_guard lock(mutex);
      seen.push_back(r);
    };
    return o;
  }
  std::vector<HttpRetry> calls() {
    std::lock_guard lock(mutex);
    return seen;
  }
};

// Answers the first `failures` requests (over all connections) with `status`, the rest with 200.
TestHttpServer::Script fail_first(std::atomic<int>& count, int failures, int status = 503) {
  return [&count, failures, status](ScriptConnection& conn) {
    while (auto request = conn.read_request()) {
      const bool fail = count++ < failures;
      if (!conn.respond(fail ? status : 200, fail ? "{\"error\":\"busy\"}" : request->target)) {
        return;
      }
    }
  };
}

TEST(HttpClientRetry, A503IsRetriedAndTheSecondAnswerReturned) {
  std::atomic<int> count{0};
  TestHttpServer server(fail_first(count, 1));
  Retries retries;
  asio::io_context ioc;
  auto client = make_client(server.url(), retries.options(2));
  auto got = run(ioc, client->send(post("/v1/chat/completions", "{}")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "/v1/chat/completions");
  EXPECT_EQ(server.requests(), 2);
  const auto calls = retries.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].attempt, 1);
  EXPECT_EQ(calls[0].max_retries, 2);
  EXPECT_FALSE(calls[0].stale_connection);
  EXPECT_NE(calls[0].cause.find("Test Upstream at " + server.url() + " answered HTTP 503"),
            std::string::npos)
      << calls[0].cause;
}

TEST(HttpClientRetry, A502IsRetriedToo) {
  std::atomic<int> count{0};
  TestHttpServer server(fail_first(count, 1, 502));
  Retries retries;
  asio::io_context ioc;
  auto client = make_client(server.url(), retries.options(1));
  auto got = run(ioc, client->send(get("/x")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClientRetry, AfterTheLastRetryThe503IsTheResponse) {
  std::atomic<int> count{0};
  TestHttpServer server(fail_first(count, 1000));
  Retries retries;
  asio::io_context ioc;
  auto client = make_client(server.url(), retries.options(2, 50ms));
  const auto start = Clock::now();
  auto got = run(ioc, client->send(post("/v1/chat/completions", "{}")));
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->status, 503);
  EXPECT_EQ(got->body, "{\"error\":\"busy\"}");
  EXPECT_EQ(server.requests(), 3);  // 1 + max_retries
  const auto calls = retries.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].attempt, 1);
  EXPECT_EQ(calls[1].attempt, 2);
  EXPECT_GE(calls[0].delay, 40ms);  // 50 ms +-20%
  EXPECT_LE(calls[0].delay, 60ms);
  EXPECT_GE(calls[1].delay, 80ms);  // doubled
  EXPECT_LE(calls[1].delay, 120ms);
  EXPECT_GE(elapsed, calls[0].delay + calls[1].delay);
}

TEST(HttpClientRetry, OpenRetriesBeforeReturningTheBody) {
  std::atomic<int> count{0};
  TestHttpServer server([&count](ScriptConnection& conn) {
    while (conn.read_request()) {
      if (count++ == 0) {
        if (!conn.respond(503, "{\"error\":\"loading\"}")) return;
        continue;
      }
      conn.start_chunked();
      conn.chunk("data: 1\n\n");
      conn.end_chunks();
    }
  });
  Retries retries;
  asio::io_context ioc;
  auto client = make_client(server.url(), retries.options(2));
  auto body = run(ioc, client->open(post("/v1/chat/completions", "{}")));
  ASSERT_TRUE(body) << body.error();
  EXPECT_EQ((*body)->status(), 200);
  auto all = run(ioc, (*body)->read_all(1024));
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(*all, "data: 1\n\n");
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClientRetry, ARefusedConnectionIsRetriedThenReported) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_loopback_port());
  Retries retries;
  asio::io_context ioc;
  auto client = make_client(url, retries.options(2));
  auto got = run(ioc, client->send(get("/v1/models")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_NE(got.error().message.find("connection refused"), std::string::npos);
  const auto calls = retries.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_NE(calls[0].cause.find("connection refused"), std::string::npos) << calls[0].cause;
}

TEST(HttpClientRetry, OtherStatusesAreNotRetried) {
  for (int status : {500, 429, 404, 400}) {
    std::atomic<int> count{0};
    TestHttpServer server(fail_first(count, 1, status));
    Retries retries;
    asio::io_context ioc;
    auto client = make_client(server.url(), retries.options(2));
    auto got = run(ioc, client->send(get("/x")));
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(got->status, status);
    EXPECT_EQ(server.requests(), 1) << status;
    EXPECT_TRUE(retries.calls().empty()) << status;
  }
}

TEST(HttpClientRetry, AFirstByteTimeoutIsNotRetried) {
  TestHttpServer server([](ScriptConnection& conn) {
    conn.read_request();
    conn.wait_client_close();
  });
  Retries retries;
  HttpOptions options = retries.options(2);
  options.first_byte_timeout = 150ms;
  asio::io_context ioc;
  auto client = make_client(server.url(), options);
  auto got = run(ioc, client->send(post("/v1/chat/completions", "{}")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(got.error().code, "first_byte_timeout");
  EXPECT_EQ(server.requests(), 1);
  EXPECT_TRUE(retries.calls().empty());
}

TEST(HttpClientRetry, APerRequestBudgetOverridesTheOptions) {
  std::atomic<int> count{0};
  TestHttpServer server(fail_first(count, 1));
  Retries retries;
  asio::io_context ioc;
  auto client = make_client(server.url(), retries.options(2));
  HttpRequest request = get("/health");
  request.max_retries = 0;
  auto got = run(ioc, client->send(std::move(request)));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->status, 503);
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpClientRetry, BackoffNeverRunsPastTheTotalDeadline) {
  std::atomic<int> count{0};
  TestHttpServer server(fail_first(count, 1000));
  Retries retries;
  HttpOptions options = retries.options(5, 200ms);
  options.request_timeout = 500ms;
  asio::io_context ioc;
  auto client = make_client(server.url(), options);
  const auto start = Clock::now();
  auto got = run(ioc, client->send(get("/x")));
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->status, 503);  // the second backoff (320-480 ms) would pass the deadline
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(retries.calls().size(), 1u);
  EXPECT_LT(elapsed, 500ms);
}

TEST(HttpClientRetry, CancellationStopsTheBackoffAtOnce) {
  std::atomic<int> count{0};
  TestHttpServer server(fail_first(count, 1000));
  Retries retries;
  asio::io_context ioc;
  auto client = make_client(server.url(), retries.options(2, 1000ms));
  const auto start = Clock::now();
  auto got = run_cancelled_after(ioc, client->send(get("/x")), 100ms);
  EXPECT_LT(Clock::now() - start, 500ms);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpClientRetry, AStaleResendIsReportedAndCostsNoRetry) {
  std::atomic<int> connections{0};
  TestHttpServer server([&](ScriptConnection& conn) {
    if (connections++ == 0) {
      if (auto request = conn.read_request()) conn.respond(200, request->target, "text/plain");
      conn.read_request();
      conn.close();  // takes the second request and closes without a byte
      return;
    }
    echo_target_forever(conn);
  });
  Retries retries;
  asio::io_context ioc;
  auto client = make_client(server.url(), retries.options(0));
  ASSERT_TRUE(run(ioc, client->send(get("/1"))));
  auto got = run(ioc, client->send(get("/2")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->body, "/2");
  EXPECT_EQ(server.accepted(), 2);
  const auto calls = retries.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].stale_connection);
  EXPECT_EQ(calls[0].delay, 0ms);
}

}  // namespace
}  // namespace roci::net
