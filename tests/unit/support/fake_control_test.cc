// The /__control endpoints, the Fault JSON, the bench profile and the fake-upstream binary.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>

#include "support/fake_upstream.h"
#include "support/test_http_client.h"

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

TEST(FakeControlTest, ScriptRequestsResetRoundTrip) {
  FakeUpstream fake({.control = true});
  TestConnection client(fake.port());
  auto response = client.request(
      "POST", "/__control/script",
      R"({"path":"/v1/chat/completions","kind":"respond","status":503,"body":{"error":"busy"}})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.json().at("queued"), 1);
  response = client.request("POST", "/v1/chat/completions",
                            R"({"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, R"({"error":"busy"})");
  ASSERT_TRUE(fake.wait_for_idle(1s));
  response = client.request("GET", "/__control/requests");
  const auto list = response.json();
  ASSERT_EQ(list.at("requests").as_array().size(), 1u);  // control calls are not recorded
  const auto& record = list.at("requests").as_array()[0];
  EXPECT_EQ(record.at("method"), "POST");
  EXPECT_EQ(record.at("path"), "/v1/chat/completions");
  EXPECT_EQ(record.at("outcome"), "completed");
  EXPECT_EQ(record.at("completed"), true);
  EXPECT_EQ(record.at("cancelled"), false);
  EXPECT_EQ(record.at("json").at("messages").as_array().size(), 1u);
  EXPECT_EQ(list.at("connections_accepted"), 1);
  EXPECT_EQ(client.request("POST", "/__control/reset").status, 200);
  EXPECT_TRUE(
      client.request("GET", "/__control/requests").json().at("requests").as_array().empty());
  response = client.request("POST", "/__control/script", R"({"kind":"bogus"})");
  EXPECT_EQ(response.status, 400);
  response = client.request("POST", "/__control/script", R"({"cut_afer_chunks":1})");
  EXPECT_EQ(response.status, 400);
}

TEST(FakeControlTest, ControlIsOffByDefault) {
  FakeUpstream fake;
  TestConnection client(fake.port());
  const auto response = client.request("GET", "/__control/requests");
  EXPECT_EQ(response.body,
            R"x({"error":"Unexpected endpoint or method. (GET /__control/requests)"})x");
}

TEST(FakeControlTest, FaultJsonRoundTrips) {
  Fault fault{.path = "/v1/chat/completions",
              .times = -1,
              .kind = Fault::Kind::kNone,
              .header_delay = 5ms,
              .token_delay = 7ms,
              .gap_after_chunks = 2,
              .gap = 9ms,
              .cut_after_chunks = 3,
              .reset = true,
              .answer = "x",
              .tool_calls = {{"f", R"({"a":1})"}},
              .model = "m"};
  const auto parsed = fault_from_json(to_json(fault));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(json::serialize(to_json(*parsed)), json::serialize(to_json(fault)));
  const auto from_object =
      fault_from_json(json::parse(R"({"tool_calls":[{"name":"f","arguments":{"a":1}}]})"));
  ASSERT_TRUE(from_object);
  EXPECT_EQ(from_object->tool_calls.at(0).arguments, R"({"a":1})");
}

TEST(FakeControlTest, ModelsCanBeReplaced) {
  FakeUpstream fake({.control = true});
  TestConnection client(fake.port());
  EXPECT_EQ(client
                .request("POST", "/__control/models",
                         R"({"models":[{"id":"a"},{"id":"b","loaded":false}]})")
                .status,
            200);
  EXPECT_EQ(fake.models().size(), 2u);
  EXPECT_FALSE(fake.models()[1].loaded);
}

TEST(FakeControlTest, BenchProfileAnswersPrecomputedBodies) {
  FakeUpstream fake({.bench = true});
  TestConnection client(fake.port());
  auto response = client.request("POST", "/v1/chat/completions", R"({"model":"x","messages":[]})");
  EXPECT_EQ(response.status, 200);
  EXPECT_GT(response.body.size(), 800u);
  EXPECT_LT(response.body.size(), 1600u);
  EXPECT_EQ(response.json().at("object"), "chat.completion");
  client.send_request("POST", "/v1/chat/completions", R"({"stream": true,"messages":[]})");
  const auto chunks = parse_response(client.read_until("\r\n0\r\n\r\n", 1s)).chunks;
  EXPECT_EQ(chunks.size(), 20u);
  EXPECT_EQ(chunks.back(), "data: [DONE]\n\n");
  EXPECT_TRUE(fake.requests().empty());
}

TEST(FakeControlTest, BinaryPrintsListeningLineAndStopsOnSigterm) {
  const std::filesystem::path binary =
      std::filesystem::path(ROCI_BINARY_DIR) / "tests/fake-upstream";
  if (!std::filesystem::exists(binary)) GTEST_SKIP() << "fake-upstream not built";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(binary.c_str(), binary.c_str(), "--mode", "lmstudio", "--port", "0", "--models", "a,b",
          "--loaded", "a", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[128] = {};
  ASSERT_NE(fgets(line, sizeof line, stream), nullptr);
  unsigned port = 0;
  ASSERT_EQ(std::sscanf(line, "listening on 127.0.0.1:%u", &port), 1) << line;
  {
    TestConnection client(static_cast<unsigned short>(port));
    const auto models = client.request("GET", "/api/v0/models").json();
    EXPECT_EQ(models.at("data").as_array()[1].at("state"), "not-loaded");
    EXPECT_EQ(client.request("GET", "/__control/requests").status, 200);
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fclose(stream);
}

}  // namespace
}  // namespace roci::testing
