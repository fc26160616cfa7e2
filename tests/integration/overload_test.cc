// Overload, end to end with the real binary: past limits.max_connections new connections get a
// quick 503 while the connections already admitted keep being served at their usual latency;
// past the queue bound requests get 429 with Retry-After.
#include "integration/gateway_fixture.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

namespace roci::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kModelsRequest = "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(GatewayOverload, ConnectionsPastTheLimitGetAQuick503WhileAdmittedOnesKeepTheirLatency) {
  GatewayUnderTest gw({.fake = std::nullopt,
                       .provider = "mock",
                       .env = {{"INFERENCE_LIMITS_MAX_CONNECTIONS", "4"}}});
  ASSERT_NE(gw.port, 0);
  // Four admitted keep-alive connections, each proven to be served.
  std::vector<std::unique_ptr<TestConnection>> admitted;
  for (int i = 0; i < 4; ++i) {
    admitted.push_back(std::make_unique<TestConnection>(gw.port));
    admitted.back()->send(kModelsRequest);
    const TestResponse answer = admitted.back()->read_response();
    ASSERT_TRUE(answer.complete) << answer.error;
    ASSERT_NE(answer.raw.find("200 OK"), std::string::npos) << answer.raw;
  }
  // A flood of 40 more: every one is answered 503 and closed, promptly.
  const auto flood_start = Clock::now();
  std::vector<std::unique_ptr<TestConnection>> flood;
  for (int i = 0; i < 40; ++i) flood.push_back(std::make_unique<TestConnection>(gw.port));
  for (auto& c : flood) c->send(kModelsRequest);
  for (auto& c : flood) {
    const std::string answer = c->read_to_eof(std::chrono::seconds(10));
    EXPECT_NE(answer.find("HTTP/1.1 503"), std::string::npos) << answer;
    EXPECT_NE(answer.find("too_many_connections"), std::string::npos) << answer;
  }
  const milliseconds flood_time = since(flood_start);
  EXPECT_LT(flood_time, std::chrono::seconds(5)) << "40 refusals took " << flood_time.count();

  // The admitted connections are still served, each request well under a second.
  milliseconds worst{0};
  for (int round = 0; round < 5; ++round) {
    for (auto& c : admitted) {
      const auto t = Clock::now();
      c->send(kModelsRequest);
      const TestResponse answer = c->read_response();
      worst = std::max(worst, since(t));
      ASSERT_TRUE(answer.complete) << answer.error;
      ASSERT_NE(answer.raw.find("200 OK"), std::string::npos) << answer.raw;
    }
  }
  EXPECT_LT(worst, milliseconds(1000))
      << "an admitted connection waited " << worst.count() << " ms";
  EXPECT_NE(gw.log().find("status=503"), std::string::npos);
}

}  // namespace
}  // namespace roci::testing
