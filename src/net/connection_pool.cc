#include "net/connection_pool.h"

#include <algorithm>

namespace roci::net {

ConnectionPool::ConnectionPool(std::size_t max_idle, std::chrono::milliseconds keep_alive,
                               bool close_on_timer)
    : max_idle_(max_idle), keep_alive_(keep_alive), close_on_timer_(close_on_timer) {}

ConnectionPool::~ConnectionPool() { alive_.reset(); }

ConnectionPool::Slot* ConnectionPool::find(const void* context_key, bool create) {
  for (Slot& slot : slots_) {
    const void* key = slot.key.load(std::memory_order_acquire);
    if (key == context_key) return &slot;
    if (key == nullptr) {
      if (!create) return nullptr;
      const void* expected = nullptr;
      if (slot.key.compare_exchange_strong(expected, context_key, std::memory_order_acq_rel)) {
        return &slot;
      }
      if (expected == context_key) return &slot;  // another thread registered the same key
    }
  }
  return nullptr;  // registry full: this context does not pool
}

bool ConnectionPool::expired(const Connection& connection, Clock::time_point now) const {
  return now - connection.idle_since() >= keep_alive_;
}

std::unique_ptr<Connection> ConnectionPool::checkout(const void* context_key,
                                                     Clock::time_point now) {
  Slot* slot = find(context_key, false);
  if (slot == nullptr) return nullptr;
  auto& idle = slot->idle;
  while (!idle.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle.back());
    idle.pop_back();
    slot->count.store(idle.size(), std::memory_order_relaxed);
    if (expired(*connection, now)) {
      // Everything before it is older still.
      idle.clear();
      slot->count.store(0, std::memory_order_relaxed);
      return nullptr;
    }
    if (connection->idle_alive(now)) return connection;
  }
  return nullptr;
}

void ConnectionPool::checkin(std::unique_ptr<Connection> connection, Clock::time_point now) {
  if (max_idle_ == 0 || keep_alive_.count() <= 0) return;
  Slot* slot = find(connection->context_key(), true);
  if (slot == nullptr) return;
  auto& idle = slot->idle;
  std::size_t stale = 0;
  while (stale < idle.size() && expired(*idle[stale], now)) ++stale;
  if (idle.size() - stale >= max_idle_) stale = idle.size() - max_idle_ + 1;
  idle.erase(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(stale));
  if (idle.capacity() < max_idle_) idle.reserve(std::min<std::size_t>(max_idle_, 64));
  connection->expires_never();
  connection->set_idle_since(now);
  if (close_on_timer_ && !slot->sweeper) {
    slot->sweeper = std::make_unique<asio::steady_timer>(connection->executor());
  }
  idle.push_back(std::move(connection));
  slot->count.store(idle.size(), std::memory_order_relaxed);
  if (close_on_timer_) schedule_sweep(*slot);
}

void ConnectionPool::drop_expired(Slot& slot, Clock::time_point now) {
  auto& idle = slot.idle;
  std::size_t stale = 0;
  while (stale < idle.size() && expired(*idle[stale], now)) ++stale;
  idle.erase(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(stale));
  slot.count.store(idle.size(), std::memory_order_relaxed);
}

void ConnectionPool::schedule_sweep(Slot& slot) {
  if (slot.sweep_armed || slot.idle.empty()) return;
  slot.sweep_armed = true;
  slot.sweeper->expires_at(slot.idle.front()->idle_since() + keep_alive_);
  slot.sweeper->async_wait(
      [this, &slot, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;  // cancelled, or the pool is gone
        slot.sweep_armed = false;
        drop_expired(slot, Clock::now());
        schedule_sweep(slot);
      });
}

std::size_t ConnectionPool::idle() const {
  std::size_t total = 0;
  for (const Slot& slot : slots_) total += slot.count.load(std::memory_order_relaxed);
  return total;
}

}  // namespace roci::net
