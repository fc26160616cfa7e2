// One client connection: the HTTP/1.1 loop that reads, bounds and answers its requests.
//
//   co_spawn(ioc, run_session(std::move(socket), env), asio::detached);
//
// Per request: the head within server.request_header_timeout_secs (slowloris: close) and
// limits.max_header_bytes; then the request gate (request_gate.h: 431, 413 by Content-Length,
// 400, the max_connections 503, CORS preflight 204 / 403, 401, 415, the router's 404 / 405, in
// that order), all answered without reading the body; then the body within
// server.request_body_timeout_secs (100-continue answered first; 413 when a chunked body crosses
// limits.max_body_bytes), then the handler. Responses go out through Http1ResponseWriter
// (http1_response_writer.h); every one carries the CORS fields for the request's Origin (cors.h).
// An answer given while the body is unread closes the connection, after a lingering close (up to
// 2 s / 1 MiB of the client's bytes are drained so that the answer is not lost to a reset).
// Between requests the connection may stay idle server.idle_keep_alive_secs. HTTP/1.0 and
// Connection: close are honoured. Every write has a deadline (SessionEnv::write_timeout): a client
// that stops reading is dropped.
//
// Pipelining (RFC 9112 9.3.2): requests are read one after the other from the same buffer and
// answered in order, each one once. A request the client sent before the previous response was
// complete is pipelined.
//
// While a handler runs and no later request is already read, the session watches the socket
// (one MSG_PEEK receive): when the client closes or resets it, the handler coroutine is cancelled
// (terminal, per-operation), the request is logged as 499 and counted in
// roci_cancellations_total. A pipelined request is the exception for a plain close: a pipelining
// client may shut down its sending side after its last request and still read the answers, so
// there the end of the client's bytes cancels nothing; a reset still does, and a client that is
// really gone shows as a failed write. Bytes of a next request end the watch. The handler runs
// with throw_if_cancelled(false): cancellation shows up as ErrorKind::kCancelled values, not
// exceptions.
//
// Errors: a session never throws; the single catch site logs and answers 500 when nothing was
// sent yet, then closes the connection.
#pragma once

#include "server/http/request_context.h"

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/intrusive/list.hpp>
#include <chrono>
#include <functional>
#include <optional>

namespace roci::server {

class MetricsShard;
class WorkerStates;

// Replaces the router's dispatch for routed requests (tests). Unknown routes and wrong methods
// still get the router's 404 / 405. The function object must outlive the gateway.
using DispatchFn = std::function<asio::awaitable<void>(RequestContext&)>;

// A live connection as its worker sees it: for shutdown and for I/O deadlines. Lives in the
// session's frame and unlinks itself when the session ends.
//
// Deadlines: before each read or write the session arms `deadline` (and disarms it when the step
// completes); the worker's sweeper (run_deadline_sweeper) cancels the socket of a session whose
// deadline passed and sets `timed_out`. Arming is a clock read and a store: no timer and no
// syscall per I/O step.
struct SessionNode
    : boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
  static constexpr auto kNever = std::chrono::steady_clock::time_point::max();
  asio::ip::tcp::socket* socket = nullptr;
  std::chrono::steady_clock::time_point deadline = kNever;
  bool timed_out = false;  // set by the sweeper; the session then closes
  bool idle = false;       // waiting for the next request, nothing of it read yet

  // The next I/O step must complete within `timeout`.
  void arm(std::chrono::steady_clock::duration timeout) {
    deadline = std::chrono::steady_clock::now() + timeout;
    timed_out = false;  // a sweep that raced a completed step cancelled nothing
  }
  void disarm() { deadline = kNever; }
};
using SessionList =
    boost::intrusive::list<SessionNode, boost::intrusive::constant_time_size<false>>;

// What the sessions of one worker thread share. Owned by the Gateway, outlives every session.
// Touched only from the worker's thread, except the two atomics.
struct SessionEnv {
  // The configuration and per-thread state; each request takes the newest at its start and keeps
  // it to its end (live_config.h).
  WorkerStates& states;
  MetricsShard& metrics;
  const std::atomic<bool>&
      stopping;                   // graceful shutdown started: Connection: close, no new requests
  std::atomic<int>& connections;  // open client connections over all threads
  const DispatchFn* dispatch = nullptr;  // nullptr: router.h's dispatch
  // Deadline of every response write; unset: server.write_timeout_secs of the request's config.
  std::optional<std::chrono::seconds> write_timeout;
  SessionList sessions;
};

// Serves one accepted connection until it closes. Never throws. The caller has already counted
// the connection in env.connections; the session uncounts it when it ends. With
// `reject` the session answers its first request with 503 (limits.max_connections) and closes.
asio::awaitable<void> run_session(asio::ip::tcp::socket socket, SessionEnv& env,
                                  bool reject = false);

// Runs until cancelled or the io_context stops, on the worker's thread: every `interval`,
// cancels the sockets of sessions whose deadline passed (so deadlines are enforced with that
// granularity). When the live sessions fell to a quarter of a peak of at least 256 (a burst of
// connections ended), it gives the freed heap back to the OS (tcmalloc's thread cache and free
// pages when tcmalloc is the process's malloc, else glibc's malloc_trim).
asio::awaitable<void> run_deadline_sweeper(SessionEnv& env, std::chrono::milliseconds interval);

// Shutdown, on the worker's thread: cancel the sessions waiting for a next request / close every
// connection (the handlers of the latter are cancelled).
void close_idle_sessions(SessionEnv& env);
void close_all_sessions(SessionEnv& env);

}  // namespace roci::server
