// Connection: one upstream transport (plain TCP, or TLS over TCP) with the buffers it reuses for
// every exchange: the read buffer, the serialized request head, the body scratch buffer and the
// response parser.
//
//   Connection conn(executor, tls_context_or_null, /*verify_peer=*/true, context_key);
//   conn.expires_at(deadline);
//   auto failure = co_await conn.connect(endpoints, "localhost");
//   conn.request_head() = "GET / HTTP/1.1\r\n...";
//   std::size_t sent = conn.write_now(body, ec);           // plain TCP: usually all of it
//   if (!ec && sent < conn.request_size(body)) std::tie(ec, n) = co_await conn.write(body, sent);
//   auto& parser = conn.begin_response(header_limit, body_limit, /*head_request=*/false);
//   do ec = co_await conn.read_some(); while (!ec && !parser.is_header_done());  // head().status
//
// Deadlines: when the expires_at() deadline passes, the socket is closed and the operation in
// progress fails with beast::error::timeout (read_some(), finish_read() and connect() say so
// themselves; pass write()'s result through outcome()). Two ways, by `lazy_deadline`:
//  - false: Beast's tcp_stream timer, armed for each socket operation and idle between them;
//  - true (event loops that run for the process's life: HttpOptions::close_idle_on_timer): one
//    timer per connection, armed lazily. A deadline later than the one it waits for changes
//    nothing until it fires (then it waits again), so a deadline per operation costs no timer
//    operation in the steady state; the wait stays pending between operations and while the
//    connection is idle in the pool (io_context::run() does not return meanwhile).
// Cancellation: every operation honours the per-operation (terminal) cancellation of the awaiting
// coroutine and fails with operation_aborted; the connection must then be closed (destroyed), never
// reused. Owned by one exchange at a time or idle in the ConnectionPool; used on the io_context it
// was created on.
#pragma once

#include "net/response_parser.h"

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

namespace roci::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

struct ConnectFailure {
  boost::system::error_code ec;
  bool during_tls = false;  // the TCP connection was up; the TLS handshake failed
  long verify_result = 0;   // SSL_get_verify_result() after a failed handshake (X509_V_OK = 0)
};

