#include "server/session.h"

#include "config/gateway_config.h"
#include "server/access_log.h"
#include "server/auth.h"
#include "server/cors.h"
#include "server/http_error.h"
#include "server/metrics.h"
#include "server/request_id.h"
#include "server/router.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

namespace roci::server {
namespace {

namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kFirstReadBytes = 16 * 1024;
// The sweeper trims the allocator when the sessions fell to a quarter of a peak of at least this.
constexpr std::size_t kTrimMinPeakSessions = 256;
constexpr std::size_t kLingerMaxBytes = 1 << 20;
constexpr seconds kLingerTime{2};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kRequestIdHeader = "X-Request-Id";
constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
// Queued stream bytes past which queue_event writes at once.
constexpr std::size_t kMaxQueuedEventBytes = 64u << 10;

// "Sun, 06 Nov 1994 08:49:37 GMT", formatted at most once per second per thread.
std::string_view http_date() {
  thread_local char buf[64];
  thread_local std::size_t len = 0;
  thread_local std::time_t last = 0;
  const std::time_t now = std::time(nullptr);
  if (now != last) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    last = now;
  }
  return {buf, len};
}

// A request the client got wrong (answer 400), as opposed to a connection that ended.
bool is_client_error(const beast::error_code& ec) {
  return ec.category() == beast::http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::partial_message && ec != http::error::end_of_stream;
}

// Appends "name: value\r\n"; CR and LF are dropped (no header injection through values).
void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ");
  for (char c : value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  out.append(kCrlf);
}

asio::const_buffer buf(std::string_view s) { return {s.data(), s.size()}; }

struct ConnectionCount {
  std::atomic<int>& count;
  ~ConnectionCount() { count.fetch_sub(1, std::memory_order_relaxed); }
};

class Session;

// ResponseWriter over the session's socket. One per request.
class SessionWriter final : public ResponseWriter {
 public:
  SessionWriter(Session& session, const ClientRequest& request, RequestLog& log, bool keep_alive)
      : session_(session), request_(request), log_(log), keep_alive_(keep_alive) {}

  asio::awaitable<Result<void>> send(int status, std::string_view content_type, std::string body,
                                     Headers extra) override;
  asio::awaitable<Result<void>> start_event_stream(Headers extra) override;
  asio::awaitable<Result<void>> send_event(std::string_view event) override;
  asio::awaitable<Result<void>> queue_event(std::string_view event) override;
  asio::awaitable<Result<void>> flush() override;
  asio::awaitable<Result<void>> end_event_stream() override;
  bool headers_sent() const override { return state_ != State::kNone; }

  // Fields every response to this request carries (CORS).
  void set_common_headers(Headers headers) { common_ = std::move(headers); }
  bool streaming() const { return state_ == State::kStreaming; }
  bool broken() const { return broken_; }
  bool keep_alive() const { return keep_alive_ && !broken_; }
  void force_close() { keep_alive_ = false; }
  std::size_t bytes_out() const { return bytes_out_; }

 private:
  enum class State { kNone, kStreaming, kDone };
  // The status line and header fields into the session's head buffer, up to (not including) the
  // framing field and the blank line.
  std::string& head(int status, std::string_view content_type, const Headers& extra);
  template <class Buffers>
  asio::awaitable<Result<void>> write(const Buffers& buffers);
  // Appends one event to the queued stream bytes (the session's head buffer), chunk-framed.
  void append_event(std::string_view event);
  // Writes the queued stream bytes, if any, and empties the queue.
  asio::awaitable<Result<void>> write_queued();

  Session& session_;
  const ClientRequest& request_;
  RequestLog& log_;
  bool keep_alive_;
  bool chunked_ = false;
  bool broken_ = false;
  State state_ = State::kNone;
  std::size_t bytes_out_ = 0;
  Headers common_;
};

// The per-request state, owned by the session so that its catch site can still answer.
struct Exchange {
  http::request_parser<http::string_body> parser;
  RequestLog log;
  std::optional<SessionWriter> writer;
  std::optional<RequestContext> ctx;
  bool recorded = false;
};

class Session {
 public:
  Session(tcp::socket socket, SessionEnv& env, bool reject)
      : env_(env), config_(env.worker.config), socket_(std::move(socket)), reject_(reject) {
    node_.socket = &socket_;
    env_.sessions.push_back(node_);
    head_.reserve(512);
  }

