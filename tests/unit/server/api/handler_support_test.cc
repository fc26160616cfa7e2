// What every handler shares: request limits and generation defaults from the config, the upstream
// timer, resolve_and_admit (model, admission slot, failures answered) and fail / fail_upstream.
#include "server/api/handler_support.h"

#include "unit/server/handler_test_util.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>
#include <vector>

namespace roci::server {
namespace {

using namespace std::chrono_literals;
using testing::Harness;
using testing::model;
using testing::RecordingProvider;

TEST(HandlerSupport, RequestLimitsComeFromTheLimitsSection) {
  config::LimitsSection limits;
  limits.max_json_depth = 7;
  limits.max_messages = 9;
  limits.max_string_bytes = 1234;
  limits.max_tokens_ceiling = 55;
  const openai_wire::RequestLimits out = request_limits(limits);
  EXPECT_EQ(out.max_depth, 7u);
  EXPECT_EQ(out.max_messages, 9u);
  EXPECT_EQ(out.max_string_bytes, 1234u);
  EXPECT_EQ(out.max_tokens_ceiling, 55);
}

TEST(HandlerSupport, GenerationDefaultsFillOnlyWhatTheClientLeftOut) {
  config::InferenceSection inference;  // 100 tokens, temperature 0.7
  GenerationSettings empty;
  apply_generation_defaults(empty, inference);
  EXPECT_EQ(empty.max_tokens, 100);
  EXPECT_EQ(empty.temperature, 0.7);

  GenerationSettings given{.max_tokens = 5, .temperature = 0.0};
  apply_generation_defaults(given, inference);
  EXPECT_EQ(given.max_tokens, 5);
  EXPECT_EQ(given.temperature, 0.0);

  inference.default_max_tokens = 0;      // disabled
  inference.default_temperature = -1.0;  // disabled
  GenerationSettings untouched;
  apply_generation_defaults(untouched, inference);
  EXPECT_FALSE(untouched.max_tokens);
  EXPECT_FALSE(untouched.temperature);
}

TEST(HandlerSupport, UpstreamTimerAddsItsSpanOnce) {
  RequestLog log;
  {
    UpstreamTimer timer(log);
    std::this_thread::sleep_for(5ms);
    timer.stop();
    const auto after_stop = log.upstream_wait;
    EXPECT_GE(after_stop, 5ms);
    std::this_thread::sleep_for(5ms);
    timer.stop();  // a second stop adds nothing
    EXPECT_EQ(log.upstream_wait, after_stop);
  }  // nor does the destructor after a stop
  const auto first = log.upstream_wait;
  {
    UpstreamTimer timer(log);  // the destructor stops it
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_GE(log.upstream_wait, first + 2ms);
}

TEST(HandlerSupport, UnixSecondsIsTheWallClock) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_NEAR(static_cast<double>(unix_seconds()), static_cast<double>(now), 2.0);
}

struct Observed {
  bool first = false;
  bool second = false;
  std::size_t in_flight = 0;
  int list_calls_after_second = 0;
};

asio::awaitable<void> admit_twice(RequestContext& ctx, Observed* out) {
  auto first = co_await resolve_and_admit(ctx, "qwen3-8b", ModelPurpose::kChat);
  out->first = first.has_value();
  out->in_flight = ctx.worker.admission.in_flight();
  auto second = co_await resolve_and_admit(ctx, "qwen3-8b", ModelPurpose::kChat);
  out->second = second.has_value();
}

TEST(HandlerSupport, ResolveAndAdmitHoldsASlotAndRecordsTheModel) {
  Harness h(testing::lmstudio_with_qwen());
  Observed seen;
  h.run([&](RequestContext& ctx) { return admit_twice(ctx, &seen); });
  EXPECT_TRUE(seen.first);
  EXPECT_TRUE(seen.second);
  EXPECT_EQ(seen.in_flight, 1u);
  EXPECT_EQ(h.admission.in_flight(), 0u) << "the slots go with the Admitted objects";
  EXPECT_EQ(h.log.model, "qwen3-8b");
  EXPECT_FALSE(h.writer.response) << "nothing is answered on success";
  EXPECT_EQ(h.recording().list_calls, 1) << "the second resolution used the cached list";
}

TEST(HandlerSupport, ResolveAndAdmitAnswersAFullQueue) {
  Harness h(testing::lmstudio_with_qwen(),
            AdmissionQueue::Options{.max_concurrent = 1, .max_queue = 0});
  Observed seen;
  h.run([&](RequestContext& ctx) { return admit_twice(ctx, &seen); });
  EXPECT_TRUE(seen.first);
  EXPECT_FALSE(seen.second);
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 429);
  EXPECT_EQ(h.writer.body_json().at("error").at("type"), "rate_limit_error");
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

asio::awaitable<void> admit(RequestContext& ctx, std::string name, Observed* out) {
  auto admitted = co_await resolve_and_admit(ctx, std::move(name), ModelPurpose::kChat);
  out->first = admitted.has_value();
}

TEST(HandlerSupport, ResolveAndAdmitAnswersAnUnknownModel) {
  Harness h(testing::lmstudio_with_qwen());
  h.config.inference.allowed_models = {"qwen3-8b"};
  Observed seen;
  h.run([&](RequestContext& ctx) { return admit(ctx, "mistral", &seen); });
  EXPECT_FALSE(seen.first);
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 404);
  EXPECT_EQ(h.writer.body_json().at("error").at("code"), "model_not_found");
  EXPECT_EQ(h.admission.in_flight(), 0u);
}

TEST(HandlerSupport, FailWithACancellationOnlyRecordsA499) {
  Harness h(testing::lmstudio_with_qwen());
  h.run([](RequestContext& ctx) { return fail(ctx, Error::cancelled()); });
  EXPECT_FALSE(h.writer.response);
  EXPECT_EQ(h.log.status, 499);
  EXPECT_EQ(h.log.error_kind, ErrorKind::kCancelled);
  EXPECT_EQ(h.log.error_message, "the client went away");

  h.run([](RequestContext& ctx) { return fail(ctx, Error::invalid_request("bad", "top_p")); });
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 400);
  EXPECT_EQ(h.writer.body_json().at("error").at("param"), "top_p");
}

