#include "server/routing/admission_queue.h"

#include <algorithm>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <string>
#include <tuple>

namespace roci::server {

using boost::system::error_code;

// One queued acquire(). Everything but `done` is touched only on `executor` (the waiting
// coroutine's thread); `done` is guarded by AdmissionQueue::mutex_ and decides, exactly once, who
// completes the waiter: the releaser (slot handed over), the cancellation handler or the timer.
struct AdmissionQueue::Waiter {
  explicit Waiter(asio::any_io_executor ex) : executor(std::move(ex)), timer(executor) {}
  asio::any_io_executor executor;
  // std::optional + emplace: Boost 1.81's any_completion_handler move-assignment recurses forever
  // (it copies `other` as an lvalue into a new wrapper), so it is only ever move-constructed.
  std::optional<asio::any_completion_handler<void(error_code)>> handler;
  asio::steady_timer timer;
  bool done = false;
  bool full = false;  // the queue was full when the wait started (set before completion)
};

namespace {

using Waiter = AdmissionQueue::Waiter;

// Runs on the waiter's executor: stops the timer, detaches the cancellation handler, resumes.
void complete(const std::shared_ptr<Waiter>& w, error_code ec) {
  w->timer.cancel();
  if (!w->handler) return;
  asio::any_completion_handler<void(error_code)> handler(std::move(*w->handler));
  w->handler.reset();
  auto slot = handler.get_cancellation_slot();
  if (slot.is_connected()) slot.clear();
  std::move(handler)(ec);
}

// Always posted, even from the waiter's own thread: never resume a coroutine from inside a
// cancellation emit or while the releaser's stack is still unwinding.
void post_complete(std::shared_ptr<Waiter> w, error_code ec) {
  asio::any_io_executor ex = w->executor;
  asio::post(ex, [w = std::move(w), ec] { complete(w, ec); });
}

std::string format_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

AdmissionQueue::Slot& AdmissionQueue::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    reset();
    queue_ = std::exchange(other.queue_, nullptr);
  }
  return *this;
}

void AdmissionQueue::Slot::reset() {
  if (queue_ != nullptr) std::exchange(queue_, nullptr)->release();
}

AdmissionQueue::AdmissionQueue(Options options) : options_(options) {
  options_.max_queue = std::max(0, options_.max_queue);
}

// Every waiter holds a coroutine that awaits this queue, so none may be left (the gateway drains
// its I/O threads first). Leftover handlers are destroyed without being resumed.
AdmissionQueue::~AdmissionQueue() = default;

bool AdmissionQueue::has_capacity_locked() const {
  return options_.max_concurrent <= 0 ||
         in_flight_ < static_cast<std::size_t>(options_.max_concurrent);
}

int AdmissionQueue::retry_after_locked() const {
  const std::size_t cap = static_cast<std::size_t>(std::max(1, options_.max_queue));
  return 1 + static_cast<int>(std::min<std::size_t>(4, waiters_.size() * 4 / cap));
}

Error AdmissionQueue::queue_full_locked() const {
  Error e{.kind = ErrorKind::kQueueFull,
          .message = "The gateway is busy: " + std::to_string(in_flight_) +
                     " requests are in flight to the upstream and " +
                     std::to_string(waiters_.size()) +
                     " are waiting (limits.max_concurrent_upstream " +
                     std::to_string(options_.max_concurrent) + ", limits.max_queue " +
                     std::to_string(options_.max_queue) + "). Retry later."};
  e.code = "queue_full";
  e.retry_after_secs = retry_after_locked();
  return e;
}

Error AdmissionQueue::queue_timeout_error() const {
  std::lock_guard lock(mutex_);
  Error e{.kind = ErrorKind::kQueueFull,
          .message = "The request waited " + format_duration(options_.queue_timeout) +
                     " in the gateway's queue without getting one of the " +
                     std::to_string(options_.max_concurrent) +
                     " upstream slots (limits.queue_timeout_secs). Retry later."};
  e.code = "queue_timeout";
  e.retry_after_secs = retry_after_locked();
  return e;
}

