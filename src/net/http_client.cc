#include "net/http_client.h"

#include "net/body_reader.h"
#include "net/connection_pool.h"
#include "net/coro_util.h"
#include "net/exchange_runner.h"
#include "net/http_client_send.h"

#include <boost/asio/this_coro.hpp>
#include <exception>

namespace roci::net {

HttpClient::HttpClient(Origin origin, HttpOptions options, UpstreamIdentity identity)
    : origin_(std::move(origin)),
      options_(std::move(options)),
      identity_(std::move(identity)),
      pool_(std::make_unique<ConnectionPool>(options_.max_idle_connections, options_.keep_alive,
                                             options_.close_idle_on_timer)),
      runner_(std::make_unique<ExchangeRunner>(origin_, options_, identity_, *pool_)) {}

HttpClient::~HttpClient() = default;

std::size_t HttpClient::idle_connections() const { return pool_->idle(); }

asio::awaitable<Result<std::string_view>> HttpBodyReader::read_some() {
  const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  bool decided = read_buffered(is_cancelled(state));
  while (!decided) {
    const ReadResult io = co_await read();
    decided = take_read(io, is_cancelled(state));
  }
  co_return piece();
}

// Not a coroutine: send_then's frame is the only one.
asio::awaitable<Result<HttpResponse>> HttpClient::send(HttpRequest request) {
  return send_then(std::move(request),
                   [](Result<HttpResponse>&& response) { return std::move(response); });
}

namespace {

// The body's result into `outcome` (its failure) or `response` (its text).
void store_body(Result<std::string>& text, Result<std::unique_ptr<Connection>>& outcome,
                HttpResponse& response) {
  if (!text) {
    outcome = text.error();
  } else {
    response.body = std::move(*text);
  }
}

// take_body()'s rest, when the body did not all come with the head.
asio::awaitable<void> read_rest(PooledBodyReader body, PooledBodyReader::ReadAllState state,
                                Result<std::unique_ptr<Connection>>& outcome,
                                HttpResponse& response) {
  Result<std::string> text = co_await body.read_rest(std::move(state));
  store_body(text, outcome, response);
}

}  // namespace

std::optional<asio::awaitable<void>> HttpClient::take_body(
    Result<std::unique_ptr<Connection>>& outcome, const ExchangeDeadlines& deadlines,
    HttpResponse& response, bool cancelled) {
  PooledBodyReader body(*runner_, std::move(*outcome), deadlines, "max_response_bytes");
  response.status = body.status();
  response.content_type = body.take_content_type();
  PooledBodyReader::ReadAllState state;
  auto text = body.read_buffered(options_.max_response_bytes, state, cancelled);
  if (!text) return read_rest(std::move(body), std::move(state), outcome, response);
  store_body(*text, outcome, response);
  return std::nullopt;
}

asio::awaitable<Result<std::unique_ptr<HttpBodyReader>>> HttpClient::open(HttpRequest request) {
  std::exception_ptr exception;
  try {
    const ExchangeDeadlines deadlines = runner_->deadlines(request, /*streaming=*/true);
    auto connection =
        co_await runner_->exchange(request, deadlines, options_.max_stream_bytes, nullptr);
    if (!connection) co_return connection.error();
    co_return std::make_unique<PooledBodyReader>(*runner_, std::move(*connection), deadlines,
                                                 "max_stream_bytes");
  } catch (...) {
    exception = std::current_exception();
  }
  co_return runner_->exception_error(exception);
}

}  // namespace roci::net
