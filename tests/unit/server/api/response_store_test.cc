// ResponseStore: its three bounds (entries, bytes, age; the oldest go first), replace and erase,
// and use from several threads at once.
#include "server/api/response_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace roci::server {
namespace {

using namespace std::chrono_literals;

StoredResponse entry(std::string id, std::size_t body_bytes = 10) {
  return StoredResponse{.id = std::move(id),
                        .body = std::string(body_bytes, 'x'),
                        .conversation = {ModelMessage::user("hi"), ModelMessage::assistant("yo")}};
}

ResponseStore::Clock::time_point fake_now_value;
ResponseStore::Clock::time_point fake_now() { return fake_now_value; }

TEST(ResponseStore, GetEraseAndReplace) {
  ResponseStore store(ResponseStore::Options{});
  store.put(entry("resp_a"));
  auto a = store.get("resp_a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->conversation.size(), 2u);
  EXPECT_FALSE(store.get("resp_b"));
  store.put(entry("resp_a", 20));  // replaced, not duplicated
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.get("resp_a")->body.size(), 20u);
  EXPECT_EQ(a->body.size(), 10u);  // a reader's entry stays valid
  EXPECT_TRUE(store.erase("resp_a"));
  EXPECT_FALSE(store.erase("resp_a"));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.bytes(), 0u);
}

TEST(ResponseStore, TheOldestGoFirstPastTheEntryBound) {
  ResponseStore store(ResponseStore::Options{.max_entries = 2});
  store.put(entry("resp_1"));
  store.put(entry("resp_2"));
  store.put(entry("resp_3"));
  EXPECT_FALSE(store.get("resp_1"));
  EXPECT_TRUE(store.get("resp_2"));
  EXPECT_TRUE(store.get("resp_3"));
  EXPECT_EQ(store.size(), 2u);
}

TEST(ResponseStore, TheByteBoundHolds) {
  ResponseStore store(ResponseStore::Options{.max_bytes = 4096});
  for (int i = 0; i < 10; ++i) store.put(entry("resp_" + std::to_string(i), 1000));
  EXPECT_LE(store.bytes(), 4096u);
  EXPECT_TRUE(store.get("resp_9"));
  EXPECT_FALSE(store.get("resp_0"));
  store.put(entry("resp_huge", 10000));  // larger than the bound alone: not stored
  EXPECT_FALSE(store.get("resp_huge"));
  EXPECT_TRUE(store.get("resp_9"));
}

TEST(ResponseStore, EntriesExpire) {
  fake_now_value = ResponseStore::Clock::now();
  ResponseStore store(ResponseStore::Options{.ttl = 60s});
  store.set_clock_for_testing(fake_now);
  store.put(entry("resp_old"));
  fake_now_value += 30s;
  store.put(entry("resp_new"));
  EXPECT_TRUE(store.get("resp_old"));
  fake_now_value += 31s;
  EXPECT_FALSE(store.get("resp_old"));
  EXPECT_FALSE(store.erase("resp_old"));
  EXPECT_TRUE(store.get("resp_new"));
  EXPECT_EQ(store.size(), 1u);
}

TEST(ResponseStore, ZeroEntriesStoresNothing) {
  ResponseStore store(ResponseStore::Options{.max_entries = 0});
  store.put(entry("resp_a"));
  EXPECT_FALSE(store.get("resp_a"));
}

TEST(ResponseStore, SharedByThreads) {
  ResponseStore store(ResponseStore::Options{.max_entries = 64});
  std::atomic<int> found{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, &found, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string id = "resp_" + std::to_string(t) + "_" + std::to_string(i);
        store.put(entry(id));
        if (store.get(id)) found.fetch_add(1, std::memory_order_relaxed);
        if (i % 3 == 0) store.erase(id);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(found.load(), 0);
  EXPECT_LE(store.size(), 64u);
}

}  // namespace
}  // namespace roci::server
