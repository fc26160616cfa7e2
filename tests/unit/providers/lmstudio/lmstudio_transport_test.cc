// LmStudioProvider over real sockets: keep-alive, retry-once, deadlines, cancellation, health.
#include "unit/providers/lmstudio/lmstudio_fixture.h"

#include <gmock/gmock.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <thread>

namespace roci::test {
namespace {

using ::testing::HasSubstr;

class LmStudioTransportTest : public LmStudioFixture {};

TEST_F(LmStudioTransportTest, RequestAfterTheServerClosedTheIdleSocketSucceeds) {
  start({.keep_alive_timeout = std::chrono::milliseconds(200)});
  auto first = run(provider_->generate(user_request("first")));
  ASSERT_TRUE(first) << first.error();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the fake closes the idle socket
  auto second = run(provider_->generate(user_request("second")));
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->text, "Echo: second");
}

TEST_F(LmStudioTransportTest, StaleReusedSocketIsRetriedOnce) {
  start();
  ASSERT_TRUE(run(provider_->generate(user_request("warm the pool"))));
  // The pooled socket dies the way an expired keep-alive socket does: request read, no answer.
  fake_->script(Fault::close_without_response("/v1/chat/completions"));
  auto result = run(provider_->generate(user_request("retried")));
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->text, "Echo: retried");
  EXPECT_EQ(count("/v1/chat/completions"), 3u);
}

TEST_F(LmStudioTransportTest, RequestThatFailsAfterResponseBytesIsNotRetried) {
  start();
  ASSERT_TRUE(run(provider_->generate(user_request("warm the pool"))));
  fake_->script(Fault::cut_after(0, "/v1/chat/completions"));  // head and half a body, then close
  auto result = run(provider_->generate(user_request("cut")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kUpstreamError);
  EXPECT_EQ(count("/v1/chat/completions"), 2u) << "no retry once response bytes arrived";
}

TEST_F(LmStudioTransportTest, FirstByteTimeoutIsTimeout) {
  LmStudioOptions options;
  options.http.first_byte_timeout = std::chrono::milliseconds(150);
  start({}, options);
  fake_->script({.path = "/v1/chat/completions", .header_delay = std::chrono::seconds(2)});
  auto result = run(provider_->generate(user_request("slow")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kTimeout);
}

TEST_F(LmStudioTransportTest, PerRequestFirstByteTimeoutOverridesTheProvider) {
  start();  // provider default: 60 s
  fake_->script({.path = "/v1/chat/completions", .header_delay = std::chrono::seconds(2)});
  auto request = user_request("slow");
  request.transport = TransportOptions{.first_byte_timeout = std::chrono::milliseconds(150)};
  const auto started = std::chrono::steady_clock::now();
  auto result = run(provider_->generate(request));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST_F(LmStudioTransportTest, StreamIdleTimeoutIsTimeout) {
  LmStudioOptions options;
  options.http.idle_timeout = std::chrono::milliseconds(150);
  start({}, options);
  fake_->script(
      {.path = "/v1/chat/completions", .gap_after_chunks = 2, .gap = std::chrono::seconds(2)});
  auto streamed = run(stream_all(provider_.get(), user_request("one two three four five")));
  ASSERT_TRUE(streamed) << streamed.error();
  ASSERT_TRUE(streamed->error);
  EXPECT_EQ(streamed->error->kind, ErrorKind::kTimeout);
  EXPECT_EQ(streamed->finishes, 0);
}

TEST_F(LmStudioTransportTest, CancellingGenerateClosesTheUpstream) {
  start();
  fake_->script(Fault::hang("/v1/chat/completions"));
  auto raced = run(race(provider_->generate(user_request("hi")), std::chrono::milliseconds(150)));
  EXPECT_FALSE(raced.has_value());
  EXPECT_TRUE(fake_->wait_for_client_close(std::chrono::seconds(3)))
      << "cancelling generate() must close the upstream socket";
  // The provider stays usable afterwards.
  auto after = run(provider_->generate(user_request("after")));
  ASSERT_TRUE(after) << after.error();
}

TEST_F(LmStudioTransportTest, TerminalCancellationCompletesWithCancelled) {
  start();
  fake_->script(Fault::hang("/v1/chat/completions"));
  asio::cancellation_signal signal;
  auto future = asio::co_spawn(io_, provider_->generate(user_request("hi")),
                               asio::bind_cancellation_slot(signal.slot(), asio::use_future));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (fake_->requests().empty() && std::chrono::steady_clock::now() < deadline) {
    if (io_.stopped()) io_.restart();
    io_.run_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(fake_->requests().empty());
  signal.emit(asio::cancellation_type::terminal);
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    if (io_.stopped()) io_.restart();
    io_.run_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  auto result = future.get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(fake_->wait_for_client_close(std::chrono::seconds(3)));
}

TEST_F(LmStudioTransportTest, ConnectionRefusedSaysWhatToDo) {
  asio::io_context io;
  const std::string base = "http://127.0.0.1:" + std::to_string(closed_port());
  LmStudioProvider provider(LmStudioModel::custom("llama3.3"), base);
  auto result = roci::test::run(io, provider.generate(user_request("hi")));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_THAT(result.error().message, HasSubstr("LM Studio"));
  EXPECT_THAT(result.error().message, HasSubstr(base));
  EXPECT_THAT(result.error().message, HasSubstr("Developer tab"));

  auto stream = roci::test::run(io, provider.stream(user_request("hi")));
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().kind, ErrorKind::kUpstreamUnreachable);
}

TEST_F(LmStudioTransportTest, HealthUsesTheGreetingAndListsLoadedModels) {
  start({.models = {{"qwen3"}, {.id = "gemma-3", .loaded = false}}}, {}, "qwen3");
  auto health = run(provider_->health());
  ASSERT_TRUE(health) << health.error();
  EXPECT_TRUE(health->reachable) << health->detail;
  EXPECT_THAT(health->detail, HasSubstr("lmstudio-greeting"));
  EXPECT_EQ(health->base_url, fake_->base_url());
  EXPECT_GT(health->latency.count(), 0);
  EXPECT_EQ(health->loaded_models, std::vector<std::string>{"qwen3"});
  EXPECT_EQ(count("/lmstudio-greeting"), 1u);
  EXPECT_EQ(count("/v1/chat/completions"), 0u) << "health is never a completion call";
}

TEST_F(LmStudioTransportTest, HealthIsUnreachableWhenNothingListens) {
  asio::io_context io;
  LmStudioProvider provider(LmStudioModel::custom("m"),
                            "http://127.0.0.1:" + std::to_string(closed_port()));
  auto health = roci::test::run(io, provider.health());
  ASSERT_TRUE(health) << "down is a value, not an error";
  EXPECT_FALSE(health->reachable);
  EXPECT_THAT(health->detail, HasSubstr("not reachable"));
}

TEST_F(LmStudioTransportTest, HealthIsNeverInferredFromHttp200Alone) {
  start();
  // An old or foreign server answering 200 with an error body to every path.
  Fault everything = Fault::respond(200, R"j({"error":"Unexpected endpoint or method. (GET /)"})j");
  everything.times = -1;
  fake_->script(everything);
  auto health = run(provider_->health());
  ASSERT_TRUE(health);
  EXPECT_FALSE(health->reachable);
  EXPECT_THAT(health->detail, HasSubstr("not LM Studio"));
}

}  // namespace
}  // namespace roci::test
