// HttpClient::open() and HttpBodyReader: pieces are delivered as they arrive, the connection goes
// back to the pool after a complete body and is closed when the reader is dropped early.
#include "net/http_client.h"

#include "net_test_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <thread>

namespace roci::net {
namespace {

using namespace roci::net::testing;

// GET / through open(), then every piece read_some() delivers up to the end of the body; the
// first error otherwise.
Result<std::string> get_whole_body(asio::io_context& ioc, HttpClient& client) {
  auto body = run(ioc, client.open(get("/")));
  if (!body) return body.error();
  std::string all;
  while (true) {
    auto piece = run(ioc, (*body)->read_some());
    if (!piece) return piece.error();
    if (piece->empty()) return all;
    all += *piece;
  }
}

TEST(Streaming, ReadSomeDeliversTheFirstChunkBeforeTheServerSendsTheRest) {
  Gate rest;
  TestHttpServer server([&](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.start_chunked();
    conn.chunk("data: first\n\n");
    rest.wait();  // nothing more until the client has seen the first chunk
    conn.chunk("data: second\n\n");
    conn.end_chunks();
    echo_target_forever(conn);
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto body = run(ioc, client->open(post("/v1/chat/completions", "{}")));
  ASSERT_TRUE(body) << body.error();
  EXPECT_EQ((*body)->status(), 200);
  EXPECT_EQ((*body)->content_type(), "text/event-stream");

  auto first = run(ioc, (*body)->read_some());
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(*first, "data: first\n\n");
  rest.open();
  auto second = run(ioc, (*body)->read_some());
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(*second, "data: second\n\n");
  auto end = run(ioc, (*body)->read_some());
  ASSERT_TRUE(end) << end.error();
  EXPECT_TRUE(end->empty());
  EXPECT_EQ(client->idle_connections(), 1u);  // pooled as soon as the end was read
  auto again = run(ioc, (*body)->read_some());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());

  ASSERT_TRUE(run(ioc, client->send(get("/next"))));
  EXPECT_EQ(server.accepted(), 1);
}

// The head of a chunked event stream, as a script writes it.
constexpr std::string_view kChunkedHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

// GET / through open() on a client of its own, then the first piece read_some() delivers.
Result<std::string> first_piece(const std::string& url) {
  asio::io_context ioc;
  auto client = make_client(url);
  auto body = run(ioc, client->open(get("/")));
  if (!body) return body.error();
  auto piece = run(ioc, (*body)->read_some());
  if (!piece) return piece.error();
  return std::string(*piece);
}

TEST(Streaming, BodyBytesThatArriveWithTheHeaderAreDelivered) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write(std::string(kChunkedHead) + "5\r\nhello\r\n");
    conn.wait_client_close();
  });
  auto piece = first_piece(server.url());
  ASSERT_TRUE(piece) << piece.error();
  EXPECT_EQ(*piece, "hello");
}

TEST(Streaming, CloseDelimitedStream) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nab");
    conn.write("cd");
    conn.close();
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto all = get_whole_body(ioc, *client);
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(*all, "abcd");
  EXPECT_EQ(client->idle_connections(), 0u);
}

