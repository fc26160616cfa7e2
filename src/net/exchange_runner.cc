#include "net/exchange_runner.h"

#include "net/connection_pool.h"
#include "net/coro_util.h"
#include "net/tls_context.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <limits>
#include <new>
#include <random>
#include <tuple>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace roci::net {

using namespace std::string_view_literals;
namespace {

using error_code = boost::system::error_code;
// Longer budgets are treated as "no deadline" (and cannot overflow time_point arithmetic).
constexpr std::chrono::milliseconds kMaxBudget = std::chrono::hours(24 * 365);

std::chrono::milliseconds clamp_budget(std::chrono::milliseconds budget) {
  return std::clamp(budget, std::chrono::milliseconds(0), kMaxBudget);
}

// What the request's target and fields may not hold: kTarget a control character, space or DEL
// (bytes >= 0x80 pass: the upstream sees them as they are); kName anything but visible ASCII
// without ':' (a token); kValue CR, LF or NUL (no header injection).
enum class Rule { kTarget, kName, kValue };

template <Rule R>
bool bad_byte(unsigned char u) {
  if constexpr (R == Rule::kTarget) return u <= 0x20 || u == 0x7f;
  if constexpr (R == Rule::kName) return u <= 0x20 || u >= 0x7f || u == ':';
  return u == '\r' || u == '\n' || u == '\0';
}

#if defined(__SSE2__)
// bad_byte() on 16 bytes at once: 0xff where it is true.
template <Rule R>
__m128i bad_bytes(__m128i v) {
  const auto is = [v](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  if constexpr (R == Rule::kTarget) {
    const __m128i up_to_space =  // unsigned v <= 0x20
        _mm_cmpeq_epi8(_mm_subs_epu8(v, _mm_set1_epi8(0x20)), _mm_setzero_si128());
    return _mm_or_si128(up_to_space, is(0x7f));
  }
  if constexpr (R == Rule::kName) {
    // Signed: bytes >= 0x80 are negative, so "< 0x21" also finds them.
    const __m128i outside = _mm_cmplt_epi8(v, _mm_set1_epi8(0x21));
    return _mm_or_si128(outside, _mm_or_si128(is(0x7f), is(':')));
  }
  return _mm_or_si128(is('\r'), _mm_or_si128(is('\n'), is('\0')));
}
#endif

// True when no byte of `s` breaks rule R: 16 bytes at a time where SSE2 exists (every x86-64).
template <Rule R>
bool obeys(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if (_mm_movemask_epi8(bad_bytes<R>(v)) != 0) return false;
  }
#endif
  for (; p < end; ++p) {
    if (bad_byte<R>(static_cast<unsigned char>(*p))) return false;
  }
  return true;
}

bool valid_target(std::string_view s) { return obeys<Rule::kTarget>(s); }
bool valid_header_name(std::string_view s) { return !s.empty() && obeys<Rule::kName>(s); }
bool valid_header_value(std::string_view s) { return obeys<Rule::kValue>(s); }

// Uniform in [0, 1): the jitter of the retry backoff.
double jitter_unit() {
  thread_local std::minstd_rand engine(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

bool may_have_body(http::verb method) {
  return method == http::verb::post || method == http::verb::put || method == http::verb::patch;
}

}  // namespace

StepDeadline step_deadline(const ExchangeDeadlines& d, DeadlineStep step,
                           std::chrono::milliseconds budget, Clock::time_point now) {
  budget = clamp_budget(budget);
  if (now + budget < d.total) return {now + budget, step, budget};
  return {d.total, d.total_step, d.total_budget};
}

StepDeadline step_deadline_at(const ExchangeDeadlines& d, DeadlineStep step,
                              std::chrono::milliseconds budget, Clock::time_point at) {
  if (at == d.total) return {d.total, d.total_step, d.total_budget};
  return {at, step, clamp_budget(budget)};
}

ExchangeRunner::ExchangeRunner(const Origin& origin, const HttpOptions& options,
                               const UpstreamIdentity& identity, ConnectionPool& pool)
    : origin_(&origin),
      options_(&options),
      pool_(&pool),
      errors_(identity, options, origin.to_string()) {
  const bool ipv6 = origin.host.find(':') != std::string::npos;
  host_line_ = "Host: ";
  if (ipv6) host_line_ += '[';
  host_line_ += origin.host;
  if (ipv6) host_line_ += ']';
  if (origin.port != (origin.tls ? "443" : "80")) host_line_.append(":"sv).append(origin.port);
  host_line_ += "\r\n";

  error_code ec;
  const auto address = asio::ip::make_address(origin.host, ec);
  if (!ec) {
    unsigned short port = 0;
    std::from_chars(origin.port.data(), origin.port.data() + origin.port.size(), port);
    literal_endpoints_ = asio::ip::tcp::resolver::results_type::create(
        asio::ip::tcp::endpoint(address, port), origin.host, origin.port);
  }
  if (origin.tls) {
    auto ctx = make_tls_context(options);
    if (ctx) {
      tls_ = std::move(*ctx);
    } else {
      setup_error_ = errors_.tls_setup_failed(ctx.error().message);
    }
  }
}

ExchangeRunner::~ExchangeRunner() = default;

ExchangeDeadlines ExchangeRunner::deadlines(const HttpRequest& request, bool streaming) const {
  ExchangeDeadlines d;
  d.total_budget = clamp_budget(request.total_timeout.value_or(
      streaming ? options_->stream_timeout : options_->request_timeout));
  d.total = Clock::now() + d.total_budget;
  d.total_step = streaming ? DeadlineStep::kStream : DeadlineStep::kRequest;
  d.first_byte = clamp_budget(request.first_byte_timeout.value_or(options_->first_byte_timeout));
  return d;
}

std::string ExchangeRunner::request_id_of(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (beast::iequals(name, "X-Request-Id")) return value;
  }
  return {};
}

Result<void> ExchangeRunner::validate(const HttpRequest& request) const {
  if (!valid_target(request.target)) {
    return Error::invalid_request("invalid request target for " + std::string(errors_.name()));
  }
  if (!valid_header_value(request.content_type)) {
    return Error::invalid_request("invalid Content-Type header value");
  }
  for (const auto& [name, value] : request.headers) {
    if (!valid_header_name(name) || !valid_header_value(value)) {
      return Error::invalid_request("invalid request header '" + name + "'");
    }
  }
  return {};
}

void ExchangeRunner::serialize(std::string& out, const HttpRequest& request) const {
  out.clear();
  out.append(http::to_string(request.method)).append(" "sv);
  out.append(request.target.empty() ? std::string_view("/") : std::string_view(request.target));
  out.append(" HTTP/1.1\r\n"sv).append(host_line_);
  if (!request.body.empty() || may_have_body(request.method)) {
    if (!request.content_type.empty()) {
      out.append("Content-Type: "sv).append(request.content_type).append("\r\n"sv);
    }
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, request.body.size());
    out.append("Content-Length: "sv).append(digits, end).append("\r\n"sv);
  }
  for (const auto& [name, value] : request.headers) {
    out.append(name).append(": "sv).append(value).append("\r\n"sv);
  }
  out.append("\r\n"sv);
}

