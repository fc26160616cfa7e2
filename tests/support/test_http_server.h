// TestHttpServer: the tests' one loopback HTTP/1.1 server core. The fake upstreams
// (fake_upstream.h) and the net tests' scripted servers both run on it.
//
// It listens on 127.0.0.1 port 0 (unless told otherwise), accepts on its own io_context thread(s)
// and gives every connection to a handler of one of two kinds:
//  - a Script, run on a thread of its own with blocking I/O, for tests that read top to bottom:
//    read a request, write exact bytes, trickle them, stall, cut the body, wait for a Gate the test
//    opens, wait until the client goes. Scripts may speak TLS.
//  - a Session coroutine, for servers that must serve many connections cheaply (the fakes), with
//    the coroutine helpers below (read_request, write_all, sleep_unless_closed, close_socket...).
//
//   TestHttpServer server([](ScriptConnection& conn) {
//     while (auto request = conn.read_request()) conn.respond(200, "{\"ok\":true}");
//   });
//   ... point the client under test at server.url() ...
//   EXPECT_EQ(server.accepted(), 1);
//
// Every read has a deadline. The destructor stops accepting, shuts every script's socket down
// (which unblocks it), joins the threads and drops the sessions.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/http_wire.h"

namespace roci::testing {

using Tcp = boost::asio::ip::tcp;

// A request as the server read it.
struct ServerRequest {
  std::string method;
  std::string target;
  Fields headers;  // wire order, names as sent
  std::string body;
  bool keep_alive = true;

  std::string header(std::string_view name) const { return field_value(headers, name); }
};

// A one-shot signal from the test to a script.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  // False when `timeout` passes first.
  bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Polls `done` every millisecond until it holds (true) or `timeout` passes (false).
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(1));

class TestHttpServer;

// One accepted connection as a Script sees it: blocking calls, each with a deadline. Writes
// return false once the client is gone.
class ScriptConnection {
 public:
  using Ms = std::chrono::milliseconds;

  ScriptConnection(TestHttpServer& server, int fd, SSL* ssl);
  ~ScriptConnection();
  ScriptConnection(const ScriptConnection&) = delete;
  ScriptConnection& operator=(const ScriptConnection&) = delete;

  // Reads one request (Beast's parser; pipelined bytes stay for the next call). nullopt on EOF,
  // error, a malformed request or the deadline.
  std::optional<ServerRequest> read_request(Ms timeout = std::chrono::seconds(2));
  bool write(std::string_view bytes);
  // Writes one byte at a time, waiting `pause` before each.
  bool trickle(std::string_view bytes, Ms pause);
  // A whole response with Content-Length; `extra_headers` are raw lines ("Name: v\r\n").
  bool respond(int status, std::string_view body,
               std::string_view content_type = "application/json",
               std::string_view extra_headers = "");
  // A chunked response: the head, then chunk() per piece and end_chunks().
  bool start_chunked(int status = 200, std::string_view content_type = "text/event-stream");
  bool chunk(std::string_view bytes) { return write(chunk_frame(bytes)); }
  bool end_chunks() { return write(kLastChunk); }
  // Waits until the client closes its side (EOF or reset), discarding what it sends meanwhile;
  // false when `timeout` passes first.
  bool wait_client_close(Ms timeout = std::chrono::seconds(2));
  // Closes the connection: gracefully (FIN), or abortively (RST) when `reset`.
  void close(bool reset = false);

 private:
  // Some bytes into buffer_: >0 read, 0 EOF, -1 error, -2 deadline.
  long read_more(Ms timeout);

  TestHttpServer& server_;
  int fd_;
  SSL* ssl_;
  std::string buffer_;
};

class TestHttpServer {
 public:
  using Script = std::function<void(ScriptConnection&)>;
  // Owns the socket; the server keeps the function (and what it refers to) alive while it runs.
  using Session = std::function<boost::asio::awaitable<void>(Tcp::socket)>;

  struct Options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;  // 0: the OS picks a free port
    int threads = 1;          // io_context threads: accepting and the sessions
  };

  // Runs `script` per connection; with `tls` (the server takes its own reference) it speaks TLS.
  explicit TestHttpServer(Script script, SSL_CTX* tls = nullptr);
  // Runs `session` per connection on the io_context. Throws on bind errors.
  TestHttpServer(Options options, Session session);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  unsigned short port() const { return port_; }
  const std::string& host() const { return options_.host; }
  std::string url() const;  // "http://127.0.0.1:PORT" (https with TLS)

  int accepted() const { return accepted_; }
  // Script connections only: requests read, client closes seen, failed TLS handshakes.
  int requests() const { return requests_; }
  int client_closes() const { return client_closes_; }
  int tls_failures() const { return tls_failures_; }

 private:
  friend class ScriptConnection;

  void start();
  boost::asio::awaitable<void> accept_loop();
  void serve_script(int fd);

  const Options options_;
  Script script_;
  Session session_;
  SSL_CTX* tls_ = nullptr;
  boost::asio::io_context ioc_;
  Tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> client_closes_{0};
  std::atomic<int> tls_failures_{0};
  std::mutex mutex_;
  std::vector<int> script_fds_;  // open script sockets, shut down by the destructor
  std::vector<std::thread> script_threads_;
  std::vector<std::thread> io_threads_;
};

// ---- Session helpers: coroutine I/O on a session's socket. Every wait races the peer: the
// sleeps return early when the client closes (EOF or RST), which is how a fake notices a
// cancellation before the first byte or between tokens.

struct RequestLimits {
  std::size_t max_body_bytes = 16u << 20;
  // How long the connection may stay idle before a request starts (nothing buffered).
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(60);
};
// What read_request() returns: the request, or why there is none.
struct RequestRead {
  enum class Outcome { kRequest, kClosed, kIdle, kBodyTooLarge, kMalformed };
  Outcome outcome = Outcome::kClosed;
  ServerRequest request;
};
// Reads one request; answers "Expect: 100-continue" with 100 Continue.
boost::asio::awaitable<RequestRead> read_request(Tcp::socket& socket,
                                                 boost::beast::flat_buffer& buffer,
                                                 RequestLimits limits);
// Waits `duration`; true when the peer closed the connection first.
boost::asio::awaitable<bool> sleep_unless_closed(Tcp::socket& socket,
                                                 std::chrono::steady_clock::duration duration);
// Waits until the peer closes (or the server stops), draining what it sends.
boost::asio::awaitable<void> wait_until_closed(Tcp::socket& socket);
// Waits up to `duration` for the socket to become readable (data or EOF); false on timeout.
boost::asio::awaitable<bool> wait_readable(Tcp::socket& socket,
                                           std::chrono::steady_clock::duration duration);
// Writes everything; false when the peer is gone.
boost::asio::awaitable<bool> write_all(Tcp::socket& socket, std::string_view bytes);
// Closes gracefully (FIN), or abortively (RST) when `reset`.
void close_socket(Tcp::socket& socket, bool reset);

// "HTTP/1.1 <status> <reason>\r\nContent-Type: ...\r\n" then Content-Length (or, without a
// length, Transfer-Encoding: chunked), `extra_headers` verbatim and the blank line.
std::string response_head(int status, std::string_view content_type,
                          std::optional<std::size_t> content_length,
                          std::string_view extra_headers = {});

}  // namespace roci::testing
