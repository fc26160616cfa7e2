// FLEET.md's routing rules 1-4 and 9, and the selectors, through the SDK alone (no gateway).
#include <gtest/gtest.h>

#include <algorithm>

#include "unit/fleet/fleet_test_util.h"

namespace roci::fleet::test {
namespace {

int served_by(const std::vector<Result<GenerationResult>>& results, std::string_view backend) {
  return static_cast<int>(std::count_if(results.begin(), results.end(),
                                        [&](const auto& r) { return r && r->backend == backend; }));
}

// Rule 1: a model is resolved against the union of the backends' models.
TEST(FleetRouting, ResolvesAgainstTheUnionOfTheBackends) {
  FleetHarness h({lmstudio({loaded("m1")}), lmstudio({loaded("m2")})});
  auto r = h.run(h.provider->generate(FleetHarness::request("m2")));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->backend, "b");
  auto missing = h.run(h.provider->generate(FleetHarness::request("nope")));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(missing.error().backend, "");  // the fleet's own error names no backend
  EXPECT_EQ(missing.error().available_models, (std::vector<std::string>{"m1", "m2"}));
}

// Rule 2: a host with the model loaded is preferred over one that would have to load it.
TEST(FleetRouting, PrefersAHostWithTheModelLoaded) {
  FleetHarness h({lmstudio({on_disk("m1")}), lmstudio({loaded("m1")})});
  auto results = h.concurrent(4, "m1");
  EXPECT_EQ(served_by(results, "b"), 4);
  EXPECT_EQ(h.fakes[0]->loads(), 0);
}

// Rule 2: among loaded hosts, the one with the most free capacity.
TEST(FleetRouting, SpreadsOverLoadedHostsByFreeCapacity) {
  auto slow = lmstudio({loaded("m1")});
  slow.token_delay = 30ms;
  HarnessOptions options;
  options.max_concurrent = 2;
  FleetHarness h({slow, slow}, options);
  auto results = h.concurrent(4, "m1");
  EXPECT_EQ(served_by(results, "a"), 2);
  EXPECT_EQ(served_by(results, "b"), 2);
  EXPECT_EQ(h.fakes[0]->peak_in_flight(), 2);
  EXPECT_EQ(h.fakes[1]->peak_in_flight(), 2);
}

// Rule 3: six concurrent first requests for a model loaded nowhere: one load in the fleet.
// The same six requests sent straight to the fake host load it several times (the race).
TEST(FleetRouting, SingleFlightJitLoadOnAnOlderLmStudio) {
  auto host = lmstudio({on_disk("m1")}, 300ms);
  host.api_v1 = false;  // 0.3.x: JIT only
  FleetHarness h({host, host});
  auto results = h.concurrent(6, "m1");
  for (const auto& r : results) ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(h.fakes[0]->loads() + h.fakes[1]->loads(), 1);
  const std::string loader = h.fakes[0]->loads() == 1 ? "a" : "b";
  EXPECT_EQ(served_by(results, loader), 6);
}

TEST(FleetRouting, SingleFlightExplicitLoadThroughApiV1) {
  FleetHarness h({lmstudio({on_disk("m1")}, 200ms)});
  auto results = h.concurrent(6, "m1");
  for (const auto& r : results) ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(h.fakes[0]->loads(), 1);
  const auto records = h.fakes[0]->requests();
  EXPECT_EQ(std::count_if(records.begin(), records.end(),
                          [](const auto& r) { return r.path() == "/api/v1/models/load"; }),
            1);
  EXPECT_EQ(h.backend("a").counters.loads_started, 1u);
}

// The fake reproduces LM Studio's race when nobody holds the requests back.
TEST(FleetRouting, WithoutTheFleetTheFakeHostLoadsSeveralCopies) {
  auto options = lmstudio({on_disk("m1")}, 300ms);
  options.api_v1 = false;
  HarnessOptions pinned;
  FleetHarness h({options}, pinned);
  std::vector<std::unique_ptr<Provider>> direct;
  std::vector<std::future<Result<GenerationResult>>> futures;
  for (int i = 0; i < 6; ++i) {
    direct.push_back(
        ProviderRegistry()
            .create(ProviderSpec{.kind = "lmstudio", .base_url = h.fakes[0]->base_url()})
            .value());
    futures.push_back(asio::co_spawn(h.io, direct.back()->generate(FleetHarness::request("m1")),
                                     asio::use_future));
  }
  h.run_until([&] {
    return std::all_of(futures.begin(), futures.end(),
                       [](auto& f) { return f.wait_for(0s) == std::future_status::ready; });
  });
  EXPECT_GT(h.fakes[0]->loads(), 1);
}

// Rule 4: a full loaded host queues requests rather than loading the model on a second host.
TEST(FleetRouting, AFullLoadedHostQueuesInsteadOfLoadingElsewhere) {
  auto busy = lmstudio({loaded("m1")});
  busy.token_delay = 20ms;
  HarnessOptions options;
  options.max_concurrent = 1;
  FleetHarness h({busy, lmstudio({on_disk("m1")})}, options);
  auto results = h.concurrent(4, "m1");
  EXPECT_EQ(served_by(results, "a"), 4);
  EXPECT_EQ(h.fakes[1]->loads(), 0);
  EXPECT_EQ(h.fakes[0]->peak_in_flight(), 1);
}

// Rule 4: past spill_queue_depth waiting requests, another host loads the model (once).
TEST(FleetRouting, SpillsToAnotherHostPastTheSpillDepth) {
  auto busy = lmstudio({loaded("m1")});
  busy.token_delay = 50ms;
  HarnessOptions options;
  options.max_concurrent = 1;
  options.fleet.spill_queue_depth = 2;
  FleetHarness h({busy, lmstudio({on_disk("m1")}, 50ms)}, options);
  auto results = h.concurrent(8, "m1");
  for (const auto& r : results) ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(h.fakes[1]->loads(), 1);
  EXPECT_GT(served_by(results, "b"), 0);
}

// Rule 4: the queue is bounded: kQueueFull with a retry-after hint past max_queue.
TEST(FleetRouting, QueueFullPastMaxQueue) {
  auto busy = lmstudio({loaded("m1")});
  busy.token_delay = 50ms;
  HarnessOptions options;
  options.max_concurrent = 1;
  options.max_queue = 1;
  options.fleet.spill_queue_depth = 0;
  FleetHarness h({busy}, options);
  auto results = h.concurrent(3, "m1");
  const auto full = std::find_if(results.begin(), results.end(), [](const auto& r) {
    return !r && r.error().kind == ErrorKind::kQueueFull;
  });
  ASSERT_NE(full, results.end());
  EXPECT_TRUE(full->error().retry_after_secs.has_value());
  EXPECT_EQ(served_by(results, "a"), 2);
}

// Rule 9: a JIT-only host with requests in flight is not chosen to load another model.
TEST(FleetRouting, LoadsOnAnIdleHostNeverNextToRunningRequests) {
  auto a = lmstudio({loaded("m1"), on_disk("m2")});
  a.api_v1 = false;
  a.token_delay = 100ms;
  auto b = lmstudio({on_disk("m2")});
  b.api_v1 = false;
  FleetHarness h({a, b});
  auto long_request =
      asio::co_spawn(h.io, h.provider->generate(FleetHarness::request("m1")), asio::use_future);
  ASSERT_TRUE(h.run_until([&] { return h.backend("a").in_flight == 1; }));
  auto r = h.run(h.provider->generate(FleetHarness::request("m2")));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->backend, "b");
  EXPECT_EQ(h.fakes[0]->loads(), 0);
  h.run_until([&] { return long_request.wait_for(0s) == std::future_status::ready; });
}

