// The fleet end to end (FLEET.md): the real inference-server in front of three fake LM Studio
// hosts, configured with FLEET.md's YAML. Each test names the rule it proves.
#include "integration/fleet_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <set>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBackendHeader = "X-Roci-Backend";

FleetSetup three_hosts() {
  return {.hosts = {{"desk", {.models = {loaded("m-desk"), loaded("shared"), on_disk("cold")}}},
                    {"laptop", {.models = {loaded("m-laptop"), loaded("shared"), on_disk("cold")}}},
                    {"mini", {.models = {on_disk("shared"), loaded("m-mini")}}}}};
}

TestResponse chat(unsigned short port, std::string_view model, bool stream = false) {
  return http_call(port, "POST", "/v1/chat/completions", chat_body(model, "hi there", stream), {},
                   std::chrono::seconds(10));
}

// Rule 6: every proxied response names its backend; the gateway's own errors do not.
TEST(FleetRouting, XRociBackendOnPlainStreamAndHostErrors) {
  FleetUnderTest f(three_hosts());
  ASSERT_TRUE(f.wait_all_reachable()) << f.gateway().log();

  auto plain = chat(f.port(), "m-laptop");
  EXPECT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.header(kBackendHeader), "laptop");
  // One answer after another from different backends: each names its own.
  for (const auto& [model, backend] :
       {std::pair{"m-desk", "desk"}, std::pair{"m-laptop", "laptop"}}) {
    auto next = chat(f.port(), model);
    EXPECT_EQ(next.status, 200) << next.body;
    EXPECT_EQ(next.header(kBackendHeader), backend);
  }

  auto streamed = chat(f.port(), "m-mini", /*stream=*/true);
  EXPECT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_EQ(streamed.header(kBackendHeader), "mini");
  EXPECT_NE(streamed.body.find("data: [DONE]"), std::string::npos);

  f.host("desk").script(Fault::respond(
      400, R"({"error":{"message":"Bad things from the host","type":"invalid_request_error"}})",
      "/v1/chat/completions"));
  auto host_error = chat(f.port(), "m-desk");
  EXPECT_EQ(host_error.status, 400) << host_error.body;
  EXPECT_EQ(host_error.header(kBackendHeader), "desk");

  auto unknown = chat(f.port(), "no-such-model");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(unknown.header(kBackendHeader), "") << "a gateway-made error names no backend";

  EXPECT_TRUE(f.gateway().process->wait_for_output("backend=laptop")) << "access log";
}

// Rule 2: a host with the model loaded is preferred to one that has it on disk only.
TEST(FleetRouting, LoadedHostIsPreferred) {
  FleetUnderTest f(three_hosts());
  ASSERT_TRUE(f.wait_all_reachable());
  for (int i = 0; i < 6; ++i) {
    auto r = chat(f.port(), "shared");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.header(kBackendHeader), "mini") << "mini has \"shared\" on disk only";
  }
}

// Selectors: "NAME:model" pins a backend; a kind prefix restricts; other prefixes are the id.
TEST(FleetRouting, SelectorsPinABackendOrAKind) {
  FleetUnderTest f(three_hosts());
  ASSERT_TRUE(f.wait_all_reachable());
  for (int i = 0; i < 4; ++i) {
    auto r = chat(f.port(), "desk:shared");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header(kBackendHeader), "desk");
  }
  auto kind = chat(f.port(), "lmstudio:m-mini");
  EXPECT_EQ(kind.status, 200) << kind.body;
  EXPECT_EQ(kind.header(kBackendHeader), "mini");
  auto wrong_host = chat(f.port(), "desk:m-mini");
  EXPECT_EQ(wrong_host.status, 404) << wrong_host.body;
  auto no_kind = chat(f.port(), "llamacpp:m-mini");
  EXPECT_EQ(no_kind.status, 404) << no_kind.body;
}

// local-model: the model loaded on the first backend in config order; never a load.
TEST(FleetRouting, LocalModelIsTheFirstBackendsLoadedModel) {
  FleetUnderTest f({.hosts = {{"desk", {.models = {on_disk("a")}}},
                              {"laptop", {.models = {loaded("b"), on_disk("a")}}}}});
  ASSERT_TRUE(f.wait_all_reachable());
  auto r = chat(f.port(), "local-model");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header(kBackendHeader), "laptop");
  EXPECT_EQ(r.json().at("model").as_string(), "b");
}

TEST(FleetRouting, LocalModelWithNothingLoadedIs404AndLoadsNothing) {
  FleetUnderTest f({.hosts = {{"desk", {.models = {on_disk("a")}}}}});
  ASSERT_TRUE(f.wait_all_reachable());
  auto r = chat(f.port(), "local-model");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("no backend has a model loaded"), std::string::npos) << r.body;
  for (const auto& req : f.host("desk").requests()) {
    EXPECT_NE(req.path(), "/v1/chat/completions");
    EXPECT_NE(req.path(), "/api/v1/models/load");
  }
}

