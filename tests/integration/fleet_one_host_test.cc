// Single flight with one host and no inference.backends (FLEET.md rule 3, issue 12): the real
// inference-server in front of one fake LM Studio that loads a model in 400 ms and reproduces LM
// Studio's JIT race (a first request arriving while the model loads starts another copy, "m1:2").
#include "integration/fleet_test_util.h"

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

namespace roci::testing {
namespace {

using namespace std::chrono_literals;

FakeOptions jit_host() {
  FakeOptions o{.models = {on_disk("m1"), loaded("warm")}};
  o.jit_load_delay = 400ms;
  return o;
}

struct DialectCall {
  const char* path;
  std::string body;
};

// The same first request through every inference dialect, plain and streamed.
std::vector<DialectCall> every_dialect(std::string_view model) {
  const std::string m(model);
  return {
      {"/v1/chat/completions", chat_body(m, "hi there")},
      {"/v1/chat/completions", chat_body(m, "hi there", true)},
      {"/v1/responses", R"({"model":")" + m + R"(","input":"hi"})"},
      {"/v1/responses", R"({"model":")" + m + R"(","input":"hi","stream":true})"},
      {"/v1/messages",
       R"({"model":")" + m + R"(","max_tokens":16,"messages":[{"role":"user","content":"hi"}]})"},
      {"/v1/messages", R"({"model":")" + m +
                           R"(","max_tokens":16,"stream":true,)"
                           R"("messages":[{"role":"user","content":"hi"}]})"},
  };
}

std::future<TestResponse> post_async(unsigned short port, DialectCall call) {
  return std::async(std::launch::async, [port, call = std::move(call)] {
    return http_call(port, "POST", call.path, call.body, {}, 15s);
  });
}

// Six concurrent first requests for a model on disk, spread over three worker threads and every
// dialect: the host loads it once, and every request is answered (the gate is process-wide).
TEST(FleetOneHost, SixConcurrentFirstRequestsLoadTheModelOnce) {
  GatewayUnderTest gw({.fake = jit_host(), .env = {{"INFERENCE_SERVER_THREADS", "3"}}});
  ASSERT_NE(gw.port, 0);
  std::vector<std::future<TestResponse>> answers;
  for (auto& call : every_dialect("m1")) answers.push_back(post_async(gw.port, std::move(call)));
  for (auto& a : answers) {
    auto r = a.get();
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("X-Roci-Backend"), "default");
  }
  EXPECT_EQ(gw.fake->loads(), 1) << "the host loaded m1 more than once";
}

// A loaded model's requests never wait for each other: six at once reach the host together.
TEST(FleetOneHost, ALoadedModelIsNotGated) {
  FakeOptions o = jit_host();
  o.token_delay = 50ms;
  GatewayUnderTest gw({.fake = o, .env = {{"INFERENCE_SERVER_THREADS", "2"}}});
  std::vector<std::future<TestResponse>> answers;
  for (int i = 0; i < 6; ++i) {
    answers.push_back(post_async(gw.port, {"/v1/chat/completions", chat_body("warm", "a b c")}));
  }
  for (auto& a : answers) EXPECT_EQ(a.get().status, 200);
  EXPECT_EQ(gw.fake->loads(), 0);
  EXPECT_GE(gw.fake->peak_in_flight(), 2) << "requests for a loaded model were serialised";
}

// The first request's client goes away while the host loads the model: the next request asks the
// host (it reports "loading") instead of starting a second load, and every other request is
// answered once the model is loaded.
TEST(FleetOneHost, ACancelledFirstRequestNeitherStrandsNorDoublesTheLoad) {
  GatewayUnderTest gw({.fake = jit_host(), .env = {{"INFERENCE_SERVER_THREADS", "2"}}});
  TestConnection first(gw.port);
  first.send(raw_post("/v1/chat/completions", chat_body("m1", "hi", true)));
  ASSERT_TRUE(wait_for_chat(*gw.fake));
  std::vector<std::future<TestResponse>> answers;
  for (int i = 0; i < 3; ++i) {
    answers.push_back(post_async(gw.port, {"/v1/chat/completions", chat_body("m1", "hi")}));
  }
  std::this_thread::sleep_for(100ms);  // they wait behind the first
  first.close();                       // the host is still loading (400 ms)
  for (auto& a : answers) {
    auto r = a.get();
    EXPECT_EQ(r.status, 200) << r.body;
  }
  EXPECT_EQ(gw.fake->loads(), 1);
}

}  // namespace
}  // namespace roci::testing
