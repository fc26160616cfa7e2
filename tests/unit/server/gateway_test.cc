// Gateway: start on port 0, serve over every worker with the real router (mock provider), metrics
// over all shards, the start-up failure's message, and the shutdown of idle connections.
#include "server/gateway.h"

#include "config/gateway_config.h"
#include "support/test_http_client.h"
#include "support/test_http_server.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <stdexcept>
#include <vector>

namespace roci::server {
namespace {

using namespace std::chrono_literals;
using roci::testing::http_call;
using roci::testing::TestConnection;
using roci::testing::TestResponse;

config::GatewayConfig mock_config(int threads = 1) {
  config::GatewayConfig c;
  c.inference.provider = "mock";
  c.server.host = "127.0.0.1";
  c.server.port = 0;
  c.server.threads = threads;
  c.server.shutdown_grace_secs = 2;
  return c;
}

constexpr std::string_view kChat =
    R"({"model":"local-model","messages":[{"role":"user","content":"hello gateway"}]})";

TEST(Gateway, StartsOnAnEphemeralPortServesAndStops) {
  Gateway gateway(mock_config());
  gateway.start();
  const unsigned short port = gateway.endpoint().port();
  ASSERT_NE(port, 0);
  EXPECT_EQ(gateway.url(), "http://127.0.0.1:" + std::to_string(port));

  const TestResponse models = http_call(port, "GET", "/v1/models");
  EXPECT_EQ(models.status, 200) << models.body;
  EXPECT_EQ(models.json().at("object"), "list");
  const TestResponse chat = http_call(port, "POST", "/v1/chat/completions", std::string(kChat));
  ASSERT_EQ(chat.status, 200) << chat.body;
  EXPECT_EQ(chat.json().at("object"), "chat.completion");
  EXPECT_EQ(chat.header("server"), "roci");

  gateway.stop();
  gateway.wait();
  EXPECT_EQ(gateway.open_connections(), 0);
  EXPECT_THROW(TestConnection refused(port), std::runtime_error) << "the listener is closed";
}

TEST(Gateway, WorkersShareThePortAndMetricsAddUpTheShards) {
  Gateway gateway(mock_config(/*threads=*/3));
  gateway.start();
  const unsigned short port = gateway.endpoint().port();
  constexpr int kRequests = 12;
  for (int i = 0; i < kRequests; ++i) {
    const TestResponse res = http_call(port, "POST", "/v1/chat/completions", std::string(kChat));
    ASSERT_EQ(res.status, 200) << res.body;
  }
  // A request is counted once its response is written: the last may trail the client a little.
  const std::string expected =
      "roci_requests_total{route=\"/v1/chat/completions\",status=\"200\",model=\"local-model\"} " +
      std::to_string(kRequests) + "\n";
  EXPECT_TRUE(roci::testing::eventually([&] {
    return gateway.metrics_text().find(expected) != std::string::npos;
  })) << gateway.metrics_text();
  gateway.stop();
  gateway.wait();
}

TEST(Gateway, AnAddressInUseFailsStartWithTheAddress) {
  // A listener without SO_REUSEPORT holds the port.
  roci::testing::TestHttpServer holder([](roci::testing::ScriptConnection&) {});
  config::GatewayConfig config = mock_config();
  config.server.port = holder.port();
  Gateway gateway(config);
  try {
    gateway.start();
    FAIL() << "start() bound a port that is in use";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(holder.port())),
        std::string::npos)
        << e.what();
  }
}

TEST(Gateway, StopClosesIdleKeepAliveConnections) {
  Gateway gateway(mock_config());
  gateway.start();
  TestConnection idle(gateway.endpoint().port());
  const TestResponse first = idle.request("GET", "/v1/models");
  ASSERT_EQ(first.status, 200);
  EXPECT_TRUE(first.keep_alive);
  EXPECT_FALSE(idle.wait_for_close(100ms)) << "kept alive while the gateway runs";
  const auto start = std::chrono::steady_clock::now();
  gateway.stop();
  EXPECT_TRUE(idle.wait_for_close(2s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms)
      << "an idle connection does not wait for the grace period";
  gateway.wait();
}

}  // namespace
}  // namespace roci::server