// A streamed body's reads hold no read buffer while they wait (Connection::start_read with
// kReleaseBuffer): the wait reads into the connection's small wait buffer, which keeps an
// unparsed tail between reads. Bytes that trickle in one at a time, each after a wait, must still
// add up, chunk framing and all, and the connection must still pool.
TEST(Streaming, ABodyTrickledOneByteAtATimeArrivesWhole) {
  const std::string body_bytes = "c\r\ndata: slow\n\n\r\n0\r\n\r\n";
  TestHttpServer server([&](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    conn.trickle(body_bytes, 2ms);
    echo_target_forever(conn);
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto all = get_whole_body(ioc, *client);
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(*all, "data: slow\n\n");
  EXPECT_EQ(client->idle_connections(), 1u);
}

// The body read with read_some()'s steps (read_buffered, read, take_read, piece), as a stream that
// awaits the socket read in its own frame does: bytes trickled one at a time (reads that bring
// only chunk framing are read on), the end, and the connection pooled.
asio::awaitable<Result<std::string>> read_by_steps(HttpBodyReader& body) {
  std::string all;
  while (true) {
    bool decided = body.read_buffered(false);
    while (!decided) {
      const auto io = co_await body.read();
      decided = body.take_read(io, false);
    }
    auto piece = body.piece();
    if (!piece) co_return piece.error();
    if (piece->empty()) co_return all;
    all += *piece;
  }
}

TEST(Streaming, TheStepsOfReadSomeDeliverATrickledBodyWhole) {
  TestHttpServer server([&](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n");
    conn.trickle("6\r\nslow\n\n\r\n0\r\n\r\n", 2ms);
    echo_target_forever(conn);
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto body = run(ioc, client->open(get("/")));
  ASSERT_TRUE(body) << body.error();
  auto all = run(ioc, read_by_steps(**body));
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(*all, "data: slow\n\n");
  EXPECT_EQ(client->idle_connections(), 1u);
  auto again = (*body)->piece();  // after the end: the end again
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
}

// An event larger than the wait buffer, and then a burst of events in one write, each after a
// wait: what the full wait buffer could not take is read on at once, and nothing is lost.
TEST(Streaming, EventsLargerThanTheWaitBufferArriveWhole) {
  const std::string large = "data: " + std::string(3000, 'L') + "\n\n";
  std::string burst;
  for (int i = 0; i < 40; ++i) burst += "data: event " + std::to_string(i) + "\n\n";
  auto chunk = [](const std::string& data) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
  };
  std::string burst_chunks;
  for (int i = 0; i < 40; ++i) burst_chunks += chunk("data: event " + std::to_string(i) + "\n\n");
  TestHttpServer server([&](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    std::this_thread::sleep_for(10ms);
    conn.write(chunk(large));
    std::this_thread::sleep_for(10ms);
    conn.write(burst_chunks + "0\r\n\r\n");
    echo_target_forever(conn);
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto all = get_whole_body(ioc, *client);
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(*all, large + burst);
  EXPECT_EQ(client->idle_connections(), 1u);
}

// The last byte before the server closes ends a wait, and the EOF right behind it is still seen.
TEST(Streaming, ACloseRightAfterTheWakingByteEndsACloseDelimitedBody) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
    std::this_thread::sleep_for(20ms);
    conn.write("x");
    conn.close();
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto all = get_whole_body(ioc, *client);
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(*all, "x");
}

TEST(Streaming, DroppingTheReaderMidBodyClosesTheConnection) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.start_chunked();
    conn.chunk("data: 1\n\n");
    conn.wait_client_close();
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto body = run(ioc, client->open(get("/")));
  ASSERT_TRUE(body) << body.error();
  ASSERT_TRUE(run(ioc, (*body)->read_some()));
  body->reset();
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }, 100ms));
  EXPECT_EQ(client->idle_connections(), 0u);
}

// A stream that ends after its usage event: once the client read that event, the server writes
// [DONE] and, when `with_end`, the chunked terminator (each a write of its own, as an upstream
// under load delivers them), then serves plain requests until the client closes.
struct UsageThenRest {
  explicit UsageThenRest(bool with_end)
      : server([this, with_end](ScriptConnection& conn) {
          if (!conn.read_request()) return;
          conn.start_chunked();
          conn.chunk("data: usage\n\n");
          first_read.wait();
          conn.chunk("data: [DONE]\n\n");
          if (with_end) conn.end_chunks();
          rest_sent.open();
          echo_target_forever(conn);
        }) {}

  // Opens the stream, reads the usage event and returns the reader once the rest is in the
  // client's socket.
  std::unique_ptr<HttpBodyReader> open_and_read_usage() {
    auto body = run(ioc, client->open(post("/v1/chat/completions", "{}")));
    if (!body) ADD_FAILURE() << body.error();
    if (!body) return nullptr;
    auto usage = run(ioc, (*body)->read_some());
    EXPECT_TRUE(usage && *usage == "data: usage\n\n");
    first_read.open();
    EXPECT_TRUE(rest_sent.wait());
    std::this_thread::sleep_for(50ms);  // loopback: the bytes are in the client's socket by now
    return std::move(*body);
  }

  Gate first_read, rest_sent;
  TestHttpServer server;
  asio::io_context ioc;
  std::unique_ptr<HttpClient> client = make_client(server.url());
};

// The reader lets go after the event it needed, before [DONE] and the terminator: they are there
// already, so the connection goes back to the pool instead of being closed.
TEST(Streaming, DroppingTheReaderWhenTheRestHasArrivedPoolsTheConnection) {
  UsageThenRest upstream(/*with_end=*/true);
  auto body = upstream.open_and_read_usage();
  ASSERT_TRUE(body);
  body.reset();
  EXPECT_EQ(upstream.client->idle_connections(), 1u);
  auto next = run(upstream.ioc, upstream.client->send(get("/next")));
  ASSERT_TRUE(next) << next.error();
  EXPECT_EQ(next->body, "/next");
  EXPECT_EQ(upstream.server.accepted(), 1);
  EXPECT_EQ(upstream.server.client_closes(), 0);
}

