// A client that goes away makes the gateway close its upstream connection at once, in every phase.
#include "integration/gateway_fixture.h"

namespace roci::testing {
namespace {

using namespace std::chrono_literals;

// Measures the time from the client's close to the fake seeing the upstream close.
std::chrono::milliseconds close_and_measure(TestConnection& client, FakeUpstream& fake) {
  const auto start = std::chrono::steady_clock::now();
  client.close();
  const bool closed = fake.wait_for_client_close(2s);
  std::string seen;
  for (const auto& r : fake.requests()) {
    seen += r.method + " " + r.target + " " + std::string(to_string(r.outcome)) + "\n";
  }
  EXPECT_TRUE(closed) << "the upstream connection was not closed; the fake saw:\n" << seen;
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

TEST(GatewayCancellation, MidStream) {
  FakeOptions o;
  o.token_delay = 200ms;
  GatewayUnderTest gw({.fake = o});
  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "a b c d e f g h i j", true)));
  c.read_until("Echo");
  EXPECT_LT(close_and_measure(c, *gw.fake), 150ms);
  EXPECT_TRUE(gw.process->wait_for_output("status=499")) << gw.log();
}

// The other dialects run the same pipeline: leaving their streams closes the upstream too.
TEST(GatewayCancellation, MidResponsesStream) {
  FakeOptions o;
  o.token_delay = 200ms;
  GatewayUnderTest gw({.fake = o});
  TestConnection c(gw.port);
  c.send(raw_post("/v1/responses",
                  R"({"model":"llama3.3","input":"a b c d e f g h i j","stream":true})"));
  c.read_until("response.output_text.delta");
  EXPECT_LT(close_and_measure(c, *gw.fake), 150ms);
  EXPECT_TRUE(gw.process->wait_for_output("status=499")) << gw.log();
}

TEST(GatewayCancellation, MidMessagesStream) {
  FakeOptions o;
  o.token_delay = 200ms;
  GatewayUnderTest gw({.fake = o});
  TestConnection c(gw.port);
  c.send(raw_post("/v1/messages",
                  chat_body("llama3.3", "a b c d e f g h i j", true, R"("max_tokens":64)")));
  c.read_until("text_delta");
  EXPECT_LT(close_and_measure(c, *gw.fake), 150ms);
  EXPECT_TRUE(gw.process->wait_for_output("status=499")) << gw.log();
}

TEST(GatewayCancellation, BeforeTheFirstByte) {
  GatewayUnderTest gw({});
  Fault f;
  f.path = "/v1/chat/completions";
  f.header_delay = 5s;
  gw.fake->script(f);
  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "x", true)));
  ASSERT_TRUE(wait_for_chat(*gw.fake));
  EXPECT_LT(close_and_measure(c, *gw.fake), 150ms);
}

TEST(GatewayCancellation, DuringANonStreamingGeneration) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::hang("/v1/chat/completions"));
  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "x")));
  ASSERT_TRUE(wait_for_chat(*gw.fake));
  EXPECT_LT(close_and_measure(c, *gw.fake), 150ms);
  auto metrics = http_call(gw.port, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("roci_cancellations_total 1"), std::string::npos) << metrics.body;
}

TEST(GatewayCancellation, WhileWaitingInTheQueue) {
  GatewayUnderTest gw({.env = {{"INFERENCE_LIMITS_MAX_CONCURRENT_UPSTREAM", "1"}}});
  gw.fake->script(Fault::hang("/v1/chat/completions"));
  TestConnection busy(gw.port);
  busy.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "first")));
  ASSERT_TRUE(wait_for_chat(*gw.fake));
  TestConnection queued(gw.port);
  queued.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "second")));
  std::this_thread::sleep_for(100ms);
  queued.close();  // leaves the queue
  std::this_thread::sleep_for(100ms);
  busy.close();  // frees the slot: the abandoned request must not be sent upstream
  ASSERT_TRUE(gw.fake->wait_for_client_close(2s));
  std::this_thread::sleep_for(200ms);
  std::size_t chats = 0;
  for (const auto& r : gw.fake->requests()) chats += r.path() == "/v1/chat/completions";
  EXPECT_EQ(chats, 1u) << "the request abandoned in the queue reached LM Studio";
  // The gateway still serves.
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x")).status,
            200);
}

}  // namespace
}  // namespace roci::testing
