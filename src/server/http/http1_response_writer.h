// The HTTP/1.1 response writer: ResponseWriter (request_context.h) over a client connection. One
// per request; the session creates it once the request's head is read.
//
//   Http1ResponseWriter writer(ResponseConnection{socket, node, pending_output, stopping, 30s},
//                              request, log);
//   co_await writer.send(200, "application/json", std::move(body));
//   // HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n<CORS fields>Server: roci\r\n
//   // Date: ...\r\nX-Request-Id: <log.request_id>\r\nConnection: keep-alive\r\n
//   // Content-Length: N\r\n\r\n<body>
//
// Framing: a complete response carries Content-Length (none for 204) and leaves in one gather
// write, head and body together. An event stream is chunked for HTTP/1.1 and, for HTTP/1.0,
// unframed (its end is the connection's close: keep_alive() turns false). Events are framed into
// the connection's pending output: the head waits there for the first write, queue_event adds to
// it without writing (up to 64 KiB), and every write sends all of it in one socket write: at once
// when the socket takes it (net::send_now), else the rest with an asynchronous write.
// Responses are framed by hand into that one reused buffer, not with Beast's serializer, for
// speed: bench/RESULTS.md ("Response framing").
//
// Connection field: keep-alive when the request allows it (HTTP/1.1 without Connection: close,
// HTTP/1.0 with keep-alive), unless force_close() was called, the gateway is shutting down
// (ResponseConnection::stopping) or the body is unframed. Header values lose any CR and LF.
//
// Deadlines: every write that waits arms ResponseConnection::node's deadline (write_timeout), which
// the session's sweeper enforces by cancelling the socket. A write that fails or times out marks
// the writer broken(): that call and every later one complete with kCancelled, and the request log
// says 499. Not thread-safe; one write at a time (the handler awaits each call).
#pragma once

#include "server/http/request_context.h"
#include "server/http/session.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace roci::server {

// What a writer borrows from its connection. Everything outlives the writer.
struct ResponseConnection {
  asio::ip::tcp::socket& socket;
  SessionNode& node;  // deadline of each write; node.timed_out tells a timeout from a failure
  // Response bytes not written yet: a head waiting for its first event, then queued events. Empty
  // between responses; its capacity is kept for the next (up to the 64 KiB queue bound).
  std::string& pending_output;
  const std::atomic<bool>& stopping;  // graceful shutdown: answer with Connection: close
  std::chrono::seconds write_timeout;
  // The connection's read buffer, or null: released when an event stream starts and it holds no
  // bytes of a next request, so that a stream lasting minutes holds no read buffer (a
  // non-streamed answer keeps it for the next request on the connection).
  boost::beast::flat_buffer* read_buffer = nullptr;
};

class Http1ResponseWriter final : public ResponseWriter {
 public:
  // `request` and `log` outlive the writer; the log's request_id is read at each head, and the
  // writer records status, stream and bytes_out in it.
  Http1ResponseWriter(ResponseConnection connection, const ClientRequest& request, RequestLog& log)
      : conn_(connection), request_(request), log_(log), keep_alive_(request.keep_alive()) {}

  asio::awaitable<Result<void>> send(int status, std::string_view content_type, std::string body,
                                     Headers extra) override;
  std::optional<Result<void>> send_now(int status, std::string_view content_type, std::string body,
                                       const Headers& extra) override;
  asio::awaitable<Result<void>> start_event_stream(Headers extra) override;
  asio::awaitable<Result<void>> send_event(std::string_view event) override;
  std::optional<Result<void>> send_event_now(std::string_view event) override;
  asio::awaitable<Result<void>> queue_event(std::string_view event) override;
  asio::awaitable<Result<void>> flush() override;
  asio::awaitable<Result<void>> end_event_stream() override;
  bool headers_sent() const override { return state_ != State::kNone; }

  // Fields every response to this request carries (CORS), after the caller's own.
  void set_common_headers(Headers headers) { common_ = std::move(headers); }
  // An event stream was started and not ended.
  bool streaming() const { return state_ == State::kStreaming; }
  // A write failed or timed out: the client is gone.
  bool broken() const { return broken_; }
  // The connection may serve another request after this response.
  bool keep_alive() const { return keep_alive_ && !broken_; }
  // Answer with Connection: close (for a head not written yet) and end the connection after.
  void force_close() { keep_alive_ = false; }
  std::size_t bytes_out() const { return bytes_out_; }

 private:
  enum class State { kNone, kStreaming, kDone };
  // Replaces the pending output with the status line and the fields, up to (not including) the
  // framing field and the blank line.
  std::string& start_head(int status, std::string_view content_type, const Headers& extra);
  // After a write under the connection's deadline (armed by the caller): disarms it, counts the
  // bytes and, on failure, marks the client gone (the error says whether it timed out).
  Result<void> written(boost::system::error_code ec, std::size_t n);
  // Appends one event to the pending output, chunk-framed when chunked.
  void append_event(std::string_view event);
  // Why send() cannot go on (the client is gone, or a response was started); nullopt when it can.
  std::optional<Error> response_refusal() const;
  // The head of a complete response into the pending output, up to its blank line; clears the
  // body of a 204 / 304.
  void frame_response(int status, std::string_view content_type, std::string& body,
                      const Headers& extra);
  // Writes the pending output, if any, then `body`, in one gather write without waiting: the
  // result when the socket took it all (or failed), the pending output then empty; nullopt when
  // part must wait: the rest, in order, is left in the pending output for write_pending().
  std::optional<Result<void>> write_now(std::string_view body);
  // Empties the pending output once written; its capacity is kept up to the 64 KiB queue bound.
  void clear_pending_output();
  // write_now(), then what is left with a write that waits. Every write of the writer goes
  // through these two.
  asio::awaitable<Result<void>> write_pending(std::string body = {});
  // Why an event call cannot go on (the client is gone, or no event stream is open); nullopt when
  // it can.
  std::optional<Error> stream_refusal() const;

  ResponseConnection conn_;
  const ClientRequest& request_;
  RequestLog& log_;
  bool keep_alive_;
  bool chunked_ = false;
  bool broken_ = false;
  State state_ = State::kNone;
  std::size_t bytes_out_ = 0;
  Headers common_;
};

}  // namespace roci::server