// [DONE] is there but the terminator is not: the reader does not wait for it, the connection is
// closed.
TEST(Streaming, DroppingTheReaderWithTheEndNotYetSentClosesTheConnection) {
  UsageThenRest upstream(/*with_end=*/false);
  auto body = upstream.open_and_read_usage();
  ASSERT_TRUE(body);
  const auto started = std::chrono::steady_clock::now();
  body.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);  // no wait for the end
  EXPECT_TRUE(eventually([&] { return upstream.server.client_closes() == 1; }, 1s));
  EXPECT_EQ(upstream.client->idle_connections(), 0u);
}

TEST(Streaming, ReadAllAndEmptyBodies) {
  TestHttpServer server([](ScriptConnection& conn) {
    while (auto request = conn.read_request()) {
      if (request->target == "/empty") {
        conn.write("HTTP/1.1 204 No Content\r\n\r\n");
      } else {
        conn.respond(200, "0123456789", "text/plain");
      }
    }
  });
  asio::io_context ioc;
  auto client = make_client(server.url());
  auto empty = run(ioc, client->open(get("/empty")));
  ASSERT_TRUE(empty) << empty.error();
  EXPECT_EQ((*empty)->status(), 204);
  auto end = run(ioc, (*empty)->read_some());
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->empty());
  EXPECT_EQ(client->idle_connections(), 1u);

  auto body = run(ioc, client->open(get("/ten")));
  ASSERT_TRUE(body) << body.error();
  auto all = run(ioc, (*body)->read_all(100));
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(*all, "0123456789");

  auto limited = run(ioc, client->open(get("/ten")));
  ASSERT_TRUE(limited);
  auto over = run(ioc, (*limited)->read_all(5));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().message, "Test Upstream's response exceeded 5 bytes.");
  auto still = run(ioc, (*limited)->read_some());  // the error sticks
  ASSERT_FALSE(still);
  EXPECT_EQ(server.accepted(), 1);  // three exchanges on one connection, closed by the error
  ASSERT_TRUE(run(ioc, client->send(get("/ten"))));
  EXPECT_EQ(server.accepted(), 2);
}

TEST(Streaming, IdleTimeoutInTheMiddleOfABody) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.start_chunked();
    conn.chunk("data: 1\n\n");
    conn.wait_client_close();
  });
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.idle_timeout = 100ms;
  auto client = make_client(server.url(), options);
  auto body = run(ioc, client->open(get("/")));
  ASSERT_TRUE(body) << body.error();
  ASSERT_TRUE(run(ioc, (*body)->read_some()));
  auto stalled = run(ioc, (*body)->read_some());
  ASSERT_FALSE(stalled);
  EXPECT_EQ(stalled.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(stalled.error().code, "idle_timeout");
  EXPECT_EQ(stalled.error().message,
            "Test Upstream sent nothing for 100 ms in the middle of a stream. Raise "
            "HttpOptions::idle_timeout if it pauses longer.");
  EXPECT_TRUE(eventually([&] { return server.client_closes() == 1; }, 100ms));
}

// A chunk-size line that never ends fills the connection's read buffer (1 MiB): the read that
// finds no room left fails at once, without I/O, and the body with it.
TEST(Streaming, AChunkLineThatNeverEndsFailsWhenTheReadBufferIsFull) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.write(std::string(kChunkedHead) + "5;");
    const std::string extension(64 * 1024, 'x');
    for (int i = 0; i < 40 && conn.write(extension); ++i) {
    }
    conn.wait_client_close();
  });
  auto piece = first_piece(server.url());
  ASSERT_FALSE(piece);
  EXPECT_EQ(piece.error().kind, ErrorKind::kUpstreamError) << piece.error();
  EXPECT_NE(piece.error().message.find("buffer overflow"), std::string::npos) << piece.error();
}

TEST(Streaming, StreamLimitCoversTheWholeBody) {
  TestHttpServer server([](ScriptConnection& conn) {
    if (!conn.read_request()) return;
    conn.start_chunked();
    for (int i = 0; i < 10 && conn.chunk(std::string(40, 'z')); ++i) {
    }
    conn.end_chunks();
    conn.wait_client_close();
  });
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.max_stream_bytes = 100;
  auto client = make_client(server.url(), options);
  auto body = run(ioc, client->open(get("/")));
  ASSERT_TRUE(body) << body.error();
  std::size_t total = 0;
  Error error;
  while (true) {
    auto piece = run(ioc, (*body)->read_some());
    if (!piece) {
      error = piece.error();
      break;
    }
    ASSERT_FALSE(piece->empty()) << "the body should not end within the limit";
    total += piece->size();
  }
  EXPECT_LE(total, 100u);
  EXPECT_EQ(error.message,
            "Test Upstream's response exceeded 100 bytes (HttpOptions::max_stream_bytes).");
}

}  // namespace
}  // namespace roci::net
