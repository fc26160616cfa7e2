// HttpClient against a loopback TestHttpServer: requests, responses, the keep-alive pool, the retry
// rule, deadlines, limits and their error messages.
#include "net/http_client.h"

#include "net_test_util.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <mutex>
#include <thread>

namespace roci::net {
namespace {

using namespace roci::net::testing;
using Clock = std::chrono::steady_clock;

TEST(HttpClient, GetAndPost) {
  std::mutex mutex;
  std::vector<roci::testing::ServerRequest> seen;
  TestHttpServer server([&](ScriptConnection& conn) {
    while (auto request = conn.read_request()) {
      {
        std::lock_guard lock(mutex);
        seen.push_back(*request);
      }
      conn.respond(201, "{\"echo\":\"" + request->body + "\"}", "application/json",
                   "X-Test: yes\r\n");
    }
  });
  asio::io_context ioc;
  auto client = make_client(server.url() + "/v1");

  auto got = run(ioc, client->send(get("/v1/models")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->status, 201);
  EXPECT_EQ(got->content_type, "application/json");
  EXPECT_EQ(got->body, "{\"echo\":\"\"}");
  EXPECT_TRUE(got->headers.empty()) << "header fields are only collected on request";
  HttpRequest with_headers = get("/v1/models");
  with_headers.collect_headers = true;
  got = run(ioc, client->send(std::move(with_headers)));
  ASSERT_TRUE(got) << got.error();
  bool has_x_test = false;
  for (const auto& [name, value] : got->headers) has_x_test |= name == "X-Test" && value == "yes";
  EXPECT_TRUE(has_x_test);

  HttpRequest request = post("/v1/chat/completions", "hello");
  request.headers.emplace_back("Authorization", "Bearer k");
  auto posted = run(ioc, client->send(std::move(request)));
  ASSERT_TRUE(posted) << posted.error();
  EXPECT_EQ(posted->body, "{\"echo\":\"hello\"}");

  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 3u);  // GET, GET with collect_headers, POST
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/v1/models");
  EXPECT_EQ(seen[0].header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].header("content-length"), "");
  EXPECT_EQ(seen[2].method, "POST");
  EXPECT_EQ(seen[2].header("content-type"), "application/json");
  EXPECT_EQ(seen[2].header("content-length"), "5");
  EXPECT_EQ(seen[2].header("authorization"), "Bearer k");
  EXPECT_EQ(seen[2].body, "hello");
}

// A request goes out with one non-blocking send; what the socket does not take (here: far more
// than the socket buffers hold, read late by the server) follows in order before the response is
// awaited.
TEST(HttpClient, ARequestLargerThanTheSocketTakesAtOnceArrivesWhole) {
  std::string body(16u << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::mutex mutex;
  std::string received;
  TestHttpServer server([&](ScriptConnection& conn) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the first send fills up
    if (auto request = conn.read_request(std::chrono::seconds(10))) {
      {
        std::lock_guard lock(mutex);
        received = request->body;
      }
      conn.respond(200, std::to_string(request->body.size()), "text/plain");
    }
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto got = run(ioc, client->send(post("/upload", body)));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->body, std::to_string(body.size()));
  std::lock_guard lock(mutex);
  EXPECT_TRUE(received == body) << "the server received " << received.size() << " bytes";
}

// The response head is read by the reads that then parse the body: a head that arrives a byte at a
// time, each after a wait, is read on until it is whole, and the body after it is the response's.
TEST(HttpClient, AHeadArrivingInPiecesIsReadWhole) {
  TestHttpServer server([](ScriptConnection& conn) {
    while (conn.read_request()) {
      conn.trickle("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n", 1ms);
      conn.write("ok");
    }
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto got = run(ioc, client->send(get("/")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->content_type, "text/plain");
  EXPECT_EQ(got->body, "ok");
  EXPECT_EQ(client->idle_connections(), 1u);
}

TEST(HttpClient, ChunkedAndCloseDelimitedBodies) {
  TestHttpServer server([](ScriptConnection& conn) {
    auto request = conn.read_request();
    if (!request) return;
    if (request->target == "/chunked") {
      conn.start_chunked(200, "text/plain");
      conn.chunk("hel");
      conn.chunk("lo");
      conn.end_chunks();
      echo_target_forever(conn);
    } else {
      conn.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close");
      conn.close();
    }
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto chunked = run(ioc, client->send(get("/chunked")));
  ASSERT_TRUE(chunked) << chunked.error();
  EXPECT_EQ(chunked->body, "hello");
  EXPECT_EQ(client->idle_connections(), 1u);

  auto client2 = make_client(server.url());
  auto eof = run(ioc, client2->send(get("/eof")));
  ASSERT_TRUE(eof) << eof.error();
  EXPECT_EQ(eof->body, "until close");
  EXPECT_EQ(client2->idle_connections(), 0u);  // HTTP/1.0 without keep-alive: not pooled
}

TEST(HttpClient, KeepAliveReusesOneConnection) {
  TestHttpServer server(echo_target_forever);
  asio::io_context ioc;
  auto client = make_client(server.url());
  for (const char* target : {"/a", "/b", "/c"}) {
    auto got = run(ioc, client->send(get(target)));
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(got->body, target);
  }
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(client->idle_connections(), 1u);
}

TEST(HttpClient, PoolsPerIoContext) {
  TestHttpServer server(echo_target_forever);
  asio::io_context first;
  asio::io_context second;
  auto client = make_client(server.url());
  ASSERT_TRUE(run(first, client->send(get("/1"))));
  ASSERT_TRUE(run(second, client->send(get("/2"))));  // not the first context's connection
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(client->idle_connections(), 2u);
  ASSERT_TRUE(run(first, client->send(get("/3"))));
  ASSERT_TRUE(run(second, client->send(get("/4"))));
  EXPECT_EQ(server.accepted(), 2);
  client.reset();  // before the io_contexts: pooled sockets belong to them
}

TEST(HttpClient, ConnectionCloseIsNotPooled) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (conn.read_request()) conn.respond(200, "bye", "text/plain", "Connection: close\r\n");
    conn.wait_client_close(1s);
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  ASSERT_TRUE(run(ioc, client->send(get("/1"))));
  EXPECT_EQ(client->idle_connections(), 0u);
  ASSERT_TRUE(run(ioc, client->send(get("/2"))));
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClient, IdleConnectionsExpireAfterKeepAlive) {
  TestHttpServer server(echo_target_forever);
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.keep_alive = 100ms;
  auto client = make_client(server.url(), options);
  ASSERT_TRUE(run(ioc, client->send(get("/1"))));
  ASSERT_TRUE(run(ioc, client->send(get("/2"))));
  EXPECT_EQ(server.accepted(), 1);
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(run(ioc, client->send(get("/3"))));
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClient, IdleConnectionsAreClosedOnTimeWhenAskedEvenWithoutAnotherRequest) {
  HttpOptions options = fast_options();
  options.keep_alive = 100ms;
  for (const bool on_timer : {false, true}) {
    SCOPED_TRACE(on_timer ? "close_idle_on_timer" : "default");
    TestHttpServer server(echo_target_forever);
    asio::io_context ioc;
    options.close_idle_on_timer = on_timer;
    auto client = make_client(server.url(), options);
    ASSERT_TRUE(run(ioc, client->send(get("/1")), 50ms));
    EXPECT_EQ(client->idle_connections(), 1u);
    ioc.restart();
    ioc.run_for(300ms);  // the event loop keeps running, with no request
    if (on_timer) {
      EXPECT_EQ(client->idle_connections(), 0u);
      EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }));
    } else {
      EXPECT_EQ(client->idle_connections(), 1u);  // closed lazily, at the next checkout
      EXPECT_EQ(server.client_closes(), 0);
    }
  }
}

asio::awaitable<Result<std::string>> open_two_then_read(HttpClient* client) {
  auto first = co_await client->open(get("/1"));
  if (!first) co_return first.error();
  auto second = co_await client->open(get("/2"));
  if (!second) co_return second.error();
  auto a = co_await (*first)->read_all(1000);
  if (!a) co_return a.error();
  auto b = co_await (*second)->read_all(1000);
  if (!b) co_return b.error();
  co_return *a + *b;
}

TEST(HttpClient, MaxIdleConnections) {
  TestHttpServer server(echo_target_forever);
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.max_idle_connections = 1;
  auto client = make_client(server.url(), options);
  auto both = run(ioc, open_two_then_read(client.get()));
  ASSERT_TRUE(both) << both.error();
  EXPECT_EQ(*both, "/1/2");
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(client->idle_connections(), 1u);
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }));