// backend_header hands out the worker's own list: rebuilt when the backend changes, kept while it
// does not, and nothing for "".
TEST(HandlerSupport, BackendHeaderFollowsTheBackendAskedFor) {
  Harness h(testing::lmstudio_with_qwen());
  std::vector<Headers> seen;
  const Headers* first = nullptr;
  const Headers* again = nullptr;
  h.run([&](RequestContext& ctx) -> asio::awaitable<void> {
    first = &backend_header(ctx, "desk");
    seen.push_back(*first);
    seen.push_back(backend_header(ctx, "laptop"));
    again = &backend_header(ctx, "laptop");
    seen.push_back(*again);
    seen.push_back(backend_header(ctx, ""));
    seen.push_back(backend_header(ctx, "desk"));
    co_return;
  });
  const Headers desk{{"X-Roci-Backend", "desk"}};
  const Headers laptop{{"X-Roci-Backend", "laptop"}};
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0], desk);
  EXPECT_EQ(seen[1], laptop);
  EXPECT_EQ(seen[2], laptop);
  EXPECT_TRUE(seen[3].empty());
  EXPECT_EQ(seen[4], desk);
  EXPECT_EQ(first, again) << "one list per worker, reused";
}

asio::awaitable<void> upstream_forgot_the_model(RequestContext& ctx, Observed* out) {
  auto admitted = co_await resolve_and_admit(ctx, "qwen3-8b", ModelPurpose::kChat);
  if (!admitted) co_return;
  co_await fail_upstream(ctx, admitted->resolved, Error::model_not_found("unloaded"));
  // The next resolution lists the models again.
  auto again = co_await resolve_and_admit(ctx, "qwen3-8b", ModelPurpose::kChat);
  out->second = again.has_value();
}

TEST(HandlerSupport, FailUpstreamWithModelNotFoundForgetsTheCachedList) {
  Harness h(testing::lmstudio_with_qwen());
  Observed seen;
  h.run([&](RequestContext& ctx) { return upstream_forgot_the_model(ctx, &seen); });
  ASSERT_TRUE(h.writer.response);
  EXPECT_EQ(h.writer.response->status, 404);
  EXPECT_TRUE(seen.second);
  EXPECT_EQ(h.recording().list_calls, 2);
}

}  // namespace
}  // namespace roci::server
