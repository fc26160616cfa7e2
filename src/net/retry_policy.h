// Retry policy of the HTTP client: which failed attempts of an upstream exchange are sent again,
// and how long to wait first. Pure functions; ExchangeRunner::exchange runs the loop.
//
//   AttemptFailure failure{.stage = AttemptStage::kConnect, .ec = asio::error::connection_refused};
//   switch (retry_kind(failure)) {
//     case RetryKind::kBackoff:          // wait backoff_delay(n, ...), then try again (counted)
//     case RetryKind::kStaleConnection:  // resend at once on a fresh connection (once, not
//     counted) case RetryKind::kNone:             // report the failure
//   }
//
// The rule: retry only what cannot duplicate work the upstream may be doing or a client may have
// seen. Retryable with backoff: a connect that was refused, reset or found no route, a connect
// timeout, a DNS "try again", and a response whose status is 502 or 503 (the upstream says it did
// not serve the request). Resent at once: a pooled keep-alive connection that the server closed
// (EOF / reset / broken pipe) before any response byte arrived. Never: a timeout after the request
// was sent (the upstream may be generating), a failure after response bytes arrived, TLS and
// certificate failures, host names that do not resolve, and every other status (429 included).
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>

namespace roci::net {

// Where an attempt failed.
enum class AttemptStage {
  kConnect,        // resolve, TCP connect, TLS handshake: nothing was sent
  kSend,           // writing the request
  kAwaitResponse,  // the request was written; reading the response headers
  kResponse,       // the response headers arrived (a status to judge)
};

struct AttemptFailure {
  AttemptStage stage = AttemptStage::kConnect;
  boost::system::error_code ec;    // the transport error (not for kResponse)
  bool timed_out = false;          // the step's deadline expired
  bool during_tls = false;         // kConnect: TCP was up, the TLS handshake failed
  bool reused_connection = false;  // the attempt ran on a pooled keep-alive connection
  bool response_bytes = false;     // some of the response had arrived
  int status = 0;                  // kResponse: the HTTP status
};

enum class RetryKind {
  kNone,             // report the failure
  kStaleConnection,  // resend at once on a fresh connection; once per exchange, not counted
  kBackoff,          // transient: resend after backoff_delay(), counted against max_retries
};

RetryKind retry_kind(const AttemptFailure& failure);

// EOF / reset / broken pipe: how a server's close of an idle keep-alive connection shows up.
bool is_stale_connection_error(const boost::system::error_code& ec);

// True for statuses that say the upstream did not serve the request and may soon: 502, 503.
bool is_retryable_status(int status);

// The wait before retry number `retry` (0 = the first retry): base x 2^retry scaled by a jitter
// factor in [0.8, 1.2] (`jitter` in [0, 1] maps linearly onto it), then capped at `cap`.
std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double jitter);

// Upper bound of HttpOptions::max_retries (larger values are clamped).
inline constexpr int kMaxRetries = 10;

}  // namespace roci::net
