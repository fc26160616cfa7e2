// The pure routing decision (src/fleet/route_decision.h), host by host.
#include "fleet/route_decision.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace roci::fleet {
namespace {

HostView host(Presence model, int in_flight = 0, int queued = 0, bool loadable = false) {
  return HostView{.usable = true,
                  .model = model,
                  .loadable = loadable,
                  .in_flight = in_flight,
                  .queued = queued,
                  .max_concurrent = 2,
                  .max_queue = 8};
}

TEST(RouteDecision, PrefersLoadedThenMostFreeCapacity) {
  std::vector<HostView> hosts{host(Presence::kOnDisk), host(Presence::kLoaded, 1),
                              host(Presence::kLoaded, 0)};
  auto d = decide(hosts, {});
  EXPECT_EQ(d.action, RouteAction::kRun);
  EXPECT_EQ(d.host, 2);
}

TEST(RouteDecision, TiesAreBrokenAtRandom) {
  std::vector<HostView> hosts{host(Presence::kLoaded), host(Presence::kLoaded),
                              host(Presence::kLoaded)};
  std::set<int> chosen;
  for (std::uint64_t tie = 0; tie < 64; ++tie) {
    chosen.insert(decide(hosts, {.tie = tie * 0x9E3779B97F4A7C15ULL}).host);
  }
  EXPECT_EQ(chosen.size(), 3u);
}

TEST(RouteDecision, FullLoadedHostQueuesUntilTheSpillDepth) {
  std::vector<HostView> hosts{host(Presence::kLoaded, 2, 3), host(Presence::kOnDisk)};
  EXPECT_EQ(decide(hosts, {.spill_queue_depth = 4}).action, RouteAction::kQueue);
  auto spill = decide(hosts, {.spill_queue_depth = 3});
  EXPECT_EQ(spill.action, RouteAction::kJitLoad);
  EXPECT_EQ(spill.host, 1);
  // Never two loads of one model at once, spilling included.
  EXPECT_EQ(decide(hosts, {.load_in_flight = true, .spill_queue_depth = 3}).action,
            RouteAction::kQueue);
  hosts[0].queued = 8;
  EXPECT_EQ(decide(hosts, {.load_in_flight = true, .spill_queue_depth = 9}).action,
            RouteAction::kQueueFull);
}

TEST(RouteDecision, LoadsOnceOnTheIdlestHostAndOthersWait) {
  std::vector<HostView> hosts{host(Presence::kOnDisk, 1, 0, true),
                              host(Presence::kOnDisk, 0, 0, true)};
  auto d = decide(hosts, {});
  EXPECT_EQ(d.action, RouteAction::kLoad);
  EXPECT_EQ(d.host, 1);
  EXPECT_EQ(decide(hosts, {.load_in_flight = true}).action, RouteAction::kWaitForLoad);
  hosts[1].model = Presence::kLoading;  // a host reports a load in progress
  EXPECT_EQ(decide(hosts, {}).action, RouteAction::kWaitForLoad);
}

TEST(RouteDecision, NeverJitLoadsNextToRunningRequests) {
  std::vector<HostView> hosts{host(Presence::kOnDisk, 1), host(Presence::kOnDisk, 2)};
  auto d = decide(hosts, {});
  EXPECT_EQ(d.action, RouteAction::kWaitForIdle);
  EXPECT_EQ(d.host, 0);
  hosts[1].in_flight = 0;
  d = decide(hosts, {});
  EXPECT_EQ(d.action, RouteAction::kJitLoad);
  EXPECT_EQ(d.host, 1);
}

TEST(RouteDecision, UnusableHostsAreSkipped) {
  std::vector<HostView> hosts{host(Presence::kLoaded), host(Presence::kOnDisk)};
  hosts[0].usable = false;
  EXPECT_EQ(decide(hosts, {}).action, RouteAction::kJitLoad);
  hosts[1].usable = false;
  EXPECT_EQ(decide(hosts, {}).action, RouteAction::kNoHost);
}

}  // namespace
}  // namespace roci::fleet
