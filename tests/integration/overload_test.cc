// Overload, end to end with the real binary: past limits.max_connections new connections get a
// quick 503 while the connections already admitted keep being served at their usual latency;
// past the queue bound requests get 429 with Retry-After. The memory of a burst is given back once
// it ends.
#include "integration/gateway_fixture.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
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

// The session sweeper gives the allocator's free memory back to the OS once the live sessions fell
// to a quarter of a peak of at least 256 (run_deadline_sweeper; with tcmalloc, the gateway's
// allocator, through tcmalloc's own calls). A burst of 300 connections, each holding the first
// half of a 120 KB body the gateway has reserved room for, then all closed.
TEST(GatewayOverload, TheMemoryOfABurstIsGivenBackOnceItEnds) {
#if defined(ROCI_SANITIZED)
  GTEST_SKIP() << "a sanitized gateway runs on the sanitizer's allocator, which keeps freed memory";
#endif
  constexpr int kConnections = 300;
  constexpr std::size_t kBodyBytes = 120'000;
  GatewayUnderTest gw(
      {.fake = std::nullopt,
       .provider = "mock",
       .env = {{"INFERENCE_LIMITS_MAX_CONNECTIONS", "1000"}, {"INFERENCE_LOG_LEVEL", "warn"}}});
  ASSERT_NE(gw.port, 0);
  const long idle_kib = gw.process->resident_kib();
  ASSERT_GT(idle_kib, 0);

  const std::string head =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(kBodyBytes) + "\r\n\r\n";
  const std::string half(kBodyBytes / 2, ' ');
  std::vector<std::unique_ptr<TestConnection>> burst;
  for (int i = 0; i < kConnections; ++i) {
    burst.push_back(std::make_unique<TestConnection>(gw.port));
    burst.back()->send(head + half);
  }
  long peak_kib = idle_kib;
  const auto t0 = Clock::now();
  while (since(t0) < milliseconds(3000) && peak_kib - idle_kib < 16 * 1024) {
    std::this_thread::sleep_for(milliseconds(50));
    peak_kib = std::max(peak_kib, gw.process->resident_kib());
  }
  ASSERT_GE(peak_kib - idle_kib, 16 * 1024) << "the burst's bodies were expected in memory";
  std::this_thread::sleep_for(milliseconds(600));  // seen by the sweeper (every 250 ms)

  for (auto& c : burst) c->close();
  burst.clear();
  long after_kib = peak_kib;
  const auto t1 = Clock::now();
  while (since(t1) < milliseconds(5000) && after_kib - idle_kib >= (peak_kib - idle_kib) / 4) {
    std::this_thread::sleep_for(milliseconds(100));
    after_kib = gw.process->resident_kib();
  }
  EXPECT_LT(after_kib - idle_kib, (peak_kib - idle_kib) / 4)
      << "idle " << idle_kib << " KiB, with the burst " << peak_kib << " KiB, after it ended "
      << after_kib << " KiB";
  // Served as before.
  auto res = http_call(gw.port, "GET", "/v1/models");
  EXPECT_EQ(res.status, 200) << res.body;
}

}  // namespace
}  // namespace roci::testing