  asio::awaitable<void> run();
  tcp::socket& socket() { return socket_; }
  SessionEnv& env() { return env_; }
  std::string& head_buffer() { return head_; }
  // Deadline of the next I/O step; disarm() when it completed.
  void arm(steady_clock::duration timeout) {
    node_.deadline = steady_clock::now() + timeout;
    node_.timed_out = false;  // a sweep that raced a completed step cancelled nothing
  }
  void disarm() { node_.deadline = SessionNode::kNever; }
  bool timed_out() const { return node_.timed_out; }

 private:
  // What read_request() leaves to do.
  enum class Next { kHandle, kNextRequest, kClose };
  // Reads the next request and answers what needs no handler (errors, 404/405, preflight).
  asio::awaitable<Next> read_request();
  // Runs the handler of the request read_request() left; false when the connection must close.
  // A coroutine of its own, with a small frame: it is what stays alive while a stream runs.
  asio::awaitable<bool> handle_request();
  asio::awaitable<bool> read_body(Exchange& x);
  asio::awaitable<void> answer(const Error& e);
  asio::awaitable<void> run_handler(RequestContext& ctx);
  // What watch_client_close shares with its callbacks (which may run after the exchange ended).
  struct CloseWatch {
    asio::cancellation_signal cancel_handler;
    bool handler_done = false;
    bool client_gone = false;
    char peek_byte = 0;  // target of the MSG_PEEK receive (the byte stays in the socket)
  };
  // Watches the idle socket while the handler runs; when the client closes or resets it (or the
  // socket is closed under us), emits a terminal cancellation to the handler.
  void watch_client_close(std::shared_ptr<CloseWatch> watch);
  asio::awaitable<void> close(bool linger);
  Exchange& begin_exchange();
  void finish_exchange();

