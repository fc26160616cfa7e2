// The test client against scripted servers: every body framing, keep-alive and pipelined bytes,
// SSE events as they arrive, deadlines, cut and malformed responses, raw reads.
#include "support/test_http_client.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "support/test_http_server.h"

namespace roci::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(TestHttpClient, ContentLengthChunkedAndCloseDelimitedBodies) {
  TestHttpServer server([](ScriptConnection& conn) {
    auto request = conn.read_request();
    if (!request) return;
    if (request->target == "/length") {
      conn.respond(200, "{\"a\":1}", "application/json", "X-One: 1\r\n");
    } else if (request->target == "/chunked") {
      conn.start_chunked(200, "text/plain");
      conn.chunk("hel");
      conn.chunk("lo");
      conn.end_chunks();
    } else {
      conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil");
      conn.write(" the end");
      conn.close();
    }
  });
  const TestResponse length = http_call(server.port(), "GET", "/length");
  EXPECT_TRUE(length.complete);
  EXPECT_EQ(length.status, 200);
  EXPECT_EQ(length.body, "{\"a\":1}");
  EXPECT_EQ(length.json().at("a"), 1);
  EXPECT_EQ(length.header("x-one"), "1");
  EXPECT_EQ(length.header("content-type"), "application/json");
  EXPECT_TRUE(length.keep_alive);
  EXPECT_TRUE(length.raw.starts_with("HTTP/1.1 200 OK\r\n")) << length.raw;

  const TestResponse chunked = http_call(server.port(), "GET", "/chunked");
  EXPECT_EQ(chunked.body, "hello");
  EXPECT_EQ(chunked.chunks, (std::vector<std::string>{"hel", "lo"}));

  const TestResponse closed = http_call(server.port(), "GET", "/close");
  EXPECT_TRUE(closed.complete);
  EXPECT_EQ(closed.body, "until the end");
  EXPECT_FALSE(closed.keep_alive);
}

TEST(TestHttpClient, KeepAliveAndPipelinedResponsesStayApart) {
  TestHttpServer server([](ScriptConnection& conn) {
    while (auto request = conn.read_request()) {
      if (request->target == "/two") {  // two responses in one write
        conn.write(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\noneHTTP/1.1 204 No Content\r\n\r\n");
      } else {
        conn.respond(200, request->target, "text/plain");
      }
    }
  });
  TestConnection c(server.port());
  EXPECT_EQ(c.request("GET", "/a").body, "/a");
  EXPECT_EQ(c.request("GET", "/b").body, "/b");
  c.send_request("GET", "/two");
  const TestResponse first = c.read_response();
  EXPECT_EQ(first.body, "one");
  EXPECT_EQ(first.raw, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
  const TestResponse second = c.read_response();
  EXPECT_TRUE(second.complete);
  EXPECT_EQ(second.status, 204);
  EXPECT_EQ(second.body, "");
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(server.requests(), 3);
}

TEST(TestHttpClient, HeadResponsesHaveNoBody) {
  TestHttpServer server([](ScriptConnection& conn) {
    while (auto request = conn.read_request()) {
      conn.write("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n");
    }
  });
  TestConnection c(server.port());
  const TestResponse head = c.request("HEAD", "/");
  EXPECT_TRUE(head.complete);
  EXPECT_EQ(head.header("content-length"), "42");
  EXPECT_EQ(head.body, "");
}

TEST(TestHttpClient, SseEventsArriveOneAtATime) {
  Gate more;
  TestHttpServer server([&](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.start_chunked();
    conn.chunk("data: {\"n\":1}\n\n: comment\n\ndata: {\"n\"");
    more.wait();
    conn.chunk(":2}\r\n\r\ndata: [DONE]\n\n");
    conn.end_chunks();
  });
  TestConnection c(server.port());
  c.send(raw_post("/v1/chat/completions", "{}"));
  const TestResponse head = c.read_head();
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-type"), "text/event-stream");
  EXPECT_FALSE(head.complete);
  EXPECT_EQ(c.read_event(), "data: {\"n\":1}");
  EXPECT_EQ(c.read_event(), ": comment");
  const auto start = Clock::now();
  EXPECT_EQ(c.read_event(100ms), std::nullopt) << "the rest of the event has not arrived";
  EXPECT_GE(Clock::now() - start, 90ms);
  more.open();
  EXPECT_EQ(c.read_event(), "data: {\"n\":2}");
  EXPECT_EQ(c.read_event(), "data: [DONE]");
  EXPECT_EQ(c.read_event(), std::nullopt);  // the end of the body
  const TestResponse whole = c.read_response();
  EXPECT_TRUE(whole.complete);
  EXPECT_EQ(sse_data(whole.body), (std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "[DONE]"}));
}

TEST(TestHttpClient, ReadsEndAtTheDeadline) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    conn.wait_client_close(5s);  // stalls mid-body
  });
  TestConnection c(server.port());
  c.send_request("GET", "/");
  const auto start = Clock::now();
  const TestResponse stalled = c.read_response(200ms);
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 1s);
  EXPECT_FALSE(stalled.complete);
  EXPECT_EQ(stalled.status, 200);
  EXPECT_EQ(stalled.body, "abc");
  EXPECT_EQ(stalled.error, "no complete response before the deadline");
  EXPECT_FALSE(c.closed());
  EXPECT_FALSE(c.wait_for_close(50ms));
  EXPECT_THROW(http_call(server.port(), "GET", "/", {}, {}, 100ms), std::runtime_error);
}

