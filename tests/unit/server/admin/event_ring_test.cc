#include "server/admin/event_ring.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace roci::server::admin {
namespace {

RequestEvent event(std::string id) {
  RequestEvent e;
  e.request_id = std::move(id);
  return e;
}

TEST(EventRing, NumbersEventsAndReturnsThoseAfterASeq) {
  EventRing ring(8);
  EXPECT_EQ(ring.last_seq(), 0u);
  EXPECT_TRUE(ring.since(0, 10).events.empty());
  for (int i = 1; i <= 3; ++i) ring.push(event("r" + std::to_string(i)));
  auto all = ring.since(0, 10);
  ASSERT_EQ(all.events.size(), 3u);
  EXPECT_EQ(all.events[0].seq, 1u);
  EXPECT_EQ(all.events[0].request_id, "r1");
  EXPECT_EQ(all.events[2].seq, 3u);
  EXPECT_EQ(all.last_seq, 3u);
  EXPECT_EQ(all.dropped, 0u);
  auto later = ring.since(2, 10);
  ASSERT_EQ(later.events.size(), 1u);
  EXPECT_EQ(later.events[0].request_id, "r3");
  auto none = ring.since(3, 10);
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.last_seq, 3u);
}

TEST(EventRing, BatchesAreBoundedAndResumable) {
  EventRing ring(100);
  for (int i = 0; i < 10; ++i) ring.push(event("r"));
  auto first = ring.since(0, 4);
  ASSERT_EQ(first.events.size(), 4u);
  EXPECT_EQ(first.last_seq, 4u);
  auto second = ring.since(first.last_seq, 4);
  EXPECT_EQ(second.events.front().seq, 5u);
  EXPECT_EQ(second.last_seq, 8u);
}

TEST(EventRing, KeepsOnlyTheNewestCapacityAndSaysWhatWasSkipped) {
  EventRing ring(4);
  for (int i = 1; i <= 10; ++i) ring.push(event("r" + std::to_string(i)));
  auto batch = ring.since(0, 100);
  ASSERT_EQ(batch.events.size(), 4u);
  EXPECT_EQ(batch.events.front().request_id, "r7");
  EXPECT_EQ(batch.events.back().request_id, "r10");
  EXPECT_EQ(batch.dropped, 6u);
  EXPECT_EQ(ring.since(8, 100).events.size(), 2u);
  EXPECT_EQ(ring.since(8, 100).dropped, 0u);
}

TEST(EventRing, AFutureSeqGivesNothing) {
  EventRing ring(4);
  ring.push(event("a"));
  auto batch = ring.since(99, 10);  // a reader from before a restart
  EXPECT_TRUE(batch.events.empty());
  EXPECT_EQ(batch.last_seq, 1u);
}

TEST(EventRing, ConcurrentWritersAndAReaderLoseNothingWithinCapacity) {
  EventRing ring(4000);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&ring] {
      for (int i = 0; i < 500; ++i) ring.push(event("w"));
    });
  }
  std::uint64_t seen = 0;
  std::uint64_t last = 0;
  while (seen < 2000) {
    auto batch = ring.since(last, 64);
    for (const auto& e : batch.events) EXPECT_EQ(e.seq, ++last);
    seen += batch.events.size();
    EXPECT_EQ(batch.dropped, 0u);
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(ring.last_seq(), 2000u);
}

}  // namespace
}  // namespace roci::server::admin
