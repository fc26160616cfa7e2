// Reading a request over real loopback sockets (session_test_support.h): the head and body, in
// one piece or several, their limits (413, 415, 431), deadlines and Expect: 100-continue.
#include "session_test_support.h"

#include <thread>

namespace roci::server::session_tests {
namespace {

// A chunked chat request's head, and one chunk of 40 KiB: two cross test_config()'s 64 KiB.
constexpr std::string_view kChunkedHead =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";
std::string chunk_of_40_kib() { return "a000\r\n" + std::string(40 * 1024, 'a') + "\r\n"; }

TEST_F(SessionTest, OversizedContentLengthIs413BeforeTheBody) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000000\r\n\r\n");
  auto res = c.read(3s);  // no body was sent
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(3s));
}

TEST_F(SessionTest, ChunkedBodyCrossingTheLimitIs413) {
  start();
  auto c = client();
  c.send(kChunkedHead);
  c.send(chunk_of_40_kib());
  c.send(chunk_of_40_kib());  // 80 KiB > 64 KiB
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413);
}

TEST_F(SessionTest, NonJsonPostIs415) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: text/html\r\n"
      "Content-Length: 2\r\n\r\nhi");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 415);
  EXPECT_EQ(error_type(*res), "invalid_request_error");
}

TEST_F(SessionTest, OversizedHeadersAre431) {
  start();
  auto c = client();
  c.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 431);
  EXPECT_TRUE(c.closed_within(3s));
}

TEST_F(SessionTest, TooManyHeaderFieldsAre431NamingTheLimit) {
  auto config = test_config();
  config.limits.max_header_count = 10;
  start(config);
  auto fields = [](int n) {
    std::string out = "Host: x\r\n";
    for (int i = 1; i < n; ++i) out += "X-F" + std::to_string(i) + ": v\r\n";
    return out;
  };
  auto ok = client();
  ok.send("GET /health HTTP/1.1\r\n" + fields(10) + "\r\n");  // exactly at the limit
  auto res = ok.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);

  auto c = client();
  c.send("GET /health HTTP/1.1\r\n" + fields(11) + "\r\n");
  res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 431);
  EXPECT_EQ(error_type(*res), "invalid_request_error");
  EXPECT_NE(res->body().find("limits.max_header_count is 10"), std::string::npos) << res->body();
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(c.closed_within(3s));
}

TEST_F(SessionTest, SlowHeadersAreCutOffAfterTheDeadline) {
  start();
  auto c = client();
  const auto t0 = std::chrono::steady_clock::now();
  c.send("GET /health HTTP/1.1\r\nHost: x\r\n");  // never finished
  EXPECT_TRUE(c.closed_within(4s));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s);
}

// The head and body are parsed from what the first read brought; the rest is read as it comes.
TEST_F(SessionTest, HeadAndBodyArrivingInPiecesAreReadWhole) {
  start();
  auto c = client();
  const std::string body = "{\"x\":\"delay\"}";
  c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: appl");
  std::this_thread::sleep_for(50ms);
  c.send("ication/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body.substr(0, 7));
  std::this_thread::sleep_for(50ms);
  c.send(body.substr(7));
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->body(), "{\"done\":true}");  // the handler saw the whole body
}

TEST_F(SessionTest, AMalformedBodyThatCameWithTheHeadIs400) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 400);
  EXPECT_EQ(error_type(*res), "invalid_request_error");
  EXPECT_NE(res->body().find("Malformed request body"), std::string::npos) << res->body();
  EXPECT_FALSE(res->keep_alive());
}

TEST_F(SessionTest, ABodyOverTheLimitThatCameWithTheHeadIs413) {
  start();
  auto c = client();
  c.send(std::string(kChunkedHead) + chunk_of_40_kib() +
         chunk_of_40_kib());  // 80 KiB > 64 KiB, all in one write
  auto res = c.read(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 413);
}

TEST_F(SessionTest, ExpectContinueGetsAnInterimResponse) {
  start();
  auto c = client();
  c.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  auto first = c.read(3s);  // Beast reads the 100 as a complete message
  ASSERT_TRUE(first);
  EXPECT_EQ(first->result_int(), 100);
  c.send("{}");
  auto res = c.read();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200);
}

}  // namespace
}  // namespace roci::server::session_tests
