// AdmissionQueue: limits, FIFO hand-over, queue full, timeout, cancellation of a queued waiter,
// and cross-thread release resuming the waiter on its own executor.
#include "server/routing/admission_queue.h"

#include <gtest/gtest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>
#include <vector>

namespace roci::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// One acquire() whose outcome the test inspects; the slot is kept until `slot.reset()`.
struct Ticket {
  std::optional<Result<AdmissionQueue::Slot>> result;
  std::thread::id resumed_on;
  int order = -1;
};

asio::awaitable<void> take(AdmissionQueue* queue, Ticket* ticket, std::atomic<int>* counter) {
  auto r = co_await queue->acquire();
  ticket->resumed_on = std::this_thread::get_id();
  if (counter != nullptr) ticket->order = (*counter)++;
  ticket->result.emplace(std::move(r));
}

bool granted(const Ticket& t) { return t.result && *t.result; }

// poll() stops an io_context that ran out of work; queued waiters are not work, so restart first.
void drain(asio::io_context& ioc) {
  ioc.restart();
  ioc.poll();
}

TEST(AdmissionQueue, GrantsUpToMaxConcurrentThenQueues) {
  asio::io_context ioc;
  AdmissionQueue queue({.max_concurrent = 2, .max_queue = 4, .queue_timeout = 0ms});
  Ticket a, b, c;
  for (Ticket* t : {&a, &b, &c}) asio::co_spawn(ioc, take(&queue, t, nullptr), asio::detached);
  drain(ioc);
  EXPECT_TRUE(granted(a));
  EXPECT_TRUE(granted(b));
  EXPECT_FALSE(c.result);
  EXPECT_EQ(queue.in_flight(), 2u);
  EXPECT_EQ(queue.queue_length(), 1u);

  a.result->value().reset();  // hands the slot to c
  EXPECT_EQ(queue.queue_length(), 0u);
  EXPECT_EQ(queue.in_flight(), 2u);
  drain(ioc);
  EXPECT_TRUE(granted(c));

  b.result.reset();
  c.result.reset();
  EXPECT_EQ(queue.in_flight(), 0u);
}

TEST(AdmissionQueue, WaitersAreServedInArrivalOrder) {
  asio::io_context ioc;
  AdmissionQueue queue({.max_concurrent = 1, .max_queue = 8, .queue_timeout = 0ms});
  std::atomic<int> counter{0};
  std::vector<Ticket> tickets(5);
  for (auto& t : tickets) {
    asio::co_spawn(ioc, take(&queue, &t, &counter), asio::detached);
    drain(ioc);  // arrival order is spawn order
  }
  EXPECT_EQ(queue.queue_length(), 4u);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    ASSERT_TRUE(granted(tickets[i])) << i;
    EXPECT_EQ(tickets[i].order, static_cast<int>(i));
    if (i + 1 < tickets.size()) {
      EXPECT_FALSE(tickets[i + 1].result) << i + 1;
    }
    tickets[i].result.reset();
    drain(ioc);
  }
  EXPECT_EQ(queue.in_flight(), 0u);
}

TEST(AdmissionQueue, FullQueueFailsAtOnceWithRetryAfter) {
  asio::io_context ioc;
  AdmissionQueue queue({.max_concurrent = 1, .max_queue = 1, .queue_timeout = 0ms});
  Ticket a, b, c;
  for (Ticket* t : {&a, &b, &c}) asio::co_spawn(ioc, take(&queue, t, nullptr), asio::detached);
  drain(ioc);
  EXPECT_TRUE(granted(a));
  EXPECT_FALSE(b.result);  // queued
  ASSERT_TRUE(c.result);
  ASSERT_FALSE(*c.result);
  const Error& e = c.result->error();
  EXPECT_EQ(e.kind, ErrorKind::kQueueFull);
  ASSERT_TRUE(e.retry_after_secs);
  EXPECT_GE(*e.retry_after_secs, 1);
  EXPECT_LE(*e.retry_after_secs, 5);
  EXPECT_NE(e.message.find("busy"), std::string::npos) << e.message;
  a.result.reset();
  drain(ioc);
  EXPECT_TRUE(granted(b));
}

TEST(AdmissionQueue, NoQueueMeansImmediateRefusal) {
  asio::io_context ioc;
  AdmissionQueue queue({.max_concurrent = 1, .max_queue = 0, .queue_timeout = 0ms});
  Ticket a, b;
  for (Ticket* t : {&a, &b}) asio::co_spawn(ioc, take(&queue, t, nullptr), asio::detached);
  drain(ioc);
  EXPECT_TRUE(granted(a));
  ASSERT_TRUE(b.result);
  EXPECT_EQ(b.result->error().kind, ErrorKind::kQueueFull);
}

TEST(AdmissionQueue, UnlimitedWhenMaxConcurrentIsZero) {
  asio::io_context ioc;
  AdmissionQueue queue({.max_concurrent = 0, .max_queue = 0, .queue_timeout = 0ms});
  std::vector<Ticket> tickets(10);
  for (auto& t : tickets) asio::co_spawn(ioc, take(&queue, &t, nullptr), asio::detached);
  drain(ioc);
  for (auto& t : tickets) EXPECT_TRUE(granted(t));
  EXPECT_EQ(queue.in_flight(), 10u);
}

