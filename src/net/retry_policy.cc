#include "net/retry_policy.h"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cmath>

namespace roci::net {
namespace {

namespace aerr = boost::asio::error;
using error_code = boost::system::error_code;

// Nothing reached the upstream, and trying again may well work.
bool is_transient_connect_error(const error_code& ec) {
  return ec == aerr::connection_refused || ec == aerr::connection_reset ||
         ec == aerr::connection_aborted || ec == aerr::network_unreachable ||
         ec == aerr::host_unreachable || ec == aerr::network_down || ec == aerr::timed_out ||
         ec == aerr::host_not_found_try_again;
}

}  // namespace

bool is_stale_connection_error(const error_code& ec) {
  return ec == boost::beast::http::error::end_of_stream || ec == aerr::eof ||
         ec == aerr::connection_reset || ec == aerr::broken_pipe ||
         ec == aerr::connection_aborted || ec == boost::asio::ssl::error::stream_truncated;
}

bool is_retryable_status(int status) { return status == 502 || status == 503; }

RetryKind retry_kind(const AttemptFailure& failure) {
  if (failure.ec == aerr::operation_aborted) return RetryKind::kNone;  // cancelled
  switch (failure.stage) {
    case AttemptStage::kConnect:
      if (failure.timed_out) return RetryKind::kBackoff;
      if (failure.during_tls) return RetryKind::kNone;
      return is_transient_connect_error(failure.ec) ? RetryKind::kBackoff : RetryKind::kNone;
    case AttemptStage::kSend:
    case AttemptStage::kAwaitResponse:
      if (failure.timed_out || failure.response_bytes || !failure.reused_connection) {
        return RetryKind::kNone;
      }
      return is_stale_connection_error(failure.ec) ? RetryKind::kStaleConnection : RetryKind::kNone;
    case AttemptStage::kResponse:
      return is_retryable_status(failure.status) ? RetryKind::kBackoff : RetryKind::kNone;
  }
  return RetryKind::kNone;
}

std::chrono::milliseconds backoff_delay(int retry, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double jitter) {
  if (base.count() <= 0 || cap.count() <= 0) return std::chrono::milliseconds(0);
  const double factor = 0.8 + 0.4 * std::clamp(jitter, 0.0, 1.0);
  // 2^retry grows past any cap quickly; stop doubling there (no overflow).
  const double exponential =
      static_cast<double>(base.count()) * std::ldexp(1.0, std::clamp(retry, 0, 30));
  const double delay = std::min(exponential * factor, static_cast<double>(cap.count()));
  return std::chrono::milliseconds(static_cast<long long>(std::llround(delay)));
}

}  // namespace roci::net
