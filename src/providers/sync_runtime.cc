#include "providers/sync_runtime.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <thread>

namespace roci {
namespace {

std::atomic<bool> g_runtime_gone{false};

class Runtime {
 public:
  Runtime() : guard_(asio::make_work_guard(io_)), thread_([this] { run(); }) {}

  ~Runtime() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    g_runtime_gone.store(true);
  }

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  asio::io_context& io() { return io_; }

 private:
  void run() {
    // Handlers do not throw (co_spawn + use_future captures exceptions); this is a safety net.
    for (;;) {
      try {
        io_.run();
        return;
      } catch (...) {
      }
    }
  }

  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

Runtime& instance() {
  static Runtime runtime;  // thread-safe lazy start; stopped and joined at static destruction
  return runtime;
}

}  // namespace

asio::io_context::executor_type sync_runtime_executor() { return instance().io().get_executor(); }

bool on_sync_runtime_thread() {
  return !g_runtime_gone.load() && sync_runtime_executor().running_in_this_thread();
}

bool sync_runtime_alive() { return !g_runtime_gone.load(); }

void detail::post_stop(std::shared_ptr<StoppableRun> run) {
  if (!sync_runtime_alive()) return;
  asio::post(sync_runtime_executor(), [run = std::move(run)] {
    if (run->active) run->signal.emit(asio::cancellation_type::terminal);
  });
}

}  // namespace roci