TEST(AdmissionQueue, QueueTimeoutIsQueueFull) {
  asio::io_context ioc;
  AdmissionQueue queue({.max_concurrent = 1, .max_queue = 2, .queue_timeout = 30ms});
  Ticket a, b;
  for (Ticket* t : {&a, &b}) asio::co_spawn(ioc, take(&queue, t, nullptr), asio::detached);
  auto start = std::chrono::steady_clock::now();
  ioc.run_for(1s);  // b times out, then nothing is left to run... except a's nothing
  ASSERT_TRUE(b.result);
  ASSERT_FALSE(*b.result);
  EXPECT_EQ(b.result->error().kind, ErrorKind::kQueueFull);
  EXPECT_EQ(b.result->error().code, "queue_timeout");
  EXPECT_TRUE(b.result->error().retry_after_secs);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_EQ(queue.queue_length(), 0u);
  EXPECT_EQ(queue.in_flight(), 1u);
}

TEST(AdmissionQueue, CancelledWaiterLeavesTheQueueAtOnce) {
  asio::io_context ioc;
  AdmissionQueue queue({.max_concurrent = 1, .max_queue = 4, .queue_timeout = 0ms});
  Ticket a, b, c;
  asio::co_spawn(ioc, take(&queue, &a, nullptr), asio::detached);
  asio::cancellation_signal cancel_b;
  asio::co_spawn(ioc, take(&queue, &b, nullptr),
                 asio::bind_cancellation_slot(cancel_b.slot(), asio::detached));
  asio::co_spawn(ioc, take(&queue, &c, nullptr), asio::detached);
  drain(ioc);
  EXPECT_EQ(queue.queue_length(), 2u);

  // co_spawn delivers the signal on the coroutine's executor: the waiter leaves the queue as soon
  // as that runs, before anything else is resumed.
  cancel_b.emit(asio::cancellation_type::terminal);
  drain(ioc);
  EXPECT_EQ(queue.queue_length(), 1u);
  ASSERT_TRUE(b.result);
  EXPECT_EQ(b.result->error().kind, ErrorKind::kCancelled);

  // The slot goes to c, not to the cancelled b.
  a.result.reset();
  drain(ioc);
  EXPECT_TRUE(granted(c));
  EXPECT_EQ(queue.in_flight(), 1u);
}

TEST(AdmissionQueue, CrossThreadReleaseResumesTheWaiterOnItsOwnExecutor) {
  asio::io_context owner_ioc;   // holds the slot, releases it on its thread
  asio::io_context waiter_ioc;  // the waiter lives here
  auto owner_guard = asio::make_work_guard(owner_ioc);
  auto waiter_guard = asio::make_work_guard(waiter_ioc);
  std::thread owner_thread([&] { owner_ioc.run(); });
  std::thread waiter_thread([&] { waiter_ioc.run(); });
  const auto waiter_id = waiter_thread.get_id();

  AdmissionQueue queue({.max_concurrent = 1, .max_queue = 4, .queue_timeout = 0ms});
  Ticket held, waiting;
  std::promise<void> held_ready;
  asio::post(owner_ioc, [&] {
    asio::co_spawn(owner_ioc, take(&queue, &held, nullptr),
                   [&](std::exception_ptr) { held_ready.set_value(); });
  });
  held_ready.get_future().wait();
  ASSERT_TRUE(granted(held));

  std::promise<void> waiting_done;
  asio::post(waiter_ioc, [&] {
    asio::co_spawn(waiter_ioc, take(&queue, &waiting, nullptr),
                   [&](std::exception_ptr) { waiting_done.set_value(); });
  });
  while (queue.queue_length() == 0) std::this_thread::sleep_for(1ms);

  std::promise<void> released;
  asio::post(owner_ioc, [&] {
    held.result.reset();
    released.set_value();
  });
  released.get_future().wait();
  ASSERT_EQ(waiting_done.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(granted(waiting));
  EXPECT_EQ(waiting.resumed_on, waiter_id);

  asio::post(waiter_ioc, [&] { waiting.result.reset(); });
  owner_guard.reset();
  waiter_guard.reset();
  owner_thread.join();
  waiter_thread.join();
  EXPECT_EQ(queue.in_flight(), 0u);
}

TEST(AdmissionQueue, SlotIsMoveOnlyAndReleasesOnce) {
  asio::io_context ioc;
  AdmissionQueue queue({.max_concurrent = 1, .max_queue = 0, .queue_timeout = 0ms});
  Ticket a;
  asio::co_spawn(ioc, take(&queue, &a, nullptr), asio::detached);
  drain(ioc);
  ASSERT_TRUE(granted(a));
  AdmissionQueue::Slot moved = std::move(a.result->value());
  EXPECT_FALSE(a.result->value());
  EXPECT_TRUE(moved);
  a.result.reset();
  EXPECT_EQ(queue.in_flight(), 1u);
  AdmissionQueue::Slot other;
  other = std::move(moved);
  EXPECT_EQ(queue.in_flight(), 1u);
  other.reset();
  EXPECT_EQ(queue.in_flight(), 0u);
  other.reset();
  EXPECT_EQ(queue.in_flight(), 0u);
}

}  // namespace
}  // namespace roci::server
