// The fleet's routing decision (src/fleet/route_decision.h, decide()) at 4 and 64 hosts: every
// host has the model, a quarter of them loaded, in-flight counts varied. Figure: ns per decision.
#include "fleet/route_decision.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace {

void BM_RouteDecision(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<roci::fleet::HostView> hosts(n);
  for (int i = 0; i < n; ++i) {
    hosts[i] = {
        .usable = i % 7 != 3,
        .model = i % 4 == 0 ? roci::fleet::Presence::kLoaded : roci::fleet::Presence::kOnDisk,
        .loadable = true,
        .in_flight = i % 3,
        .queued = 0,
        .max_concurrent = 4,
        .max_queue = 64};
  }
  std::uint64_t tie = 0x9E3779B97F4A7C15ULL;
  for (auto _ : state) {
    tie = tie * 6364136223846793005ULL + 1;
    auto d = roci::fleet::decide(hosts, {.spill_queue_depth = 16, .tie = tie});
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_RouteDecision)->Arg(4)->Arg(64);

}  // namespace
