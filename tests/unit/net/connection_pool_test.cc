// ConnectionPool: per-context slots, most recently used first, max_idle, keep-alive expiry, the
// liveness probe of a connection the server closed, and the idle timer.
#include "net/connection_pool.h"

#include "net_test_util.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace roci::net {
namespace {

using namespace roci::net::testing;
using Clock = ConnectionPool::Clock;

// A server whose connections stay open until the client closes them.
void hold_until_closed(ScriptConnection& conn) { conn.wait_client_close(5s); }

// A connection to `server` on `ioc`, pooled under the key `key`.
std::unique_ptr<Connection> connect_to(asio::io_context& ioc, const TestHttpServer& server,
                                       const void* key) {
  auto connection = std::make_unique<Connection>(ioc.get_executor(), nullptr, true, key, 65536);
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), server.port());
  auto endpoints = asio::ip::tcp::resolver::results_type::create(endpoint, "127.0.0.1",
                                                                 std::to_string(server.port()));
  auto failure = run(ioc, connection->connect(endpoints, "127.0.0.1"));
  if (failure) throw std::runtime_error("connect: " + failure->ec.message());
  return connection;
}

TEST(ConnectionPool, GivesBackTheMostRecentlyUsedConnectionOfTheSameContext) {
  TestHttpServer server(hold_until_closed);
  asio::io_context ioc;
  ConnectionPool pool(4, 30s);
  const auto now = Clock::now();
  EXPECT_EQ(pool.checkout(&ioc, now), nullptr);  // nothing pooled yet

  auto first = connect_to(ioc, server, &ioc);
  auto second = connect_to(ioc, server, &ioc);
  Connection* const second_raw = second.get();
  pool.checkin(std::move(first), now);
  pool.checkin(std::move(second), now);
  EXPECT_EQ(pool.idle(), 2u);

  auto got = pool.checkout(&ioc, now);
  EXPECT_EQ(got.get(), second_raw);
  EXPECT_EQ(pool.idle(), 1u);
  int other_context = 0;
  EXPECT_EQ(pool.checkout(&other_context, now), nullptr);  // slots are per io_context
  EXPECT_EQ(pool.idle(), 1u);
}

TEST(ConnectionPool, KeepsAtMostMaxIdleAndClosesTheOldest) {
  TestHttpServer server(hold_until_closed);
  asio::io_context ioc;
  ConnectionPool pool(2, 30s);
  const auto now = Clock::now();
  std::vector<Connection*> raw;
  for (int i = 0; i < 3; ++i) {
    auto connection = connect_to(ioc, server, &ioc);
    raw.push_back(connection.get());
    pool.checkin(std::move(connection), now);
  }
  EXPECT_EQ(pool.idle(), 2u);
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }));
  EXPECT_EQ(pool.checkout(&ioc, now).get(), raw[2]);
  EXPECT_EQ(pool.checkout(&ioc, now).get(), raw[1]);
  EXPECT_EQ(pool.checkout(&ioc, now), nullptr);
}

TEST(ConnectionPool, ZeroMaxIdleOrKeepAliveDisablesPooling) {
  TestHttpServer server(hold_until_closed);
  asio::io_context ioc;
  ConnectionPool no_idle(0, 30s);
  no_idle.checkin(connect_to(ioc, server, &ioc), Clock::now());
  EXPECT_EQ(no_idle.idle(), 0u);
  ConnectionPool no_keep_alive(4, 0s);
  no_keep_alive.checkin(connect_to(ioc, server, &ioc), Clock::now());
  EXPECT_EQ(no_keep_alive.idle(), 0u);
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 2; }));
}

TEST(ConnectionPool, ExpiredConnectionsAreClosedNotReturned) {
  TestHttpServer server(hold_until_closed);
  asio::io_context ioc;
  ConnectionPool pool(4, 1000ms);
  const auto then = Clock::now();
  pool.checkin(connect_to(ioc, server, &ioc), then);
  pool.checkin(connect_to(ioc, server, &ioc), then + 500ms);
  // At then + 1200 ms the newer one is still young: it comes back, and the older stays pooled.
  auto young = pool.checkout(&ioc, then + 1200ms);
  ASSERT_NE(young, nullptr);
  EXPECT_EQ(pool.idle(), 1u);
  // The older one is past keep_alive: dropped (closed) with everything older, nothing returned.
  EXPECT_EQ(pool.checkout(&ioc, then + 1200ms), nullptr);
  EXPECT_EQ(pool.idle(), 0u);
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }));
}

TEST(ConnectionPool, SkipsAConnectionTheServerClosedWhileItWasIdle) {
  TestHttpServer server([](ScriptConnection& conn) { conn.close(); });
  asio::io_context ioc;
  ConnectionPool pool(4, 30s);
  const auto then = Clock::now();
  pool.checkin(connect_to(ioc, server, &ioc), then);
  std::this_thread::sleep_for(50ms);  // the server's FIN arrives
  // Idle long enough to be probed: the probe sees the close.
  EXPECT_EQ(pool.checkout(&ioc, then + 1s), nullptr);
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(ConnectionPool, TheIdleTimerClosesConnectionsNobodyCameBackFor) {
  TestHttpServer server(hold_until_closed);
  asio::io_context ioc;
  {
    ConnectionPool pool(4, 200ms, /*close_on_timer=*/true);
    auto connection = connect_to(ioc, server, &ioc);
    pool.checkin(std::move(connection), Clock::now());
    EXPECT_EQ(pool.idle(), 1u);
    ioc.restart();
    ioc.run_for(100ms);
    EXPECT_EQ(pool.idle(), 1u);  // not yet
    EXPECT_EQ(server.client_closes(), 0);
    ioc.restart();
    ioc.run_for(400ms);
    EXPECT_EQ(pool.idle(), 0u);
    EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }));
  }
  // A timer left behind by a destroyed pool does nothing.
  ioc.restart();
  ioc.run_for(10ms);
}

}  // namespace
}  // namespace roci::net
