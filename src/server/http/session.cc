#include "server/http/session.h"

#include "config/gateway_config.h"
#include "net/coro_util.h"
#include "server/admin/admin_state.h"
#include "server/api/http_error.h"
#include "server/api/router.h"
#include "server/http/cors.h"
#include "server/http/http1_response_writer.h"
#include "server/http/request_gate.h"
#include "server/http/request_id.h"
#include "server/live_config.h"
#include "server/observability/access_log.h"
#include "server/observability/logging.h"
#include "server/observability/metrics.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

namespace roci::server {
namespace {

namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using std::chrono::steady_clock;

constexpr std::size_t kFirstReadBytes = 16 * 1024;
constexpr std::size_t kLingerMaxBytes = 1 << 20;
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

struct ConnectionCount {
  std::atomic<int>& count;
  ~ConnectionCount() { count.fetch_sub(1, std::memory_order_relaxed); }
};

// One request, from its head to its line in the access log. Owned by the session rather than by the
// coroutine reading it, so that the catch site can still answer it.
struct RequestInProgress {
  // `fields`: the arena of the request's header fields (ClientFields); it outlives the request.
  explicit RequestInProgress(std::pmr::memory_resource* fields) : parser(fields) {}

  // The configuration and per-thread state the request is served with, held until it was
  // recorded: a reload meanwhile changes nothing for it (live_config.h).
  std::shared_ptr<WorkerState> state;
  ClientRequestParser parser;
  RequestLog log;
  std::optional<Http1ResponseWriter> writer;  // once the head is read
  std::optional<RequestContext> ctx;          // once the head is read
  bool pipelined = false;                     // sent before the previous response was complete
  bool recorded = false;                      // in the metrics and the access log already
};

// What a session shares with the callback of its close watch (a MSG_PEEK receive while a handler
// runs), which may run after the handler ended or the session is gone. One per connection:
// `generation` tells a callback of an earlier request's watch to do nothing.
struct CloseWatch {
  // Bound to the session coroutine (run_session): emitting it cancels what the handler awaits.
  asio::cancellation_signal cancel;
  std::uint64_t generation = 0;    // of the watch in progress (0: none yet)
  bool active = false;             // a handler of `generation` runs
  bool eof_is_half_close = false;  // a pipelined request: the client's EOF cancels nothing
  bool client_gone = false;
  bool next_request_seen = false;  // bytes of a next request arrived meanwhile
  char peek_byte = 0;              // target of the MSG_PEEK receive (the byte stays in the socket)
};

class Session {
 public:
  Session(tcp::socket socket, SessionEnv& env, bool reject, std::shared_ptr<CloseWatch> watch)
      : env_(env), socket_(std::move(socket)), watch_(std::move(watch)), reject_(reject) {
    node_.socket = &socket_;
    beast::error_code ec;
    peer_ = socket_.remote_endpoint(ec);
    env_.sessions.push_back(node_);
    pending_output_.reserve(512);
  }

  asio::awaitable<void> run();

