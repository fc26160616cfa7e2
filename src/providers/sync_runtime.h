// The sync runtime: one process-wide background thread that runs the I/O of every synchronous
// facade (Provider::stream_text and TextStream here, generate_text in src/sdk).
//
//   // on any thread that is not the runtime thread:
//   roci::Result<roci::GenerationResult> r = roci::run_sync(provider.generate(request));
//
// The thread runs an io_context kept alive by a work guard. It starts lazily (and thread-safely)
// on first use and is stopped and joined at static destruction. Every provider operation started
// by the sync facades runs on it, so providers (not thread-safe) and their connection pools are
// only ever touched by that thread, even when several user threads call the facades at once.
//
// Stopping a blocking call from another thread: pass a std::stop_token; request_stop() on its
// source (from any thread, not from a signal handler) cancels the running task on the runtime
// thread with asio's terminal per-operation cancellation, so the provider closes its upstream
// connection and the call returns kCancelled at once.
//
//   std::stop_source stop;                       // another thread: stop.request_stop();
//   auto r = roci::run_sync(provider.generate(request), stop.get_token());
#pragma once

#include <roci/core/error.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_future.hpp>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <utility>

namespace roci {

namespace asio = boost::asio;

// The runtime's executor; starts the runtime thread on first call.
asio::io_context::executor_type sync_runtime_executor();

// True on the runtime thread itself (where blocking would deadlock).
bool on_sync_runtime_thread();

// False once the runtime was destroyed (static destruction); objects that outlive it clean up
// in place.
bool sync_runtime_alive();

// Runs `task` on the runtime thread and blocks until it completes; exceptions propagate.
// Must not be called from the runtime thread (throws std::logic_error: co_await instead).
template <class T>
T run_sync(asio::awaitable<T> task) {
  if (on_sync_runtime_thread()) {
    throw std::logic_error(
        "roci: a synchronous SDK call was made on the sync runtime thread; "
        "co_await the provider instead");
  }
  auto future = asio::co_spawn(sync_runtime_executor(), std::move(task), asio::use_future);
  return future.get();
}

namespace detail {

// One stoppable run: the signal bound to its co_spawn, emitted (on the runtime thread) only while
// the run is active.
struct StoppableRun {
  asio::cancellation_signal signal;
  bool active = false;  // read and written on the runtime thread only
};

// Posts "emit a terminal cancellation if the run is still active" to the runtime thread.
void post_stop(std::shared_ptr<StoppableRun> run);

template <class T>
asio::awaitable<Result<T>> run_stoppable(asio::awaitable<Result<T>> task,
                                         std::shared_ptr<StoppableRun> run, std::stop_token stop) {
  co_await asio::this_coro::throw_if_cancelled(false);
  // A stop requested before this point set the token before posting its (ignored) emit.
  if (stop.stop_requested()) co_return Error::cancelled("stopped before it started");
  run->active = true;
  Result<T> result = co_await std::move(task);
  run->active = false;
  co_return result;
}

}  // namespace detail

// run_sync, stoppable: a stop requested through `stop` before the start returns kCancelled without
// starting `task`; during the run it cancels `task` (terminal cancellation: the provider closes
// its upstream connection and completes with kCancelled). A token without a source (the default)
// never stops. Must not be called from the runtime thread (throws std::logic_error).
template <class T>
Result<T> run_sync(asio::awaitable<Result<T>> task, std::stop_token stop) {
  if (on_sync_runtime_thread()) {
    throw std::logic_error(
        "roci: a synchronous SDK call was made on the sync runtime thread; "
        "co_await the provider instead");
  }
  if (!stop.stop_possible()) return run_sync(std::move(task));
  auto run = std::make_shared<detail::StoppableRun>();
  std::stop_callback on_stop(stop, [run] { detail::post_stop(run); });
  auto future =
      asio::co_spawn(sync_runtime_executor(), detail::run_stoppable(std::move(task), run, stop),
                     asio::bind_cancellation_slot(run->signal.slot(), asio::use_future));
  return future.get();
}

}  // namespace roci
