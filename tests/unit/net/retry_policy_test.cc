// The retry policy: what is sent again (and how) and what never is, and the backoff schedule.
#include "net/retry_policy.h"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace roci::net {
namespace {

namespace aerr = boost::asio::error;
namespace http = boost::beast::http;
using std::chrono::milliseconds;

AttemptFailure connect_failure(boost::system::error_code ec) {
  return {.stage = AttemptStage::kConnect, .ec = ec};
}

TEST(RetryPolicy, TransientConnectFailuresAreRetriedWithBackoff) {
  for (auto ec : {aerr::connection_refused, aerr::connection_reset, aerr::network_unreachable,
                  aerr::host_unreachable, aerr::timed_out}) {
    EXPECT_EQ(retry_kind(connect_failure(ec)), RetryKind::kBackoff) << ec;
  }
  EXPECT_EQ(retry_kind(connect_failure(aerr::host_not_found_try_again)), RetryKind::kBackoff);
}

TEST(RetryPolicy, AConnectTimeoutIsRetriedNothingWasSent) {
  AttemptFailure timed_out{.stage = AttemptStage::kConnect, .timed_out = true};
  timed_out.ec = boost::beast::error::timeout;
  EXPECT_EQ(retry_kind(timed_out), RetryKind::kBackoff);
}

TEST(RetryPolicy, PermanentConnectFailuresAreNotRetried) {
  EXPECT_EQ(retry_kind(connect_failure(aerr::host_not_found)), RetryKind::kNone);
  EXPECT_EQ(retry_kind(connect_failure(aerr::access_denied)), RetryKind::kNone);
  AttemptFailure tls = connect_failure(aerr::connection_reset);
  tls.during_tls = true;  // certificates and handshakes do not heal in 100 ms
  EXPECT_EQ(retry_kind(tls), RetryKind::kNone);
}

TEST(RetryPolicy, CancellationIsNeverRetried) {
  EXPECT_EQ(retry_kind(connect_failure(aerr::operation_aborted)), RetryKind::kNone);
  EXPECT_EQ(retry_kind({.stage = AttemptStage::kAwaitResponse,
                        .ec = aerr::operation_aborted,
                        .reused_connection = true}),
            RetryKind::kNone);
}

TEST(RetryPolicy, AStaleReusedConnectionIsResentAtOnce) {
  for (boost::system::error_code ec :
       {boost::system::error_code(http::error::end_of_stream), boost::system::error_code(aerr::eof),
        boost::system::error_code(aerr::connection_reset),
        boost::system::error_code(aerr::broken_pipe),
        boost::system::error_code(boost::asio::ssl::error::stream_truncated)}) {
    EXPECT_EQ(retry_kind({.stage = AttemptStage::kSend, .ec = ec, .reused_connection = true}),
              RetryKind::kStaleConnection)
        << ec;
    EXPECT_EQ(
        retry_kind({.stage = AttemptStage::kAwaitResponse, .ec = ec, .reused_connection = true}),
        RetryKind::kStaleConnection)
        << ec;
  }
}

TEST(RetryPolicy, AFreshConnectionClosedAfterTheRequestIsNotRetried) {
  // The upstream got the request and may have acted on it.
  EXPECT_EQ(retry_kind({.stage = AttemptStage::kAwaitResponse, .ec = aerr::eof}), RetryKind::kNone);
  EXPECT_EQ(retry_kind({.stage = AttemptStage::kSend, .ec = aerr::connection_reset}),
            RetryKind::kNone);
}

TEST(RetryPolicy, NothingIsRetriedOnceResponseBytesArrived) {
  EXPECT_EQ(retry_kind({.stage = AttemptStage::kAwaitResponse,
                        .ec = aerr::eof,
                        .reused_connection = true,
                        .response_bytes = true}),
            RetryKind::kNone);
}

TEST(RetryPolicy, TimeoutsAfterTheRequestWasSentAreNotRetried) {
  // The upstream may be generating: a second request would run the generation twice.
  AttemptFailure first_byte{.stage = AttemptStage::kAwaitResponse,
                            .ec = boost::beast::error::timeout,
                            .timed_out = true,
                            .reused_connection = true};
  EXPECT_EQ(retry_kind(first_byte), RetryKind::kNone);
  first_byte.reused_connection = false;
  EXPECT_EQ(retry_kind(first_byte), RetryKind::kNone);
  EXPECT_EQ(retry_kind({.stage = AttemptStage::kSend,
                        .ec = boost::beast::error::timeout,
                        .timed_out = true,
                        .reused_connection = true}),
            RetryKind::kNone);
}

TEST(RetryPolicy, Only502And503StatusesAreRetried) {
  EXPECT_EQ(retry_kind({.stage = AttemptStage::kResponse, .status = 502}), RetryKind::kBackoff);
  EXPECT_EQ(retry_kind({.stage = AttemptStage::kResponse, .status = 503}), RetryKind::kBackoff);
  for (int status : {200, 204, 400, 404, 408, 429, 500, 501, 504}) {
    EXPECT_EQ(retry_kind({.stage = AttemptStage::kResponse, .status = status}), RetryKind::kNone)
        << status;
  }
  EXPECT_TRUE(is_retryable_status(503));
  EXPECT_FALSE(is_retryable_status(429));
}

TEST(RetryPolicy, BackoffDoublesWithJitterAndACap) {
  const milliseconds base(100), cap(2000);
  EXPECT_EQ(backoff_delay(0, base, cap, 0.5), milliseconds(100));
  EXPECT_EQ(backoff_delay(1, base, cap, 0.5), milliseconds(200));
  EXPECT_EQ(backoff_delay(2, base, cap, 0.5), milliseconds(400));
  EXPECT_EQ(backoff_delay(0, base, cap, 0.0), milliseconds(80));   // -20%
  EXPECT_EQ(backoff_delay(0, base, cap, 1.0), milliseconds(120));  // +20%
  EXPECT_EQ(backoff_delay(1, base, cap, 0.0), milliseconds(160));
  EXPECT_EQ(backoff_delay(5, base, cap, 0.5), cap);     // 3.2 s capped
  EXPECT_EQ(backoff_delay(10, base, cap, 0.0), cap);    // 82 s * 0.8 capped
  EXPECT_EQ(backoff_delay(1000, base, cap, 1.0), cap);  // no overflow
  EXPECT_EQ(backoff_delay(0, milliseconds(0), cap, 0.5), milliseconds(0));
  for (double jitter = 0; jitter <= 1.0; jitter += 0.125) {
    const auto d = backoff_delay(2, base, cap, jitter);
    EXPECT_GE(d, milliseconds(320));
    EXPECT_LE(d, milliseconds(480));
  }
}

}  // namespace
}  // namespace roci::net