asio::awaitable<ExchangeRunner::Connected> ExchangeRunner::connect(asio::any_io_executor executor,
                                                                   const void* context_key,
                                                                   ExchangeDeadlines deadlines) {
  Connected out;
  out.failure.stage = AttemptStage::kConnect;
  const StepDeadline deadline =
      step_deadline(deadlines, DeadlineStep::kConnect, options_->connect_timeout, Clock::now());
  asio::ip::tcp::resolver::results_type endpoints;
  if (literal_endpoints_) {
    endpoints = *literal_endpoints_;
  } else {
    // getaddrinfo runs on Asio's resolver thread and cannot be interrupted; its deadline and a
    // cancellation are checked as soon as it returns.
    asio::ip::tcp::resolver resolver(executor);
    auto [ec, results] = co_await resolver.async_resolve(origin_->host, origin_->port, kToken);
    if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
      out.failure.ec = asio::error::operation_aborted;
      out.error = errors_.cancelled();
    } else if (Clock::now() >= deadline.at) {
      out.failure.timed_out = true;
      out.error = errors_.timeout(deadline.step, deadline.budget);
    } else if (ec) {
      out.failure.ec = ec;
      out.error = errors_.resolve_failed(ec, origin_->host);
    }
    if (out.error) co_return out;
    endpoints = std::move(results);
  }

  const std::size_t max_buffer =
      std::max<std::size_t>(1u << 20, options_->max_header_bytes + 65536);
  auto connection =
      std::make_unique<Connection>(executor, tls_.get(), options_->verify_peer, context_key,
                                   max_buffer, options_->close_idle_on_timer);
  connection->expires_at(deadline.at);
  auto failure = co_await connection->connect(std::move(endpoints), origin_->host);
  if (!failure) {
    out.connection = std::move(connection);
    co_return out;
  }
  const error_code ec = failure->ec;
  out.failure.ec = ec;
  out.failure.during_tls = failure->during_tls;
  if (ec == asio::error::operation_aborted ||
      is_cancelled(co_await asio::this_coro::cancellation_state)) {
    out.failure.ec = asio::error::operation_aborted;
    out.error = errors_.cancelled();
  } else if (ec == beast::error::timeout || Clock::now() >= deadline.at) {
    out.failure.timed_out = true;
    out.error = errors_.timeout(deadline.step, deadline.budget);
  } else if (failure->during_tls) {
    out.error = errors_.tls_failed(ec, failure->verify_result, origin_->host);
  } else {
    out.error = errors_.connect_failed(ec);
  }
  co_return out;
}

