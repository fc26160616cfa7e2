// FLEET.md rules 5 and 6: failover before the first byte, the circuit breaker and its probe,
// nothing replayed after the first byte; who served says so in results, streams and errors.
#include <gtest/gtest.h>

#include <algorithm>

#include "unit/fleet/fleet_test_util.h"

namespace roci::fleet::test {
namespace {

int completions(const FakeUpstream& fake) {
  const auto records = fake.requests();
  return static_cast<int>(std::count_if(records.begin(), records.end(), [](const auto& r) {
    return r.method == "POST" && r.path().ends_with("completions");
  }));
}

// A host killed after the probes: the request goes to the next host, the circuit opens, and the
// host gets traffic again only after a probe (never a completion) found it back on its port.
TEST(FleetFailover, KilledHostFailsOverOpensItsCircuitAndIsProbedBeforeTraffic) {
  auto a = lmstudio({loaded("m1")});
  FleetHarness h({a, lmstudio({loaded("m1")})});
  const unsigned short port = h.fakes[0]->port();
  h.fakes[0].reset();  // dies
  // Until a probe notices, the router may still pick a: every request must still succeed.
  for (int i = 0; i < 6; ++i) {
    auto r = h.run(h.provider->generate(FleetHarness::request("a:m1")));
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::kUpstreamUnreachable) << r.error();
    }
    auto any = h.run(h.provider->generate(FleetHarness::request("m1")));
    ASSERT_TRUE(any) << any.error();
    EXPECT_EQ(any->backend, "b");
  }
  const auto down = h.backend("a");
  EXPECT_FALSE(down.usable);
  // Comes back on the same port: the circuit closes only after a probe answered.
  auto revived = a;
  revived.port = port;
  h.fakes[0] = std::make_unique<FakeUpstream>(revived);
  ASSERT_TRUE(h.run_until([&] { return h.backend("a").usable; }));
  EXPECT_EQ(completions(*h.fakes[0]), 0);  // probed with cheap calls, never a completion
  auto back = h.run(h.provider->generate(FleetHarness::request("a:m1")));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->backend, "a");
}

TEST(FleetFailover, RefusedBeforeTheFirstByteGoesToTheNextHostAndOpensTheCircuit) {
  FleetHarness h({lmstudio({loaded("m1")}), lmstudio({loaded("m1")})});
  h.fakes[0]->script(
      roci::testing::Fault::respond(503, R"({"error":"busy"})", "/v1/chat/completions"));
  h.fakes[1]->script(
      roci::testing::Fault::respond(503, R"({"error":"busy"})", "/v1/chat/completions"));
  // Whichever host it picks first answers 503: the other serves it... and also answers 503
  // once; so the first request fails over twice at most and reports the last host's error.
  auto first = h.run(h.provider->generate(FleetHarness::request("m1")));
  ASSERT_FALSE(first);
  EXPECT_FALSE(first.error().backend.empty());
  const auto snapshot = h.fleet->snapshot();
  EXPECT_EQ(
      snapshot.backends[0].counters.circuit_opens + snapshot.backends[1].counters.circuit_opens,
      2u);
  EXPECT_EQ(snapshot.backends[0].circuit, CircuitState::kOpen);
  EXPECT_FALSE(snapshot.usable());
  // After the cooldown a probe reopens both.
  ASSERT_TRUE(h.run_until([&] { return h.fleet->snapshot().usable(); }));
  auto later = h.run(h.provider->generate(FleetHarness::request("m1")));
  ASSERT_TRUE(later) << later.error();
}

TEST(FleetFailover, A502GoesToTheNextCandidate) {
  FleetHarness h({lmstudio({loaded("m1")}), lmstudio({loaded("m1")})});
  h.fakes[0]->script(roci::testing::Fault::respond(502, "bad gateway", "/v1/chat/completions"));
  for (int i = 0; i < 8; ++i) {
    auto r = h.run(h.provider->generate(FleetHarness::request("m1")));
    ASSERT_TRUE(r) << r.error();  // a's 502 is never the answer: b serves it
  }
  ASSERT_GE(completions(*h.fakes[0]), 1);  // a was tried (and answered 502 once)
  EXPECT_EQ(h.backend("a").counters.failovers, 1u);
  EXPECT_EQ(h.backend("a").counters.circuit_opens, 1u);
}

// FleetOptions::max_retries is the request's budget across the fleet: three hosts that all
// answer 502, budget 2: one attempt on each (the next candidate before the same host again).
TEST(FleetFailover, TheRetryBudgetIsTheRequestsAcrossHosts) {
  HarnessOptions options;
  options.fleet.max_retries = 2;
  FleetHarness h({lmstudio({loaded("m1")}), lmstudio({loaded("m1")}), lmstudio({loaded("m1")})},
                 options);
  for (auto& fake : h.fakes) {
    auto fault = roci::testing::Fault::respond(502, "bad gateway", "/v1/chat/completions");
    fault.times = 0;
    fake->script(fault);
  }
  auto r = h.run(h.provider->generate(FleetHarness::request("m1")));
  ASSERT_FALSE(r);
  for (auto& fake : h.fakes) EXPECT_EQ(completions(*fake), 1);
}

// After a stream's first event nothing is replayed: the cut reaches the caller, with its backend.
TEST(FleetFailover, NothingIsReplayedAfterTheFirstByte) {
  FleetHarness h({lmstudio({loaded("m1")}), lmstudio({loaded("m1")})});
  h.fakes[0]->script(roci::testing::Fault::cut_after(2, "/v1/chat/completions"));
  auto stream = h.run(h.provider->stream(FleetHarness::request("a:m1")));
  ASSERT_TRUE(stream) << stream.error();
  EXPECT_EQ((*stream)->info().backend, "a");
  std::optional<Error> error;
  for (;;) {
    auto part = h.run((*stream)->next());
    if (!part) {
      error = part.error();
      break;
    }
    if (!*part) break;
  }
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->backend, "a");
  EXPECT_EQ(completions(*h.fakes[1]), 0);
}

// Rule 6: results, streams and the errors a host returned name the backend.
TEST(FleetVisibility, EveryAnswerNamesItsBackend) {
  FleetHarness h({lmstudio({loaded("m1")})});
  auto r = h.run(h.provider->generate(FleetHarness::request("m1")));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->backend, "a");
  auto stream = h.run(h.provider->stream(FleetHarness::request("m1")));
  ASSERT_TRUE(stream) << stream.error();
  EXPECT_EQ((*stream)->info().backend, "a");
  stream->reset();
  h.fakes[0]->script(roci::testing::Fault::respond(
      400, R"({"error":"'messages' field is required"})", "/v1/chat/completions"));
  auto bad = h.run(h.provider->generate(FleetHarness::request("m1")));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().backend, "a");
  EXPECT_EQ(h.backend("a").in_flight, 0);
}

}  // namespace
}  // namespace roci::fleet::test
