// Routing: exact method + path -> handler (handlers.h). The session calls dispatch() once per
// request, after the request is read and bounded.
//
//   RouteMatch m = match_route(http::verb::get, "/v1/models/TheBloke%2FMistral?x=1");
//   // m.route == Route::kModel, m.method_allowed, m.model_id == "TheBloke/Mistral"
//
// Paths are exact (no prefix aliases, no trailing-slash variants); the query string is ignored for
// matching. Under /v1/models/ a path ending in /load or /unload is that model's lifecycle route
// (POST), anything else a model id (GET; ids may contain '/'). Unknown paths get a 404 OpenAI
// envelope, known paths with the wrong method a 405 with an Allow header (OPTIONS included, except
// CORS preflights: the session answers those, cors.h).
#pragma once

#include "server/api/http_error.h"
#include "server/http/request_context.h"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <string>
#include <string_view>

namespace roci::server {

enum class Route {
  kChatCompletions,  // POST /v1/chat/completions
  kCompletions,      // POST /v1/completions
  kEmbeddings,       // POST /v1/embeddings
  kResponses,        // POST /v1/responses
  kResponse,         // GET, DELETE /v1/responses/{id}
  kMessages,         // POST /v1/messages (Anthropic)
  kCountTokens,      // POST /v1/messages/count_tokens (Anthropic)
  kModels,           // GET /v1/models
  kModel,            // GET /v1/models/{id}
  kModelLoad,        // POST /v1/models/{id}/load
  kModelUnload,      // POST /v1/models/{id}/unload
  kHealth,           // GET /health
  kMetrics,          // GET /metrics
  kRoot,             // GET /: browsers (Accept: text/html) are sent to /ui
  kUi,               // GET /ui, /ui/{file}: the web console's files
  kAdminStatus,      // GET /admin/status
  kAdminEvents,      // GET /admin/events (server-sent events)
  kAdminSeries,      // GET /admin/series
  kNotFound,
};

struct RouteMatch {
  Route route = Route::kNotFound;
  // Bounded label for logs and metrics: the route's path pattern, "other" when unknown.
  std::string_view label = "other";
  bool method_allowed = false;  // false with a known route: 405
  std::string_view allow;       // the Allow header value for a 405 ("POST", "GET")
  std::string model_id;  // kModel, kModelLoad, kModelUnload: the URL-decoded id (may contain '/');
                         // kResponse: the id
  // The route's dialect's error renderer (the session puts it in RequestContext::errors, so the
  // gate's errors too are in the client's dialect); null: OpenAI's envelope.
  const ErrorRenderer* errors = nullptr;
  // The gateway's own pages and admin API (kRoot, kUi, kAdmin*): answered only while ui.enabled.
  bool console = false;
};

// Pure: method + request target (path and optional query) -> route.
RouteMatch match_route(http::verb method, std::string_view target);

// Routes ctx.request, sets ctx.log.route, and runs the handler (or answers 404 / 405 itself).
asio::awaitable<void> dispatch(RequestContext& ctx);

}  // namespace roci::server
