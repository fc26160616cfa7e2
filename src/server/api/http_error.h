// The one place that maps an roci::Error to an HTTP status, and the one way an error is answered.
//
//   if (!r) co_return co_await send_error(ctx, r.error());
//
// ARCHITECTURE.md §3 is the table; to_http_error implements it and nothing else picks a status.
// The body (and the mid-stream event) are the request's dialect's: its ErrorRenderer, chosen by
// the route (RouteMatch::errors, put in RequestContext::errors by the session); OpenAI's envelope
// when the route has none.
#pragma once

#include "server/http/request_context.h"

#include <roci/core/error.h>

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

namespace roci::server {

struct HttpError {
  int status;
  std::string type;  // OpenAI error `type`: invalid_request_error, api_error, ...
  std::string code;  // OpenAI error `code` ("" -> null)
};

HttpError to_http_error(const Error& e);

// Error::code of a kUnauthenticated error for a request that carried no key: rendered as a null
// `code`, as OpenAI does (a wrong key is "invalid_api_key").
inline constexpr std::string_view kMissingApiKeyCode = "missing_api_key";

// The OpenAI error envelope body for `e` (`{"error":{"message","type","param","code",...}}`,
// plus `available_models` for kModelNotFound).
std::string error_body(const Error& e);

// Names the fleet backend that served a response (FLEET.md rule 6; a contract).
inline constexpr std::string_view kBackendHeader = "X-Roci-Backend";

// How a dialect writes an error whose status to_http_error chose. Constant per dialect.
struct ErrorRenderer {
  // The body of the error response (application/json).
  std::string (*body)(const Error& e, const HttpError& h);
  // One complete SSE event for a failure after the headers (ARCHITECTURE.md §4.3).
  std::string (*event)(const Error& e, const HttpError& h);
};

// OpenAI's: error_body() and `data: {"error":{...}}`. Also the renderer of a null
// RequestContext::errors.
extern const ErrorRenderer kOpenAiErrors;

// The renderer of `ctx` (its route's dialect).
const ErrorRenderer& error_renderer(const RequestContext& ctx);

class StreamEncoder;  // dialect.h

// Answers the request with `e`:
//  - headers not sent yet: the dialect's body with the mapped status (Retry-After when
//    e.retry_after_secs is set and the status is 429; WWW-Authenticate for 401);
//  - headers already sent (streaming): one SSE error event, from `stream` when given (a dialect
//    whose events carry stream state), else from the ctx's renderer; then end_event_stream();
//  - kCancelled: nothing is written (the client is gone).
// X-Roci-Backend: e.backend when a host gave the error (none on the gateway's own errors).
// Always records ctx.log.status (499 for kCancelled), error_kind and error_message.
asio::awaitable<void> send_error(RequestContext& ctx, const Error& e,
                                 StreamEncoder* stream = nullptr);

}  // namespace roci::server
