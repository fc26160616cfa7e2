// ConnectionPool: idle keep-alive connections of one HttpClient, kept per io_context.
//
//   ConnectionPool pool(/*max_idle=*/10, /*keep_alive=*/std::chrono::seconds(30));
//   auto conn = pool.checkout(&ioc, Clock::now());   // null: connect a new one
//   ... one complete exchange ...
//   if (conn->reusable()) pool.checkin(std::move(conn), Clock::now());
//
// Each io_context gets its own slot (a lock-free registry of up to kMaxContexts contexts; further
// contexts simply do not pool). A slot is only touched by coroutines of its own io_context, so no
// lock is taken, provided each io_context is run by one thread (or the client is used serially).
// checkout() returns the most recently used connection that is younger than keep_alive and still
// open; older ones are closed. checkin() keeps at most max_idle connections per context (the
// oldest is closed). With `close_on_timer`, an idle connection is also closed once it is
// keep_alive old when the pool is not used again: each context with idle connections has one
// timer, armed for the oldest one's expiry, so a quiet gateway holds no upstream sockets (nor
// half-closed ones the server left). That timer keeps io_context::run() from returning while
// connections are idle (see HttpOptions::close_idle_on_timer).
// Connections must be destroyed on their own io_context: destroy the pool before the io_contexts
// it served, while they are not running (a timer that fires later does nothing).
#pragma once

#include "net/connection.h"

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

namespace roci::net {

class ConnectionPool {
 public:
  using Clock = Connection::Clock;
  static constexpr std::size_t kMaxContexts = 64;

  ConnectionPool(std::size_t max_idle, std::chrono::milliseconds keep_alive,
                 bool close_on_timer = false);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  std::unique_ptr<Connection> checkout(const void* context_key, Clock::time_point now);
  void checkin(std::unique_ptr<Connection> connection, Clock::time_point now);
  // Idle connections over all contexts (approximate while other threads use the pool).
  std::size_t idle() const;

 private:
  struct Slot {
    std::atomic<const void*> key{nullptr};
    std::atomic<std::size_t> count{0};
    std::vector<std::unique_ptr<Connection>> idle;  // oldest first
    std::unique_ptr<asio::steady_timer> sweeper;    // on the slot's io_context
    bool sweep_armed = false;
  };
  Slot* find(const void* context_key, bool create);
  bool expired(const Connection& connection, Clock::time_point now) const;
  // Closes the expired connections at the front of slot.idle.
  void drop_expired(Slot& slot, Clock::time_point now);
  // Arms slot.sweeper for the oldest idle connection's expiry, unless it is armed already.
  void schedule_sweep(Slot& slot);

  std::size_t max_idle_;
  std::chrono::milliseconds keep_alive_;
  bool close_on_timer_;
  std::array<Slot, kMaxContexts> slots_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // sweeps check it: pool not destroyed
};

}  // namespace roci::net
