#include "server/api/handler_support.h"

#include "config/gateway_config.h"
#include "server/api/http_error.h"
#include "server/routing/model_catalog.h"
#include "server/routing/model_resolver.h"
#include "server/routing/provider_set.h"

namespace roci::server {

openai_wire::RequestLimits request_limits(const config::LimitsSection& limits) {
  openai_wire::RequestLimits out;
  out.max_depth = limits.max_json_depth;
  out.max_messages = limits.max_messages;
  out.max_string_bytes = limits.max_string_bytes;
  out.max_tokens_ceiling = limits.max_tokens_ceiling;
  return out;
}

void apply_generation_defaults(GenerationSettings& settings,
                               const config::InferenceSection& inference) {
  if (!settings.max_tokens && inference.default_max_tokens != 0) {
    settings.max_tokens = inference.default_max_tokens;
  }
  if (!settings.temperature && inference.default_temperature >= 0) {
    settings.temperature = inference.default_temperature;
  }
}

namespace {

// The resolved model into ctx.log, and its admission without waiting: a fleet admits per backend
// inside its provider call (the slot stays empty: the backend is known once the fleet picked one,
// served_backend), the one upstream ("default") takes a free slot of the shared queue. False when
// none is free.
bool try_admit(RequestContext& ctx, Admitted& admitted) {
  ResolvedModel& model = admitted.resolved;
  ctx.log.upstream_wait += model.upstream_wait;
  ctx.log.model = model.model;
  ctx.log.model_listed = model.catalog != nullptr;
  if (ctx.worker.providers.fleet() != nullptr) return true;
  served_backend(ctx, model, {});
  admitted.slot = ctx.worker.admission.try_acquire();
  return static_cast<bool>(admitted.slot);
}

// try_admit() found no free slot: waits for one (time queued counts as upstream wait). nullopt
// when the wait failed (kQueueFull, kCancelled); that error was answered.
asio::awaitable<std::optional<Admitted>> wait_to_admit(RequestContext& ctx, Admitted admitted) {
  UpstreamTimer queued(ctx.log);
  Result<AdmissionQueue::Slot> waited = co_await ctx.worker.admission.acquire();
  queued.stop();
  if (!waited) {
    co_await fail(ctx, waited.error());
    co_return std::nullopt;
  }
  admitted.slot = std::move(*waited);
  if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
    co_await fail_cancelled(ctx);
    co_return std::nullopt;
  }
  co_return std::move(admitted);
}

// The model list had to be fetched first.
asio::awaitable<std::optional<Admitted>> resolve_then_admit(RequestContext& ctx,
                                                            std::string requested,
                                                            ModelPurpose purpose) {
  const auto& config = ctx.worker.config;
  Result<ResolvedModel> resolved = co_await resolve_model(
      std::move(requested), purpose, config.inference, ctx.worker.providers, ctx.worker.catalog);
  if (!resolved) {
    co_await fail(ctx, resolved.error());
    co_return std::nullopt;
  }
  Admitted admitted{std::move(*resolved), AdmissionQueue::Slot()};
  if (!try_admit(ctx, admitted)) co_return co_await wait_to_admit(ctx, std::move(admitted));
  if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
    co_await fail_cancelled(ctx);
    co_return std::nullopt;
  }
  co_return std::move(admitted);
}

asio::awaitable<std::optional<Admitted>> refuse_admission(RequestContext& ctx, Error e) {
  co_await fail(ctx, e);
  co_return std::nullopt;
}

asio::awaitable<std::optional<Admitted>> admitted_at_once(Admitted admitted) {
  co_return std::move(admitted);
}

}  // namespace

std::optional<asio::awaitable<std::optional<Admitted>>> resolve_and_admit_now(RequestContext& ctx,
                                                                              std::string requested,
                                                                              ModelPurpose purpose,
                                                                              Admitted& out) {
  ctx.log.requested_model = requested;
  // The catalog usually answers from its cache: no resolve_model frame then.
  auto resolved = try_resolve_model(requested, purpose, ctx.worker.config.inference,
                                    ctx.worker.providers, ctx.worker.catalog);
  if (!resolved) return resolve_then_admit(ctx, std::move(requested), purpose);
  if (!*resolved) return refuse_admission(ctx, std::move(resolved->error()));
  out.resolved = std::move(**resolved);
  if (!try_admit(ctx, out)) return wait_to_admit(ctx, std::move(out));
  return std::nullopt;
}

