// Pipelined requests against the real binary (RFC 9112 §9.3.2): several requests sent in one
// write on a raw socket all get their answers, in order, the last one asking Connection: close;
// then the gateway closes the connection.
#include "integration/gateway_fixture.h"

namespace roci::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kLlama = "llama3.3";

std::string get(std::string_view target, std::string_view extra_headers = {}) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra_headers) + "\r\n";
}

// How the client ends its side after writing the requests.
enum class ClientEnd {
  kKeepsSending,  // leaves its side open and reads until the gateway closes
  kHalfCloses,    // shuts down its sending side at once (printf ... | nc -N), then reads
};

// Everything the gateway sends until it closes the connection.
std::string read_until_closed(TestConnection& connection) {
  std::string text = connection.read_to_eof(20s);
  EXPECT_TRUE(connection.closed()) << "the gateway did not close after Connection: close";
  return text;
}

// Sends `requests` in one write and reads until the gateway closes the connection.
std::string exchange_in_one_write(const GatewayUnderTest& gw, const std::string& requests,
                                  ClientEnd end = ClientEnd::kKeepsSending) {
  TestConnection connection(gw.port);
  connection.send(requests);
  if (end == ClientEnd::kHalfCloses) connection.shutdown_send();
  return read_until_closed(connection);
}

// Offsets of `needles` in `text`, in order; npos for a missing one.
std::vector<std::size_t> positions(const std::string& text, std::vector<std::string> needles) {
  std::vector<std::size_t> out;
  for (const auto& n : needles) out.push_back(text.find(n));
  return out;
}

void expect_in_order(const std::string& text, const std::vector<std::string>& needles) {
  const auto at = positions(text, needles);
  for (std::size_t i = 0; i < at.size(); ++i) {
    ASSERT_NE(at[i], std::string::npos) << "missing " << needles[i] << " in:\n" << text;
    if (i > 0) {
      EXPECT_LT(at[i - 1], at[i]) << text;
    }
  }
}

class Pipelining : public ::testing::TestWithParam<ClientEnd> {};

INSTANTIATE_TEST_SUITE_P(ClientEnds, Pipelining,
                         ::testing::Values(ClientEnd::kKeepsSending, ClientEnd::kHalfCloses),
                         [](const auto& info) {
                           return info.param == ClientEnd::kHalfCloses ? "HalfClose" : "Open";
                         });

TEST_P(Pipelining, GetThenGetWithConnectionClose) {
  GatewayUnderTest gw({});
  const std::string text = exchange_in_one_write(
      gw, get("/v1/models") + get("/nothing", "Connection: close\r\n"), GetParam());
  EXPECT_EQ(raw_statuses(text), (std::vector<int>{200, 404})) << text;
  expect_in_order(text, {"\"object\":\"list\"", "Unknown route: GET /nothing"});
}

// The last request has a handler that waits on the upstream (a health probe).
TEST_P(Pipelining, GetThenRoutedGetWithConnectionClose) {
  GatewayUnderTest gw({});
  const std::string text = exchange_in_one_write(
      gw, get("/v1/models") + get("/health", "Connection: close\r\n"), GetParam());
  EXPECT_EQ(raw_statuses(text), (std::vector<int>{200, 200})) << text;
  expect_in_order(text, {"\"object\":\"list\"", "\"status\""});
}

TEST_P(Pipelining, ThreeGetsOfWhichTheFirstIsUnknown) {
  GatewayUnderTest gw({});
  const std::string text = exchange_in_one_write(
      gw, get("/nothing") + get("/v1/models") + get("/health", "Connection: close\r\n"),
      GetParam());
  EXPECT_EQ(raw_statuses(text), (std::vector<int>{404, 200, 200})) << text;
  expect_in_order(text, {"Unknown route: GET /nothing", "\"object\":\"list\"", "\"status\""});
}

TEST_P(Pipelining, GetThenPostWithConnectionClose) {
  GatewayUnderTest gw({});
  const std::string text = exchange_in_one_write(
      gw,
      get("/v1/models") +
          raw_post("/v1/chat/completions", chat_body(kLlama, "second"), "Connection: close\r\n"),
      GetParam());
  EXPECT_EQ(raw_statuses(text), (std::vector<int>{200, 200})) << text;
  expect_in_order(text, {"\"object\":\"list\"", "Echo: second"});
}

TEST_P(Pipelining, PostThenPostWithConnectionClose) {
  GatewayUnderTest gw({});
  const std::string text = exchange_in_one_write(
      gw,
      raw_post("/v1/chat/completions", chat_body(kLlama, "first")) +
          raw_post("/v1/chat/completions", chat_body(kLlama, "second"), "Connection: close\r\n"),
      GetParam());
  EXPECT_EQ(raw_statuses(text), (std::vector<int>{200, 200})) << text;
  expect_in_order(text, {"Echo: first", "Echo: second"});
}

TEST_P(Pipelining, StreamThenPostWithConnectionClose) {
  GatewayUnderTest gw({});
  const std::string text =
      exchange_in_one_write(gw,
                            raw_post("/v1/chat/completions", chat_body(kLlama, "first", true)) +
                                raw_post("/v1/chat/completions", chat_body(kLlama, "second", true),
                                         "Connection: close\r\n"),
                            GetParam());
  EXPECT_EQ(raw_statuses(text), (std::vector<int>{200, 200})) << text;
  // The first stream ends ([DONE], last chunk) before the second response starts.
  const auto first_done = text.find("data: [DONE]");
  ASSERT_NE(first_done, std::string::npos) << text;
  const auto second = text.find("HTTP/1.1 200", first_done);
  ASSERT_NE(second, std::string::npos) << text;
  EXPECT_NE(text.find("data: [DONE]", second), std::string::npos) << text;
}

// The second request arrives while the first one's handler waits on the upstream, and the client
// then ends its side: the second is still a pipelined request (sent before the first answer).
TEST(PipeliningLate, SecondRequestSentWhileTheFirstRunsThenHalfClose) {
  GatewayUnderTest gw({});
  Fault slow;
  slow.path = "/v1/chat/completions";
  slow.header_delay = 300ms;
  gw.fake->script(slow);
  TestConnection connection(gw.port);
  connection.send(raw_post("/v1/chat/completions", chat_body(kLlama, "first")));
  ASSERT_TRUE(wait_for_chat(*gw.fake));
  connection.send(
      raw_post("/v1/chat/completions", chat_body(kLlama, "second"), "Connection: close\r\n"));
  connection.shutdown_send();
  const std::string text = read_until_closed(connection);
  EXPECT_EQ(raw_statuses(text), (std::vector<int>{200, 200})) << text;
  expect_in_order(text, {"Echo: first", "Echo: second"});
}

// The boundary of the rule above: a request the client sent alone, waiting for its answer, is
// abandoned when the client's side ends; its upstream request is closed and it is logged 499.
TEST(PipeliningBoundary, ALoneRequestIsCancelledWhenTheClientEnds) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::hang("/v1/chat/completions"));
  TestConnection connection(gw.port);
  connection.send(raw_post("/v1/chat/completions", chat_body(kLlama, "x")));
  ASSERT_TRUE(wait_for_chat(*gw.fake));
  connection.shutdown_send();
  EXPECT_TRUE(gw.fake->wait_for_client_close(2s));
  EXPECT_TRUE(gw.process->wait_for_output("status=499")) << gw.log();
}

}  // namespace
}  // namespace roci::testing