  SessionEnv& env_;
  const config::GatewayConfig& config_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::string head_;  // response head, then the queued stream bytes; reused
  SessionNode node_;
  std::optional<Exchange> exchange_;
  bool reject_;
  bool first_ = true;
  bool linger_ = false;  // unread request bytes may remain: drain before closing
};

// ---- SessionWriter ----

std::string& SessionWriter::head(int status, std::string_view content_type, const Headers& extra) {
  std::string& out = session_.head_buffer();
  out.clear();
  out.append(request_.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  char digits[8];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, status);
  out.append(digits, end).push_back(' ');
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  out.append(reason.empty() || reason == "<unknown-status>" ? std::string_view("Unknown")
                                                            : std::string_view(reason));
  out.append(kCrlf);
  if (!content_type.empty()) append_field(out, "Content-Type", content_type);
  for (const auto& [name, value] : extra) append_field(out, name, value);
  for (const auto& [name, value] : common_) append_field(out, name, value);
  out.append("Server: roci\r\nDate: ").append(http_date()).append(kCrlf);
  append_field(out, kRequestIdHeader, log_.request_id);
  if (session_.env().stopping.load(std::memory_order_relaxed)) keep_alive_ = false;
  out.append(keep_alive_ ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  return out;
}

template <class Buffers>
asio::awaitable<Result<void>> SessionWriter::write(const Buffers& buffers) {
  session_.arm(session_.env().write_timeout);
  auto [ec, n] = co_await asio::async_write(session_.socket(), buffers, kUseTuple);
  session_.disarm();
  bytes_out_ += n;
  log_.bytes_out = bytes_out_;
  if (!ec) co_return Result<void>{};
  broken_ = true;
  state_ = State::kDone;
  log_.status = 499;
  co_return Error::cancelled(session_.timed_out()
                                 ? "the client did not read the response in time"
                                 : "the client connection failed: " + ec.message());
}

asio::awaitable<Result<void>> SessionWriter::send(int status, std::string_view content_type,
                                                  std::string body, Headers extra) {
  if (broken_) co_return Error::cancelled();
  if (state_ != State::kNone) co_return Error::internal("a response was already sent");
  std::string& out = head(status, content_type, extra);
  if (status == 204) {  // no body, and no Content-Length (RFC 9110 8.6)
    body.clear();
    out.append(kCrlf);
  } else {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body.size());
    out.append("Content-Length: ").append(digits, end).append("\r\n\r\n");
  }
  state_ = State::kDone;
  log_.status = status;
  const std::array<asio::const_buffer, 2> buffers{buf(out), buf(body)};
  co_return co_await write(buffers);  // head and body in one gather write
}

asio::awaitable<Result<void>> SessionWriter::start_event_stream(Headers extra) {
  if (broken_) co_return Error::cancelled();
  if (state_ != State::kNone) co_return Error::internal("a response was already sent");
  // HTTP/1.0 has no chunked encoding: the body ends when the connection closes.
  chunked_ = request_.version() >= 11;
  if (!chunked_) keep_alive_ = false;
  std::string& out = head(200, "text/event-stream", extra);
  out.append("Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n");
  out.append(chunked_ ? "Transfer-Encoding: chunked\r\n\r\n" : "\r\n");
  state_ = State::kStreaming;  // the head stays queued in the head buffer until the first write
  log_.status = 200;
  log_.stream = true;
  co_return Result<void>{};
}

void SessionWriter::append_event(std::string_view event) {
  std::string& out = session_.head_buffer();
  if (!chunked_) {
    out.append(event);
    return;
  }
  char size_line[20];
  auto [end, ec] = std::to_chars(size_line, size_line + 16, event.size(), 16);
  end[0] = '\r';
  end[1] = '\n';
  out.append(size_line, static_cast<std::size_t>(end + 2 - size_line)).append(event).append(kCrlf);
}

asio::awaitable<Result<void>> SessionWriter::write_queued() {
  std::string& out = session_.head_buffer();
  if (out.empty()) co_return Result<void>{};
  auto written = co_await write(buf(out));
  out.clear();
  if (out.capacity() > kMaxQueuedEventBytes) std::string().swap(out);  // a burst's buffer: let go
  co_return written;
}

asio::awaitable<Result<void>> SessionWriter::send_event(std::string_view event) {
  if (broken_) co_return Error::cancelled();
  if (state_ != State::kStreaming) co_return Error::internal("no event stream is open");
  if (!event.empty()) append_event(event);  // an empty chunk would end the body
  co_return co_await write_queued();
}

asio::awaitable<Result<void>> SessionWriter::queue_event(std::string_view event) {
  if (broken_) co_return Error::cancelled();
  if (state_ != State::kStreaming) co_return Error::internal("no event stream is open");
  if (!event.empty()) append_event(event);
  if (session_.head_buffer().size() < kMaxQueuedEventBytes) co_return Result<void>{};
  co_return co_await write_queued();
}

asio::awaitable<Result<void>> SessionWriter::flush() {
  if (broken_) co_return Error::cancelled();
  // The head buffer also holds a sent response's head: only an open stream has bytes queued.
  if (state_ != State::kStreaming) co_return Error::internal("no event stream is open");
  co_return co_await write_queued();
}

asio::awaitable<Result<void>> SessionWriter::end_event_stream() {
  if (broken_) co_return Error::cancelled();
  if (state_ != State::kStreaming) co_return Error::internal("no event stream is open");
  state_ = State::kDone;
  if (chunked_) session_.head_buffer().append(kLastChunk);
  co_return co_await write_queued();
}

// ---- Session ----

Exchange& Session::begin_exchange() {
  exchange_.emplace();
  exchange_->parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(config_.limits.max_header_bytes, UINT32_MAX)));
  exchange_->parser.body_limit(config_.limits.max_body_bytes);
  return *exchange_;
}

void Session::finish_exchange() {
  if (!exchange_ || exchange_->recorded) return;
  Exchange& x = *exchange_;
  x.recorded = true;
  if (x.writer) x.log.bytes_out = x.writer->bytes_out();
  const auto& req = x.parser.get();
  env_.worker.metrics.record(x.log);
  log_access(x.log, req.method_string(), req.target());
}

// Answers the current exchange with an error the session detected itself; the connection closes.
asio::awaitable<void> Session::answer(const Error& e) {
  Exchange& x = *exchange_;
  x.writer->force_close();
  co_await send_error(*x.ctx, e);
}

asio::awaitable<void> Session::run_handler(RequestContext& ctx) {
  // Cancellation reaches the handler as kCancelled values, not exceptions.
  co_await asio::this_coro::throw_if_cancelled(false);
  if (env_.dispatch != nullptr) {
    co_await (*env_.dispatch)(ctx);
  } else {
    co_await dispatch(ctx);
  }
}