  options.max_idle_connections = 0;
  auto unpooled = make_client(server.url(), options);
  ASSERT_TRUE(run(ioc, unpooled->send(get("/3"))));
  EXPECT_EQ(unpooled->idle_connections(), 0u);
}

TEST(HttpClient, ServerClosedIdleConnectionIsReplaced) {
  // Like Express after its 5 s keep-alive: answer, then close the idle connection.
  TestHttpServer server([](ScriptConnection& conn) {
    if (auto request = conn.read_request()) conn.respond(200, request->target, "text/plain");
    conn.read_request(50ms);
    conn.close();
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  ASSERT_TRUE(run(ioc, client->send(get("/1"))));
  std::this_thread::sleep_for(100ms);  // the server has closed the pooled connection by now
  auto got = run(ioc, client->send(get("/2")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->body, "/2");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClient, RetriesOnceWhenReusedConnectionDiesBeforeResponse) {
  // The first connection answers one request, then takes the next one and closes without a byte
  // (the race where the server's keep-alive timer fires as the request arrives).
  std::atomic<int> connections{0};
  TestHttpServer server([&](ScriptConnection& conn) {
    if (connections++ == 0) {
      if (auto request = conn.read_request()) conn.respond(200, request->target, "text/plain");
      conn.read_request();
      conn.close();
      return;
    }
    echo_target_forever(conn);
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  ASSERT_TRUE(run(ioc, client->send(get("/1"))));
  auto got = run(ioc, client->send(post("/2", "body")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->body, "/2");
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpClient, NoRetryAfterAResponseByteArrived) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (auto request = conn.read_request()) conn.respond(200, request->target, "text/plain");
    if (conn.read_request()) conn.write("HTTP/1.1 2");
    conn.close();
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  ASSERT_TRUE(run(ioc, client->send(get("/1"))));
  auto got = run(ioc, client->send(get("/2")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamError);
  EXPECT_NE(got.error().message.find("closed the connection in the middle of the response"),
            std::string::npos)
      << got.error().message;
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClient, NoRetryOnAFreshConnection) {
  TestHttpServer server([](ScriptConnection& conn) {
    conn.read_request();
    conn.close();
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto got = run(ioc, client->send(get("/1")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamError);
  EXPECT_NE(got.error().message.find("without sending a response"), std::string::npos)
      << got.error().message;
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, ConnectionRefusedMessage) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unused_loopback_port());
  asio::io_context ioc;
  auto client = make_client(url);
  auto got = run(ioc, client->send(get("/v1/models")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_EQ(got.error().code, "upstream_unreachable");
  EXPECT_EQ(got.error().message, "Test Upstream is not reachable at " + url +
                                     ": connection refused. Is the test server running?");
}

TEST(HttpClient, ConnectTimeout) {
  // A listening socket whose accept queue is full and never drained: further connects hang.
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc);
  acceptor.open(asio::ip::tcp::v4());
  acceptor.bind({asio::ip::make_address("127.0.0.1"), 0});
  acceptor.listen(0);
  const auto endpoint = acceptor.local_endpoint();
  std::vector<int> fillers;
  for (int i = 0; i < 8; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    (void)::connect(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size()));
    fillers.push_back(fd);
  }
  // Probe: does one more connect complete? Then the kernel accepts regardless; skip.
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  (void)::connect(probe, endpoint.data(), static_cast<socklen_t>(endpoint.size()));
  pollfd p{probe, POLLOUT, 0};
  const bool connects = ::poll(&p, 1, 50) > 0;
  ::close(probe);
  if (connects) {
    for (int fd : fillers) ::close(fd);
    GTEST_SKIP() << "the kernel completes connects beyond the backlog";
  }

  HttpOptions options = fast_options();
  options.connect_timeout = 150ms;
  const std::string url = "http://127.0.0.1:" + std::to_string(endpoint.port());
  auto client = make_client(url, options);
  const auto start = Clock::now();
  auto got = run(ioc, client->send(get("/")));
  const auto elapsed = Clock::now() - start;
  for (int fd : fillers) ::close(fd);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(got.error().code, "connect_timeout");
  EXPECT_EQ(got.error().message, "Test Upstream is not reachable at " + url +
                                     ": no connection within 150 ms (connect). Is the test "
                                     "server running?");
  EXPECT_GE(elapsed, 140ms);
  EXPECT_LT(elapsed, 1s);
}

TEST(HttpClient, FirstByteTimeout) {
  TestHttpServer server([](ScriptConnection& conn) {
    conn.read_request();
    conn.wait_client_close();
  });
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.first_byte_timeout = 100ms;
  auto client = make_client(server.url(), options);
  auto got = run(ioc, client->send(get("/slow")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(got.error().code, "first_byte_timeout");
  EXPECT_EQ(got.error().message,
            "Test Upstream did not send a response within 100 ms (first byte). Raise "
            "HttpOptions::first_byte_timeout if models load slowly.");
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }, 100ms));

  // A per-request override wins over the option.
  HttpRequest request = get("/slow");
  request.first_byte_timeout = 50ms;
  const auto start = Clock::now();
  auto overridden = run(ioc, client->send(std::move(request)));
  ASSERT_FALSE(overridden);
  EXPECT_NE(overridden.error().message.find("within 50 ms"), std::string::npos);
  EXPECT_LT(Clock::now() - start, 1s);
}

// With close_idle_on_timer (long-lived event loops) a connection's deadlines share one lazily
// re-armed timer, which stays pending between requests: these run the loop only until the
// operation completed (net_test_util's run() would wait for the loop to run out of work).
template <class T>
T run_until_done(asio::io_context& ioc, asio::awaitable<T> op) {
  std::optional<T> out;
  asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(value));
  });
  ioc.restart();
  const auto give_up = Clock::now() + 5s;
  while (!out && Clock::now() < give_up) ioc.run_one_for(100ms);
  if (!out) throw std::runtime_error("the operation did not complete in time");
  return std::move(*out);
}

HttpOptions lazy_deadline_options() {
  HttpOptions options = fast_options();
  options.close_idle_on_timer = true;
  options.first_byte_timeout = 300ms;
  options.idle_timeout = 150ms;
  return options;
}

TEST(HttpClientLazyDeadline, ABreachedDeadlineIsATimeout) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (auto request = conn.read_request(); request && request->target == "/stream") {
      conn.start_chunked();
      conn.chunk("data: 1\n\n");  // then nothing: the idle deadline
    }
    conn.wait_client_close();
  });
  asio::io_context ioc;
  auto client = make_client(server.url(), lazy_deadline_options());
  const auto start = Clock::now();
  auto got = run_until_done(ioc, client->send(get("/slow")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "first_byte_timeout");
  EXPECT_GE(Clock::now() - start, 290ms);
  EXPECT_LT(Clock::now() - start, 1s);

  auto body = run_until_done(ioc, client->open(get("/stream")));
  ASSERT_TRUE(body) << body.error().message;
  auto first = run_until_done(ioc, (*body)->read_some());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, "data: 1\n\n");
  const auto waited = Clock::now();
  auto stalled = run_until_done(ioc, (*body)->read_some());
  ASSERT_FALSE(stalled);
  EXPECT_EQ(stalled.error().kind, ErrorKind::kTimeout);
  EXPECT_NE(stalled.error().message.find("in the middle of a stream"), std::string::npos)
      << stalled.error().message;
  EXPECT_GE(Clock::now() - waited, 140ms);
}

