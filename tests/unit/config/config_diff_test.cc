// diff_config and keep_restart_values: what a reload reports and what it cannot change.
#include "config/gateway_config.h"

#include <gtest/gtest.h>

namespace roci::config {
namespace {

TEST(ConfigDiff, NamesEveryChangedKeyAndHidesSecrets) {
  GatewayConfig a;
  GatewayConfig b;
  b.inference.allowed_models = {"qwen3"};
  b.auth.api_keys = {"secret-one"};
  b.server.port = 8080;
  const auto changes = diff_config(a, b);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].key, "server.port");
  EXPECT_TRUE(changes[0].needs_restart);
  EXPECT_EQ(changes[0].before, "3000");
  EXPECT_EQ(changes[0].after, "8080");
  EXPECT_EQ(changes[1].key, "inference.allowed_models");
  EXPECT_FALSE(changes[1].needs_restart);
  EXPECT_EQ(changes[1].after, "qwen3");
  EXPECT_EQ(changes[2].key, "auth.api_keys");
  EXPECT_EQ(changes[2].after, "(1 key)");

  GatewayConfig c = b;
  c.auth.api_keys = {"secret-two"};  // same count, other key: still a change, never shown
  const auto rotated = diff_config(b, c);
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(rotated[0].after, "(1 key), changed");
  EXPECT_TRUE(diff_config(a, a).empty());
}

TEST(ConfigDiff, RestartKeysKeepTheirRunningValues) {
  GatewayConfig running;
  running.server.port = 3000;
  GatewayConfig next;
  next.server.port = 9000;
  next.server.threads = 3;
  next.limits.max_queue = 5;
  next.limits.max_body_bytes = 10;
  keep_restart_values(next, running);
  EXPECT_EQ(next.server.port, 3000);
  EXPECT_EQ(next.server.threads, 0);
  EXPECT_EQ(next.limits.max_queue, 64);
  EXPECT_EQ(next.limits.max_body_bytes, 10u);  // reloadable
}

}  // namespace
}  // namespace roci::config
