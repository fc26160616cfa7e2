// HttpClient::send_then's definition (declared in net/http_client.h), for the files that call it:
// http_client.cc (send) and a provider that decodes the response on the send's own frame.
//
//   return client.send_then(std::move(request), [this](Result<HttpResponse>&& response) {
//     return decode(std::move(response));   // the awaited Result<T>
//   });
//
// `finish` runs after the exchange and the body, outside its try block: what it throws reaches
// the awaiting coroutine.
#pragma once

#include "net/connection.h"
#include "net/coro_util.h"
#include "net/exchange_runner.h"
#include "net/http_client.h"

#include <boost/asio/this_coro.hpp>
#include <exception>
#include <memory>
#include <utility>

namespace roci::net {

template <class Finish>
asio::awaitable<std::invoke_result_t<Finish&, Result<HttpResponse>&&>> HttpClient::send_then(
    HttpRequest request, Finish finish) {
  Result<HttpResponse> result(boost::system::in_place_value);
  try {
    const ExchangeDeadlines deadlines = runner_->deadlines(request, /*streaming=*/false);
    HttpResponse& response = *result;
    auto* headers = request.collect_headers ? &response.headers : nullptr;
    // Started apart from its co_await: the argument temporaries stay off this frame.
    auto exchanging = runner_->exchange(request, deadlines, options_.max_response_bytes, headers);
    Result<std::unique_ptr<Connection>> outcome = co_await std::move(exchanging);
    if (outcome) {
      const bool cancelled = is_cancelled(co_await asio::this_coro::cancellation_state);
      if (auto rest = take_body(outcome, deadlines, response, cancelled)) co_await std::move(*rest);
    }
    if (!outcome) result = std::move(outcome.error());
  } catch (...) {
    result = runner_->exception_error(std::current_exception());
  }
  co_return finish(std::move(result));
}

}  // namespace roci::net
