#include "server/http/client_request_parser.h"

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <cstddef>
#include <memory_resource>
#include <string>
#include <string_view>

namespace roci::server {
namespace {

namespace http = boost::beast::http;

struct Parsed {
  boost::beast::error_code ec;
  std::size_t used = 0;
};

// Feeds `wire` in pieces of `step` bytes, as a socket would hand it over, parsing what it can after
// each piece.
Parsed feed(ClientRequestParser& parser, std::string_view wire, std::size_t step) {
  Parsed out;
  std::string pending;
  for (std::size_t at = 0;;) {
    while (!pending.empty() && !parser.is_done()) {
      const std::size_t n = parser.put(boost::asio::buffer(pending), out.ec);
      if (out.ec == http::error::need_more) {
        out.ec = {};
        break;
      }
      if (out.ec || n == 0) return out;
      pending.erase(0, n);
      out.used += n;
    }
    if (parser.is_done() || at >= wire.size()) return out;
    pending.append(wire.substr(at, step));
    at += step;
  }
}

class ClientRequestParserTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  std::array<std::byte, 1024> bytes_{};
  std::pmr::monotonic_buffer_resource arena_{bytes_.data(), bytes_.size()};
};

TEST_P(ClientRequestParserTest, ReadsTheStartLineFieldsAndBody) {
  ClientRequestParser parser(&arena_);
  const std::string body = R"({"model":"m","messages":[]})";
  const std::string wire =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n"
      "Content-Type: application/json\r\nX-Request-Id: abc\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  const Parsed p = feed(parser, wire, GetParam());
  ASSERT_FALSE(p.ec) << p.ec.message();
  ASSERT_TRUE(parser.is_done());
  const ClientRequest& req = parser.get();
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/v1/chat/completions");
  EXPECT_EQ(req.version(), 11);
  EXPECT_EQ(req[http::field::host], "gw");
  EXPECT_EQ(req["x-request-id"], "abc");
  EXPECT_EQ(req.size(), 4u);
  EXPECT_EQ(req.body(), body);
  EXPECT_TRUE(req.keep_alive());
}

TEST_P(ClientRequestParserTest, ReadsAChunkedBody) {
  ClientRequestParser parser(&arena_);
  const std::string wire =
      "POST /v1/responses HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  const Parsed p = feed(parser, wire, GetParam());
  ASSERT_FALSE(p.ec) << p.ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "hello world");
  EXPECT_TRUE(parser.get().chunked());
}

INSTANTIATE_TEST_SUITE_P(Pieces, ClientRequestParserTest, ::testing::Values(1, 7, 4096));

TEST(ClientRequestParser, AnUnknownMethodKeepsItsNameAndHttp10ClosesByDefault) {
  std::pmr::monotonic_buffer_resource arena;
  ClientRequestParser parser(&arena);
  const Parsed p = feed(parser, "BREW /pot HTTP/1.0\r\nHost: gw\r\n\r\n", 4096);
  ASSERT_FALSE(p.ec) << p.ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().method(), http::verb::unknown);
  EXPECT_EQ(parser.get().method_string(), "BREW");
  EXPECT_EQ(parser.get().version(), 10);
  EXPECT_FALSE(parser.get().keep_alive());
  EXPECT_FALSE(parser.keep_alive());
}

TEST(ClientRequestParser, ABodyOverTheLimitFails) {
  std::pmr::monotonic_buffer_resource arena;
  ClientRequestParser parser(&arena);
  parser.body_limit(4);
  const Parsed p =
      feed(parser, "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 4096);
  EXPECT_EQ(p.ec, http::error::body_limit);
}

TEST(ClientRequestParser, AHeadOverTheLimitFails) {
  std::pmr::monotonic_buffer_resource arena;
  ClientRequestParser parser(&arena);
  parser.header_limit(32);
  const Parsed p =
      feed(parser, "GET /v1/models HTTP/1.1\r\nX-Long: " + std::string(64, 'a') + "\r\n\r\n", 4096);
  EXPECT_EQ(p.ec, http::error::header_limit);
}

}  // namespace
}  // namespace roci::server
