// fleet_resolver: FLEET.md's selectors and the pass-through before the first probes.
#include "server/routing/fleet_resolver.h"

#include "config/gateway_config.h"

#include <roci/fleet/fleet.h>
#include <roci/fleet/fleet_provider.h>

#include <gtest/gtest.h>

namespace roci::server {
namespace {

std::shared_ptr<fleet::Fleet> mock_fleet(const ProviderRegistry& registry) {
  std::vector<fleet::BackendSpec> backends{
      {.name = "desk", .provider = {.kind = "mock"}},
      {.name = "laptop", .provider = {.kind = "mock"}},
  };
  auto fleet = fleet::Fleet::create(std::move(backends), {}, registry);
  EXPECT_TRUE(fleet) << (fleet ? "" : fleet.error().message);
  return fleet ? *fleet : nullptr;
}

TEST(FleetSelector, BackendNamePinsKindRestrictsOtherPrefixesArePartOfTheId) {
  ProviderRegistry registry;
  auto fleet = mock_fleet(registry);
  ASSERT_TRUE(fleet);
  auto pin = split_fleet_selector("desk:qwen3:8b", *fleet, registry);
  EXPECT_EQ(pin.backend, "desk");
  EXPECT_EQ(pin.kind, "");
  EXPECT_EQ(pin.model, "qwen3:8b");
  auto kind = split_fleet_selector("lmstudio:qwen3:8b", *fleet, registry);
  EXPECT_EQ(kind.backend, "");
  EXPECT_EQ(kind.kind, "lmstudio");
  EXPECT_EQ(kind.model, "qwen3:8b");
  auto id = split_fleet_selector("qwen3:8b", *fleet, registry);
  EXPECT_EQ(id.backend, "");
  EXPECT_EQ(id.kind, "");
  EXPECT_EQ(id.model, "qwen3:8b");
  EXPECT_EQ(split_fleet_selector(":x", *fleet, registry).model, ":x");
}

TEST(FleetSelector, BeforeTheFirstProbesANamedModelPassesThroughWithItsPin) {
  ProviderRegistry registry;
  auto fleet = mock_fleet(registry);
  ASSERT_TRUE(fleet);
  fleet::FleetProvider provider(fleet);
  config::InferenceSection inference;
  auto r = resolve_fleet_model("laptop:some-model", ModelPurpose::kChat, inference, *fleet,
                               provider, registry);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "some-model");
  EXPECT_EQ(r->selector, "laptop:some-model");
  EXPECT_EQ(r->request_model(), "laptop:some-model");
  EXPECT_EQ(r->provider, &provider);
}

TEST(FleetSelector, AKindNoBackendHasIsModelNotFound) {
  ProviderRegistry registry;
  auto fleet = mock_fleet(registry);
  ASSERT_TRUE(fleet);
  fleet::FleetProvider provider(fleet);
  config::InferenceSection inference;
  auto r = resolve_fleet_model("openai:gpt-4o", ModelPurpose::kChat, inference, *fleet, provider,
                               registry);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kModelNotFound);
  EXPECT_NE(r.error().message.find("No backend of kind \"openai\""), std::string::npos);
}

TEST(FleetSelector, APinWithoutAModelIsInvalid) {
  ProviderRegistry registry;
  auto fleet = mock_fleet(registry);
  ASSERT_TRUE(fleet);
  fleet::FleetProvider provider(fleet);
  config::InferenceSection inference;
  auto r = resolve_fleet_model("desk:", ModelPurpose::kChat, inference, *fleet, provider, registry);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidRequest);
}

}  // namespace
}  // namespace roci::server