// A plain callback, not a coroutine racing the handler in a parallel_group: one receive per
// exchange instead of two spawned coroutines and a group per request.
// Bytes from the client (a pipelined request) end the watch. Callbacks that run after the handler
// finished do nothing; `this` is only used while the handler, and so the session, is alive.
void Session::watch_client_close(std::shared_ptr<CloseWatch> watch) {
  // A MSG_PEEK receive rather than async_wait(wait_read): a receive is tried at once and then
  // waits on the socket's existing epoll registration, where a wait re-arms it with epoll_ctl
  // (one syscall more per request). The peeked byte stays for the session's next read.
  char* byte = &watch->peek_byte;
  socket_.async_receive(
      asio::buffer(byte, 1), tcp::socket::message_peek,
      [this, watch = std::move(watch)](const beast::error_code& ec, std::size_t n) {
        if (watch->handler_done) return;
        if (!ec && n > 0) return;  // a pipelined request: the client is still there
        // EOF or reset, or the socket was cancelled or closed under us (deadline sweep, shutdown).
        watch->client_gone = true;
        watch->cancel_handler.emit(asio::cancellation_type::terminal);
      });
}

asio::awaitable<void> Session::close(bool linger) {
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (linger && !ec && !node_.timed_out) {
    // Unread request bytes would make the kernel answer with RST and the client could lose our
    // response: drain for a bounded time first (nginx's lingering close).
    static thread_local char junk[4096];
    std::size_t total = 0;
    arm(kLingerTime);
    while (total < kLingerMaxBytes) {
      auto [read_ec, n] = co_await socket_.async_read_some(asio::buffer(junk), kUseTuple);
      if (read_ec) break;
      total += n;
    }
    disarm();
  }
  socket_.close(ec);
}

// Reads the body of the current exchange. False when the exchange is over (answered, or the
// connection ended): the session then closes.
asio::awaitable<bool> Session::read_body(Exchange& x) {
  const auto& req = x.parser.get();
  if (beast::iequals(req[http::field::expect], "100-continue") && req.version() >= 11) {
    arm(env_.write_timeout);
    auto [ec, n] = co_await asio::async_write(socket_, buf(kContinue), kUseTuple);
    disarm();
    if (ec) {
      x.log.status = 499;
      co_return false;
    }
  }
  arm(seconds(config_.server.request_body_timeout_secs));
  auto [ec, n] = co_await http::async_read(socket_, buffer_, x.parser, kUseTuple);
  disarm();
  if (!ec) co_return true;
  if (ec == http::error::body_limit) {
    linger_ = true;
    Error e{.kind = ErrorKind::kPayloadTooLarge,
            .message = "Request body exceeds limits.max_body_bytes (" +
                       std::to_string(config_.limits.max_body_bytes) + " bytes)."};
    co_await answer(e);
  } else if (is_client_error(ec)) {
    linger_ = true;
    co_await answer(Error::invalid_request("Malformed request body: " + ec.message() + "."));
  } else {  // timeout, EOF or reset: nothing can be sent
    // No error_kind for a slow client: kTimeout would count as an upstream error.
    x.log.status = node_.timed_out ? 408 : 499;
    if (!node_.timed_out) x.log.error_kind = ErrorKind::kCancelled;
    x.log.error_message = node_.timed_out ? "request body not received in time"
                                          : "client closed the connection while sending the body";
  }
  co_return false;
}