std::optional<std::chrono::milliseconds> ExchangeRunner::retry_delay(
    int retry, const ExchangeDeadlines& deadlines) const {
  const std::chrono::milliseconds delay =
      backoff_delay(retry, options_->retry_backoff, options_->max_retry_backoff, jitter_unit());
  if (Clock::now() + delay >= deadlines.total) return std::nullopt;
  return delay;
}

asio::awaitable<bool> ExchangeRunner::wait_to_retry(HttpRetry retry, const HttpRequest& request) {
  const std::chrono::milliseconds delay = retry.delay;
  if (options_->on_retry) {
    retry.request_id = request_id_of(request);
    options_->on_retry(retry);
  }
  if (delay.count() > 0) {
    // The caller's cancellation (client gone) aborts the wait at once.
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    auto [ec] = co_await timer.async_wait(kToken);
    if (ec == asio::error::operation_aborted) co_return false;
  }
  co_return !is_cancelled(co_await asio::this_coro::cancellation_state);
}

void ExchangeRunner::report_stale(const Error& cause, const HttpRequest& request) const {
  if (!options_->on_retry) return;
  options_->on_retry(HttpRetry{.attempt = 0,
                               .max_retries = 0,
                               .delay = std::chrono::milliseconds(0),
                               .cause = cause.message,
                               .stale_connection = true,
                               .request_id = request_id_of(request)});
}

std::optional<Error> ExchangeRunner::refusal(const HttpRequest& request) const {
  if (setup_error_) return *setup_error_;
  if (auto valid = validate(request); !valid) return valid.error();
  return std::nullopt;
}

asio::awaitable<std::unique_ptr<Connection>> ExchangeRunner::connect_or_wait(
    const ExchangeDeadlines& deadlines, Attempts& attempts, const HttpRequest& request,
    std::optional<Error>& error) {
  Connected fresh =
      co_await connect(co_await asio::this_coro::executor, attempts.context_key, deadlines);
  if (fresh.connection) co_return std::move(fresh.connection);
  std::optional<std::chrono::milliseconds> delay;
  if (attempts.retries < attempts.max_retries && retry_kind(fresh.failure) == RetryKind::kBackoff) {
    delay = retry_delay(attempts.retries, deadlines);
  }
  if (!delay) {
    error = std::move(*fresh.error);
    co_return nullptr;
  }
  // A named value, not an aggregate temporary in the call: GCC 12 destroyed such an argument of a
  // coroutine twice here (a double free).
  HttpRetry retry{.attempt = ++attempts.retries,
                  .max_retries = attempts.max_retries,
                  .delay = *delay,
                  .cause = std::move(fresh.error->message)};
  if (!co_await wait_to_retry(std::move(retry), request)) error = errors_.cancelled();
  co_return nullptr;
}

