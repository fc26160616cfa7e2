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

}  // namespace
}  // namespace roci::server