// Rule 8 and the /v1/models fields: each id once, who has it, loaded anywhere.
TEST(FleetRouting, ModelsAreTheUnionWithBackendsAndLoaded) {
  FleetUnderTest f(three_hosts());
  ASSERT_TRUE(f.wait_all_reachable());
  auto r = http_call(f.port(), "GET", "/v1/models");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, boost::json::object> by_id;
  const boost::json::value doc = r.json();  // held: the loop walks into it
  for (const auto& m : doc.at("data").as_array()) {
    const std::string id(m.at("id").as_string());
    EXPECT_FALSE(by_id.contains(id)) << id << " listed twice";
    by_id[id] = m.as_object();
  }
  ASSERT_TRUE(by_id.contains("shared")) << r.body;
  EXPECT_EQ(by_id["shared"].at("backends"), (boost::json::array{"desk", "laptop", "mini"}));
  EXPECT_EQ(by_id["shared"].at("loaded"), true);
  EXPECT_EQ(by_id["cold"].at("backends"), (boost::json::array{"desk", "laptop"}));
  EXPECT_EQ(by_id["cold"].at("loaded"), false);
  EXPECT_EQ(by_id["m-mini"].at("backends"), (boost::json::array{"mini"}));
}

// Rule 5 and /health: a dead host is routed around, shown down, and gets traffic again once a
// probe found it back on the same port. Every request completes within its deadline.
TEST(FleetRouting, AHostKilledAndRevived) {
  FleetUnderTest f(
      {.hosts = {{"desk", {.models = {loaded("m")}}}, {"laptop", {.models = {loaded("m")}}}}});
  ASSERT_TRUE(f.wait_all_reachable());
  f.kill("desk");
  for (int i = 0; i < 4; ++i) {
    TestResponse r;
    try {
      r = chat(f.port(), "m");
    } catch (const std::exception& e) {
      FAIL() << "request " << i << " after the kill: " << e.what() << "\n" << f.gateway().log();
    }
    ASSERT_EQ(r.status, 200) << r.body << f.gateway().log();
    EXPECT_EQ(r.header(kBackendHeader), "laptop");
  }
  EXPECT_TRUE(f.wait_health([](const boost::json::value& h) {
    return !h.at("backends").at(0).at("reachable").as_bool();
  })) << "desk shown down";
  EXPECT_EQ(f.last_health_status(), 200) << "laptop is still usable";

  f.revive("desk");
  EXPECT_TRUE(f.wait_health([](const boost::json::value& h) {
    const auto& desk = h.at("backends").at(0);
    return desk.at("reachable").as_bool() && desk.at("circuit").as_string() == "closed";
  })) << f.gateway().log();
  auto back = chat(f.port(), "desk:m");
  EXPECT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.header(kBackendHeader), "desk");
}

TEST(FleetRouting, HealthIs503WhenNoBackendIsUsable) {
  FleetUnderTest f({.hosts = {{"desk", {.models = {loaded("m")}}}}});
  ASSERT_TRUE(f.wait_all_reachable());
  EXPECT_EQ(f.last_health_status(), 200);
  auto desk = f.backend("desk");
  EXPECT_EQ(desk.at("loaded_models"), (boost::json::array{"m"}));
  EXPECT_EQ(desk.at("in_flight"), 0);
  EXPECT_EQ(desk.at("queued"), 0);
  EXPECT_EQ(desk.at("circuit"), "closed");
  f.kill("desk");
  EXPECT_TRUE(
      f.wait_health([&](const boost::json::value&) { return f.last_health_status() == 503; }));
}

// Rule 4 and limits.max_queue per backend: past the bound, 429 with Retry-After.
TEST(FleetRouting, AFullBackendQueueIs429WithRetryAfter) {
  FakeOptions slow{.models = {loaded("m")}};
  slow.token_delay = 100ms;
  FleetUnderTest f({.hosts = {{"desk", slow, "      max_concurrent: 1\n"}},
                    .routing_yaml = "routing:\n  probe_interval_secs: 1\n  spill_queue_depth: 0\n",
                    .more_yaml = "limits:\n  max_queue: 1\n"});
  ASSERT_TRUE(f.wait_all_reachable());
  const std::string body =
      chat_body("m", "one two three four five six seven eight", false, R"("max_tokens":8)");
  TestConnection first(f.port()), second(f.port());
  first.send(raw_post("/v1/chat/completions", body));
  ASSERT_TRUE(f.wait_health(
      [](const boost::json::value& h) { return h.at("backends").at(0).at("in_flight") == 1; }));
  second.send(raw_post("/v1/chat/completions", body));
  ASSERT_TRUE(f.wait_health(
      [](const boost::json::value& h) { return h.at("backends").at(0).at("queued") == 1; }));
  auto refused = chat(f.port(), "m");
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_FALSE(refused.header("Retry-After").empty());
  EXPECT_EQ(refused.header(kBackendHeader), "") << "the gateway refused it, not a host";
  EXPECT_EQ(first.read_response(10s).status, 200);
  EXPECT_EQ(second.read_response(10s).status, 200);
}

