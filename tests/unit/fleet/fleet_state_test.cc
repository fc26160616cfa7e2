// FLEET.md rules 7 and 8 (host state refreshed after loads; one id per model across the fleet),
// the union's fields, the snapshot, llama.cpp's router mode and cancellation.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include "unit/fleet/fleet_test_util.h"

namespace roci::fleet::test {
namespace {

const ModelInfo* find(const std::vector<ModelInfo>& models, std::string_view id) {
  auto it = std::find_if(models.begin(), models.end(), [&](const auto& m) { return m.id == id; });
  return it == models.end() ? nullptr : &*it;
}

// Rule 7: a load is visible at once, not at the next poll.
TEST(FleetHostState, RefreshedRightAfterALoad) {
  HarnessOptions options;
  options.fleet.probe_interval = std::chrono::hours(1);
  FleetHarness h({lmstudio({on_disk("m1")})}, options);
  EXPECT_TRUE(h.backend("a").loaded_models.empty());
  auto r = h.run(h.provider->generate(FleetHarness::request("m1")));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(h.backend("a").loaded_models, std::vector<std::string>{"m1"});
}

// Rule 8 and the /v1/models fields: each id once, LM Studio's "m1:2" folded into m1, with the
// backends that have it and whether it is loaded anywhere.
TEST(FleetHostState, UnionFoldsDuplicateInstancesAndNamesBackends) {
  auto a = lmstudio({on_disk("m1")}, 200ms);
  a.api_v1 = false;
  FleetHarness h({a, lmstudio({loaded("m1"), on_disk("m2")})});
  // Make the duplicate on host a directly (the race, without the fleet).
  auto p1 = ProviderRegistry()
                .create(ProviderSpec{.kind = "lmstudio", .base_url = h.fakes[0]->base_url()})
                .value();
  auto p2 = ProviderRegistry()
                .create(ProviderSpec{.kind = "lmstudio", .base_url = h.fakes[0]->base_url()})
                .value();
  auto f1 = asio::co_spawn(h.io, p1->generate(FleetHarness::request("m1")), asio::use_future);
  auto f2 = asio::co_spawn(h.io, p2->generate(FleetHarness::request("m1")), asio::use_future);
  h.run_until([&] {
    return f1.wait_for(0s) == std::future_status::ready &&
           f2.wait_for(0s) == std::future_status::ready;
  });
  ASSERT_EQ(h.fakes[0]->loads(), 2);
  h.fleet->refresh();
  ASSERT_TRUE(h.run_until([&] { return h.backend("a").loaded_models.size() == 1; }));
  const auto models = h.fleet->models();
  EXPECT_EQ(std::count_if(models.begin(), models.end(), [](const auto& m) { return m.id == "m1"; }),
            1);
  EXPECT_EQ(find(models, "m1:2"), nullptr);
  const ModelInfo* m1 = find(models, "m1");
  ASSERT_NE(m1, nullptr);
  EXPECT_EQ(m1->backends, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(m1->loaded());
  const ModelInfo* m2 = find(models, "m2");
  ASSERT_NE(m2, nullptr);
  EXPECT_EQ(m2->backends, std::vector<std::string>{"b"});
  EXPECT_FALSE(m2->loaded());
}

TEST(FleetHostState, SnapshotReportsEveryBackend) {
  FleetHarness h({lmstudio({loaded("m1")}), lmstudio({on_disk("m2")})});
  const auto snapshot = h.fleet->snapshot();
  ASSERT_EQ(snapshot.backends.size(), 2u);
  const auto& a = snapshot.backends[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.kind, "lmstudio");
  EXPECT_EQ(a.base_url, h.fakes[0]->base_url());
  EXPECT_TRUE(a.reachable);
  EXPECT_TRUE(a.usable);
  EXPECT_EQ(a.loaded_models, std::vector<std::string>{"m1"});
  EXPECT_EQ(a.circuit, CircuitState::kClosed);
  EXPECT_EQ(to_string(a.circuit), "closed");
  EXPECT_TRUE(snapshot.usable());
}

TEST(FleetHostState, CreateListsEveryProblem) {
  std::vector<BackendSpec> specs{
      {.name = "Desk", .provider = {.kind = "lmstudio", .base_url = "http://127.0.0.1:1"}},
      {.name = "x", .provider = {.kind = "lmstudio", .base_url = "http://127.0.0.1:2"}},
      {.name = "x", .provider = {.kind = "lmstudio", .base_url = "http://127.0.0.1:2"}},
      {.name = "y", .provider = {.kind = "nope"}}};
  auto fleet = Fleet::create(specs, {}, ProviderRegistry());
  ASSERT_FALSE(fleet);
  const std::string& m = fleet.error().message;
  EXPECT_NE(m.find("Desk"), std::string::npos);
  EXPECT_NE(m.find("used twice"), std::string::npos);
  EXPECT_NE(m.find("127.0.0.1:2 is used by another backend"), std::string::npos);
  EXPECT_NE(m.find("nope"), std::string::npos);
}

// llama.cpp router mode: /models status, explicit POST /models/load, single flight.
TEST(FleetHostState, LlamaCppRouterLoadsThroughItsApiOnce) {
  FakeOptions router;
  router.mode = roci::testing::FakeMode::kLlamaCpp;
  router.llamacpp_router = true;
  router.models = {on_disk("g1"), loaded("g2")};
  router.jit_load_delay = 100ms;
  FleetHarness h({router});
  EXPECT_EQ(h.backend("a").loaded_models, std::vector<std::string>{"g2"});
  auto results = h.concurrent(4, "g1");
  for (const auto& r : results) ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(h.fakes[0]->loads(), 1);
  const auto records = h.fakes[0]->requests();
  EXPECT_EQ(std::count_if(records.begin(), records.end(),
                          [](const auto& r) { return r.path() == "/models/load"; }),
            1);
  auto unloaded = h.run(h.provider->unload_model("g1"));
  ASSERT_TRUE(unloaded) << unloaded.error();
  EXPECT_EQ(unloaded->backend, "a");
}

TEST(FleetLifecycle, ExplicitLoadIsSingleFlightAndUnloadWorks) {
  FleetHarness h({lmstudio({on_disk("m1")}, 100ms)});
  auto f1 = asio::co_spawn(h.io, h.provider->load_model("m1"), asio::use_future);
  auto f2 = asio::co_spawn(h.io, h.provider->load_model("a:m1"), asio::use_future);
  h.run_until([&] {
    return f1.wait_for(0s) == std::future_status::ready &&
           f2.wait_for(0s) == std::future_status::ready;
  });
  auto r1 = f1.get();
  auto r2 = f2.get();
  ASSERT_TRUE(r1) << r1.error();
  ASSERT_TRUE(r2) << r2.error();
  EXPECT_EQ(h.fakes[0]->loads(), 1);
  EXPECT_EQ(r1->backend, "a");
  EXPECT_NE(r1->already, r2->already);
  auto unloaded = h.run(h.provider->unload_model("m1"));
  ASSERT_TRUE(unloaded) << unloaded.error();
  EXPECT_TRUE(h.backend("a").loaded_models.empty());
  auto old = lmstudio({on_disk("m1")});
  old.api_v1 = false;
  FleetHarness jit({old});
  auto refused = jit.run(jit.provider->load_model("m1"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnsupported);
}

// A cancelled queued request leaves the queue at once.
TEST(FleetCancellation, QueuedRequestLeavesTheQueue) {
  auto slow = lmstudio({loaded("m1")});
  slow.token_delay = 100ms;
  HarnessOptions options;
  options.max_concurrent = 1;
  FleetHarness h({slow}, options);
  auto running =
      asio::co_spawn(h.io, h.provider->generate(FleetHarness::request("m1")), asio::use_future);
  asio::cancellation_signal signal;
  auto queued = asio::co_spawn(h.io, h.provider->generate(FleetHarness::request("m1")),
                               asio::bind_cancellation_slot(signal.slot(), asio::use_future));
  ASSERT_TRUE(h.run_until([&] { return h.backend("a").queued == 1; }));
  signal.emit(asio::cancellation_type::terminal);
  ASSERT_TRUE(h.run_until([&] { return queued.wait_for(0s) == std::future_status::ready; }));
  auto r = queued.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(h.backend("a").queued, 0);
  ASSERT_TRUE(h.run_until([&] { return running.wait_for(0s) == std::future_status::ready; }));
  EXPECT_TRUE(running.get());
  EXPECT_EQ(h.backend("a").in_flight, 0);
}

// A cancelled JIT loader does not strand the requests waiting for its load.
TEST(FleetCancellation, CancelledLoaderDoesNotStrandWaiters) {
  auto host = lmstudio({on_disk("m1")}, 300ms);
  host.api_v1 = false;
  FleetHarness h({host});
  asio::cancellation_signal signal;
  auto loader = asio::co_spawn(h.io, h.provider->generate(FleetHarness::request("m1")),
                               asio::bind_cancellation_slot(signal.slot(), asio::use_future));
  ASSERT_TRUE(h.run_until([&] { return h.fakes[0]->loads() == 1; }));
  auto waiters = std::vector<std::future<Result<GenerationResult>>>();
  for (int i = 0; i < 3; ++i) {
    waiters.push_back(
        asio::co_spawn(h.io, h.provider->generate(FleetHarness::request("m1")), asio::use_future));
  }
  ASSERT_TRUE(h.run_until([&] { return h.backend("a").queued == 3; }));
  signal.emit(asio::cancellation_type::terminal);
  for (auto& w : waiters) {
    ASSERT_TRUE(h.run_until([&] { return w.wait_for(0s) == std::future_status::ready; }));
    auto r = w.get();
    ASSERT_TRUE(r) << r.error();
  }
  EXPECT_EQ(h.fakes[0]->loads(), 1);
  h.run_until([&] { return loader.wait_for(0s) == std::future_status::ready; });
}

}  // namespace
}  // namespace roci::fleet::test