asio::awaitable<Session::Next> Session::read_request() {
  const auto& server = config_.server;
  // 1. The start of the next request: idle keep-alive limit (first request: the header limit).
  if (buffer_.size() == 0) {
    if (env_.stopping.load(std::memory_order_relaxed)) co_return Next::kClose;
    node_.idle = true;
    arm(seconds(first_ ? server.request_header_timeout_secs : server.idle_keep_alive_secs));
    auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(kFirstReadBytes), kUseTuple);
    node_.idle = false;
    if (ec) co_return Next::kClose;
    buffer_.commit(n);
  }
  const bool first = std::exchange(first_, false);

  // 2. The header, bounded in time (from its first byte; from accept for the first request).
  Exchange& x = begin_exchange();
  if (!first) arm(seconds(server.request_header_timeout_secs));
  auto [ec, n] = co_await http::async_read_header(socket_, buffer_, x.parser, kUseTuple);
  disarm();
  if (node_.timed_out || (ec && ec != http::error::header_limit && ec != http::error::body_limit &&
                          !is_client_error(ec))) {
    exchange_.reset();  // slowloris, EOF, reset: not a request, just close
    co_return Next::kClose;
  }
  auto& req = x.parser.get();
  x.log.start = steady_clock::now();
  x.log.request_id = request_id_for(req[kRequestIdHeader]);
  const RouteMatch match = match_route(req.method(), req.target());
  x.log.route = std::string(match.label);
  x.writer.emplace(*this, req, x.log, req.keep_alive());
  x.ctx.emplace(RequestContext{req, *x.writer, x.log, env_.worker});
  const std::string_view origin = req[http::field::origin];
  if (env_.cors != nullptr) x.writer->set_common_headers(env_.cors->response_headers(origin));
  env_.worker.metrics.request_started();
  // Beast bounds the header's bytes, not its field count: count once the header is parsed (the
  // bytes limit already bounds the work).
  const auto field_count = static_cast<std::size_t>(std::distance(req.begin(), req.end()));
  const bool too_many_fields = !ec && field_count > config_.limits.max_header_count;
  if (ec || too_many_fields) {
    linger_ = true;
    if (too_many_fields) {
      Error e{.kind = ErrorKind::kHeadersTooLarge,
              .message = "Request has " + std::to_string(field_count) +
                         " header fields; limits.max_header_count is " +
                         std::to_string(config_.limits.max_header_count) + "."};
      co_await answer(e);
    } else if (ec == http::error::header_limit) {
      Error e{.kind = ErrorKind::kHeadersTooLarge,
              .message = "Request headers exceed limits.max_header_bytes (" +
                         std::to_string(config_.limits.max_header_bytes) + " bytes)."};
      co_await answer(e);
    } else if (ec == http::error::body_limit) {  // Content-Length over the limit: 413 unread
      Error e{.kind = ErrorKind::kPayloadTooLarge,
              .message = "Request body of " + std::string(req[http::field::content_length]) +
                         " bytes exceeds limits.max_body_bytes (" +
                         std::to_string(config_.limits.max_body_bytes) + " bytes)."};
      co_await answer(e);
    } else {
      co_await answer(Error::invalid_request("Malformed HTTP request: " + ec.message() + "."));
    }
    finish_exchange();
    co_return Next::kClose;
  }

  // 3. Answers that need no body.
  const bool body_pending = !x.parser.is_done();
  const bool routed = match.route != Route::kNotFound && match.method_allowed;
  const bool preflight =
      env_.cors != nullptr && env_.cors->enabled() && CorsPolicy::is_preflight(req);
  std::optional<Error> early;
  bool preflight_ok = false;  // answered 204 below
  if (reject_) {
    x.writer->force_close();
    early = Error{.kind = ErrorKind::kTooManyConnections,
                  .message = "The gateway is at limits.max_connections (" +
                             std::to_string(config_.limits.max_connections) +
                             " client connections). Retry shortly."};
  } else if (preflight) {  // no API key needed; an unknown route still gets the router's 404
    if (!env_.cors->origin_allowed(origin)) {
      early = cors_forbidden(origin);
    } else {
      preflight_ok = match.route != Route::kNotFound;
    }
  } else if (env_.auth != nullptr && env_.auth->required(match.route)) {
    if (const AuthOutcome outcome = env_.auth->check(req); outcome != AuthOutcome::kAllowed) {
      early = auth_error(outcome);  // the body of an unauthenticated request is never read
    }
  }
  if (!early && routed && req.method() == http::verb::post &&
      !is_json_media_type(req[http::field::content_type])) {
    const auto ct = req[http::field::content_type];
    early = Error{.kind = ErrorKind::kUnsupportedMediaType,
                  .message = "Content-Type must be application/json (got \"" +
                             std::string(ct.empty() ? "none" : ct) + "\")."};
  }
  if (early || !routed || preflight_ok) {
    if (body_pending) {
      x.writer->force_close();  // the body is never read
      linger_ = true;
    }
    if (preflight_ok) {
      x.writer->set_common_headers(env_.cors->preflight_headers(origin, match.allow));
      (void)co_await x.writer->send(204, std::string_view(), std::string(), Headers{});
    } else if (early) {
      co_await send_error(*x.ctx, *early);
    } else {
      co_await dispatch(*x.ctx);  // 404 / 405
    }
    finish_exchange();
    co_return x.writer->keep_alive() ? Next::kNextRequest : Next::kClose;
  }

  // 4. The body.
  if (body_pending && !co_await read_body(x)) {
    finish_exchange();
    co_return Next::kClose;
  }
  co_return Next::kHandle;  // a known route and method, and its body
}