// Rule 3 (single flight): six concurrent first requests for a model loaded nowhere cause one
// load in the fleet: one request (or one explicit load) reaches a host, the others wait for it.
TEST(FleetRouting, SixConcurrentFirstRequestsLoadTheModelOnce) {
  FakeOptions jit{.models = {on_disk("cold"), loaded("warm")}};
  jit.jit_load_delay = 400ms;
  FleetUnderTest f({.hosts = {{"desk", jit}, {"laptop", jit}, {"mini", jit}}});
  ASSERT_TRUE(f.wait_all_reachable());
  std::vector<std::future<TestResponse>> answers;
  for (int i = 0; i < 6; ++i) {
    answers.push_back(std::async(std::launch::async, [&] { return chat(f.port(), "cold"); }));
  }
  std::set<std::string> served_by;
  for (auto& a : answers) {
    auto r = a.get();
    EXPECT_EQ(r.status, 200) << r.body;
    served_by.insert(r.header(kBackendHeader));
  }
  // What loads a model on a host: its first chat request for it (JIT) or an explicit load.
  std::vector<RecordedRequest> loads;
  for (const char* name : {"desk", "laptop", "mini"}) {
    for (auto& r : f.host(name).requests()) {
      const bool chat_request = r.path() == "/v1/chat/completions";
      if (chat_request || r.path() == "/api/v1/models/load") loads.push_back(std::move(r));
    }
  }
  ASSERT_FALSE(loads.empty());
  std::sort(loads.begin(), loads.end(),
            [](const auto& a, const auto& b) { return a.received_at < b.received_at; });
  const auto first_done = loads.front().finished_at;
  const auto during_load = std::count_if(loads.begin(), loads.end(),
                                         [&](const auto& r) { return r.received_at < first_done; });
  EXPECT_EQ(during_load, 1) << "requests that reached a host while the model was loading";
  EXPECT_EQ(served_by.size(), 1u) << "every request went to the host that loaded it";
}

// Metrics carry the backend label.
// Rule 6 on every inference route: the Responses and Messages dialects go through the fleet too.
TEST(FleetRouting, EveryInferenceRouteNamesItsBackend) {
  FleetUnderTest f(three_hosts());
  ASSERT_TRUE(f.wait_all_reachable());
  auto responses = http_call(f.port(), "POST", "/v1/responses",
                             R"({"model":"m-laptop","input":"hi there"})", {}, 10s);
  EXPECT_EQ(responses.status, 200) << responses.body;
  EXPECT_EQ(responses.header(kBackendHeader), "laptop");
  auto messages = http_call(f.port(), "POST", "/v1/messages",
                            R"({"model":"m-mini","max_tokens":16,)"
                            R"("messages":[{"role":"user","content":"hi"}]})",
                            {}, 10s);
  EXPECT_EQ(messages.status, 200) << messages.body;
  EXPECT_EQ(messages.header(kBackendHeader), "mini");
  auto streamed = http_call(f.port(), "POST", "/v1/responses",
                            R"({"model":"m-desk","input":"hi","stream":true})", {}, 10s);
  EXPECT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_EQ(streamed.header(kBackendHeader), "desk");
}

TEST(FleetRouting, MetricsHaveABackendLabel) {
  FleetUnderTest f(three_hosts());
  ASSERT_TRUE(f.wait_all_reachable());
  ASSERT_EQ(chat(f.port(), "m-laptop").status, 200);
  auto r = http_call(f.port(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("roci_backend_requests_total{backend=\"laptop\"} 1"), std::string::npos)
      << r.body;
  for (const char* family :
       {"roci_backend_in_flight{backend=\"desk\"}", "roci_backend_queue_length{backend=\"mini\"}",
        "roci_backend_loads_started_total{backend=", "roci_backend_load_duration_seconds_sum{",
        "roci_backend_failovers_total{backend=", "roci_backend_circuit_opens_total{backend="}) {
    EXPECT_NE(r.body.find(family), std::string::npos) << family;
  }
}

}  // namespace
}  // namespace roci::testing
