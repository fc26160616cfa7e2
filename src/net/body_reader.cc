#include "net/body_reader.h"

#include "net/connection_pool.h"
#include "net/coro_util.h"

#include <boost/asio/this_coro.hpp>
#include <exception>

namespace roci::net {
namespace {

// What a reader let go before the end reads, at most, of a body's rest that is already there.
constexpr std::size_t kCompleteNowLimit = 64u << 10;

}  // namespace

PooledBodyReader::PooledBodyReader(ExchangeRunner& runner, std::unique_ptr<Connection> connection,
                                   ExchangeDeadlines deadlines, std::string_view limit_setting)
    : runner_(&runner),
      connection_(std::move(connection)),
      deadlines_(deadlines),
      limit_setting_(limit_setting),
      status_(connection_->head().status),
      content_type_(connection_->head().content_type) {
  connection_->head().headers = nullptr;  // the owner of the header list may go away
  connection_->parser().eager(true);      // parse everything that arrived, in one read
}

PooledBodyReader::~PooledBodyReader() {
  // A reader let go before the end may find the rest already there (a stream's [DONE] and chunked
  // terminator after the last event its reader needed): read without waiting, the connection
  // goes back to the pool. Otherwise it closes here: the server sees the request abandoned.
  if (connection_) finish_now();
}

bool PooledBodyReader::finish_now() {
  if (error_) return false;
  if (!connection_) return true;  // ended and let go before
  if (!connection_->complete_now(kCompleteNowLimit)) return false;
  finish();
  return true;
}

StepDeadline PooledBodyReader::next_read_deadline() const {
  return step_deadline(deadlines_, DeadlineStep::kIdle, runner_->options().idle_timeout,
                       Clock::now());
}

StepDeadline PooledBodyReader::awaited_read_deadline() const {
  return step_deadline_at(deadlines_, DeadlineStep::kIdle, runner_->options().idle_timeout,
                          connection_->deadline());
}

Error PooledBodyReader::fail(Error error) {
  connection_.reset();
  error_ = error;
  return error;
}

void PooledBodyReader::finish() {
  std::unique_ptr<Connection> connection = std::move(connection_);
  if (connection->reusable()) runner_->pool().checkin(std::move(connection), Clock::now());
}

bool PooledBodyReader::read_buffered(bool cancelled) {
  if (error_ || !connection_) return true;
  connection_->scratch().clear();
  connection_->parser().set_sink(&connection_->scratch());
  return parse_piece(cancelled);
}

// Not a coroutine: the connection's socket operation. A streamed body may idle for minutes: no
// read buffer is held meanwhile.
asio::awaitable<PooledBodyReader::ReadResult> PooledBodyReader::read() {
  return connection_->start_read(Connection::WhileWaiting::kReleaseBuffer);
}

bool PooledBodyReader::take_read(const ReadResult& io, bool cancelled) {
  try {
    if (const auto ec = connection_->finish_read(io)) {
      fail(runner_->read_error(ec, awaited_read_deadline(), connection_->parser(), limit_setting_));
      return true;
    }
  } catch (...) {
    fail(runner_->exception_error(std::current_exception()));
    return true;
  }
  return parse_piece(cancelled);
}

Result<std::string_view> PooledBodyReader::piece() const {
  if (error_) return *error_;
  if (!connection_) return std::string_view();  // the end
  return std::string_view(connection_->scratch());
}

bool PooledBodyReader::parse_piece(bool cancelled) {
  try {
    ResponseParser& parser = connection_->parser();
    const std::string& piece = connection_->scratch();
    // A read may only carry chunk framing: go on until body bytes or the end arrive.
    while (piece.empty() && !parser.is_done()) {
      if (cancelled) {
        fail(runner_->errors().cancelled());
        return true;
      }
      auto parsed = connection_->try_parse_buffered();
      if (!parsed) {
        connection_->expires_at(next_read_deadline().at);
        return false;
      }
      if (*parsed) {
        fail(runner_->read_error(*parsed, next_read_deadline(), parser, limit_setting_));
        return true;
      }
    }
    if (piece.empty()) finish();  // the end: piece() reports it once the connection is let go
    return true;
  } catch (...) {
    fail(runner_->exception_error(std::current_exception()));
    return true;
  }
}

std::optional<Result<std::string>> PooledBodyReader::read_buffered(std::size_t limit,
                                                                   ReadAllState& state,
                                                                   bool cancelled) {
  if (error_) return Result<std::string>(*error_);
  if (!connection_) return Result<std::string>(std::string());
  try {
    ResponseParser& parser = connection_->parser();
    state.setting = limit_setting_;
    if (limit < parser.limit() - parser.body_bytes()) {
      parser.set_limit(parser.body_bytes() + limit);
      state.setting = {};
    }
    if (auto length = parser.content_length_remaining(); length && *length <= limit) {
      state.body.reserve(static_cast<std::size_t>(*length));
    }
    if (cancelled && !parser.is_done()) {
      return Result<std::string>(fail(runner_->errors().cancelled()));
    }
    parser.set_sink(&state.body);
    while (!parser.is_done()) {
      auto parsed = connection_->try_parse_buffered();
      if (!parsed) return std::nullopt;  // the sink stays set: read_rest sets it again
      if (*parsed) {
        const StepDeadline deadline = next_read_deadline();
        return Result<std::string>(
            fail(runner_->read_error(*parsed, deadline, parser, state.setting)));
      }
    }
    parser.set_sink(nullptr);
    finish();
    return Result<std::string>(std::move(state.body));
  } catch (...) {
    return Result<std::string>(fail(runner_->exception_error(std::current_exception())));
  }
}

asio::awaitable<Result<std::string>> PooledBodyReader::read_rest(ReadAllState state) {
  if (error_) co_return *error_;
  if (!connection_) co_return std::move(state.body);
  std::exception_ptr exception;
  try {
    ResponseParser& parser = connection_->parser();
    parser.set_sink(&state.body);  // `state` moved into this frame
    while (!parser.is_done()) {
      if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
        co_return fail(runner_->errors().cancelled());
      }
      const StepDeadline deadline = next_read_deadline();
      connection_->expires_at(deadline.at);
      const boost::system::error_code ec = co_await connection_->read_some();
      if (ec) co_return fail(runner_->read_error(ec, deadline, parser, state.setting));
    }
    parser.set_sink(nullptr);
    finish();
    co_return std::move(state.body);
  } catch (...) {
    exception = std::current_exception();
  }
  co_return fail(runner_->exception_error(exception));
}

asio::awaitable<Result<std::string>> PooledBodyReader::read_all(std::size_t limit) {
  ReadAllState state;
  const bool cancelled = is_cancelled(co_await asio::this_coro::cancellation_state);
  if (auto done = read_buffered(limit, state, cancelled)) co_return std::move(*done);
  co_return co_await read_rest(std::move(state));
}

}  // namespace roci::net
