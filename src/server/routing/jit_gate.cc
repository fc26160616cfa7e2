#include "server/routing/jit_gate.h"

#include <algorithm>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <utility>

namespace roci::server {

// One request waiting for a model. `done` and `role` are guarded by JitGate::mutex_ and decide,
// once, who completes the waiter: finish() (a role handed over, or kPass) or the waiter itself
// (its timeout or cancellation). The timer is touched only on `executor`.
struct JitGate::Waiter {
  explicit Waiter(asio::any_io_executor ex) : executor(std::move(ex)), timer(executor) {}
  asio::any_io_executor executor;
  asio::steady_timer timer;
  bool done = false;
  Role role = Role::kPass;
};

namespace {

// Always posted: the waker may be on another thread, or inside a provider call.
void post_wake(std::deque<std::shared_ptr<JitGate::Waiter>>& woken) {
  for (auto& w : woken) {
    asio::any_io_executor ex = w->executor;
    asio::post(ex, [w = std::move(w)] { w->timer.cancel(); });
  }
  woken.clear();
}

}  // namespace

JitGate::Ticket::Ticket(std::shared_ptr<JitGate> gate, std::string model, Role role)
    : gate_(std::move(gate)), model_(std::move(model)), role_(role) {}

JitGate::Ticket::Ticket(Ticket&& other) noexcept
    : gate_(std::move(other.gate_)), model_(std::move(other.model_)), role_(other.role_) {}

JitGate::Ticket& JitGate::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    if (gate_) std::exchange(gate_, nullptr)->finish(model_, Outcome::kOrphaned);
    gate_ = std::move(other.gate_);
    model_ = std::move(other.model_);
    role_ = other.role_;
  }
  return *this;
}

JitGate::Ticket::~Ticket() {
  if (gate_) gate_->finish(model_, Outcome::kOrphaned);
}

void JitGate::Ticket::loaded() {
  if (gate_) std::exchange(gate_, nullptr)->finish(model_, Outcome::kLoaded);
}

void JitGate::Ticket::failed() {
  if (gate_) std::exchange(gate_, nullptr)->finish(model_, Outcome::kFailed);
}

std::shared_ptr<JitGate> JitGate::shared(const std::string& key, Options options) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<JitGate>, std::less<>> gates;
  std::lock_guard lock(mutex);
  for (auto it = gates.begin(); it != gates.end();) {  // forget gates nobody uses any more
    it = it->second.expired() ? gates.erase(it) : std::next(it);
  }
  auto& slot = gates[key];
  auto gate = slot.lock();
  if (!gate) {
    gate = std::make_shared<JitGate>(options);
    slot = gate;
  }
  return gate;
}

std::size_t JitGate::waiting(std::string_view model) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(model);
  return it == entries_.end() ? 0 : it->second.waiters.size();
}

bool JitGate::hand_over_locked(Entry& entry, Role role,
                               std::deque<std::shared_ptr<Waiter>>& woken) {
  if (entry.waiters.empty()) return false;
  auto next = std::move(entry.waiters.front());
  entry.waiters.pop_front();
  next->done = true;
  next->role = role;
  woken.push_back(std::move(next));
  return true;
}

void JitGate::finish(const std::string& model, Outcome outcome) {
  std::deque<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(model);
    if (it == entries_.end()) return;
    Entry& e = it->second;
    switch (outcome) {
      case Outcome::kLoaded:
        e.held = false;
        e.confirm_next = false;
        e.warm_until = Clock::now() + options_.warm_for;
        for (auto& w : e.waiters) {
          w->done = true;
          w->role = Role::kPass;
        }
        woken = std::move(e.waiters);
        e.waiters.clear();
        break;
      case Outcome::kFailed:
        if (!hand_over_locked(e, Role::kLoad, woken)) e.held = false;
        break;
      case Outcome::kOrphaned:
        if (!hand_over_locked(e, Role::kConfirm, woken)) {
          e.held = false;
          e.confirm_next = true;
        }
        break;
    }
    if (!e.held && e.waiters.empty() && !e.confirm_next && e.warm_until <= Clock::now()) {
      entries_.erase(it);
    }
  }
  post_wake(woken);
}

asio::awaitable<Result<JitGate::Ticket>> JitGate::enter(std::string_view model) {
  const auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> w;
  std::optional<Role> role;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(model);
    if (it == entries_.end()) it = entries_.emplace(std::string(model), Entry{}).first;
    Entry& e = it->second;
    if (Clock::now() < e.warm_until) {
      role = Role::kPass;
    } else if (!e.held) {
      e.held = true;
      role = std::exchange(e.confirm_next, false) ? Role::kConfirm : Role::kLoad;
    } else {
      w = std::make_shared<Waiter>(executor);
      e.waiters.push_back(w);
    }
  }
  if (role == Role::kPass) co_return Ticket();
  if (role) co_return Ticket(shared_from_this(), std::string(model), *role);

  const auto timeout = options_.queue_timeout;
  if (timeout.count() > 0) {
    w->timer.expires_after(timeout);
  } else {
    w->timer.expires_at(Clock::time_point::max());
  }
  auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  bool woken = false;
  {
    std::lock_guard lock(mutex_);
    if (w->done) {
      woken = true;
      role = w->role;
    } else {
      w->done = true;
      if (auto it = entries_.find(model); it != entries_.end()) {
        auto& q = it->second.waiters;
        q.erase(std::remove(q.begin(), q.end(), w), q.end());
      }
    }
  }
  const bool cancelled =
      (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none ||
      (!woken && ec);
  if (cancelled) {
    // A role handed to a request that is gone goes on as it came: nothing was sent for it.
    if (woken && role != Role::kPass) {
      finish(std::string(model), role == Role::kLoad ? Outcome::kFailed : Outcome::kOrphaned);
    }
    co_return Error::cancelled("the client went away while waiting for the model to load");
  }
  if (!woken) {
    Error e{.kind = ErrorKind::kQueueFull,
            .message = "The request waited " + std::to_string(timeout.count()) + " ms for model " +
                       std::string(model) +
                       " to load (another request is loading it) without an answer. Retry "
                       "later."};
    e.code = "queue_timeout";
    e.retry_after_secs = 1;
    co_return e;
  }
  if (role == Role::kPass) co_return Ticket();
  co_return Ticket(shared_from_this(), std::string(model), *role);
}

}  // namespace roci::server
