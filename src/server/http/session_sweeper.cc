// The worker's sessions as a list (session.h): the deadline sweep, the allocator's trim after a
// burst, and closing idle or all sessions at shutdown.
#include "server/http/session.h"

#include "net/coro_util.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/error.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstddef>

// gperftools' tcmalloc, the allocator inference-server links by default
// (cmake/ServerAllocator.cmake), keeps freed blocks in the thread's cache and freed pages in its
// page heap until asked to give them back. Weak: null in a process on the C library's malloc
// (tests, the SDK's programs, a ROCI_SERVER_ALLOCATOR=system build).
extern "C" void MallocExtension_MarkThreadTemporarilyIdle() __attribute__((weak));
extern "C" void MallocExtension_ReleaseFreeMemory() __attribute__((weak));

namespace roci::server {
namespace {

namespace beast = boost::beast;
using std::chrono::steady_clock;

// The sweeper trims the allocator when the sessions fell to a quarter of a peak of at least this.
constexpr std::size_t kTrimMinPeakSessions = 256;

// Gives the allocator's free memory back to the OS, on the thread that freed it: with tcmalloc,
// this thread's cached blocks go back to their pages, then the free pages to the OS; with glibc's
// malloc, the free heap pages (malloc_trim also releases those inside the heap, where free()
// returns only its top).
void release_free_memory() {
  if (MallocExtension_MarkThreadTemporarilyIdle != nullptr &&
      MallocExtension_ReleaseFreeMemory != nullptr) {
    MallocExtension_MarkThreadTemporarilyIdle();
    MallocExtension_ReleaseFreeMemory();
    return;
  }
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace

asio::awaitable<void> run_deadline_sweeper(SessionEnv& env, std::chrono::milliseconds interval) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::size_t peak = 0;  // most sessions seen since the last trim
  for (;;) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(net::kToken);
    if (ec) co_return;
    const auto now = steady_clock::now();
    std::size_t live = 0;
    for (SessionNode& node : env.sessions) {
      ++live;
      if (node.deadline <= now) {
        node.deadline = SessionNode::kNever;
        node.timed_out = true;
        beast::error_code cancel_ec;
        node.socket->cancel(cancel_ec);  // the pending step completes with operation_aborted
      }
    }
    // After a burst of connections ended, give the freed memory back to the OS: neither allocator
    // does it by itself soon (glibc returns only the top of a heap on free(), and one live block
    // near the top pins everything below it). Once per burst, not per request (bench/RESULTS.md,
    // "Memory after a burst").
    peak = std::max(peak, live);
    if (peak >= kTrimMinPeakSessions && live <= peak / 4) {
      release_free_memory();
      peak = live;
    }
  }
}

void close_idle_sessions(SessionEnv& env) {
  for (SessionNode& node : env.sessions) {
    if (node.idle) {
      beast::error_code ec;
      node.socket->cancel(ec);
    }
  }
}

void close_all_sessions(SessionEnv& env) {
  for (SessionNode& node : env.sessions) {
    beast::error_code ec;
    node.socket->cancel(ec);
    node.socket->close(ec);
  }
}

}  // namespace roci::server