// The timer waits for the deadline of the first request; the second request's deadline is later,
// so the timer, when it fires, waits again instead of closing the connection.
TEST(HttpClientLazyDeadline, ALaterDeadlineOnAReusedConnectionIsHonoured) {
  TestHttpServer server([](ScriptConnection& conn) {
    while (auto request = conn.read_request()) {
      if (request->target == "/late") std::this_thread::sleep_for(700ms);
      conn.respond(200, "{}");
    }
  });
  asio::io_context ioc;
  HttpOptions options = lazy_deadline_options();
  options.first_byte_timeout = 1s;  // margins of 300 ms either way for a loaded machine
  auto client = make_client(server.url(), options);
  auto first = run_until_done(ioc, client->send(get("/now")));  // the timer: now + 1 s
  ASSERT_TRUE(first) << first.error().message;
  std::this_thread::sleep_for(600ms);
  // Answered about 1.3 s after /now: after the timer fires, before the second deadline (1.6 s).
  auto second = run_until_done(ioc, client->send(get("/late")));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(server.accepted(), 1);  // one connection, kept
}

TEST(HttpClient, TotalDeadlineCapsEveryStep) {
  TestHttpServer server([](ScriptConnection& conn) {
    conn.read_request();
    conn.wait_client_close();
  });
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.request_timeout = 120ms;  // first_byte_timeout is 2 s
  auto client = make_client(server.url(), options);
  auto got = run(ioc, client->send(get("/")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, "request_timeout");
  EXPECT_NE(got.error().message.find("within 120 ms"), std::string::npos) << got.error().message;

  HttpRequest request = get("/");
  request.total_timeout = 60ms;
  auto streamed = run(ioc, client->open(std::move(request)));
  ASSERT_FALSE(streamed);
  EXPECT_EQ(streamed.error().code, "request_timeout");
  EXPECT_NE(streamed.error().message.find("stream within 60 ms"), std::string::npos)
      << streamed.error().message;
}

TEST(HttpClient, BodyOverTheLimit) {
  TestHttpServer server([](ScriptConnection& conn) {
    while (auto request = conn.read_request()) {
      if (request->target == "/big") {
        conn.respond(200, std::string(2000, 'x'));
      } else {
        conn.start_chunked();
        for (int i = 0; i < 30 && conn.chunk(std::string(100, 'y')); ++i) {
        }
        conn.end_chunks();
      }
    }
  });
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.max_response_bytes = 1000;
  auto client = make_client(server.url(), options);
  auto got = run(ioc, client->send(get("/big")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(got.error().message,
            "Test Upstream's response exceeded 1000 bytes (HttpOptions::max_response_bytes).");
  auto chunked = run(ioc, client->send(get("/chunked")));
  ASSERT_FALSE(chunked);
  EXPECT_NE(chunked.error().message.find("exceeded 1000 bytes"), std::string::npos);
  EXPECT_EQ(client->idle_connections(), 0u);
}

TEST(HttpClient, HeaderOverTheLimit) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write("HTTP/1.1 200 OK\r\nX-Big: " + std::string(4000, 'h') + "\r\n\r\n");
    conn.wait_client_close();
  });
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.max_header_bytes = 1024;
  auto client = make_client(server.url(), options);
  auto got = run(ioc, client->send(get("/")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamError);
  EXPECT_NE(got.error().message.find("headers larger than 1024 bytes"), std::string::npos)
      << got.error().message;
}

TEST(HttpClient, MalformedAndTruncatedResponses) {
  TestHttpServer server([](ScriptConnection& conn) {
    auto request = conn.read_request();
    if (!request) return;
    if (request->target == "/garbage") {
      conn.write("SPDY/9 what\r\n\r\n");
    } else {
      conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    }
    conn.close();
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto garbage = run(ioc, client->send(get("/garbage")));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, ErrorKind::kUpstreamError);
  EXPECT_NE(garbage.error().message.find("malformed HTTP response"), std::string::npos)
      << garbage.error().message;
  auto cut = run(ioc, client->send(get("/cut")));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().message,
            "Test Upstream closed the connection in the middle of the response (after 10 body "
            "bytes).");
}

}  // namespace
}  // namespace roci::net
