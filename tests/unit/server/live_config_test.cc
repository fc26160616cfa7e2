// LiveConfig and WorkerStates: generations, the state a request keeps, and what a rebuild reuses.
#include "server/live_config.h"

#include "server/observability/metrics.h"
#include "server/routing/admission_queue.h"
#include "server/routing/provider_set.h"

#include <gtest/gtest.h>

namespace roci::server {
namespace {

struct Fixture {
  MetricsShard shard;
  AdmissionQueue admission{AdmissionQueue::Options{}};
  WorkerResources resources() { return {.metrics = shard, .admission = admission}; }
};

TEST(LiveConfig, PublishRaisesTheGenerationAndWorkersPickItUpAtTheNextRequest) {
  Fixture f;
  config::GatewayConfig initial;
  LiveConfig live(initial);
  WorkerStates states(live, f.resources());
  const std::shared_ptr<WorkerState> first = states.current();
  EXPECT_EQ(first->shared->generation, 1u);
  EXPECT_EQ(&first->context.config, &first->shared->config);

  config::GatewayConfig next = initial;
  next.auth.api_keys = {"k"};
  EXPECT_EQ(live.publish(next), 2u);
  const std::shared_ptr<WorkerState> second = states.current();
  EXPECT_EQ(second->shared->generation, 2u);
  EXPECT_TRUE(second->shared->auth.enabled());
  // The request that started before keeps its state; no inference.* key changed, so the
  // providers and the model catalog (connection pools, cached lists) are the same objects.
  EXPECT_FALSE(first->shared->auth.enabled());
  EXPECT_EQ(first->providers, second->providers);
  EXPECT_EQ(first->catalog, second->catalog);
  EXPECT_EQ(states.current(), second);  // no change: the same state
}

TEST(LiveConfig, AnInferenceChangeBuildsNewProviders) {
  Fixture f;
  LiveConfig live(config::GatewayConfig{});
  WorkerStates states(live, f.resources());
  const auto first = states.current();
  config::GatewayConfig next;
  next.inference.mock.models = {"other-model"};
  live.publish(next);
  const auto second = states.current();
  EXPECT_NE(first->providers, second->providers);
  EXPECT_NE(first->catalog, second->catalog);
  EXPECT_EQ(&second->context.providers, second->providers.get());
  EXPECT_EQ(&first->context.providers, first->providers.get());  // still usable by its request
}

TEST(LiveConfig, AStateThatCannotBeBuiltKeepsThePreviousOne) {
  Fixture f;
  LiveConfig live(config::GatewayConfig{});
  WorkerStates states(live, f.resources());
  const auto first = states.current();
  config::GatewayConfig bad;
  bad.inference.provider = "no-such-kind";
  live.publish(bad);
  EXPECT_EQ(states.current(), first);
  EXPECT_EQ(states.current(), first);  // not retried per request
}

config::GatewayConfig with_backends(std::vector<std::string> names) {
  config::GatewayConfig c;
  for (auto& n : names) {
    c.inference.backends.push_back(
        config::BackendSection{.name = n, .base_url = "", .provider = "mock"});
  }
  return c;
}

TEST(LiveConfig, SameFleetComparesTheBackendsAndTheKeysThatBuildThem) {
  const auto two = with_backends({"desk", "laptop"});
  EXPECT_TRUE(same_fleet(two, two));
  EXPECT_TRUE(same_fleet(config::GatewayConfig{}, config::GatewayConfig{}));
  EXPECT_FALSE(same_fleet(two, with_backends({"desk"})));
  EXPECT_FALSE(same_fleet(two, with_backends({"laptop", "desk"})));
  EXPECT_FALSE(same_fleet(config::GatewayConfig{}, two));
  auto busier = two;
  busier.inference.backends[1].max_concurrent = 1;
  EXPECT_FALSE(same_fleet(two, busier));
  auto probing = two;
  probing.routing.probe_interval_secs = 7;
  EXPECT_FALSE(same_fleet(two, probing));
  auto keyed = two;
  keyed.auth.api_keys = {"k"};  // not the fleet's: the running Fleet is kept
  EXPECT_TRUE(same_fleet(two, keyed));
}

TEST(LiveConfig, AGenerationsFleetIsEveryThreadsAndANewOneBuildsNewProviders) {
  Fixture f;
  const auto config = with_backends({"desk"});
  auto fleet = ProviderSet::create_fleet(config, {});
  ASSERT_TRUE(fleet) << fleet.error().message;
  LiveConfig live(config, *fleet);
  WorkerStates states(live, f.resources());
  const auto first = states.current();
  ASSERT_NE(first->providers->fleet(), nullptr);
  EXPECT_EQ(&first->providers->fleet()->fleet(), fleet->get());

  live.publish(config, *fleet);  // the same Fleet: the thread keeps its providers
  EXPECT_EQ(states.current()->providers, first->providers);

  auto next = ProviderSet::create_fleet(with_backends({"desk", "laptop"}), {});
  ASSERT_TRUE(next) << next.error().message;
  live.publish(with_backends({"desk", "laptop"}), *next);
  const auto second = states.current();
  EXPECT_NE(second->providers, first->providers);
  EXPECT_EQ(&second->providers->fleet()->fleet(), next->get());
  EXPECT_EQ(&first->providers->fleet()->fleet(), fleet->get());  // its requests keep the old one
}

}  // namespace
}  // namespace roci::server