 private:
  // What reading a request leaves to do.
  enum class Next { kHandle, kNextRequest, kClose };
  // What a step of reading a request decided: `next`, or, when it needs I/O (a read, an answer),
  // the awaitable that decides. A request that came whole with its first read needs none, and no
  // coroutine frame of its own.
  struct Step {
    Next next = Next::kHandle;
    std::optional<asio::awaitable<Next>> rest;
  };
  // Read before the request's first byte (the request may start with a newer configuration than
  // the one current now).
  struct RequestStart {
    std::chrono::seconds header_timeout;
    std::chrono::seconds idle_timeout;
    bool first;      // no request read yet on this connection
    bool pipelined;  // sent before the previous response was complete
  };
  RequestStart start_of_request();
  // Reads the request whose first bytes are in buffer_, and answers what needs no handler (the
  // gate's refusals, 404 / 405, preflights). The steps:
  //   read_head()          the head from what was read already, else read_rest_of_head();
  //   after_head()         the checks, the gate (else answer_at_gate()) and the body from what was
  //                        read already, else read_body().
  Step read_head(const RequestStart& start);
  asio::awaitable<Next> read_rest_of_head();
  Step after_head(beast::error_code ec);
  // Starts current_ for a request whose head is about to be read.
  RequestInProgress& start_request(bool pipelined);
  // Request id, route label, writer, context, CORS fields and in-flight gauge of the request whose
  // head was read.
  RouteMatch open_request(RequestInProgress& current);
  // Answers a request the gate did not admit; its body, if any, stays unread.
  asio::awaitable<Next> answer_at_gate(GateDecision gate, RouteMatch match);
  // Parses what was read already into `parser`, without a read: the rest of the head, or once the
  // head is done the body (a request usually arrives whole in the first read). need_more when the
  // head or body needs bytes not read yet (the async read goes on from there), else the parser's
  // verdict.
  beast::error_code parse_buffered(ClientRequestParser& parser);
  // Reads the rest of the body; `buffered` is parse_buffered()'s verdict on what was read with the
  // head (need_more, or an error, answered without a read). kClose when the request is over
  // (answered, or the connection ended).
  asio::awaitable<Next> read_body(beast::error_code buffered);
  // The handler of the request read_head() left is awaited in run()'s own frame, the one frame
  // that stays alive while a stream runs. Around it:
  //   start_close_watch()   false when the next request is read already (nothing to watch);
  //   end_close_watch()     ends the watch; true when the client went away meanwhile;
  //   owed_after_handler()  what the handler left unsent (an answer when it sent nothing, the end
  //                         of a stream it did not close), or the 499 bookkeeping of a client gone;
  //   keep_serving()        whether the connection goes on to the next request.
  asio::awaitable<void> run_handler(RequestContext& ctx);
  bool start_close_watch();
  bool end_close_watch();
  std::optional<asio::awaitable<void>> owed_after_handler(bool client_gone);
  asio::awaitable<void> close_stream();  // ends the event stream the handler left open
  bool keep_serving(bool client_gone);
  // Answers an error the session detected itself; the connection then closes. `e` by value: the
  // awaitable may be awaited after the caller's temporary is gone (owed_after_handler).
  asio::awaitable<void> answer(Error e);
  // The catch site's work: logs `failure`, answers 500 when nothing was sent yet.
  asio::awaitable<void> answer_failure(std::exception_ptr failure);
  void record_request();
  asio::awaitable<void> close(bool linger);
  std::chrono::seconds write_timeout() {
    return env_.write_timeout.value_or(std::chrono::seconds(config().server.write_timeout_secs));
  }

  // Watches the socket while the handler runs; when the client closes or resets it (or the socket
  // is cancelled or closed under us), emits a terminal cancellation on watch_->cancel, the
  // session coroutine's own cancellation slot, which reaches the handler's pending operation.
  void watch_client_close();

  // The configuration of the request in progress (of the newest generation between requests).
  const config::GatewayConfig& config() {
    return current_ ? current_->state->shared->config : env_.states.current()->shared->config;
  }

