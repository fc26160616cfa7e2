// The sync runtime: run_sync from several threads at once, and refused on the runtime thread.
#include "providers/sync_runtime.h"

#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

namespace roci {
namespace {

ProviderRequest same_request() {
  ProviderRequest request;
  request.messages.push_back(ModelMessage::user("same"));
  return request;
}

TEST(SyncRuntime, RunSyncFromSeveralThreadsAtOnce) {
  MockProvider provider({.token_delay = std::chrono::milliseconds(1)});
  const auto expected = run_sync(provider.generate(same_request()));
  ASSERT_TRUE(expected);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = run_sync(provider.generate(same_request()));
        if (r && r->text == expected->text) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
}

asio::awaitable<int> nested_sync_call() {
  co_return run_sync([]() -> asio::awaitable<int> { co_return 1; }());
}

TEST(SyncRuntime, RunSyncOnTheRuntimeThreadIsRefused) {
  EXPECT_THROW(run_sync(nested_sync_call()), std::logic_error);
  EXPECT_FALSE(on_sync_runtime_thread());
}

TEST(SyncRuntime, AStopFromAnotherThreadCancelsARunningTask) {
  using namespace std::chrono_literals;
  MockProvider provider({.token_delay = 10s});
  std::stop_source stop;
  std::jthread stopper([stop]() mutable {
    std::this_thread::sleep_for(50ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = run_sync(provider.generate(same_request()), stop.get_token());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCancelled);
  // The runtime and the provider stay usable.
  MockProvider quick;
  EXPECT_TRUE(run_sync(quick.generate(same_request()), std::stop_source().get_token()));
}

TEST(SyncRuntime, AStopRequestedBeforehandNeverStartsTheTask) {
  std::stop_source stop;
  stop.request_stop();
  bool started = false;
  auto task = [](bool* flag) -> asio::awaitable<Result<int>> {
    *flag = true;
    co_return 1;
  };
  auto r = run_sync(task(&started), stop.get_token());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCancelled);
  EXPECT_FALSE(started);
}

}  // namespace
}  // namespace roci
