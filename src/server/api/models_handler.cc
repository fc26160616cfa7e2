// GET /v1/models and GET /v1/models/{id}: the primary provider's models (the cached catalog,
// LM Studio: /v1/models refined by /api/v0/models), filtered by inference.allowed_models. With a
// fleet: the union of the backends' models from their last probes (no upstream call), each id
// once, with "backends" (who has it) and "loaded" (loaded anywhere).
#include "config/gateway_config.h"
#include "openai_wire/downstream_codec.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/routing/model_catalog.h"
#include "server/routing/model_resolver.h"
#include "server/routing/provider_set.h"

#include <algorithm>
#include <utility>

namespace roci::server {
namespace {

asio::awaitable<Result<std::vector<ModelInfo>>> visible_models(RequestContext& ctx) {
  if (const fleet::FleetProvider* fleet = ctx.worker.providers.fleet()) {
    co_return filter_allowed(fleet->fleet().models(), ctx.worker.config.inference.allowed_models,
                             "");
  }
  Provider& provider = ctx.worker.providers.primary();
  UpstreamTimer timer(ctx.log);
  auto list = co_await ctx.worker.catalog.models(provider);
  timer.stop();
  if (!list) co_return list.error();
  co_return filter_allowed(**list, ctx.worker.config.inference.allowed_models, provider.name());
}

}  // namespace

asio::awaitable<void> handle_models(RequestContext& ctx) {
  auto models = co_await visible_models(ctx);
  if (!models) co_return co_await fail(ctx, models.error());
  auto sent =
      co_await ctx.writer.send(200, "application/json", openai_wire::encode_model_list(*models));
  if (!sent) co_await fail(ctx, sent.error());
}

asio::awaitable<void> handle_model(RequestContext& ctx, std::string id) {
  auto models = co_await visible_models(ctx);
  if (!models) co_return co_await fail(ctx, models.error());
  auto it =
      std::find_if(models->begin(), models->end(), [&](const ModelInfo& m) { return m.id == id; });
  if (it == models->end()) {
    std::vector<std::string> ids = model_ids(*models);
    std::string message = "Model \"" + std::string(id) + "\" not found.";
    if (!ids.empty()) {
      message += " Available models:";
      for (std::size_t i = 0; i < ids.size(); ++i) message += (i == 0 ? " " : ", ") + ids[i];
      message += ".";
    }
    co_return co_await fail(ctx, Error::model_not_found(std::move(message), std::move(ids)));
  }
  ctx.log.model = it->id;
  ctx.log.model_listed = true;
  auto sent = co_await ctx.writer.send(200, "application/json", openai_wire::encode_model(*it));
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace roci::server