  SessionEnv& env_;
  tcp::socket socket_;
  std::shared_ptr<CloseWatch> watch_;  // shared with the pending peek's callback
  tcp::endpoint peer_;                 // the client's address, for the access log
  beast::flat_buffer buffer_;          // request bytes read and not parsed yet
  std::string pending_output_;         // ResponseConnection::pending_output
  SessionNode node_;
  // The arena of the current request's header fields (ClientFields): released when the next
  // request starts, after the previous one was destroyed (declared before current_, so destroyed
  // after it). 1 KiB holds a curl or benchmark head; a larger one (an SDK's dozen fields) takes one
  // more block from the heap. Every open connection holds it, streams included: keep it small.
  alignas(std::max_align_t) std::byte field_bytes_[1024];
  std::pmr::monotonic_buffer_resource fields_{field_bytes_, sizeof field_bytes_};
  std::optional<RequestInProgress> current_;
  bool reject_;                   // accepted past limits.max_connections
  bool first_ = true;             // no request read yet
  bool next_sent_early_ = false;  // the close watch saw the next request arrive
  bool linger_ = false;           // unread request bytes may remain: drain before closing
};

RequestInProgress& Session::start_request(bool pipelined) {
  current_.reset();
  fields_.release();
  RequestInProgress& current = current_.emplace(&fields_);
  current.state = env_.states.current();
  const auto& limits = current.state->shared->config.limits;
  current.parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
  current.parser.body_limit(limits.max_body_bytes);
  current.pipelined = pipelined;
  return current;
}

RouteMatch Session::open_request(RequestInProgress& current) {
  ClientRequest& req = current.parser.get();
  current.log.start = steady_clock::now();
  current.log.request_id = request_id_for(req["X-Request-Id"]);
  current.log.client = peer_;
  RouteMatch match = match_route(req.method(), req.target());
  current.log.route = match.label;
  current.writer.emplace(
      ResponseConnection{socket_, node_, pending_output_, env_.stopping, write_timeout(), &buffer_},
      req, current.log);
  current.ctx.emplace(RequestContext{req, *current.writer, current.log, current.state->context,
                                     peer_.address(), match.errors});
  current.writer->set_common_headers(
      current.state->shared->cors.response_headers(req[http::field::origin]));
  env_.metrics.request_started();
  return match;
}

void Session::record_request() {
  if (!current_ || current_->recorded) return;
  RequestInProgress& current = *current_;
  current.recorded = true;
  if (current.writer) current.log.bytes_out = current.writer->bytes_out();
  const auto& req = current.parser.get();
  env_.metrics.record(current.log);
  log_access(current.log, req.method_string(), req.target());
  if (auto* admin = current.state->context.admin) admin->record(current.log, req.method_string());
}

asio::awaitable<void> Session::answer(Error e) {
  current_->writer->force_close();
  co_await send_error(*current_->ctx, e);
}

// Not a coroutine: the handler's own awaitable, run in the session coroutine (run() turned
// throw_if_cancelled off for it).
asio::awaitable<void> Session::run_handler(RequestContext& ctx) {
  return env_.dispatch != nullptr ? (*env_.dispatch)(ctx) : dispatch(ctx);
}

// A plain callback rather than a coroutine racing the handler: one receive per request. A MSG_PEEK
// receive rather than a wait for readability: it waits on the socket's existing epoll registration,
// and the peeked byte stays for the session's next read. Callbacks that run after the handler
// finished do nothing.
void Session::watch_client_close() {
  char* byte = &watch_->peek_byte;
  auto on_peek = [watch = watch_, generation = watch_->generation](const beast::error_code& ec,
                                                                   std::size_t n) {
    if (!watch->active || watch->generation != generation) return;
    if (!ec && n > 0) {  // a next request: the client is still there
      watch->next_request_seen = true;
      return;
    }
    if (ec == asio::error::eof && watch->eof_is_half_close) return;
    // EOF or reset, or the socket was cancelled or closed under us (deadline sweep, shutdown).
    watch->client_gone = true;
    watch->cancel.emit(asio::cancellation_type::terminal);
  };
  socket_.async_receive(asio::buffer(byte, 1), tcp::socket::message_peek, std::move(on_peek));
}

asio::awaitable<void> Session::close(bool linger) {
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (linger && !ec && !node_.timed_out) {
    // Unread request bytes would make the kernel answer with RST and the client could lose our
    // response: drain for a bounded time first (nginx's lingering close).
    static thread_local char junk[4096];
    std::size_t total = 0;
    node_.arm(kLingerTime);
    while (total < kLingerMaxBytes) {
      auto [read_ec, n] = co_await socket_.async_read_some(asio::buffer(junk), net::kToken);
      if (read_ec) break;
      total += n;
    }
    node_.disarm();
  }
  socket_.close(ec);
}

beast::error_code Session::parse_buffered(ClientRequestParser& parser) {
  const bool in_head = !parser.is_header_done();
  beast::error_code ec;
  while (buffer_.size() > 0 && !parser.is_done() && !(in_head && parser.is_header_done())) {
    const std::size_t used = parser.put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec) return ec;
    if (used == 0) break;
  }
  const bool complete = in_head ? parser.is_header_done() : parser.is_done();
  return complete ? beast::error_code() : beast::error_code(http::error::need_more);
}

asio::awaitable<Session::Next> Session::read_body(beast::error_code buffered) {
  RequestInProgress& current = *current_;
  const auto& req = current.parser.get();
  beast::error_code ec = buffered;
  if (ec == http::error::need_more) {
    if (beast::iequals(req[http::field::expect], "100-continue") && req.version() >= 11) {
      node_.arm(write_timeout());
      auto [wec, n] = co_await asio::async_write(socket_, asio::buffer(kContinue), net::kToken);
      node_.disarm();
      if (wec) {
        current.log.status = 499;
        record_request();
        co_return Next::kClose;
      }
    }
    node_.arm(std::chrono::seconds(config().server.request_body_timeout_secs));
    std::tie(ec, std::ignore) =
        co_await http::async_read(socket_, buffer_, current.parser, net::kToken);
    node_.disarm();
  }
  if (!ec) co_return Next::kHandle;
  if (ec == http::error::body_limit) {
    linger_ = true;
    // A named Error: GCC 12 miscompiles the destruction of a braced temporary inside a co_await
    // expression (a double free).
    const Error e{.kind = ErrorKind::kPayloadTooLarge,
                  .message = "Request body exceeds limits.max_body_bytes (" +
                             std::to_string(config().limits.max_body_bytes) + " bytes)."};
    co_await answer(e);
  } else if (is_request_error(ec)) {
    linger_ = true;
    co_await answer(Error::invalid_request("Malformed request body: " + ec.message() + "."));
  } else {  // timeout, EOF or reset: nothing can be sent
    // No error_kind for a slow client: kTimeout would count as an upstream error.
    current.log.status = node_.timed_out ? 408 : 499;
    if (!node_.timed_out) current.log.error_kind = ErrorKind::kCancelled;
    current.log.error_message = node_.timed_out
                                    ? "request body not received in time"
                                    : "client closed the connection while sending the body";
  }
  record_request();
  co_return Next::kClose;
}

asio::awaitable<Session::Next> Session::answer_at_gate(GateDecision gate, RouteMatch match) {
  RequestInProgress& current = *current_;
  Http1ResponseWriter& writer = *current.writer;
  if (gate.bad_head || !current.parser.is_done()) {  // request bytes stay unread
    writer.force_close();
    linger_ = true;
  }
  if (gate.close) writer.force_close();
  switch (gate.action) {
    case GateAction::kRefuse:
      co_await send_error(*current.ctx, gate.error);
      break;
    case GateAction::kPreflight:
      writer.set_common_headers(current.state->shared->cors.preflight_headers(
          current.parser.get()[http::field::origin], match.allow));
      (void)co_await writer.send(204, std::string_view(), std::string(), Headers{});
      break;
    case GateAction::kRoute:
      co_await dispatch(*current.ctx);  // the router's 404 / 405
      break;
    case GateAction::kAdmit:
      break;
  }
  record_request();
  co_return writer.keep_alive() ? Next::kNextRequest : Next::kClose;
}

Session::RequestStart Session::start_of_request() {
  const auto& server = config().server;
  return RequestStart{.header_timeout = std::chrono::seconds(server.request_header_timeout_secs),
                      .idle_timeout = std::chrono::seconds(server.idle_keep_alive_secs),
                      .first = std::exchange(first_, false),
                      // Already read, or seen by the close watch.
                      .pipelined = buffer_.size() > 0 || std::exchange(next_sent_early_, false)};
}

// 2. The head, bounded in time from its first byte (from accept for the first request).
Session::Step Session::read_head(const RequestStart& start) {
  RequestInProgress& current = start_request(start.pipelined);
  if (!start.first) node_.arm(start.header_timeout);
  // Usually the whole head came with the first read: parsed here, without a read operation.
  const beast::error_code ec = parse_buffered(current.parser);
  if (ec == http::error::need_more) return {.rest = read_rest_of_head()};
  return after_head(ec);
}

asio::awaitable<Session::Next> Session::read_rest_of_head() {
  auto [ec, n] = co_await http::async_read_header(socket_, buffer_, current_->parser, net::kToken);
  Step step = after_head(ec);
  if (step.rest) co_return co_await std::move(*step.rest);
  co_return step.next;
}

Session::Step Session::after_head(beast::error_code ec) {
  node_.disarm();
  if (node_.timed_out || (ec && !is_request_error(ec))) {
    current_.reset();  // slowloris, EOF, reset: not a request, just close
    return {.next = Next::kClose};
  }
  // 3. The gate: every answer that needs no body.
  RequestInProgress& current = *current_;
  RouteMatch match = open_request(current);
  GateDecision gate = check_request_head(current.parser.get(), ec, match,
                                         GatePolicy{.limits = config().limits,
                                                    .auth = &current.state->shared->auth,
                                                    .cors = &current.state->shared->cors,
                                                    .over_connection_limit = reject_});
  if (gate.action != GateAction::kAdmit) {
    return {.rest = answer_at_gate(std::move(gate), std::move(match))};
  }
  // 4. The body: what came with the head is parsed at once; only the rest is read (and a bad
  // body answered) by read_body.
  if (!current.parser.is_done()) {
    const beast::error_code buffered = parse_buffered(current.parser);
    if (buffered) return {.rest = read_body(buffered)};
  }
  return {.next = Next::kHandle};  // a known route and method, and its body
}

bool Session::start_close_watch() {
  if (buffer_.size() > 0) return false;
  CloseWatch& watch = *watch_;
  ++watch.generation;
  watch.active = true;
  watch.eof_is_half_close = current_->pipelined;
  watch.client_gone = false;
  watch.next_request_seen = false;
  watch_client_close();
  return true;
}

bool Session::end_close_watch() {
  CloseWatch& watch = *watch_;
  watch.active = false;
  beast::error_code ignored;
  socket_.cancel(ignored);  // ends the watch; nothing else is pending on the socket now
  next_sent_early_ = watch.next_request_seen;
  return watch.client_gone;
}

std::optional<asio::awaitable<void>> Session::owed_after_handler(bool client_gone) {
  RequestInProgress& current = *current_;
  Http1ResponseWriter& writer = *current.writer;
  if (client_gone || writer.broken()) {
    current.log.status = 499;
    if (!current.log.error_kind || *current.log.error_kind != ErrorKind::kCancelled) {
      current.log.error_kind = ErrorKind::kCancelled;
      current.log.error_message = "client closed the connection";
    }
    return std::nullopt;
  }
  if (!writer.headers_sent()) {
    return answer(Error::internal("The handler produced no response (request id " +
                                  current.log.request_id + ")."));
  }
  if (writer.streaming()) return close_stream();
  return std::nullopt;
}

asio::awaitable<void> Session::close_stream() {
  (void)co_await current_->writer->end_event_stream();  // a failed write marks the writer broken
}

bool Session::keep_serving(bool client_gone) {
  const Http1ResponseWriter& writer = *current_->writer;
  return !client_gone && !writer.broken() && writer.keep_alive() &&
         !env_.stopping.load(std::memory_order_relaxed);
}

asio::awaitable<void> Session::answer_failure(std::exception_ptr failure) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  log_request(spdlog::level::err, current_ ? current_->log.request_id : std::string("-"),
              "session: unhandled exception: {}", what);
  if (current_ && current_->writer && !current_->writer->headers_sent() &&
      !current_->writer->broken()) {
    co_await answer(Error::internal("Internal error in the gateway (request id " +
                                    current_->log.request_id + "); see its log."));
  }
  if (current_ && current_->ctx && current_->log.status == 0) current_->log.status = 500;
  record_request();
}