bool ExchangeRunner::resend_or_report(const AttemptFailure& failure, Error failed,
                                      Attempts& attempts, const HttpRequest& request,
                                      const asio::cancellation_state& cancellation,
                                      std::optional<Error>& error) const {
  if (attempts.use_pool && retry_kind(failure) == RetryKind::kStaleConnection &&
      !is_cancelled(cancellation)) {
    attempts.use_pool = false;
    report_stale(failed, request);
    return true;
  }
  error = std::move(failed);
  return false;
}

bool ExchangeRunner::resend_after_write(const error_code& ec, const ExchangeDeadlines& deadlines,
                                        Attempts& attempts, const HttpRequest& request,
                                        const asio::cancellation_state& cancellation,
                                        std::optional<Error>& error) const {
  if (ec == asio::error::operation_aborted) {
    error = errors_.cancelled();
    return false;
  }
  const bool timed_out = ec == beast::error::timeout || Clock::now() >= deadlines.total;
  Error failed = timed_out ? errors_.timeout(deadlines.total_step, deadlines.total_budget)
                           : errors_.io_failed("sending the request", ec);
  const AttemptFailure failure{.stage = AttemptStage::kSend,
                               .ec = ec,
                               .timed_out = timed_out,
                               .reused_connection = attempts.reused};
  return resend_or_report(failure, std::move(failed), attempts, request, cancellation, error);
}

bool ExchangeRunner::resend_after_read(const error_code& ec, const StepDeadline& deadline,
                                       const ResponseParser& parser, Attempts& attempts,
                                       const HttpRequest& request,
                                       const asio::cancellation_state& cancellation,
                                       std::optional<Error>& error) const {
  Error failed = read_error(ec, deadline, parser, "");
  const AttemptFailure failure{.stage = AttemptStage::kAwaitResponse,
                               .ec = ec,
                               .timed_out = failed.kind == ErrorKind::kTimeout,
                               .reused_connection = attempts.reused,
                               .response_bytes = parser.got_some()};
  return resend_or_report(failure, std::move(failed), attempts, request, cancellation, error);
}

bool ExchangeRunner::retry_status(int status, const ExchangeDeadlines& deadlines,
                                  Attempts& attempts) const {
  attempts.delay.reset();
  if (attempts.retries < attempts.max_retries &&
      retry_kind({.stage = AttemptStage::kResponse, .status = status}) == RetryKind::kBackoff) {
    attempts.delay = retry_delay(attempts.retries, deadlines);
  }
  return attempts.delay.has_value();
}

asio::awaitable<bool> ExchangeRunner::wait_after_status(int status, Attempts& attempts,
                                                        const HttpRequest& request) {
  HttpRetry retry{
      .attempt = ++attempts.retries, .max_retries = attempts.max_retries, .delay = *attempts.delay};
  retry.cause.append(errors_.name()).append(" at "sv).append(errors_.url());
  retry.cause.append(" answered HTTP "sv).append(std::to_string(status));
  return wait_to_retry(std::move(retry), request);
}

