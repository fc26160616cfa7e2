// HTTP deadlines, pool and size limits of a provider's upstream client.
//
// Every upstream I/O has a deadline from here and every upstream read a limit. Defaults follow the
// seed (`http.timeout_secs: 60`, `connect_timeout_secs: 10`, `keep_alive_secs: 30`,
// `max_idle_connections: 10`). LmStudioProvider clamps the idle expiry below LM Studio's 5-second
// Express keep-alive.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace roci {

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

  std::size_t max_response_bytes = 64u << 20;  // non-streaming body
  std::size_t max_stream_bytes = 256u << 20;   // whole streamed body
  std::size_t max_event_bytes = 8u << 20;      // one SSE event
  std::size_t max_header_bytes = 64u << 10;

  std::string ca_file;      // extra CA bundle for HTTPS upstreams (empty: system store)
  bool verify_peer = true;  // HTTPS: verify certificate chain and host name
};

}  // namespace roci
