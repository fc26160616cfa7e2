#include "server/api/router.h"

#include "config/gateway_config.h"
#include "server/admin/admin_handlers.h"
#include "server/api/anthropic_errors.h"
#include "server/api/handlers.h"
#include "server/api/http_error.h"

#include <boost/url/decode_view.hpp>
#include <boost/url/pct_string_view.hpp>
#include <string>

namespace roci::server {
namespace {

constexpr std::string_view kModelsPrefix = "/v1/models/";
constexpr std::string_view kResponsesPrefix = "/v1/responses/";

struct RouteSpec {
  std::string_view path;
  Route route;
  http::verb method;
  std::string_view allow;
  const ErrorRenderer* errors = nullptr;  // null: OpenAI's envelope
};

constexpr RouteSpec kRoutes[] = {
    {"/v1/chat/completions", Route::kChatCompletions, http::verb::post, "POST"},
    {"/v1/completions", Route::kCompletions, http::verb::post, "POST"},
    {"/v1/embeddings", Route::kEmbeddings, http::verb::post, "POST"},
    {"/v1/responses", Route::kResponses, http::verb::post, "POST"},
    {"/v1/messages", Route::kMessages, http::verb::post, "POST", &kAnthropicErrors},
    {"/v1/messages/count_tokens", Route::kCountTokens, http::verb::post, "POST", &kAnthropicErrors},
    {"/v1/models", Route::kModels, http::verb::get, "GET"},
    {"/health", Route::kHealth, http::verb::get, "GET"},
    {"/metrics", Route::kMetrics, http::verb::get, "GET"},
    {"/", Route::kRoot, http::verb::get, "GET"},
    {"/ui", Route::kUi, http::verb::get, "GET"},
    {"/admin/status", Route::kAdminStatus, http::verb::get, "GET"},
    {"/admin/events", Route::kAdminEvents, http::verb::get, "GET"},
    {"/admin/series", Route::kAdminSeries, http::verb::get, "GET"},
};

// POST /v1/models/{id}/load and /unload (the id itself may contain '/').
struct LifecycleSpec {
  std::string_view suffix;
  Route route;
  std::string_view label;
};

constexpr LifecycleSpec kLifecycleRoutes[] = {
    {"/load", Route::kModelLoad, "/v1/models/{id}/load"},
    {"/unload", Route::kModelUnload, "/v1/models/{id}/unload"},
};

constexpr std::string_view kUiPrefix = "/ui/";

bool is_console(Route route) {
  return route == Route::kRoot || route == Route::kUi || route == Route::kAdminStatus ||
         route == Route::kAdminEvents || route == Route::kAdminSeries;
}

std::string decode_id(std::string_view raw) {
  auto pct = boost::urls::make_pct_string_view(raw);
  if (!pct) return std::string(raw);  // malformed escapes: keep as sent; the handler 404s it
  std::string out;
  out.reserve(pct->decoded_size());
  for (char c : **pct) out.push_back(c);
  return out;
}

std::string_view verb_name(const ClientRequest& req) {
  auto m = req.method_string();
  return m.empty() ? std::string_view("?") : std::string_view(m.data(), m.size());
}

}  // namespace

RouteMatch match_route(http::verb method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  RouteMatch m;
  for (const RouteSpec& spec : kRoutes) {
    if (path == spec.path) {
      m.route = spec.route;
      m.label = spec.path;
      m.method_allowed = method == spec.method;
      m.allow = spec.allow;
      m.console = is_console(spec.route);
      m.errors = spec.errors;
      return m;
    }
  }
  if (path.starts_with(kUiPrefix)) {
    m.route = Route::kUi;
    m.label = "/ui";
    m.method_allowed = method == http::verb::get;
    m.allow = "GET";
    m.console = true;
    return m;
  }
  if (path.size() > kModelsPrefix.size() && path.starts_with(kModelsPrefix)) {
    std::string_view id = path.substr(kModelsPrefix.size());
    for (const LifecycleSpec& spec : kLifecycleRoutes) {
      if (id.size() > spec.suffix.size() && id.ends_with(spec.suffix)) {
        m.route = spec.route;
        m.label = spec.label;
        m.method_allowed = method == http::verb::post;
        m.allow = "POST";
        m.model_id = decode_id(id.substr(0, id.size() - spec.suffix.size()));
        return m;
      }
    }
    m.route = Route::kModel;
    m.label = "/v1/models/{id}";
    m.method_allowed = method == http::verb::get;
    m.allow = "GET";
    m.model_id = decode_id(id);
  } else if (path.size() > kResponsesPrefix.size() && path.starts_with(kResponsesPrefix)) {
    m.route = Route::kResponse;
    m.label = "/v1/responses/{id}";
    m.method_allowed = method == http::verb::get || method == http::verb::delete_;
    m.allow = "GET, DELETE";
    m.model_id = decode_id(path.substr(kResponsesPrefix.size()));
  }
  return m;
}

namespace {

std::string_view path_of(const ClientRequest& req) {
  const std::string_view target = req.target();
  return target.substr(0, target.find('?'));
}

asio::awaitable<void> answer_unknown_route(RequestContext& ctx) {
  Error e{.kind = ErrorKind::kNotFound,
          .message = "Unknown route: " + std::string(verb_name(ctx.request)) + " " +
                     std::string(path_of(ctx.request)) +
                     ". The gateway serves /v1/chat/completions, /v1/completions, "
                     "/v1/embeddings, /v1/responses, /v1/messages, /v1/messages/count_tokens, "
                     "/v1/models, /v1/models/{id}/load, /v1/models/{id}/unload, /health, "
                     "/metrics, and the web console at /ui.",
          .code = "unknown_route"};
  co_await send_error(ctx, e);
}

// `allow` views a constant of kRoutes.
asio::awaitable<void> answer_method_not_allowed(RequestContext& ctx, std::string_view allow) {
  Error e{.kind = ErrorKind::kMethodNotAllowed,
          .message = "Method " + std::string(verb_name(ctx.request)) + " is not allowed on " +
                     std::string(path_of(ctx.request)) + ". Allowed: " + std::string(allow) + "."};
  ctx.log.error_kind = e.kind;
  ctx.log.error_message = e.message;
  const int status = to_http_error(e).status;
  Headers allow_header;
  allow_header.emplace_back("Allow", std::string(allow));
  std::string body = error_renderer(ctx).body(e, to_http_error(e));
  auto sent = co_await ctx.writer.send(status, "application/json", std::move(body),
                                       std::move(allow_header));
  ctx.log.status = sent ? status : 499;
}

}  // namespace

// Not a coroutine: it hands back the handler's own awaitable, so no frame of the router stays
// alive for as long as the request runs (minutes, for a stream).
asio::awaitable<void> dispatch(RequestContext& ctx) {
  RouteMatch m = match_route(ctx.request.method(), ctx.request.target());
  ctx.log.route = m.label;
  if (m.console && !ctx.worker.config.ui.enabled) return answer_unknown_route(ctx);
  if (m.route == Route::kNotFound) return answer_unknown_route(ctx);
  if (!m.method_allowed) return answer_method_not_allowed(ctx, m.allow);
  switch (m.route) {
    case Route::kChatCompletions:
      return handle_chat_completions(ctx);
    case Route::kCompletions:
      return handle_completions(ctx);
    case Route::kEmbeddings:
      return handle_embeddings(ctx);
    case Route::kResponses:
      return handle_responses(ctx);
    case Route::kResponse:
      return handle_stored_response(ctx, std::move(m.model_id));
    case Route::kMessages:
      return handle_messages(ctx);
    case Route::kCountTokens:
      return handle_count_tokens(ctx);
    case Route::kModels:
      return handle_models(ctx);
    case Route::kModel:
      return handle_model(ctx, std::move(m.model_id));
    case Route::kModelLoad:
      return handle_model_load(ctx, std::move(m.model_id));
    case Route::kModelUnload:
      return handle_model_unload(ctx, std::move(m.model_id));
    case Route::kHealth:
      return handle_health(ctx);
    case Route::kMetrics:
      return handle_metrics(ctx);
    case Route::kRoot:
      return admin::handle_root(ctx);
    case Route::kUi:
      return admin::handle_ui(ctx);
    case Route::kAdminStatus:
      return admin::handle_admin_status(ctx);
    case Route::kAdminEvents:
      return admin::handle_admin_events(ctx);
    case Route::kAdminSeries:
      return admin::handle_admin_series(ctx);
    case Route::kNotFound:
      break;
  }
  return answer_unknown_route(ctx);
}

}  // namespace roci::server
