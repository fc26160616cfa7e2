// ExchangeRunner: the machinery behind HttpClient: connects (resolve, TCP, TLS), serializes
// requests, runs one exchange up to the response headers with its retries (the stale-connection
// resend and the backoff retries of retry_policy.h), computes step deadlines and turns I/O failures
// into the errors of transport_errors.h.
//
//   ExchangeRunner runner(origin, options, identity, pool);
//   ExchangeDeadlines d = runner.deadlines(request, /*streaming=*/true);
//   auto conn = co_await runner.exchange(request, d, options.max_stream_bytes, nullptr);
//   // conn: headers read; the body is read by a PooledBodyReader
//
// Not thread-safe beyond ConnectionPool's per-io_context rule; owned by one HttpClient.
#pragma once

#include "net/connection.h"
#include "net/http_client.h"
#include "net/retry_policy.h"
#include "net/transport_errors.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace roci::net {

using Clock = std::chrono::steady_clock;

// The total deadline of one exchange; every step's deadline is capped by it.
struct ExchangeDeadlines {
  Clock::time_point total;
  std::chrono::milliseconds total_budget{};
  DeadlineStep total_step = DeadlineStep::kRequest;  // kRequest (send) or kStream (open)
  std::chrono::milliseconds first_byte{};
};

// The deadline of one step and the step it is reported as when it expires.
struct StepDeadline {
  Clock::time_point at;
  DeadlineStep step;
  std::chrono::milliseconds budget;
};

// min(now + budget, total), reported as the step when its own budget is the tighter one.
StepDeadline step_deadline(const ExchangeDeadlines& d, DeadlineStep step,
                           std::chrono::milliseconds budget, Clock::time_point now);
// The StepDeadline whose `at` step_deadline(d, step, budget, now) gave, from `at` alone (for a
// caller that kept only the time).
StepDeadline step_deadline_at(const ExchangeDeadlines& d, DeadlineStep step,
                              std::chrono::milliseconds budget, Clock::time_point at);

class ExchangeRunner {
 public:
  ExchangeRunner(const Origin& origin, const HttpOptions& options, const UpstreamIdentity& identity,
                 ConnectionPool& pool);
  ~ExchangeRunner();

  ExchangeDeadlines deadlines(const HttpRequest& request, bool streaming) const;

  // Sends `request` (on a pooled connection when one is idle on the calling coroutine's
  // io_context) and reads the response headers; the returned connection's parser is ready for the
  // body, whose total size is limited to `body_limit`. `headers_out` (may be null) receives every
  // response header field. Resends once on a fresh connection when a reused one turns out stale,
  // and retries transient failures with backoff (retry_policy.h); a 502 / 503 left after the last
  // retry is returned as a response.
  // `request` and `deadlines` are the caller's: they must outlive the awaitable (await it at once).
  asio::awaitable<Result<std::unique_ptr<Connection>>> exchange(
      const HttpRequest& request, const ExchangeDeadlines& deadlines, std::uint64_t body_limit,
      std::vector<std::pair<std::string, std::string>>* headers_out);

  // The Error of a failed response read (header or body). `limit_setting` names the body limit.
  Error read_error(const boost::system::error_code& ec, const StepDeadline& deadline,
                   const ResponseParser& parser, std::string_view limit_setting) const;
  // The Error of an exception that escaped an operation (cancellation, allocation failure).
  Error exception_error(const std::exception_ptr& e) const;

  const HttpOptions& options() const { return *options_; }
  const TransportErrors& errors() const { return errors_; }
  ConnectionPool& pool() { return *pool_; }

 private:
  // A new connection, or the error and what the retry policy needs to judge it.
  struct Connected {
    std::unique_ptr<Connection> connection;
    std::optional<Error> error;  // set when connection is null
    AttemptFailure failure;
  };
  asio::awaitable<Connected> connect(asio::any_io_executor executor, const void* context_key,
                                     ExchangeDeadlines deadlines);
  // What the attempts of one exchange share.
  struct Attempts {
    const void* context_key = nullptr;  // the io_context whose pooled connections may be used
    int max_retries = 0;
    int retries = 0;       // backoff retries made
    bool use_pool = true;  // false once a pooled connection turned out dead: resend on a fresh one
    bool reused = false;   // the current attempt runs on a pooled connection
    std::optional<std::chrono::milliseconds> delay;  // retry_status(): the backoff to wait
  };
  // setup_error_, or validate()'s verdict.
  std::optional<Error> refusal(const HttpRequest& request) const;
  // A new connection; or null with `error` set (the failure to report), or null without it (a
  // backoff retry was waited for: the caller starts the next attempt).
  asio::awaitable<std::unique_ptr<Connection>> connect_or_wait(const ExchangeDeadlines& deadlines,
                                                               Attempts& attempts,
                                                               const HttpRequest& request,
                                                               std::optional<Error>& error);
  // After a failed write or header read: true when the request is to be resent at once on a fresh
  // connection (a dead pooled one, reported to on_retry), else false with `error` set.
  bool resend_after_write(const boost::system::error_code& ec, const ExchangeDeadlines& deadlines,
                          Attempts& attempts, const HttpRequest& request,
                          const asio::cancellation_state& cancellation,
                          std::optional<Error>& error) const;
  bool resend_after_read(const boost::system::error_code& ec, const StepDeadline& deadline,
                         const ResponseParser& parser, Attempts& attempts,
                         const HttpRequest& request, const asio::cancellation_state& cancellation,
                         std::optional<Error>& error) const;
  bool resend_or_report(const AttemptFailure& failure, Error failed, Attempts& attempts,
                        const HttpRequest& request, const asio::cancellation_state& cancellation,
                        std::optional<Error>& error) const;
  // Whether a response with `status` is retried after a backoff (then attempts.delay is set), and
  // that wait (false: the caller was cancelled).
  bool retry_status(int status, const ExchangeDeadlines& deadlines, Attempts& attempts) const;
  asio::awaitable<bool> wait_after_status(int status, Attempts& attempts,
                                          const HttpRequest& request);
  // The backoff before retry number `retry` (0-based), or nullopt when waiting it would reach the
  // total deadline (then the failure at hand is reported instead).
  std::optional<std::chrono::milliseconds> retry_delay(int retry,
                                                       const ExchangeDeadlines& deadlines) const;
  // Reports the retry to on_retry and waits `delay`. False when the caller was cancelled before or
  // during the wait (the client is gone: stop at once).
  asio::awaitable<bool> wait_to_retry(HttpRetry retry, const HttpRequest& request);
  // A dead pooled connection is about to be replaced: reported to on_retry, no wait.
  void report_stale(const Error& cause, const HttpRequest& request) const;
  // The request's X-Request-Id field, or "" (for HttpRetry::request_id).
  static std::string request_id_of(const HttpRequest& request);
  // kInvalidRequest for a target or header that would break the request framing.
  Result<void> validate(const HttpRequest& request) const;
  void serialize(std::string& out, const HttpRequest& request) const;

  const Origin* origin_;
  const HttpOptions* options_;
  ConnectionPool* pool_;
  TransportErrors errors_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::optional<Error> setup_error_;  // e.g. an unreadable ca_file: every request fails with it
  std::string host_line_;             // "Host: localhost:1234\r\n"
  // Set when the host is an IP literal: no resolver needed.
  std::optional<asio::ip::tcp::resolver::results_type> literal_endpoints_;
};

}  // namespace roci::net