// The attempts' decisions are made by the synchronous members above, and the retry waits in
// coroutines of their own: this frame, allocated for every request, holds one Error, no retry
// record and no copy of the request (Asio recycles coroutine frames only up to about 1 KiB).
asio::awaitable<Result<std::unique_ptr<Connection>>> ExchangeRunner::exchange(
    const HttpRequest& request, const ExchangeDeadlines& deadlines, std::uint64_t body_limit,
    std::vector<std::pair<std::string, std::string>>* headers_out) {
  std::optional<Error> error = refusal(request);
  if (error) co_return std::move(*error);
  const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  Attempts attempts{
      .context_key = &asio::query(co_await asio::this_coro::executor, asio::execution::context),
      .max_retries =
          std::clamp(request.max_retries.value_or(options_->max_retries), 0, kMaxRetries)};
  const bool head_request = request.method == http::verb::head;
  const auto header_limit = static_cast<std::uint32_t>(
      std::min<std::size_t>(options_->max_header_bytes, std::numeric_limits<std::uint32_t>::max()));
  error_code ec;
  std::size_t transferred = 0;
  for (;;) {
    if (is_cancelled(cancellation)) co_return errors_.cancelled();
    const Clock::time_point now = Clock::now();
    if (now >= deadlines.total)
      co_return errors_.timeout(deadlines.total_step, deadlines.total_budget);

    std::unique_ptr<Connection> connection;
    if (attempts.use_pool) connection = pool_->checkout(attempts.context_key, now);
    attempts.reused = connection != nullptr;
    if (!connection) {
      connection = co_await connect_or_wait(deadlines, attempts, request, error);
      if (error) co_return std::move(*error);
      if (!connection) continue;  // a backoff retry was waited for
    }
    serialize(connection->request_head(), request);

    // Writing is capped by the total deadline only; first_byte starts once the request is out.
    // A request usually fits the socket's send buffer: sent at once, with no write operation.
    connection->expires_at(deadlines.total);
    const std::size_t sent = connection->write_now(request.body, ec);
    if (!ec && sent < connection->request_size(request.body)) {
      std::tie(ec, transferred) = co_await connection->write(request.body, sent);
    }
    ec = connection->outcome(ec);
    if (ec) {
      if (resend_after_write(ec, deadlines, attempts, request, cancellation, error)) continue;
      co_return std::move(*error);
    }

    if (headers_out != nullptr) headers_out->clear();
    ResponseParser& parser = connection->begin_response(header_limit, body_limit, head_request);
    connection->head().headers = headers_out;
    const StepDeadline deadline =
        step_deadline(deadlines, DeadlineStep::kFirstByte, deadlines.first_byte, Clock::now());
    connection->expires_at(deadline.at);
    // The head, by the reads that then parse the body (usually one, which brings both): the buffer
    // is empty here (a reused connection kept nothing over), so each turn reads, and finish_read
    // parses all that is buffered.
    ec = {};
    while (!ec && !parser.is_header_done()) {
      ec = connection->finish_read(
          co_await connection->start_read(Connection::WhileWaiting::kKeepBuffer));
    }
    if (ec) {
      if (resend_after_read(ec, deadline, parser, attempts, request, cancellation, error)) continue;
      co_return std::move(*error);
    }

    // The response, whatever its status; a 502 / 503 only once no retry is left (budget or
    // deadline), and the caller reads and classifies its body like any other error.
    const int status = connection->head().status;
    if (!retry_status(status, deadlines, attempts)) co_return std::move(connection);
    connection.reset();  // its body is not needed: close it rather than hold it through the wait
    if (!co_await wait_after_status(status, attempts, request)) co_return errors_.cancelled();
  }
}

Error ExchangeRunner::read_error(const error_code& ec, const StepDeadline& deadline,
                                 const ResponseParser& parser,
                                 std::string_view limit_setting) const {
  if (ec == asio::error::operation_aborted) return errors_.cancelled();
  if (ec == beast::error::timeout || Clock::now() >= deadline.at) {
    return errors_.timeout(deadline.step, deadline.budget);
  }
  if (ec == http::error::body_limit) return errors_.too_large(parser.limit(), limit_setting);
  if (ec == http::error::header_limit) return errors_.header_too_large();
  if (!parser.got_some() && is_stale_connection_error(ec)) return errors_.closed_before_response();
  if (is_stale_connection_error(ec) || ec == http::error::partial_message) {
    return errors_.closed_mid_response(parser.is_header_done(), parser.body_bytes());
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return errors_.malformed(ec);
  }
  return errors_.io_failed("reading the response", ec);
}

Error ExchangeRunner::exception_error(const std::exception_ptr& e) const {
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& error) {
    if (error.code() == asio::error::operation_aborted) return errors_.cancelled();
    return errors_.io_failed("exchanging a request", error.code());
  } catch (const std::bad_alloc&) {
    return Error::internal("out of memory while talking to " + std::string(errors_.name()));
  } catch (const std::exception& error) {
    return Error::internal("unexpected error while talking to " + std::string(errors_.name()) +
                           ": " + error.what());
  } catch (...) {
    return Error::internal("unexpected error while talking to " + std::string(errors_.name()));
  }
}

}  // namespace roci::net
