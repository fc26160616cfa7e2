// POST /v1/completions (legacy, no chat template) and POST /v1/embeddings: parse, resolve,
// admission, Provider::complete / Provider::embed, served-model check, encode. A provider without
// the operation answers kUnsupported, which becomes a 400 envelope.
#include "config/gateway_config.h"
#include "openai_wire/downstream_codec.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/routing/model_resolver.h"
#include "server/routing/provider_set.h"

#include <utility>

namespace roci::server {
namespace {

bool asks_for_stream(const boost::json::object& extra) {
  auto it = extra.find("stream");
  return it != extra.end() && it->value().is_bool() && it->value().as_bool();
}

}  // namespace

asio::awaitable<void> handle_completions(RequestContext& ctx) {
  const auto& config = ctx.worker.config;
  auto parsed =
      openai_wire::parse_completion_request(ctx.request.body(), request_limits(config.limits));
  if (!parsed) co_return co_await fail(ctx, parsed.error());
  if (asks_for_stream(parsed->settings.extra)) {
    co_return co_await fail(
        ctx, Error::invalid_request("streaming is not supported on /v1/completions; use "
                                    "/v1/chat/completions with \"stream\": true",
                                    "stream"));
  }
  apply_generation_defaults(parsed->settings, config.inference);
  auto admitted = co_await resolve_and_admit(ctx, std::move(parsed->model), ModelPurpose::kChat);
  if (!admitted) co_return;
  parsed->model = admitted->resolved.request_model();
  forward_request_id(ctx, parsed->transport);

  UpstreamTimer timer(ctx.log);
  auto result = co_await admitted->resolved.provider->complete(std::move(*parsed));
  timer.stop();
  if (!result) co_return co_await fail_upstream(ctx, admitted->resolved, result.error());
  if (auto mismatch = check_served_model(admitted->resolved, result->model, config.inference,
                                         ctx.log.request_id)) {
    co_return co_await fail(ctx, std::move(*mismatch));
  }
  ctx.log.usage = result->usage;
  if (result->id.empty()) result->id = openai_wire::new_completion_id("cmpl-");
  if (result->model.empty()) result->model = admitted->resolved.model;
  if (result->created == 0) result->created = unix_seconds();
  auto sent = co_await ctx.writer.send(
      200, "application/json", openai_wire::encode_completion_response(*result),
      backend_header(ctx, served_backend(ctx, admitted->resolved, result->backend)));
  if (!sent) co_await fail(ctx, sent.error());
}

asio::awaitable<void> handle_embeddings(RequestContext& ctx) {
  const auto& config = ctx.worker.config;
  auto parsed =
      openai_wire::parse_embedding_request(ctx.request.body(), request_limits(config.limits));
  if (!parsed) co_return co_await fail(ctx, parsed.error());
  auto admitted =
      co_await resolve_and_admit(ctx, std::move(parsed->model), ModelPurpose::kEmbedding);
  if (!admitted) co_return;
  parsed->model = admitted->resolved.request_model();
  forward_request_id(ctx, parsed->transport);

  UpstreamTimer timer(ctx.log);
  auto result = co_await admitted->resolved.provider->embed(std::move(*parsed));
  timer.stop();
  if (!result) co_return co_await fail_upstream(ctx, admitted->resolved, result.error());
  // LM Studio answers with the "@quant" variant id; same_model accepts that.
  if (auto mismatch = check_served_model(admitted->resolved, result->model, config.inference,
                                         ctx.log.request_id)) {
    co_return co_await fail(ctx, std::move(*mismatch));
  }
  ctx.log.usage = result->usage;
  if (result->model.empty()) result->model = admitted->resolved.model;
  auto sent = co_await ctx.writer.send(
      200, "application/json", openai_wire::encode_embedding_response(*result),
      backend_header(ctx, served_backend(ctx, admitted->resolved, result->backend)));
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace roci::server
