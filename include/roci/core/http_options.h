// HTTP deadlines, pool and size limits of a provider's upstream client.
//
// Every upstream I/O has a deadline from here and every upstream read a limit. Defaults follow the
// seed (`http.timeout_secs: 60`, `connect_timeout_secs: 10`, `keep_alive_secs: 30`,
// `max_idle_connections: 10`). LmStudioProvider clamps the idle expiry below LM Studio's 5-second
// Express keep-alive.
//
// Retries: a transient failure before anything of a response could have been used is sent again,
// at most max_retries times, after retry_backoff x 2^n (+-20% jitter, at most max_retry_backoff,
// never past the request's total deadline): connection refused / reset / unreachable, a connect
// timeout, and HTTP 502 / 503. Never a timeout after the request was sent (the upstream may be
// generating), never once response bytes of any other status arrived. Separately, a pooled
// keep-alive connection that the server closed before answering is replaced at once, once per
// request (not counted). on_retry observes every retry (logging, metrics):
//
//   HttpOptions http;
//   http.max_retries = 3;
//   http.on_retry = [](const HttpRetry& r) { std::cerr << r.attempt << ": " << r.cause << "\n"; };
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace roci {

// One retry of an upstream request, reported to HttpOptions::on_retry before its backoff wait.
struct HttpRetry {
  int attempt = 0;      // the retry about to be made: 1 for the second attempt (0: stale resend)
  int max_retries = 0;  // the request's budget (stale-connection resends do not count)
  std::chrono::milliseconds delay{0};  // the backoff before it
  std::string cause;                   // why the previous attempt failed, naming the upstream
  bool stale_connection = false;       // a dead pooled keep-alive connection, resent at once
  std::string request_id;  // the request's X-Request-Id field (TransportOptions::headers), or ""
};

struct HttpOptions {
  using Seconds = std::chrono::seconds;
  std::chrono::milliseconds connect_timeout = Seconds(10);
  // Time from sending the request to the response headers (and, for streams, the first event).
  // Long enough for a JIT model load by default: it equals request_timeout unless set.
  std::chrono::milliseconds first_byte_timeout = Seconds(60);
  // Longest gap between two reads of a streamed body.
  std::chrono::milliseconds idle_timeout = Seconds(60);
  // Whole non-streaming exchange (seed `timeout_secs`).
  std::chrono::milliseconds request_timeout = Seconds(60);
  // Whole streaming exchange; streams may legitimately run long.
  std::chrono::milliseconds stream_timeout = Seconds(1800);
  // Pooled idle connections expire after this (seed `keep_alive_secs`).
  std::chrono::milliseconds keep_alive = Seconds(30);
  std::size_t max_idle_connections = 10;  // per upstream host
  // Close idle connections as soon as they are keep_alive old, with one timer per io_context,
  // instead of when the pool is next used; and give each connection one deadline timer, re-armed
  // lazily, instead of one per socket operation. Those timers are pending work:
  // io_context::run() does not return while connections exist, so set it only on event loops
  // that run for the process's life (the gateway does); by default a quiet client keeps up to
  // max_idle_connections sockets until its next request.
  bool close_idle_on_timer = false;

  std::size_t max_response_bytes = 64u << 20;  // non-streaming body
  std::size_t max_stream_bytes = 256u << 20;   // whole streamed body
  std::size_t max_event_bytes = 8u << 20;      // one SSE event
  std::size_t max_header_bytes = 64u << 10;

  std::string ca_file;      // extra CA bundle for HTTPS upstreams (empty: system store)
  bool verify_peer = true;  // HTTPS: verify certificate chain and host name

  int max_retries = 2;                           // transient failures resent (0-10; see above)
  std::chrono::milliseconds retry_backoff{100};  // before the first retry; doubles per retry
  std::chrono::milliseconds max_retry_backoff = Seconds(2);
  // Called on the requesting coroutine's thread before each retry; must not block.
  std::function<void(const HttpRetry&)> on_retry;

  // How error messages name a setting of this struct, given its member name
  // ("first_byte_timeout"). nullptr: "HttpOptions::first_byte_timeout", as an SDK user sets it.
  // The gateway names its config keys instead ("inference.http.first_byte_timeout_secs").
  std::string (*option_name)(std::string_view member) = nullptr;
};

// The name error messages give the HttpOptions member `member` under `options`.
inline std::string http_option_name(const HttpOptions& options, std::string_view member) {
  if (options.option_name != nullptr) return options.option_name(member);
  return "HttpOptions::" + std::string(member);
}

}  // namespace roci