class Connection {
 public:
  using Clock = std::chrono::steady_clock;
  using TcpStream = beast::tcp_stream;
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  // TLS when `tls` is not null. `context_key` names the io_context of `executor` (pool key).
  // `max_buffer` bounds the read buffer (it must hold a whole response header). `lazy_deadline`:
  // see Deadlines above.
  Connection(const asio::any_io_executor& executor, asio::ssl::context* tls, bool verify_peer,
             const void* context_key, std::size_t max_buffer, bool lazy_deadline = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects to the first endpoint that accepts, sets TCP_NODELAY and, for TLS, sets SNI and
  // host-name verification for `host` and handshakes. nullopt on success.
  asio::awaitable<std::optional<ConnectFailure>> connect(
      asio::ip::tcp::resolver::results_type endpoints, std::string host);

  // The deadline of the next operations (until changed).
  void expires_at(Clock::time_point deadline);
  Clock::time_point deadline() const { return deadline_; }
  void expires_never();
  // The error of a write() that just completed: beast::error::timeout when the deadline closed
  // the socket under it, else `ec`.
  boost::system::error_code outcome(boost::system::error_code ec) const;

  // The (error, bytes) of one operation: the stream's own awaitable, without a coroutine frame of
  // the connection's around it.
  using IoResult = std::tuple<boost::system::error_code, std::size_t>;

  // Writes request_head() followed by `body` (which must stay alive until completion): write_now()
  // sends what a plain socket takes at once (send_now, immediate_io.h; 0 for TLS), and write()
  // the rest from byte `sent` on, as one asynchronous operation.
  std::string& request_head() { return request_head_; }
  std::size_t request_size(std::string_view body) const {
    return request_head_.size() + body.size();
  }
  std::size_t write_now(std::string_view body, boost::system::error_code& ec);
  asio::awaitable<IoResult> write(std::string_view body, std::size_t sent = 0);

  // Prepares the parser for the next response; `head_request` responses have no body.
  ResponseParser& begin_response(std::uint32_t header_limit, std::uint64_t body_limit,
                                 bool head_request);
  ResponseParser& parser() { return *parser_; }
  ResponseHead& head() { return head_; }
  // Whether the read buffer is kept while read_some() waits for the server.
  enum class WhileWaiting {
    kKeepBuffer,     // a response expected at once: read straight into the buffer
    kReleaseBuffer,  // a stream that may idle for minutes: read into the connection's small wait
                     // buffer and hold no read buffer meanwhile (plain TCP)
  };
  // Makes progress on the response: parses bytes already buffered, or else reads once from the
  // socket, and parses all that is there (the head, which needs all its bytes at once, or else
  // into the parser's sink: possibly nothing, when only chunk framing arrived). Call only while
  // !parser().is_done(). EOF completes a close-delimited body; otherwise it is
  // http::error::partial_message (or end_of_stream before any byte).
  asio::awaitable<boost::system::error_code> read_some(
      WhileWaiting waiting = WhileWaiting::kKeepBuffer);

  // read_some() without a coroutine frame when it would not read from the socket: the result of
  // parsing the bytes already buffered; nullopt when read_some() has to read.
  std::optional<boost::system::error_code> try_parse_buffered() {
    if (stalled_ || buffer_.size() == 0) return std::nullopt;
    return parse_buffered();
  }
  // read_some() in two halves, for a caller that awaits the socket operation in its own frame
  // (a stream's body reader: one coroutine frame less per event). Call start_read() only when
  // try_parse_buffered() gave nullopt, await it at once, and pass its result to finish_read(),
  // which parses and returns what read_some() would.
  //   if (auto parsed = conn.try_parse_buffered()) ec = *parsed;
  //   else ec = conn.finish_read(co_await conn.start_read(waiting));
  asio::awaitable<IoResult> start_read(WhileWaiting waiting);
  boost::system::error_code finish_read(const IoResult& result);

  // Completes the response from what is there now, without waiting: parses what is buffered and
  // receives what the socket holds (plain TCP; call only while no read is pending), discarding
  // body bytes, until the body ended, `limit` bytes were received or nothing more is there. True
  // when the body ended (the connection is then reusable() unless a side closes it). For a reader
  // that let go after the part it needed (a stream's last event before [DONE] and the chunked
  // terminator): the connection can still go back to the pool.
  bool complete_now(std::size_t limit);

  // Reusable body buffer for streamed pieces.
  std::string& scratch() { return scratch_; }

  // The response was read completely, nothing is left over, and both sides keep the connection.
  bool reusable() const;
  // For an idle connection: false when the server closed it (or sent anything unexpected).
  // Probes the socket (MSG_PEEK) only when it has been idle for a while (see connection.cc);
  // a fresh reuse relies on the exchange's retry-once for a stale connection.
  bool idle_alive(Clock::time_point now);
  // Closes the socket at once (no TLS close_notify): the server sees EOF promptly.
  void close();

  const void* context_key() const { return context_key_; }
  asio::any_io_executor executor() { return tcp().get_executor(); }
  Clock::time_point idle_since() const { return idle_since_; }
  void set_idle_since(Clock::time_point t) { idle_since_ = t; }

 private:
  TcpStream& tcp();
  const TcpStream& tcp() const;
  // `operation(stream)` on the stream an operation goes to: the TLS stream; with the lazy deadline
  // the plain socket; else the tcp_stream.
  template <class Operation>
  asio::awaitable<IoResult> on_stream(Operation operation);
  // request_head() and `body`, as written.
  std::array<asio::const_buffer, 2> request_buffers(std::string_view body) const;
  // One Beast put() of everything buffered; need_more is not an error (stalled_ remembers it).
  boost::system::error_code parse_buffered();
  // start_read(kReleaseBuffer): moves the read buffer's bytes (an unparsed tail) into the wait
  // buffer and frees the read buffer; parses the wait buffer after a read of `n` bytes into it,
  // keeping a small unparsed tail there and any other rest in the read buffer.
  void hold_tail_in_wait_buffer();
  boost::system::error_code parse_wait_buffer(std::size_t n);
  // After a read of `n` bytes filled the wait buffer: its bytes into the read buffer, and what
  // else is there now after them.
  boost::system::error_code take_wait_buffer_and_rest(std::size_t n);
  // The wait buffer's tail back into the read buffer, before a read that uses the read buffer.
  void move_wait_tail_to_buffer();

  // The deadline timer's handler holds this, not the connection: a handler already queued when the
  // connection is destroyed finds `owner` null.
  struct DeadlineLink {
    Connection* owner;
  };
  void arm_deadline_timer(Clock::time_point at);
  void on_deadline_timer();

  std::variant<TcpStream, TlsStream> stream_;
  asio::steady_timer deadline_timer_;
  std::shared_ptr<DeadlineLink> deadline_link_;
  bool lazy_deadline_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point timer_at_ = Clock::time_point::max();  // what the timer waits for; max: idle
  bool timed_out_ = false;                                 // the deadline closed the socket
  bool verify_peer_;
  const void* context_key_;
  beast::flat_buffer buffer_;
  std::string request_head_;
  std::string scratch_;
  ResponseHead head_;
  std::optional<ResponseParser> parser_;
  bool stalled_ = false;  // the buffered bytes are an incomplete element: read before parsing
  // start_read(kReleaseBuffer) reads into this: one event of the usual size in one recv, with
  // no read buffer held while the stream waits. Its first wait_tail_ bytes are an unparsed tail
  // (a chunk's CRLF) waiting for more; when wait_tail_ > 0, stalled_ is set and buffer_ is empty.
  std::array<char, 512> wait_buffer_;
  std::size_t wait_tail_ = 0;
  bool read_into_wait_buffer_ = false;  // start_read() chose the wait buffer
  Clock::time_point idle_since_{};
};

}  // namespace roci::net
