// Http1ResponseWriter over a loopback socket pair: the exact bytes of heads, bodies and event
// streams, keep-alive, write failures, and what stays pending between writes.
#include "server/http/http1_response_writer.h"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>

namespace roci::server {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

class Http1ResponseWriterTest : public ::testing::Test {
 protected:
  Http1ResponseWriterTest() {
    tcp::acceptor acceptor(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client_.connect(acceptor.local_endpoint());
    acceptor.accept(server_);
    node_.socket = &server_;
    log_.request_id = "rid-1";
  }

  // A request with this version and Connection field.
  ClientRequest& request(unsigned version = 11, std::string_view connection = {}) {
    request_.version(version);
    if (!connection.empty()) request_.set(http::field::connection, connection);
    return request_;
  }

  Http1ResponseWriter writer() {
    return Http1ResponseWriter(
        ResponseConnection{server_, node_, pending_, stopping_, std::chrono::seconds(2)}, request_,
        log_);
  }

  template <class Op>
  Result<void> run(Op op) {
    auto f = asio::co_spawn(ioc_, std::move(op), asio::use_future);
    ioc_.restart();
    ioc_.run();
    return f.get();
  }

  // A thread that appends what the client receives to `text` until it ends with `last`, for a
  // write past the socket buffers (it completes only while someone reads). A write that never
  // comes ends the thread after 5 s without a byte, not the test run.
  std::thread read_until(std::string& text, std::string_view last) {
    const timeval five_seconds{5, 0};
    setsockopt(client_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds,
               sizeof five_seconds);
    return std::thread([this, &text, last] {
      char buf[65536];
      boost::system::error_code ec;
      while (!ec && !text.ends_with(last)) {
        text.append(buf, client_.read_some(asio::buffer(buf), ec));
      }
    });
  }

  // Everything the client can read now (the writes completed before).
  std::string received() {
    std::string out;
    char buf[65536];
    boost::system::error_code ec;
    while (client_.available(ec) > 0 && !ec) {
      out.append(buf, client_.read_some(asio::buffer(buf), ec));
    }
    return out;
  }

  // The head with its Date value replaced by "D".
  static std::string without_date(std::string text) {
    return std::regex_replace(text, std::regex("Date: [^\r]*\r\n"), "Date: D\r\n");
  }

  asio::io_context ioc_;
  tcp::socket server_{ioc_};
  tcp::socket client_{ioc_};
  SessionNode node_;
  std::string pending_;
  std::atomic<bool> stopping_{false};
  ClientRequest request_;
  RequestLog log_;
};

TEST_F(Http1ResponseWriterTest, CompleteResponseIsFramedWithContentLength) {
  request();
  auto w = writer();
  w.set_common_headers({{"Vary", "Origin"}});
  ASSERT_TRUE(run(w.send(200, "application/json", "{\"ok\":1}", {{"X-Extra", "a"}})));
  EXPECT_EQ(without_date(received()),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Extra: a\r\nVary: Origin\r\n"
            "Server: roci\r\nDate: D\r\nX-Request-Id: rid-1\r\nConnection: keep-alive\r\n"
            "Content-Length: 8\r\n\r\n{\"ok\":1}");
  EXPECT_TRUE(w.headers_sent());
  EXPECT_TRUE(w.keep_alive());
  EXPECT_EQ(log_.status, 200);
  EXPECT_EQ(w.bytes_out(), log_.bytes_out);
  EXPECT_GT(w.bytes_out(), 8u);
  EXPECT_TRUE(pending_.empty());  // nothing is left pending after a write
  EXPECT_FALSE(run(w.send(200, "text/plain", "again", {})));  // one response per request
}

TEST_F(Http1ResponseWriterTest, CarriageReturnsAndLineFeedsInValuesAreDropped) {
  request();
  auto w = writer();
  ASSERT_TRUE(
      run(w.send(200, "text/plain", "x", {{"X-Extra", "a\r\nX-Evil: 1\n"}, {"X-Empty", ""}})));
  EXPECT_NE(received().find("\r\nX-Extra: aX-Evil: 1\r\nX-Empty: \r\n"), std::string::npos)
      << received();
}

TEST_F(Http1ResponseWriterTest, NoContentHasNoBodyAndNoLength) {
  request();
  auto w = writer();
  ASSERT_TRUE(run(w.send(204, "", "ignored", {})));
  const std::string text = received();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 204 No Content\r\n")) << text;
  EXPECT_EQ(text.find("Content-Length"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("Connection: keep-alive\r\n\r\n")) << text;
}

TEST_F(Http1ResponseWriterTest, HeaderValuesLoseCrAndLf) {
  request();
  auto w = writer();
  ASSERT_TRUE(run(w.send(200, "text/plain", "", {{"X-A", "one\r\nX-Injected: two"}})));
  const std::string text = received();
  EXPECT_NE(text.find("X-A: oneX-Injected: two\r\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\r\nX-Injected"), std::string::npos) << text;
}

TEST_F(Http1ResponseWriterTest, UnknownStatusHasAReason) {
  request();
  auto w = writer();
  ASSERT_TRUE(run(w.send(299, "text/plain", "", {})));
  const std::string text = received();
  EXPECT_TRUE(text.starts_with("HTTP/1.1 299 Unknown\r\n")) << text;
}

TEST_F(Http1ResponseWriterTest, ConnectionCloseForClientsShutdownAndForceClose) {
  request(11, "close");
  auto a = writer();
  ASSERT_TRUE(run(a.send(200, "text/plain", "a", {})));
  EXPECT_NE(received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_FALSE(a.keep_alive());

  request_.set(http::field::connection, "keep-alive");
  auto b = writer();
  b.force_close();
  ASSERT_TRUE(run(b.send(200, "text/plain", "b", {})));
  EXPECT_NE(received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_FALSE(b.keep_alive());

  auto c = writer();
  stopping_ = true;
  ASSERT_TRUE(run(c.send(200, "text/plain", "c", {})));
  EXPECT_NE(received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_FALSE(c.keep_alive());
}

TEST_F(Http1ResponseWriterTest, Http10AnswersInKindAndClosesUnlessAskedToKeepAlive) {
  request(10);
  auto a = writer();
  ASSERT_TRUE(run(a.send(200, "text/plain", "a", {})));
  const std::string text = received();
  EXPECT_TRUE(text.starts_with("HTTP/1.0 200 OK\r\n")) << text;
  EXPECT_NE(text.find("Connection: close\r\n"), std::string::npos) << text;
  EXPECT_FALSE(a.keep_alive());

  request(10, "keep-alive");
  auto b = writer();
  ASSERT_TRUE(run(b.send(200, "text/plain", "b", {})));
  EXPECT_NE(received().find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_TRUE(b.keep_alive());
}

TEST_F(Http1ResponseWriterTest, EventStreamIsChunkedAndItsHeadWaitsForTheFirstEvent) {
  request();
  auto w = writer();
  ASSERT_TRUE(run(w.start_event_stream({})));
  EXPECT_TRUE(w.headers_sent());
  EXPECT_TRUE(w.streaming());
  EXPECT_EQ(received(), "");  // the head is pending, not written
  EXPECT_TRUE(pending_.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"));

  ASSERT_TRUE(run(w.send_event("data: 1\n\n")));
  std::string text = received();
  EXPECT_TRUE(text.ends_with(
      "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nTransfer-Encoding: chunked\r\n\r\n"
      "9\r\ndata: 1\n\n\r\n"))
      << text;
  EXPECT_TRUE(pending_.empty());

  ASSERT_TRUE(run(w.queue_event("data: 2\n\n")));
  ASSERT_TRUE(run(w.queue_event("")));  // an empty event is no chunk (it would end the body)
  EXPECT_EQ(received(), "");            // queued
  ASSERT_TRUE(run(w.queue_event("data: 33\n\n")));
  ASSERT_TRUE(run(w.flush()));
  EXPECT_EQ(received(), "9\r\ndata: 2\n\n\r\na\r\ndata: 33\n\n\r\n");

  ASSERT_TRUE(run(w.queue_event("data: 4\n\n")));
  ASSERT_TRUE(run(w.end_event_stream()));  // with what is queued, in one write
  EXPECT_EQ(received(), "9\r\ndata: 4\n\n\r\n0\r\n\r\n");
  EXPECT_FALSE(w.streaming());
  EXPECT_TRUE(w.keep_alive());
  EXPECT_TRUE(log_.stream);
  EXPECT_EQ(log_.status, 200);
  EXPECT_FALSE(run(w.send_event("data: late\n\n")));  // the stream is over
}

TEST_F(Http1ResponseWriterTest, QueuedEventsAreWrittenPastTheBoundAndABigBufferIsLetGo) {
  request();
  auto w = writer();
  ASSERT_TRUE(run(w.start_event_stream({})));
  const std::string event = "data: " + std::string(22 * 1024, 'x') + "\n\n";
  ASSERT_TRUE(run(w.queue_event(event)));
  ASSERT_TRUE(run(w.queue_event(event)));
  EXPECT_FALSE(pending_.empty());
  std::string text;
  for (int i = 0; i < 3; ++i) text += received();
  EXPECT_EQ(text, "");
  ASSERT_TRUE(run(w.queue_event(event)));  // past 64 KiB: written
  EXPECT_TRUE(pending_.empty());
  EXPECT_LE(pending_.capacity(), 64u << 10);
  while (text.size() < 3 * event.size()) {
    const std::string more = received();
    if (more.empty()) break;
    text += more;
  }
  EXPECT_GT(text.size(), 3 * event.size());
  EXPECT_EQ(w.bytes_out(), text.size());
}

// A write goes out at once when the socket takes it; what it does not take (here: far more than
// the socket buffers hold, read by a slow client) follows, in order, before the write completes.
TEST_F(Http1ResponseWriterTest, WhatTheSocketDoesNotTakeAtOnceFollowsInOrder) {
  request();
  auto w = writer();
  std::string body(4 << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  const std::string event = "data: " + body.substr(0, 3 << 20) + "\n\n";
  std::string text;
  const timeval five_seconds{5, 0};  // a write that never comes ends the reader, not the test run
  setsockopt(client_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  std::thread reader([&] {
    char buf[65536];
    boost::system::error_code ec;
    std::this_thread::sleep_for(50ms);  // the first send fills the socket buffers
    while (!ec && !text.ends_with("\r\n0\r\n\r\n")) {
      text.append(buf, client_.read_some(asio::buffer(buf), ec));
    }
  });
  EXPECT_TRUE(run(w.send(200, "text/plain", body, {})));
  request();
  auto stream = writer();
  EXPECT_TRUE(run(stream.start_event_stream({})));
  EXPECT_TRUE(run(stream.send_event(event)));
  EXPECT_TRUE(run(stream.end_event_stream()));
  reader.join();
  const std::size_t body_at = text.find("\r\n\r\n") + 4;
  ASSERT_GT(text.size(), body_at + body.size());
  EXPECT_EQ(text.compare(body_at, body.size(), body), 0);
  const std::string rest = text.substr(body_at + body.size());
  char size_line[16];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", event.size());
  EXPECT_TRUE(rest.ends_with("\r\n\r\n" + std::string(size_line) + event + "\r\n0\r\n\r\n"));
  EXPECT_EQ(w.bytes_out() + stream.bytes_out(), text.size());
  EXPECT_EQ(node_.deadline, SessionNode::kNever);  // armed while the rest waited, then disarmed
}

// send_event_now: the event (with the pending head) written at once when the socket takes it;
// when it does not, nullopt with the rest pending, and flush() writes that rest in order.
TEST_F(Http1ResponseWriterTest, SendEventNowWritesAtOnceOrLeavesTheRestToFlush) {
  request();
  auto w = writer();
  ASSERT_TRUE(run(w.start_event_stream({})));
  auto sent = w.send_event_now("data: 1\n\n");
  ASSERT_TRUE(sent.has_value());
  ASSERT_TRUE(*sent);
  EXPECT_TRUE(pending_.empty());
  std::string text = received();
  EXPECT_TRUE(text.ends_with("\r\n\r\n9\r\ndata: 1\n\n\r\n")) << text;

  const std::string event = "data: " + std::string(8 << 20, 'x') + "\n\n";  // past the buffers
  EXPECT_FALSE(w.send_event_now(event).has_value());
  EXPECT_FALSE(pending_.empty());
  std::thread reader = read_until(text, "\n\n\r\n0\r\n\r\n");
  EXPECT_TRUE(run(w.flush()));
  EXPECT_TRUE(pending_.empty());
  EXPECT_TRUE(run(w.end_event_stream()));
  reader.join();
  char size_line[16];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", event.size());
  EXPECT_TRUE(text.ends_with("\r\n" + std::string(size_line) + event + "\r\n0\r\n\r\n"));
  EXPECT_EQ(w.bytes_out(), text.size());
}

// send_now: the whole response written at once when the socket takes it; when it does not,
// nullopt with the rest pending (head first, then the body, in order), and flush() writes it.
TEST_F(Http1ResponseWriterTest, SendNowWritesAtOnceOrLeavesTheRestToFlush) {
  request();
  auto small = writer();
  auto sent = small.send_now(200, "application/json", "{}", {{"X-Roci-Backend", "default"}});
  ASSERT_TRUE(sent.has_value());
  ASSERT_TRUE(*sent);
  EXPECT_TRUE(pending_.empty());
  std::string text = received();
  EXPECT_TRUE(
      text.starts_with("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "X-Roci-Backend: default\r\n"))
      << text;
  EXPECT_TRUE(text.ends_with("Content-Length: 2\r\n\r\n{}")) << text;
  EXPECT_EQ(small.bytes_out(), text.size());
  EXPECT_EQ(small.send_now(200, "text/plain", "again", {})->error().kind, ErrorKind::kInternal);

  std::string body(8 << 20, '\0');  // past the buffers
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  body.replace(body.size() - 5, 5, "[end]");  // what the reader waits for
  auto large = writer();
  EXPECT_FALSE(large.send_now(200, "text/plain", body, {}).has_value());
  EXPECT_FALSE(pending_.empty());
  text.clear();
  std::thread reader = read_until(text, "[end]");
  EXPECT_TRUE(run(large.flush()));
  reader.join();
  EXPECT_TRUE(pending_.empty());
  const std::size_t body_at = text.find("\r\n\r\n") + 4;
  EXPECT_TRUE(text.starts_with("HTTP/1.1 200 OK\r\n")) << text.substr(0, 200);
  EXPECT_EQ(text.size() - body_at, body.size());
  EXPECT_EQ(text.compare(body_at, body.size(), body), 0);
  EXPECT_EQ(large.bytes_out(), text.size());
  EXPECT_EQ(node_.deadline, SessionNode::kNever);  // armed while the rest waited, then disarmed
}

TEST_F(Http1ResponseWriterTest, Http10EventStreamIsUnframedAndEndsTheConnection) {
  request(10, "keep-alive");
  auto w = writer();
  ASSERT_TRUE(run(w.start_event_stream({})));
  ASSERT_TRUE(run(w.send_event("data: 1\n\n")));
  ASSERT_TRUE(run(w.end_event_stream()));
  const std::string text = received();
  EXPECT_TRUE(text.starts_with("HTTP/1.0 200 OK\r\n")) << text;
  EXPECT_EQ(text.find("Transfer-Encoding"), std::string::npos) << text;
  EXPECT_NE(text.find("Connection: close\r\n"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\r\n\r\ndata: 1\n\n")) << text;
  EXPECT_FALSE(w.keep_alive());
}

TEST_F(Http1ResponseWriterTest, StreamCallsNeedAnOpenStream) {
  request();
  auto w = writer();
  EXPECT_EQ(run(w.send_event("x")).error().kind, ErrorKind::kInternal);
  EXPECT_EQ(w.send_event_now("x")->error().kind, ErrorKind::kInternal);
  EXPECT_EQ(run(w.flush()).error().kind, ErrorKind::kInternal);
  EXPECT_EQ(run(w.end_event_stream()).error().kind, ErrorKind::kInternal);
  ASSERT_TRUE(run(w.send(200, "text/plain", "done", {})));
  EXPECT_EQ(run(w.start_event_stream({})).error().kind, ErrorKind::kInternal);
}

TEST_F(Http1ResponseWriterTest, AFailedWriteBreaksTheWriterAndLogs499) {
  request();
  auto w = writer();
  ASSERT_TRUE(run(w.start_event_stream({})));
  client_.close();  // the peer resets on the first bytes; a later write fails
  const std::string event = "data: " + std::string(1024, 'x') + "\n\n";
  Result<void> r;
  for (int i = 0; i < 1000 && r; ++i) r = run(w.send_event(event));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(r.error().message.starts_with("the client connection failed: ")) << r.error().message;
  EXPECT_TRUE(w.broken());
  EXPECT_FALSE(w.keep_alive());
  EXPECT_EQ(log_.status, 499);
  EXPECT_EQ(run(w.send_event(event)).error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(run(w.end_event_stream()).error().kind, ErrorKind::kCancelled);
  EXPECT_EQ(node_.deadline, SessionNode::kNever);  // every write disarms its deadline
}

}  // namespace
}  // namespace roci::server