TEST(TestHttpClient, CutAndMalformedResponsesSayWhy) {
  TestHttpServer server([](ScriptConnection& conn) {
    auto request = conn.read_request();
    if (!request) return;
    if (request->target == "/cut") {
      conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nab");
      conn.close();
    } else if (request->target == "/reset") {
      conn.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab");
      conn.close(/*reset=*/true);
    } else {
      conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
      conn.wait_client_close();
    }
  });
  TestConnection cut(server.port());
  cut.send_request("GET", "/cut");
  const TestResponse partial = cut.read_response();
  EXPECT_FALSE(partial.complete);
  EXPECT_EQ(partial.error, "the connection closed in the middle of the body");
  EXPECT_EQ(partial.body, "helloab");
  EXPECT_TRUE(cut.closed());

  TestConnection reset(server.port());
  reset.send_request("GET", "/reset");
  EXPECT_FALSE(reset.read_response().complete);
  EXPECT_TRUE(reset.closed());

  TestConnection bad(server.port());
  bad.send_request("GET", "/bad");
  const TestResponse malformed = bad.read_response();
  EXPECT_FALSE(malformed.complete);
  EXPECT_EQ(malformed.error.rfind("malformed response: ", 0), 0u) << malformed.error;
  EXPECT_THROW(http_call(server.port(), "GET", "/cut"), std::runtime_error);
}

TEST(TestHttpClient, RawReadsKeepEverythingUntilConsumed) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
    conn.close();
  });
  TestConnection c(server.port());
  c.send(request_text("GET", "/"));
  EXPECT_NE(c.read_until("hello").find("hello"), std::string::npos);
  EXPECT_EQ(c.read_response().body, "hello");  // consumed from received()
  EXPECT_EQ(c.read_to_eof(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(raw_statuses(c.received()), std::vector<int>{200});
}

TEST(TestHttpClient, ConnectingToAClosedPortThrows) {
  unsigned short port = 0;
  {
    TestHttpServer gone([](ScriptConnection&) {});
    port = gone.port();
  }
  EXPECT_THROW(TestConnection c(port), std::runtime_error);
}

TEST(TestHttpClient, RequestBytes) {
  EXPECT_EQ(request_text("GET", "/v1/models"),
            "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(request_text("POST", "/x", "{}", {{"Authorization", "Bearer k"}}),
            "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(
      request_text("POST", "/x", "", {{"Host", "h:1"}, {"Content-Type", "text/plain"}}),
      "POST /x HTTP/1.1\r\nHost: h:1\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(raw_post("/x", "{}", "Connection: close\r\n"),
            "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
  EXPECT_EQ(chunk_frame("hello"), "5\r\nhello\r\n");
}

TEST(TestHttpClient, DecodingCapturedBytes) {
  EXPECT_EQ(dechunk("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), "hello world");
  const TestResponse cut = parse_response("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc");
  EXPECT_FALSE(cut.complete);
  EXPECT_EQ(cut.body, "abc");
  EXPECT_EQ(sse_data("data: a\n\nevent: x\ndata: b\ndata: c\n\n: ping\n\ndata: [DONE]\n\n"),
            (std::vector<std::string>{"a", "b\nc", "[DONE]"}));
  EXPECT_EQ(raw_statuses("HTTP/1.1 200 OK\r\n\r\nHTTP/1.0 503 X\r\n"),
            (std::vector<int>{200, 503}));
}

}  // namespace
}  // namespace roci::testing
