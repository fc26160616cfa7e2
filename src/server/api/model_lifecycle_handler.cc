// POST /v1/models/{id}/load and POST /v1/models/{id}/unload: a model's lifecycle through the
// gateway (FLEET.md "Decided details").
//
//   curl -X POST localhost:3000/v1/models/qwen3-8b/load -d '{"backend":"desk"}'
//   -> 200 {"id":"qwen3-8b","object":"model.load","status":"loaded","already":false,
//           "backend":"desk","instance_id":"qwen3-8b","duration_ms":5210}   X-Roci-Backend: desk
//
// Who may: with gateway API keys configured, any client with a key (the session checked it);
// with none, loopback clients only (403 otherwise): loading evicts models and takes a host's
// memory, so it is not open to the network by default. The id is resolved like a request's model
// (union of the backends, allow-list; "desk:m" or {"backend":"desk"} pins a host); the provider
// then loads or unloads it, at most once at a time per model in the fleet (single flight: a second
// load of the same model waits for the first and answers "already": true). A host without a
// load API (older LM Studio, llama.cpp with one model, OpenAI) is a 400 kUnsupported naming it.
#include "config/gateway_config.h"
#include "openai_wire/downstream_codec.h"
#include "server/admin/admin_access.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/routing/model_catalog.h"
#include "server/routing/model_resolver.h"
#include "server/routing/provider_set.h"

#include <algorithm>
#include <utility>

namespace roci::server {
namespace {

Error loopback_only() {
  return Error{.kind = ErrorKind::kPermissionDenied,
               .message =
                   "Model load and unload are served to loopback clients only while no "
                   "gateway API keys are configured: set auth.api_keys (or "
                   "auth.api_keys_file) to allow them from other hosts.",
               .code = "loopback_only"};
}

// The backend named in the body as a selector prefix, or why it cannot be.
Result<std::string> backend_prefix(RequestContext& ctx, const std::string& backend) {
  if (backend.empty()) return std::string();
  std::vector<std::string> names;
  if (const fleet::FleetProvider* fleet = ctx.worker.providers.fleet()) {
    for (const auto& b : fleet->fleet().backends()) names.push_back(b.name);
  } else {
    names.emplace_back(config::kDefaultBackendName);
  }
  if (std::find(names.begin(), names.end(), backend) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return Error::invalid_request(
        "Unknown backend \"" + backend + "\"; the configured backends are: " + list + ".",
        "backend");
  }
  return ctx.worker.providers.fleet() != nullptr ? backend + ":" : std::string();
}

asio::awaitable<void> change_model(RequestContext& ctx, std::string id, bool load) {
  const auto& config = ctx.worker.config;
  if (config.auth.api_keys.empty() && !admin::is_loopback(ctx.peer)) {
    co_return co_await fail(ctx, loopback_only());
  }
  auto body =
      openai_wire::parse_model_lifecycle_request(ctx.request.body(), request_limits(config.limits));
  if (!body) co_return co_await fail(ctx, body.error());
  auto prefix = backend_prefix(ctx, body->backend);
  if (!prefix) co_return co_await fail(ctx, prefix.error());

  auto resolved = co_await resolve_model(*prefix + id, ModelPurpose::kChat, config.inference,
                                         ctx.worker.providers, ctx.worker.catalog);
  if (!resolved) co_return co_await fail(ctx, resolved.error());
  ctx.log.model = resolved->model;
  ctx.log.upstream_wait += resolved->upstream_wait;

  Provider& provider = *resolved->provider;
  UpstreamTimer timer(ctx.log);
  Result<ModelLoadResult> done = Error::internal("no model operation ran");
  if (load) {
    done = co_await provider.load_model(resolved->request_model());
  } else {
    done = co_await provider.unload_model(resolved->request_model());
  }
  timer.stop();
  if (!done) co_return co_await fail_upstream(ctx, *resolved, done.error());
  if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
    co_return co_await fail_cancelled(ctx);
  }
  ctx.worker.catalog.invalidate(provider.name());  // the loaded state changed
  if (done->model.empty()) done->model = resolved->model;
  const std::string backend(served_backend(ctx, *resolved, done->backend));
  if (done->backend.empty()) done->backend = backend;
  auto sent = co_await ctx.writer.send(200, "application/json",
                                       openai_wire::encode_model_lifecycle_result(*done, load),
                                       backend_header(ctx, backend));
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace

asio::awaitable<void> handle_model_load(RequestContext& ctx, std::string id) {
  co_await change_model(ctx, std::move(id), /*load=*/true);
}

asio::awaitable<void> handle_model_unload(RequestContext& ctx, std::string id) {
  co_await change_model(ctx, std::move(id), /*load=*/false);
}

}  // namespace roci::server
