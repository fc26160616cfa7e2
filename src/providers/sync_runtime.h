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
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <stdexcept>
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

}  // namespace roci