AdmissionQueue::Slot AdmissionQueue::try_acquire() {
  std::lock_guard lock(mutex_);
  if (!has_capacity_locked() || !waiters_.empty()) return Slot();
  ++in_flight_;
  return Slot(this);
}

asio::awaitable<Result<AdmissionQueue::Slot>> AdmissionQueue::acquire() {
  if (Slot slot = try_acquire()) co_return std::move(slot);
  {
    std::lock_guard lock(mutex_);
    if (waiters_.size() >= static_cast<std::size_t>(options_.max_queue)) {
      co_return queue_full_locked();
    }
  }
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  auto token = asio::as_tuple(asio::use_awaitable);
  // A named initiation, not a temporary inside the co_await expression: GCC 12 destroys such
  // temporaries twice, which released the captured waiter one time too many (found by ASan).
  auto initiation = [this, waiter](auto handler) mutable {
    waiter->handler.emplace(std::move(handler));
    // The type-erased handler owns a cancellation_state chained to the coroutine's slot; its
    // own slot is the one to use (assigning the coroutine's slot would destroy that state).
    asio::cancellation_slot slot = waiter->handler->get_cancellation_slot();
    start_wait(std::move(waiter), slot);
  };
  auto [ec] = co_await asio::async_initiate<decltype(token), void(error_code)>(initiation, token);
  if (!ec) co_return Slot(this);
  if (ec == asio::error::operation_aborted) {
    co_return Error::cancelled("the client went away while queued for an upstream slot");
  }
  if (ec == asio::error::timed_out) co_return queue_timeout_error();
  std::lock_guard lock(mutex_);
  co_return queue_full_locked();
}

void AdmissionQueue::start_wait(std::shared_ptr<Waiter> w, asio::cancellation_slot slot) {
  // Decide under the lock: the state may have changed since acquire() looked.
  {
    std::lock_guard lock(mutex_);
    if (has_capacity_locked() && waiters_.empty()) {
      ++in_flight_;
      w->done = true;
    } else if (waiters_.size() >= static_cast<std::size_t>(options_.max_queue)) {
      w->done = true;
      w->full = true;
    } else {
      waiters_.push_back(w);
    }
  }
  if (w->done) {
    error_code ec = w->full ? error_code(asio::error::no_buffer_space) : error_code{};
    post_complete(std::move(w), ec);
    return;
  }
  // Queued. From here the releaser (any thread) may hand over at any moment; it only touches
  // `done` (under the lock) and posts to w->executor, so setting up the slot and timer on this
  // thread is race-free: their handlers run on this thread too, after this function returns.
  if (slot.is_connected()) {
    slot.assign([this, w](asio::cancellation_type type) {
      if (type != asio::cancellation_type::none) abandon(w, asio::error::operation_aborted);
    });
  }
  if (options_.queue_timeout.count() > 0) {
    w->timer.expires_after(options_.queue_timeout);
    w->timer.async_wait([this, w](error_code ec) {
      if (!ec) abandon(w, asio::error::timed_out);
    });
  }
}

void AdmissionQueue::abandon(const std::shared_ptr<Waiter>& w, error_code reason) {
  {
    std::lock_guard lock(mutex_);
    if (w->done) return;  // already handed a slot (the posted completion will resume it)
    w->done = true;
    auto it = std::find(waiters_.begin(), waiters_.end(), w);
    if (it != waiters_.end()) waiters_.erase(it);
  }
  post_complete(w, reason);
}

void AdmissionQueue::release() {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (waiters_.empty()) {
      --in_flight_;
      return;
    }
    // Hand the slot over: in_flight_ stays the same.
    next = std::move(waiters_.front());
    waiters_.pop_front();
    next->done = true;
  }
  post_complete(std::move(next), {});
}

std::size_t AdmissionQueue::queue_length() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

std::size_t AdmissionQueue::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

}  // namespace roci::server