asio::awaitable<std::optional<Admitted>> resolve_and_admit(RequestContext& ctx,
                                                           std::string requested,
                                                           ModelPurpose purpose) {
  Admitted admitted;
  auto rest = resolve_and_admit_now(ctx, std::move(requested), purpose, admitted);
  if (!rest) return admitted_at_once(std::move(admitted));
  return std::move(*rest);
}

void forward_request_id(const RequestContext& ctx, std::optional<TransportOptions>& transport) {
  if (!transport) transport.emplace();
  transport->headers.emplace_back("X-Request-Id", ctx.log.request_id);
}

bool is_cancelled(const asio::cancellation_state& state) {
  return state.cancelled() != asio::cancellation_type::none;
}

namespace {

asio::awaitable<void> fail_with(RequestContext& ctx, Error e, StreamEncoder* stream) {
  if (e.kind == ErrorKind::kCancelled) {
    // Nothing can be written; send_error would only record it, without another suspension.
    ctx.log.status = 499;
    ctx.log.error_kind = e.kind;
    ctx.log.error_message = std::move(e.message);
    co_return;
  }
  co_await send_error(ctx, e, stream);
}

}  // namespace

asio::awaitable<void> fail(RequestContext& ctx, const Error& e, StreamEncoder* stream) {
  return fail_with(ctx, e, stream);
}

asio::awaitable<void> fail_cancelled(RequestContext& ctx) {
  return fail_with(ctx, Error::cancelled(), nullptr);
}

asio::awaitable<void> fail_upstream(RequestContext& ctx, const ResolvedModel& resolved,
                                    const Error& e) {
  if (e.kind == ErrorKind::kModelNotFound && resolved.provider != nullptr) {
    ctx.worker.catalog.invalidate(resolved.provider->name());
  }
  Error named = e;
  if (named.kind != ErrorKind::kCancelled)
    named.backend = std::string(served_backend(ctx, resolved, named.backend));
  return fail_with(ctx, std::move(named), nullptr);
}

std::string_view served_backend(RequestContext& ctx, const ResolvedModel& resolved,
                                std::string_view reported) {
  ProviderSet& providers = ctx.worker.providers;
  if (reported.empty() && providers.fleet() == nullptr && resolved.provider != nullptr) {
    reported = resolved.provider == &providers.primary()
                   ? config::kDefaultBackendName
                   : std::string_view(resolved.provider->name());
  }
  ctx.log.backend.assign(reported);
  return ctx.log.backend;
}

const Headers& backend_header(RequestContext& ctx, std::string_view backend) {
  static const Headers kNone;
  if (backend.empty()) return kNone;
  Headers& field = ctx.worker.backend_field;
  if (field.size() != 1 || field.front().second != backend) {
    field.assign(1, {std::string(kBackendHeader), std::string(backend)});
  }
  return field;
}

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

asio::awaitable<Result<ProviderHealth>> probe_health(RequestContext& ctx, Provider& provider) {
  UpstreamTimer timer(ctx.log);
  auto probed = co_await provider.health();
  timer.stop();
  ProviderHealth health;
  if (probed) {
    health = std::move(*probed);
  } else if (probed.error().kind == ErrorKind::kCancelled) {
    co_return probed.error();
  } else {
    health.reachable = false;
    health.detail = probed.error().message;
  }
  if (health.reachable && health.loaded_models.empty()) {
    // Some providers only know loaded state from their model list (cached, so cheap).
    UpstreamTimer list_timer(ctx.log);
    auto loaded = co_await ctx.worker.catalog.loaded_models(provider);
    list_timer.stop();
    if (loaded) health.loaded_models = std::move(*loaded);
  }
  co_return health;
}

}  // namespace roci::server
