// The seam between the HTTP session and the request handlers.
//
// The session (session.cc) owns the client connection: it reads and bounds the request, routes it,
// and gives the handler a RequestContext. A handler answers through ResponseWriter and fills in the
// RequestLog; it never touches the socket.
//
//   asio::awaitable<void> handle_models(RequestContext& ctx) {
//     auto models = co_await ctx.worker.providers.primary().list_models();
//     if (!models) co_return co_await send_error(ctx, models.error());
//     co_await ctx.writer.send(200, "application/json", openai_wire::encode_model_list(*models));
//   }
//
// Lifetime: the RequestContext and everything it references live in the session's coroutine frame
// and outlive the handler coroutine (the session awaits it), so handlers take it by reference.
// Cancellation: when the client disconnects, the session cancels the handler coroutine
// (per-operation cancellation, terminal); every co_await inside it then completes with
// operation_aborted / ErrorKind::kCancelled, and destroying the provider call or ChatStream closes
// the upstream connection. Handlers must not swallow kCancelled: they return promptly.
#pragma once

#include "server/http/client_request_parser.h"

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roci::config {
struct GatewayConfig;
}

namespace roci::server {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// A client request: its fields a flat list in the session's per-request arena (client_fields.h),
// its body a string. Copies of the fields use new/delete.
using ClientHeader = http::request_header<ClientFields>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// How a handler answers. Implemented by the session over the client socket. Every call completes
// with kCancelled when the client is gone (write failed or the session was cancelled).
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // A complete response. The session adds Content-Length, X-Request-Id, Connection, Date, Server
  // and CORS headers as configured.
  virtual asio::awaitable<Result<void>> send(int status, std::string_view content_type,
                                             std::string body, Headers extra = {}) = 0;
  // send() without a coroutine frame, for the one answer of a request (the inference pipeline):
  // the result when the whole response left at once (or the call was refused); nullopt when part
  // of it must wait (the rest is queued, and co_await flush() writes it, with the result send()
  // would have had).
  virtual std::optional<Result<void>> send_now(int status, std::string_view content_type,
                                               std::string body, const Headers& extra) = 0;
  // Starts a 200 `text/event-stream` chunked response. The headers are queued: they go out with
  // the first write (send_event, flush or end_event_stream), so headers and first event share it.
  virtual asio::awaitable<Result<void>> start_event_stream(Headers extra = {}) = 0;
  // One complete SSE event ("data: ...\n\n"), written at once together with whatever was queued
  // before it: one socket write. Backpressure: completes only when the kernel accepted the bytes.
  virtual asio::awaitable<Result<void>> send_event(std::string_view event) = 0;
  // send_event() without a coroutine frame, for a caller that writes many events (the event pump):
  // the write's result when the socket took everything at once; nullopt when part of it must wait
  // (the event is then queued, and co_await flush() writes the rest, with the same result
  // send_event() would have had).
  virtual std::optional<Result<void>> send_event_now(std::string_view event) = 0;
  // Queues an event for the next write, for a caller that already holds the next event (it
  // arrived in the same upstream read): events that arrived together leave in one write, and no
  // event waits for one that has not arrived. Writes at once past a bound (64 KiB queued).
  // The default sends at once. (Defined out of line, as every coroutine here: one frame type
  // per coroutine in the whole program, which link-time optimisation requires.)
  virtual asio::awaitable<Result<void>> queue_event(std::string_view event);
  // Writes what is queued (the headers, when the first event needs the network; the rest of a
  // send_now()); the default has nothing queued.
  virtual asio::awaitable<Result<void>> flush();
  // Ends the chunked body, in one write with what is queued. After an error event the handler
  // still calls this (the stream ends without [DONE]).
  virtual asio::awaitable<Result<void>> end_event_stream() = 0;
  // True once response headers were sent (errors must then be SSE error events).
  virtual bool headers_sent() const = 0;
};

// What the access log line and the metrics record for one request. The session fills the
// connection's fields; handlers fill what they know (resolve_and_admit: requested_model, model,
// backend; the answer: usage, time_to_first_token), and every handler of a new route or API dialect
// fills the same fields.
struct RequestLog {
  std::string request_id;
  asio::ip::tcp::endpoint client;  // the peer's address (formatted only when logged)
  // "/v1/chat/completions", ... ("other" for unknown paths: a bounded label set). Points into
  // static storage (the router's route table, RouteMatch::label) or a string literal.
  std::string_view route;
  std::string requested_model;  // as the client wrote it ("" when it named none)
  std::string model;            // resolved model id ("" when none)
  // `model` was resolved against the provider's model list (not passed through because the list
  // was unavailable): only then is it the metrics' model label (metrics.h), else "other".
  bool model_listed = false;
  std::string backend;  // provider instance (a fleet: the backend) that served it
  int status = 0;       // 499 when the client went away
  std::optional<Usage> usage;
  std::size_t bytes_out = 0;
  bool stream = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  // Time spent waiting on the upstream (for the gateway-overhead histogram: total - this).
  std::chrono::nanoseconds upstream_wait{0};
  std::optional<std::chrono::nanoseconds> time_to_first_token;
  std::optional<ErrorKind> error_kind;  // set when the request failed
  std::string error_message;            // for the log line (never secrets)
  // Only with ui.log_content (the console's live feed): the last user message and the answer
  // text, each cut at admin::kMaxEventText bytes.
  std::string content_prompt;
  std::string content_answer;
};

class ProviderSet;
class MetricsShard;
struct ErrorRenderer;  // server/api/http_error.h
class AdmissionQueue;
class ModelCatalog;
namespace admin {
class AdminState;
}
class ResponseStore;

// Per I/O thread. Nothing here is shared with another thread except the AdmissionQueue (which is
// thread-safe) and the immutable config.
struct WorkerContext {
  const config::GatewayConfig& config;
  ProviderSet& providers;
  MetricsShard& metrics;
  AdmissionQueue& admission;
  ModelCatalog& catalog;
  admin::AdminState* admin = nullptr;  // the console's shared state (admin_state.h); may be null
  // The Responses API store (shared by every thread; thread-safe). Null: nothing is stored.
  ResponseStore* responses = nullptr;
  // backend_header()'s field list (handler_support.h), kept from one request to the next.
  Headers backend_field = {};
};

struct RequestContext {
  // A handler may release the body once it parsed it (nothing reads it after the handler):
  // a stream can last minutes, and its request need not stay in memory meanwhile.
  ClientRequest& request;
  ResponseWriter& writer;
  RequestLog& log;
  WorkerContext& worker;
  asio::ip::address peer = {};  // the client's address (the console's loopback rule)
  // How errors are written: the route's dialect (RouteMatch::errors); null is OpenAI's envelope.
  const ErrorRenderer* errors = nullptr;
};

}  // namespace roci::server
