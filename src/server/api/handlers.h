// Request handlers: one coroutine per route, called by the router (router.cc) with the request
// already read, bounded and routed. Implemented by chat_handler.cc, models_handler.cc,
// health_handler.cc, legacy_handlers.cc; handle_metrics by metrics.cc.
//
// A handler answers exactly once through ctx.writer (or send_error) and fills ctx.log (model,
// usage, upstream_wait, time_to_first_token, error_kind). The session sets ctx.log.status from
// what was written; handlers only set it themselves for outcomes the writer cannot see.
#pragma once

#include "server/http/request_context.h"

#include <boost/asio/awaitable.hpp>
#include <string_view>

namespace roci::server {

// POST /v1/chat/completions (streaming and not).
asio::awaitable<void> handle_chat_completions(RequestContext& ctx);
// POST /v1/completions (legacy).
asio::awaitable<void> handle_completions(RequestContext& ctx);
// POST /v1/embeddings.
asio::awaitable<void> handle_embeddings(RequestContext& ctx);
// POST /v1/responses (streaming and not; responses_handler.cc).
asio::awaitable<void> handle_responses(RequestContext& ctx);
// GET and DELETE /v1/responses/{id}: the stored response; `id` URL-decoded.
asio::awaitable<void> handle_stored_response(RequestContext& ctx, std::string id);
// POST /v1/messages (Anthropic Messages, streaming and not) and POST /v1/messages/count_tokens;
// messages_handler.cc.
asio::awaitable<void> handle_messages(RequestContext& ctx);
asio::awaitable<void> handle_count_tokens(RequestContext& ctx);
// GET /v1/models.
asio::awaitable<void> handle_models(RequestContext& ctx);
// GET /v1/models/{id}; `id` is URL-decoded and may contain '/'. It views into storage owned by the
// session frame, valid for the whole call.
asio::awaitable<void> handle_model(RequestContext& ctx, std::string id);
// POST /v1/models/{id}/load and /unload (model_lifecycle_handler.cc); `id` as for handle_model.
asio::awaitable<void> handle_model_load(RequestContext& ctx, std::string id);
asio::awaitable<void> handle_model_unload(RequestContext& ctx, std::string id);
// GET /health.
asio::awaitable<void> handle_health(RequestContext& ctx);
// GET /metrics (Prometheus text format 0.0.4). Implemented in metrics.cc.
asio::awaitable<void> handle_metrics(RequestContext& ctx);

}  // namespace roci::server