// The connection's loop: one request after the other, in order, each answered once.
asio::awaitable<void> Session::run() {
  // Cancellation (the close watch's) reaches handlers as kCancelled values, not exceptions.
  co_await asio::this_coro::throw_if_cancelled(false);
  beast::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  std::exception_ptr failure;
  try {
    while (true) {
      // 1. The start of the request: idle keep-alive limit (first request: the header limit).
      const RequestStart start = start_of_request();
      if (buffer_.size() == 0) {
        if (env_.stopping.load(std::memory_order_relaxed)) break;
        node_.idle = true;
        node_.arm(start.first ? start.header_timeout : start.idle_timeout);
        auto [read_ec, n] =
            co_await socket_.async_read_some(buffer_.prepare(kFirstReadBytes), net::kToken);
        node_.idle = false;
        if (read_ec) break;
        buffer_.commit(n);
      }
      // 2.-4. The head, the gate and the body.
      Step step = read_head(start);
      Next next = step.next;
      if (step.rest) next = co_await std::move(*step.rest);
      if (next == Next::kClose) break;
      if (next == Next::kHandle) {
        // 5. The handler, cancelled if the client goes away meanwhile.
        const bool watched = start_close_watch();
        std::exception_ptr handler_failure;
        try {
          co_await run_handler(*current_->ctx);
        } catch (...) {
          handler_failure = std::current_exception();
        }
        const bool client_gone = watched && end_close_watch();
        // A cancellation emitted for this handler ends with it: the next request starts
        // uncancelled. (Reset only then: a fresh state allocates its handler memory again.)
        if (net::is_cancelled(co_await asio::this_coro::cancellation_state)) {
          co_await asio::this_coro::reset_cancellation_state();
        }
        if (handler_failure && !client_gone) std::rethrow_exception(handler_failure);
        if (auto owed = owed_after_handler(client_gone)) co_await std::move(*owed);
        record_request();
        if (!keep_serving(client_gone)) break;
      }
      current_.reset();
    }
  } catch (...) {  // the one catch site: a bug, not a client problem
    failure = std::current_exception();
  }
  if (failure) co_await answer_failure(failure);
  co_await close(linger_);
}

}  // namespace

asio::awaitable<void> run_session(tcp::socket socket, SessionEnv& env, bool reject) {
  ConnectionCount count{env.connections};
  // The session runs as a coroutine of its own, bound to the watch's signal: a client that goes
  // away cancels the handler's pending operation (and so the upstream request) without a
  // coroutine spawned per request.
  auto watch = std::make_shared<CloseWatch>();
  Session session(std::move(socket), env, reject, watch);
  co_await asio::co_spawn(co_await asio::this_coro::executor, session.run(),
                          asio::bind_cancellation_slot(watch->cancel.slot(), asio::use_awaitable));
}

}  // namespace roci::server
