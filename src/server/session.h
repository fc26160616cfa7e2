// One client connection: the HTTP/1.1 loop that reads, bounds and routes requests and implements
// ResponseWriter over the socket.
//
//   co_spawn(ioc, run_session(std::move(socket), env), asio::detached);
//
// Per request: header within server.request_header_timeout_secs (slowloris: close) and
// limits.max_header_bytes (431); Content-Length over limits.max_body_bytes -> 413 before the body
// is read (chunked bodies: when the limit is crossed); a CORS preflight (204, or 403 for an origin
// that is not allowed), a missing or wrong API key (401), unknown route 404 / wrong method 405 and
// a POST that is not application/json (415) are answered without reading the body, in that order;
// then the body within server.request_body_timeout_secs, then the handler. Every response carries
// the CORS headers for the request's Origin (cors.h). Between requests the connection may
// stay idle server.idle_keep_alive_secs. HTTP/1.0, Connection: close and pipelining are honoured.
// Every write has a deadline (SessionEnv::write_timeout): a client that stops reading is dropped.
// Responses are framed by hand into one gather write (head + body; chunk size line + event +
// CRLF): Beast's serializer cost ~10% of the CPU per request in a profile. Requests are parsed by
// Beast's request_parser.
//
// While the handler runs the session watches the socket: when the client closes it, the handler
// coroutine is cancelled (terminal, per-operation), the request is logged as 499 and counted in
// roci_cancellations_total. The handler runs with throw_if_cancelled(false): cancellation shows
// up as ErrorKind::kCancelled values, not exceptions.
//
// Errors: a session never throws; the single catch site logs and answers 500 when nothing was
// sent yet, then closes the connection.
#pragma once

#include "server/request_context.h"

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <functional>
#include <string_view>

namespace roci::server {

class ApiKeyCheck;
class CorsPolicy;

// Replaces the router's dispatch for routed requests (tests). Unknown routes and wrong methods
// still get the router's 404 / 405. The function object must outlive the gateway.
using DispatchFn = std::function<asio::awaitable<void>(RequestContext&)>;

// A live connection as its worker sees it: for shutdown and for I/O deadlines. Lives in the
// session's frame and unlinks itself when the session ends.
//
// Deadlines: before each read or write the session stores `deadline` (and resets it to never when
// the step completes); the worker's sweeper (run_deadline_sweeper) cancels the socket of a session
// whose deadline passed and sets `timed_out`. Arming a deadline is a clock read and a store: no
// timer, no syscall per I/O step (beast::tcp_stream re-arms a timerfd twice per request).
struct SessionNode
    : boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
  static constexpr auto kNever = std::chrono::steady_clock::time_point::max();
  asio::ip::tcp::socket* socket = nullptr;
  std::chrono::steady_clock::time_point deadline = kNever;
  bool timed_out = false;  // set by the sweeper; the session then closes
  bool idle = false;       // waiting for the next request, nothing of it read yet
};
using SessionList =
    boost::intrusive::list<SessionNode, boost::intrusive::constant_time_size<false>>;

// What the sessions of one worker thread share. Owned by the Gateway, outlives every session.
// Touched only from the worker's thread, except the two atomics.
struct SessionEnv {
  WorkerContext& worker;
  const std::atomic<bool>&
      stopping;                   // graceful shutdown started: Connection: close, no new requests
  std::atomic<int>& connections;  // open client connections over all threads
  const DispatchFn* dispatch = nullptr;  // nullptr: router.h's dispatch
  std::chrono::seconds write_timeout{30};
  SessionList sessions;
  const ApiKeyCheck* auth = nullptr;  // auth.h; nullptr: no keys required
  const CorsPolicy* cors = nullptr;   // cors.h; nullptr: CORS off
};

// Serves one accepted connection until it closes. Never throws. The caller has already counted
// the connection in env.connections; the session uncounts it when it ends. With
// `reject` the session answers its first request with 503 (limits.max_connections) and closes.
asio::awaitable<void> run_session(asio::ip::tcp::socket socket, SessionEnv& env,
                                  bool reject = false);

// Runs until cancelled or the io_context stops, on the worker's thread: every `interval`,
// cancels the sockets of sessions whose deadline passed (so deadlines are enforced with that
// granularity).
asio::awaitable<void> run_deadline_sweeper(SessionEnv& env, std::chrono::milliseconds interval);

// Shutdown, on the worker's thread: cancel the sessions waiting for a next request / close every
// connection (the handlers of the latter are cancelled).
void close_idle_sessions(SessionEnv& env);
void close_all_sessions(SessionEnv& env);

// "application/json" with optional parameters (charset=...), case-insensitive.
bool is_json_media_type(std::string_view content_type);

}  // namespace roci::server
