// HttpClient: a coroutine HTTP/1.1 client for one upstream origin, with a keep-alive pool.
//
//   HttpClient client(origin, options, {"LM Studio", "http://localhost:1234",
//                     "Is the server started in LM Studio's Developer tab?"});
//   auto res = co_await client.send({http::verb::get, "/v1/models"});   // buffered body
//   auto body = co_await client.open(post_request);      // headers read, body streamed
//   while (true) { auto chunk = co_await (*body)->read_some(); ...; if (chunk->empty()) break; }
//
// Deadlines (HttpOptions): connect_timeout for resolve+connect(+TLS handshake); first_byte
// (request written -> response headers); idle_timeout between body reads; a total deadline
// (request_timeout for send(), stream_timeout for open()) caps every step. Limits: header bytes,
// max_response_bytes for send(), max_stream_bytes for open(). Each violation is an Error naming the
// upstream: kTimeout (code connect_timeout / first_byte_timeout / idle_timeout / request_timeout),
// kUpstreamUnreachable ("<name> is not reachable at <url>: connection refused. <hint>"),
// kUpstreamError (malformed HTTP, body too large, connection cut).
//
// Pool: idle connections are kept per io_context (the executor of the calling coroutine), at
// most max_idle_connections, and expire after keep_alive. A request that fails on a reused
// connection before any response byte arrived (the server closed it while idle) is retried once
// on a fresh connection; never after a response byte arrived.
//
// Retries (retry_policy.h): transient failures (connection refused / reset / unreachable, a
// connect timeout, HTTP 502 / 503) are sent again up to max_retries times with exponential
// backoff (HttpOptions), never past the total deadline, and never once the request may have been
// served (a timeout after sending, response bytes of any other status). A 502 / 503 that remains
// after the last retry is returned like any response. Both send() and open() retry the same way:
// open() returns once headers of a non-retryable status arrived, before any body was read.
//
// Cancellation: all awaitables honour per-operation (terminal) cancellation; the connection is
// closed (never pooled) and the result is kCancelled. Destroying an HttpBodyReader before its body
// ended closes the connection; after a complete body with keep-alive, it goes back to the pool.
// Threading: not thread-safe; one client per io_context thread, or serialised use.
// Lifetimes: an HttpBodyReader must not outlive its HttpClient (it returns its connection to the
// client's pool), and the client must be destroyed before the io_contexts it was used on.
#pragma once

#include "net/url.h"

#include <roci/core/error.h>
#include <roci/core/http_options.h>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace roci::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;

struct UpstreamIdentity {
  std::string display_name;      // "LM Studio", "OpenAI"
  std::string base_url;          // as configured, for messages
  std::string unreachable_hint;  // appended to unreachable errors
};

struct HttpRequest {
  http::verb method = http::verb::get;
  std::string target;  // path relative to the origin root, e.g. "/v1/chat/completions"
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (auth, ...)
  std::string_view content_type = "application/json";        // static text (a literal): not owned
  // Per-request overrides; unset fields use HttpOptions.
  std::optional<std::chrono::milliseconds> first_byte_timeout;
  std::optional<std::chrono::milliseconds> total_timeout;
  std::optional<int> max_retries;  // e.g. 0 for a health probe that must answer promptly
  // send() copies every response header field into HttpResponse::headers only when asked (each
  // field is two allocations, and the providers read none but Content-Type).
  bool collect_headers = false;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // with HttpRequest::collect_headers
};

class Connection;  // pooled transport (plain TCP or TLS)
class ConnectionPool;
class ExchangeRunner;  // TLS context, deadlines, request serialization, error messages
struct ExchangeDeadlines;

// The body of a response whose headers were read. Owns the connection until destroyed.
class HttpBodyReader {
 public:
  virtual ~HttpBodyReader() = default;
  virtual int status() const = 0;
  virtual std::string_view content_type() const = 0;
  // Next piece of the body; an empty view at the end. The view is valid until the next call.
  // Written with the steps below, for every reader.
  asio::awaitable<Result<std::string_view>> read_some();
  // read_some() in steps, for a caller that awaits the socket read in its own coroutine frame (a
  // stream reads a piece per event: one coroutine frame less each time). read_buffered() and
  // take_read() return true once the piece is decided, and piece() then gives what read_some()
  // would (a piece, the end as an empty view, or the error); false when a read must be awaited
  // next. `cancelled` is the caller's cancellation state: with a read still needed, the piece is
  // then kCancelled.
  //   auto state = co_await asio::this_coro::cancellation_state;
  //   bool decided = body.read_buffered(is_cancelled(state));
  //   while (!decided) {
  //     const auto io = co_await body.read();  // the socket operation itself: await it at once
  //     decided = body.take_read(io, is_cancelled(state));
  //   }
  //   Result<std::string_view> piece = body.piece();
  using ReadResult = std::tuple<boost::system::error_code, std::size_t>;
  virtual bool read_buffered(bool cancelled) = 0;
  virtual asio::awaitable<ReadResult> read() = 0;
  virtual bool take_read(const ReadResult& io, bool cancelled) = 0;
  virtual Result<std::string_view> piece() const = 0;
  // The rest of the body, at most `limit` bytes (kUpstreamError past it).
  virtual asio::awaitable<Result<std::string>> read_all(std::size_t limit) = 0;
  // Ends the body without waiting when the rest of it is already there (buffered or in the
  // socket), discarding it: true when the body ended (now or before). No I/O that waits; false is
  // always a correct answer.
  virtual bool finish_now() { return false; }
};

class HttpClient {
 public:
  HttpClient(Origin origin, HttpOptions options, UpstreamIdentity identity);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and reads the whole response (any status).
  asio::awaitable<Result<HttpResponse>> send(HttpRequest request);
  // send(), and then `finish`, called on the same coroutine frame with send()'s result, makes the
  // awaited value: a caller that only converts the response (a provider's decoder) needs no
  // coroutine of its own around the send. Defined in net/http_client_send.h, included where it is
  // used.
  template <class Finish>
  asio::awaitable<std::invoke_result_t<Finish&, Result<HttpResponse>&&>> send_then(
      HttpRequest request, Finish finish);
  // Sends the request and returns once the response headers arrived (any status).
  asio::awaitable<Result<std::unique_ptr<HttpBodyReader>>> open(HttpRequest request);

  const Origin& origin() const { return origin_; }
  const HttpOptions& options() const { return options_; }
  const UpstreamIdentity& identity() const { return identity_; }
  // Idle pooled connections, over all io_contexts (tests, /health).
  std::size_t idle_connections() const;

 private:
  // send()'s body, read from the connection `outcome` holds into `response`; on failure `outcome`
  // becomes the error. `cancelled`: the caller's cancellation state. Not a coroutine: nullopt when
  // the body came with the head (the usual small answer); else the coroutine that reads the rest.
  std::optional<asio::awaitable<void>> take_body(Result<std::unique_ptr<Connection>>& outcome,
                                                 const ExchangeDeadlines& deadlines,
                                                 HttpResponse& response, bool cancelled);

  Origin origin_;
  HttpOptions options_;
  UpstreamIdentity identity_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<ExchangeRunner> runner_;
};

}  // namespace roci::net
