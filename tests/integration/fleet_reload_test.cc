// The fleet across a reload (SIGHUP): a changed inference.backends takes effect for the next
// request, while a stream that started on a backend the reload removed runs to its end there.
#include "integration/fleet_test_util.h"

#include <gtest/gtest.h>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;

TEST(FleetReload, ChangedBackendsServeNewRequestsAndKeepTheStreamInFlight) {
  FakeOptions slow{.models = {loaded("m-desk")}};
  slow.token_delay = 40ms;
  FleetUnderTest f({.hosts = {{"desk", slow}}});
  ASSERT_TRUE(f.wait_all_reachable()) << f.gateway().log();

  TestConnection stream(f.port());
  stream.send(raw_post("/v1/chat/completions",
                       chat_body("m-desk", "one two three four five six seven eight", true)));
  const std::string head = stream.read_until("Echo", 10s);
  EXPECT_NE(head.find("X-Roci-Backend: desk"), std::string::npos) << head;

  // desk leaves the configuration, laptop joins it.
  ASSERT_TRUE(f.reconfigure({{"laptop", {.models = {loaded("m-laptop")}}}},
                            "configuration reloaded: generation 2"))
      << f.gateway().log();
  EXPECT_TRUE(f.gateway().process->wait_for_output("fleet backend laptop")) << f.gateway().log();

  auto next =
      http_call(f.port(), "POST", "/v1/chat/completions", chat_body("m-laptop", "hi"), {}, 10s);
  EXPECT_EQ(next.status, 200) << next.body << f.gateway().log();
  EXPECT_EQ(next.header("X-Roci-Backend"), "laptop");
  auto gone =
      http_call(f.port(), "POST", "/v1/chat/completions", chat_body("m-desk", "hi"), {}, 10s);
  EXPECT_EQ(gone.status, 404) << gone.body << "desk is no longer configured";
  auto health = f.health();
  ASSERT_EQ(health.at("backends").as_array().size(), 1u) << boost::json::serialize(health);
  EXPECT_EQ(health.at("backends").at(0).at("name"), "laptop");

  // The stream that started on desk ends normally, on desk.
  const std::string rest = stream.read_until("data: [DONE]", 10s);
  EXPECT_NE(rest.find("data: [DONE]"), std::string::npos) << rest;
  EXPECT_EQ(rest.find("\"error\""), std::string::npos) << rest;
}

TEST(FleetReload, AnUnchangedListKeepsTheRunningFleet) {
  FleetUnderTest f({.hosts = {{"desk", {.models = {loaded("m")}}}}});
  ASSERT_TRUE(f.wait_all_reachable()) << f.gateway().log();
  ASSERT_EQ(http_call(f.port(), "POST", "/v1/chat/completions", chat_body("m", "hi")).status, 200);
  ASSERT_TRUE(
      f.reconfigure({{"desk", {.models = {loaded("m")}}}}, "configuration reloaded: generation 2"))
      << f.gateway().log();
  // The host state (probed, reachable) and counters carried over: no wait for a first probe.
  auto desk = f.backend("desk");
  EXPECT_TRUE(desk.at("reachable").as_bool()) << f.gateway().log();
  const std::string metrics = http_call(f.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("roci_backend_requests_total{backend=\"desk\"} 1"), std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace roci::testing
