// The fleet's retry budget and a host that never answers, end to end: the real inference-server
// in front of fake LM Studio hosts (FLEET.md "Decided details" and rule 5; ARCHITECTURE.md §5.4).
#include "integration/fleet_test_util.h"

#include <gtest/gtest.h>

#include <string>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kChatPath = "/v1/chat/completions";

// Every chat request the host gets answers 502 (it did not serve it).
void always_502(FakeUpstream& host) {
  Fault f = Fault::respond(
      502, R"({"error":{"message":"Bad gateway from the host","type":"server_error"}})", kChatPath);
  f.times = 0;
  host.script(f);
}

int chat_attempts(FakeUpstream& host) {
  int n = 0;
  for (const auto& r : host.requests()) n += r.path() == kChatPath ? 1 : 0;
  return n;
}

FleetSetup hosts_with_m(std::initializer_list<const char*> names, std::string inference_env) {
  FleetSetup setup;
  for (const char* name : names) setup.hosts.push_back({name, {.models = {loaded("m")}}});
  setup.env = {{"INFERENCE_INFERENCE_HTTP_MAX_RETRIES", std::move(inference_env)},
               {"INFERENCE_INFERENCE_HTTP_RETRY_BACKOFF_MS", "10"}};
  return setup;
}

// http.max_retries counts per request across hosts: three failing hosts, max_retries 2: one
// attempt on each (the next candidate first), three in all.
TEST(FleetRetries, MaxRetriesIsTheRequestsBudgetAcrossHosts) {
  FleetUnderTest f(hosts_with_m({"desk", "laptop", "mini"}, "2"));
  ASSERT_TRUE(f.wait_all_reachable());
  for (const char* name : {"desk", "laptop", "mini"}) always_502(f.host(name));
  auto r = http_call(f.port(), "POST", kChatPath, chat_body("m", "hi"), {}, 10s);
  EXPECT_GE(r.status, 500) << r.body;
  int total = 0;
  for (const char* name : {"desk", "laptop", "mini"}) {
    EXPECT_EQ(chat_attempts(f.host(name)), 1) << name;
    total += chat_attempts(f.host(name));
  }
  EXPECT_EQ(total, 3);
}

// With no budget the request is sent once, wherever it went.
TEST(FleetRetries, NoRetriesMeansOneAttempt) {
  FleetUnderTest f(hosts_with_m({"desk", "laptop", "mini"}, "0"));
  ASSERT_TRUE(f.wait_all_reachable());
  for (const char* name : {"desk", "laptop", "mini"}) always_502(f.host(name));
  EXPECT_EQ(http_call(f.port(), "POST", kChatPath, chat_body("m", "hi"), {}, 10s).status / 100, 5);
  int total = 0;
  for (const char* name : {"desk", "laptop", "mini"}) total += chat_attempts(f.host(name));
  EXPECT_EQ(total, 1);
}

// The last candidate gets what is left: one host, max_retries 2, three attempts on it.
TEST(FleetRetries, TheLastCandidateRetriesWithWhatIsLeft) {
  FleetUnderTest f(hosts_with_m({"desk", "laptop"}, "2"));
  ASSERT_TRUE(f.wait_all_reachable());
  always_502(f.host("desk"));
  always_502(f.host("laptop"));
  EXPECT_EQ(http_call(f.port(), "POST", kChatPath, chat_body("m", "hi"), {}, 10s).status / 100, 5);
  // One on the first host, then the second with the one retry left.
  EXPECT_EQ(chat_attempts(f.host("desk")) + chat_attempts(f.host("laptop")), 3);
  EXPECT_GE(std::max(chat_attempts(f.host("desk")), chat_attempts(f.host("laptop"))), 2);
}

// A host that takes the request and never answers holds it for its own first-byte timeout (a
// per-backend http override), then the request ends with 504 from that host. It is not "host
// down": the host may be generating (LM Studio sends nothing before a non-streamed answer is
// done), so the request is not sent again elsewhere and the host's circuit stays closed; a host
// that is wholly hung fails its probes and is routed around by them.
TEST(FleetRetries, AFirstByteTimeoutIs504FromThatHostWithoutFailover) {
  FleetSetup setup;
  // desk has m loaded (rule 2 sends the request there); laptop could load it.
  setup.hosts = {
      {"desk", {.models = {loaded("m")}}, "      http:\n        first_byte_timeout_secs: 1\n"},
      {"laptop", {.models = {on_disk("m")}}}};
  setup.env = {{"INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS", "30"}};
  FleetUnderTest f(setup);
  ASSERT_TRUE(f.wait_all_reachable());
  Fault hang = Fault::hang(kChatPath);
  hang.times = 0;
  f.host("desk").script(hang);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = http_call(f.port(), "POST", kChatPath, chat_body("m", "hi"), {}, 20s);
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(r.header("X-Roci-Backend"), "desk");
  EXPECT_LT(since(t0), 5s) << "the backend's first_byte_timeout_secs (1), not timeout_secs (30)";
  EXPECT_EQ(chat_attempts(f.host("desk")), 1);
  EXPECT_EQ(chat_attempts(f.host("laptop")), 0)
      << "a request the host may be serving is not replayed";
  EXPECT_EQ(f.backend("desk").at("circuit").as_string(), "closed");
}

}  // namespace
}  // namespace roci::testing
