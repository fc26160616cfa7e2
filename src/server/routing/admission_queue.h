// AdmissionQueue: at most N upstream requests in flight, a bounded FIFO queue in front of them.
//
//   AdmissionQueue admission({.max_concurrent = 4, .max_queue = 64,
//                             .queue_timeout = std::chrono::seconds(60)});   // one per process
//   auto slot = co_await admission.acquire();        // Result<AdmissionQueue::Slot>
//   auto now = admission.try_acquire();               // or: a free slot without a coroutine frame
//   if (!slot) co_return co_await send_error(ctx, slot.error());   // 429 + Retry-After
//   ... call the upstream; the slot is released when `slot` is destroyed ...
//
// LM Studio serves a few requests at a time (lmstudio-bug-tracker#204, #1653), so the gateway
// keeps the rest waiting here, in arrival order, instead of piling them onto the upstream.
//
// acquire() completes
//  - at once with a Slot while fewer than max_concurrent are in flight and nobody is queued;
//  - at once with kQueueFull (retry_after_secs 1..5, growing with the queue) when max_queue
//    requests are already waiting;
//  - otherwise when a released slot is handed to it (FIFO), on the waiter's OWN executor (the
//    release may happen on another thread: the hand-over is posted);
//  - with kQueueFull (code "queue_timeout") after waiting queue_timeout;
//  - with kCancelled when the awaiting coroutine is cancelled (per-operation cancellation, any
//    type: the client went away): the waiter leaves the queue as soon as the signal reaches it
//    (co_spawn delivers it on the coroutine's executor), before any later hand-over.
//
// Thread safety: one instance shared by every I/O thread. The state is guarded by one mutex held
// for a few instructions (a counter, a deque push/pop); it is never held across co_await, never
// while a handler runs, and the fast path (free slot) takes it exactly once. Slots are released
// from any thread. The queue must outlive every coroutine that awaits it.
#pragma once

#include <roci/core/error.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

namespace roci::server {

namespace asio = boost::asio;

class AdmissionQueue {
 public:
  struct Options {
    int max_concurrent = 4;  // <= 0: unlimited (nothing ever queues)
    int max_queue = 64;      // waiters beyond the in-flight ones; 0: no queueing
    std::chrono::milliseconds queue_timeout{std::chrono::seconds(60)};  // 0: wait forever
  };

  // Move-only ticket for one in-flight upstream request; destroying it releases the slot (and
  // hands it to the oldest waiter, if any).
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : queue_(std::exchange(other.queue_, nullptr)) {}
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { reset(); }

    void reset();  // releases now
    explicit operator bool() const { return queue_ != nullptr; }

   private:
    friend class AdmissionQueue;
    explicit Slot(AdmissionQueue* queue) : queue_(queue) {}
    AdmissionQueue* queue_ = nullptr;
  };

  explicit AdmissionQueue(Options options);
  ~AdmissionQueue();
  AdmissionQueue(const AdmissionQueue&) = delete;
  AdmissionQueue& operator=(const AdmissionQueue&) = delete;

  // See the header comment. Errors: kQueueFull (full or timed out; retry_after_secs set),
  // kCancelled.
  asio::awaitable<Result<Slot>> acquire();
  // acquire()'s first case without a coroutine: a Slot when one is free and nobody is queued,
  // else an empty Slot (then acquire() queues or refuses).
  Slot try_acquire();

  std::size_t queue_length() const;
  std::size_t in_flight() const;
  int max_concurrent() const { return options_.max_concurrent; }
  int max_queue() const { return options_.max_queue; }
  std::chrono::milliseconds queue_timeout() const { return options_.queue_timeout; }

  struct Waiter;  // implementation detail (admission_queue.cc)

 private:
  void release();
  bool has_capacity_locked() const;
  int retry_after_locked() const;
  Error queue_full_locked() const;
  Error queue_timeout_error() const;
  void start_wait(std::shared_ptr<Waiter> waiter, asio::cancellation_slot slot);
  void abandon(const std::shared_ptr<Waiter>& waiter, boost::system::error_code reason);

  Options options_;
  mutable std::mutex mutex_;  // guards in_flight_ and waiters_ (and Waiter::done)
  std::size_t in_flight_ = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace roci::server