// Rule 9: when the only host that has the model is a JIT host with requests running, the load
// waits until they finished (a JIT load could evict the model they run on).
TEST(FleetRouting, WaitsForAJitHostToDrainBeforeLoadingThere) {
  auto a = lmstudio({loaded("m1"), on_disk("m2")});
  a.api_v1 = false;
  a.token_delay = 50ms;
  FleetHarness h({a});
  auto long_request =
      asio::co_spawn(h.io, h.provider->generate(FleetHarness::request("m1")), asio::use_future);
  ASSERT_TRUE(h.run_until([&] { return h.backend("a").in_flight == 1; }));
  auto r = h.run(h.provider->generate(FleetHarness::request("m2")));
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(long_request.wait_for(0s), std::future_status::ready);
  const auto records = h.fakes[0]->requests();
  std::chrono::steady_clock::time_point m1_done, m2_sent;
  for (const auto& rec : records) {
    if (!rec.json || !rec.path().ends_with("completions")) continue;
    const auto model = rec.json->at("model").as_string();
    if (model == "m1") m1_done = rec.finished_at;
    if (model == "m2") m2_sent = rec.received_at;
  }
  EXPECT_GE(m2_sent, m1_done);
  EXPECT_EQ(h.fakes[0]->peak_in_flight(), 1);
}

TEST(FleetSelectors, BackendNamePinsAndKindRestricts) {
  FleetHarness h({lmstudio({loaded("m1")}), lmstudio({loaded("m1")})});
  for (int i = 0; i < 4; ++i) {
    auto r = h.run(h.provider->generate(FleetHarness::request("b:m1")));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->backend, "b");
  }
  auto kind = h.run(h.provider->generate(FleetHarness::request("lmstudio:m1")));
  ASSERT_TRUE(kind) << kind.error();
  auto colon = h.run(h.provider->generate(FleetHarness::request("qwen3:8b")));
  ASSERT_FALSE(colon);  // an id with a colon stays an id
  EXPECT_EQ(colon.error().kind, ErrorKind::kModelNotFound);
}

TEST(FleetSelectors, LocalModelIsTheFirstBackendsLoadedModelAndNeverLoads) {
  FleetHarness h({lmstudio({on_disk("m1")}), lmstudio({loaded("m2")})});
  auto r = h.run(h.provider->generate(FleetHarness::request("local-model")));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->backend, "b");
  FleetHarness none({lmstudio({on_disk("m1")})});
  auto missing = none.run(none.provider->generate(FleetHarness::request("local-model")));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kModelNotFound);
  EXPECT_EQ(none.fakes[0]->loads(), 0);
}

}  // namespace
}  // namespace roci::fleet::test
