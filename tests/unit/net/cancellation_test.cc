// Per-operation cancellation of HttpClient awaitables: the gateway cancels them when its client
// goes away, and the upstream must see the connection close at once (LM Studio then stops
// generating). Each case: the operation completes promptly with kCancelled (or loses the race in
// `||`), and the server observes the close within 100 ms.
#include "net/http_client.h"

#include "net_test_util.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace roci::net {
namespace {

using namespace roci::net::testing;
using namespace boost::asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

void answer_never(ScriptConnection& conn) {
  conn.read_request();
  conn.wait_client_close();
}

void stream_one_chunk_then_stall(ScriptConnection& conn) {
  if (!conn.read_request()) return;
  conn.start_chunked();
  conn.chunk("data: 1\n\n");
  conn.wait_client_close();
}

// A streamed body waiting in the middle: open() against stream_one_chunk_then_stall's server and,
// with `read_first`, its first piece read. `body` is null when either failed (reported).
struct BodyInTheMiddle {
  explicit BodyInTheMiddle(bool read_first = true) {
    auto opened = run(ioc, client->open(get("/")));
    if (!opened) {
      ADD_FAILURE() << opened.error();
      return;
    }
    if (read_first) {
      if (auto first = run(ioc, (*opened)->read_some()); !first) {
        ADD_FAILURE() << first.error();
        return;
      }
    }
    body = std::move(*opened);
  }

  TestHttpServer server{stream_one_chunk_then_stall};
  asio::io_context ioc;
  std::unique_ptr<HttpClient> client = make_client(server.url());
  std::unique_ptr<HttpBodyReader> body;
};

asio::awaitable<bool> send_racing_timer(HttpClient* client, HttpRequest request, Ms after) {
  asio::steady_timer timer(co_await asio::this_coro::executor, after);
  auto winner =
      co_await (client->send(std::move(request)) || timer.async_wait(asio::use_awaitable));
  co_return winner.index() == 1;
}

TEST(Cancellation, SendLosingARaceAgainstATimer) {
  TestHttpServer server(answer_never);
  asio::io_context ioc;
  auto client = make_client(server.url());
  const auto start = Clock::now();
  EXPECT_TRUE(run(ioc, send_racing_timer(client.get(), post("/v1/chat/completions", "{}"), 50ms)));
  EXPECT_LT(Clock::now() - start, 500ms);
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }, 100ms));
  EXPECT_EQ(client->idle_connections(), 0u);
}

TEST(Cancellation, SendWithABoundCancellationSlot) {
  TestHttpServer server(answer_never);
  asio::io_context ioc;
  auto client = make_client(server.url());
  const auto start = Clock::now();
  auto got = run_cancelled_after(ioc, client->send(post("/v1/chat/completions", "{}")), 50ms);
  EXPECT_LT(Clock::now() - start, 500ms);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(got.error().message, "the request to Test Upstream was cancelled");
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }, 100ms));
}

TEST(Cancellation, OpenWhileWaitingForHeaders) {
  TestHttpServer server(answer_never);
  asio::io_context ioc;
  auto client = make_client(server.url());
  const auto start = Clock::now();
  auto got = run_cancelled_after(ioc, client->open(post("/v1/chat/completions", "{}")), 50ms);
  EXPECT_LT(Clock::now() - start, 500ms);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }, 100ms));
}

TEST(Cancellation, ReadSomeInTheMiddleOfABody) {
  BodyInTheMiddle m;
  ASSERT_TRUE(m.body);
  const auto start = Clock::now();
  auto got = run_cancelled_after(m.ioc, m.body->read_some(), 50ms);
  EXPECT_LT(Clock::now() - start, 500ms);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(eventually([&] { return m.server.client_closes() == 1; }, 100ms));
  auto after = run(m.ioc, m.body->read_some());
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().kind, ErrorKind::kCancelled);
}

// read_some()'s steps with the caller cancelled and a read still needed: kCancelled at once (no
// read started), the connection closed, and every later step says so again.
TEST(Cancellation, ReadSomeStepsWhenTheCallerIsCancelled) {
  BodyInTheMiddle m;
  ASSERT_TRUE(m.body);
  EXPECT_TRUE(m.body->read_buffered(true));  // decided: no read is started
  auto cancelled = m.body->piece();
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(eventually([&] { return m.server.client_closes() == 1; }, 1s));
  EXPECT_TRUE(m.body->read_buffered(false));
  EXPECT_EQ(m.body->piece().error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(m.client->idle_connections(), 0u);
}

asio::awaitable<bool> read_racing_timer(HttpBodyReader* body, Ms after) {
  asio::steady_timer timer(co_await asio::this_coro::executor, after);
  auto winner = co_await (body->read_some() || timer.async_wait(asio::use_awaitable));
  co_return winner.index() == 1;
}

TEST(Cancellation, ReadSomeLosingARaceAgainstATimer) {
  BodyInTheMiddle m;
  ASSERT_TRUE(m.body);
  EXPECT_TRUE(run(m.ioc, read_racing_timer(m.body.get(), 30ms)));
  EXPECT_TRUE(eventually([&] { return m.server.client_closes() == 1; }, 100ms));
}

TEST(Cancellation, ReadAllInTheMiddleOfABody) {
  BodyInTheMiddle m(/*read_first=*/false);
  ASSERT_TRUE(m.body);
  auto got = run_cancelled_after(m.ioc, m.body->read_all(1 << 20), 50ms);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(eventually([&] { return m.server.client_closes() == 1; }, 100ms));
}

TEST(Cancellation, WhileConnecting) {
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
  auto client = make_client("http://127.0.0.1:" + std::to_string(endpoint.port()));
  const auto start = Clock::now();
  auto got = run_cancelled_after(ioc, client->send(get("/")), 50ms);
  for (int fd : fillers) ::close(fd);
  EXPECT_LT(Clock::now() - start, 500ms);
  ASSERT_FALSE(got);
  // kCancelled, or (if the kernel accepted anyway) whatever the exchange produced by then.
  if (got.error().kind != ErrorKind::kCancelled) {
    GTEST_SKIP() << "connect did not hang: " << got.error();
  }
}

}  // namespace
}  // namespace roci::net
