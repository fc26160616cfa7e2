// net::ResponseParser: the head it keeps, body bytes straight into the caller's sink (de-chunked,
// across several sinks), and the body limit checked both up front and while reading.
#include "net/response_parser.h"

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <string>
#include <string_view>

namespace roci::net {
namespace {

namespace http = boost::beast::http;
using boost::beast::error_code;

// Feeds `bytes` in pieces of `step` (re-presenting what a put() left, as a read loop does).
error_code feed(ResponseParser& parser, std::string_view bytes, std::size_t step) {
  std::string pending;
  for (std::size_t at = 0; at < bytes.size() || !pending.empty();) {
    const std::size_t take = std::min(step, bytes.size() - at);
    pending.append(bytes.substr(at, take));
    at += take;
    error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == http::error::need_more) {
      if (at >= bytes.size()) return ec;
      continue;
    }
    if (ec || parser.is_done()) return ec;
  }
  return {};
}

TEST(ResponseParser, KeepsTheHeadAndAppendsTheBodyToTheSink) {
  ResponseHead head;
  std::vector<std::pair<std::string, std::string>> fields;
  head.headers = &fields;
  ResponseParser parser(head, 8192, 1024);
  parser.eager(true);
  std::string body;
  parser.set_sink(&body);
  const std::string_view response =
      "HTTP/1.0 201 Created\r\nContent-Type: application/json\r\nX-Test: yes\r\n"
      "Content-Length: 11\r\n\r\n{\"ok\":true}";
  for (std::size_t step : {response.size(), std::size_t{1}, std::size_t{7}}) {
    ResponseHead fresh;
    fields.clear();
    fresh.headers = &fields;
    ResponseParser again(fresh, 8192, 1024);
    again.eager(true);
    std::string sink;
    again.set_sink(&sink);
    EXPECT_FALSE(feed(again, response, step)) << step;
    EXPECT_TRUE(again.is_done()) << step;
    EXPECT_EQ(fresh.status, 201);
    EXPECT_EQ(fresh.version, 10);
    EXPECT_EQ(fresh.content_type, "application/json");
    EXPECT_EQ(sink, "{\"ok\":true}") << step;
    EXPECT_EQ(again.body_bytes(), 11u);
    ASSERT_EQ(fields.size(), 3u);
    EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"X-Test", "yes"}));
  }
}

TEST(ResponseParser, ChunkedBodiesAreDeChunkedIntoWhicheverSinkIsSet) {
  ResponseHead head;
  ResponseParser parser(head, 8192, 1024);
  std::string first, second;
  parser.set_sink(&first);
  std::string pending =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n";
  auto put_pending = [&] {
    error_code ec;
    while (!pending.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == http::error::need_more) return error_code{};
      if (ec || used == 0) return ec;
    }
    return ec;
  };
  ASSERT_FALSE(put_pending());
  ASSERT_TRUE(parser.is_header_done());
  EXPECT_EQ(head.content_type, "text/event-stream");
  parser.set_sink(&second);  // a streamed piece goes to the next caller's string
  pending += "6\r\n world\r\n0\r\n\r\n";
  ASSERT_FALSE(put_pending());
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(first, "hello");
  EXPECT_EQ(second, " world");
  EXPECT_EQ(parser.body_bytes(), 11u);
}

TEST(ResponseParser, ADeclaredLengthOverTheLimitFailsBeforeAnyBodyByte) {
  ResponseHead head;
  ResponseParser parser(head, 8192, 10);
  parser.eager(true);
  std::string sink;
  parser.set_sink(&sink);
  const std::string_view response = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789A";
  EXPECT_EQ(feed(parser, response, response.size()), http::error::body_limit);
  EXPECT_TRUE(sink.empty());
}

TEST(ResponseParser, ChunksOverTheLimitFailWhileReading) {
  ResponseHead head;
  ResponseParser parser(head, 8192, 8);
  parser.eager(true);
  std::string sink;
  parser.set_sink(&sink);
  const std::string_view response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
  EXPECT_EQ(feed(parser, response, response.size()), http::error::body_limit);
  EXPECT_EQ(sink, "hello");
  parser.set_limit(100);
  EXPECT_EQ(parser.limit(), 100u);
}

TEST(ResponseParser, HeadersOverTheHeaderLimitFail) {
  ResponseHead head;
  ResponseParser parser(head, 64, 1024);
  const std::string response =
      "HTTP/1.1 200 OK\r\nX-Long: " + std::string(100, 'x') + "\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(feed(parser, response, response.size()), http::error::header_limit);
}

TEST(ResponseParser, ACloseDelimitedBodyEndsAtEof) {
  ResponseHead head;
  ResponseParser parser(head, 8192, 1024);
  parser.eager(true);
  std::string sink;
  parser.set_sink(&sink);
  const std::string_view response = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabcd";
  EXPECT_FALSE(feed(parser, response, response.size()));
  EXPECT_FALSE(parser.is_done()) << "only the close ends this body";
  EXPECT_TRUE(parser.need_eof());
  error_code ec;
  parser.put_eof(ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(sink, "abcd");
}

}  // namespace
}  // namespace roci::net