asio::awaitable<bool> Session::handle_request() {
  Exchange& x = *exchange_;
  // 5. The handler, cancelled if the client goes away meanwhile.
  bool client_gone = false;
  // Nothing pipelined: free the read buffer for the handler's duration (a stream can last
  // minutes; with thousands open, 16 KiB each adds up). The next request allocates it again.
  if (buffer_.size() == 0) buffer_.shrink_to_fit();
  if (buffer_.size() > 0) {
    co_await run_handler(*x.ctx);  // pipelined bytes already read: nothing to watch
  } else {
    auto executor = co_await asio::this_coro::executor;
    auto watch = std::make_shared<CloseWatch>();
    watch_client_close(watch);
    std::exception_ptr handler_ex;
    try {
      co_await asio::co_spawn(
          executor, run_handler(*x.ctx),
          asio::bind_cancellation_slot(watch->cancel_handler.slot(), asio::use_awaitable));
    } catch (...) {
      handler_ex = std::current_exception();
    }
    watch->handler_done = true;
    beast::error_code ignored;
    socket_.cancel(ignored);  // ends the wait; nothing else is pending on the socket now
    client_gone = watch->client_gone;
    if (handler_ex && !client_gone) std::rethrow_exception(handler_ex);  // to the catch site
  }
  if (client_gone || x.writer->broken()) {
    x.log.status = 499;
    if (!x.log.error_kind || *x.log.error_kind != ErrorKind::kCancelled) {
      x.log.error_kind = ErrorKind::kCancelled;
      x.log.error_message = "client closed the connection";
    }
    finish_exchange();
    co_return false;
  }
  if (!x.writer->headers_sent()) {
    co_await answer(
        Error::internal("The handler produced no response (request id " + x.log.request_id + ")."));
  } else if (x.writer->streaming()) {
    (void)co_await x.writer->end_event_stream();  // the handler did not close its stream
  }
  finish_exchange();
  co_return x.writer->keep_alive() && !env_.stopping.load(std::memory_order_relaxed);
}

asio::awaitable<void> Session::run() {
  beast::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);

  std::exception_ptr failure;
  try {
    while (true) {
      const Next next = co_await read_request();
      if (next == Next::kClose || (next == Next::kHandle && !co_await handle_request())) break;
      exchange_.reset();
    }
  } catch (...) {  // the one catch site: a bug, not a client problem
    failure = std::current_exception();
  }
  if (failure) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("session: unhandled exception: {}", what);
    if (exchange_ && exchange_->writer && !exchange_->writer->headers_sent() &&
        !exchange_->writer->broken()) {
      co_await answer(Error::internal("Internal error in the gateway (request id " +
                                      exchange_->log.request_id + "); see its log."));
    }
    if (exchange_ && exchange_->ctx && exchange_->log.status == 0) exchange_->log.status = 500;
    finish_exchange();
  }
  co_await close(linger_);
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, SessionEnv& env, bool reject) {
  ConnectionCount count{env.connections};
  Session session(std::move(socket), env, reject);
  co_await session.run();
}

asio::awaitable<void> run_deadline_sweeper(SessionEnv& env, std::chrono::milliseconds interval) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::size_t peak = 0;  // most sessions seen since the last trim
  for (;;) {
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(kUseTuple);
    if (ec) co_return;
    const auto now = steady_clock::now();
    std::size_t live = 0;
    for (SessionNode& node : env.sessions) {
      ++live;
      if (node.deadline <= now) {
        node.deadline = SessionNode::kNever;
        node.timed_out = true;
        beast::error_code cancel_ec;
        node.socket->cancel(cancel_ec);  // the pending step completes with operation_aborted
      }
    }
    // After a burst of connections ended, give the freed memory back to the OS: glibc only
    // returns the top of a heap on free(), and one live block near the top (a pooled connection,
    // a newer session) pins everything below it (9,200 closed streams kept 283 MB resident).
    // malloc_trim also releases free pages inside the heap; it runs once per burst, not per
    // request.
    peak = std::max(peak, live);
    if (peak >= kTrimMinPeakSessions && live <= peak / 4) {
#if defined(__GLIBC__)
      ::malloc_trim(0);
#endif
      peak = live;
    }
  }
}

void close_idle_sessions(SessionEnv& env) {
  for (SessionNode& node : env.sessions) {
    if (node.idle) {
      beast::error_code ec;
      node.socket->cancel(ec);
    }
  }
}

void close_all_sessions(SessionEnv& env) {
  for (SessionNode& node : env.sessions) {
    beast::error_code ec;
    node.socket->cancel(ec);
    node.socket->close(ec);
  }
}

bool is_json_media_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return beast::iequals(media, "application/json");
}

}  // namespace roci::server
