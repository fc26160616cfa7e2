#include "server/routing/provider_set.h"

#include "config/gateway_config.h"
#include "server/observability/logging.h"
#include "server/routing/jit_gated_provider.h"

#include <roci/core/model_selector.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace roci::server {
namespace {

// inference.http as upstream options, with each retry logged (warn; a stale keep-alive resend at
// debug) and counted by `count_retry`.
HttpOptions gateway_http_options(const config::HttpSection& section,
                                 std::function<void()> count_retry) {
  HttpOptions http = config::to_http_options(section);
  // The workers' event loops run for the process's life: expired upstream connections are
  // closed on time, not at the next request (a quiet gateway holds no sockets to LM Studio).
  http.close_idle_on_timer = true;
  http.on_retry = [count = std::move(count_retry)](const HttpRetry& retry) {
    const std::string_view id =
        retry.request_id.empty() ? std::string_view("-") : std::string_view(retry.request_id);
    if (retry.stale_connection) {
      log_request(spdlog::level::debug, id,
                  "upstream keep-alive connection found closed, resending on a new one: {}",
                  retry.cause);
      return;
    }
    log_request(spdlog::level::warn, id, "upstream retry {}/{} in {} ms: {}", retry.attempt,
                retry.max_retries, retry.delay.count(), retry.cause);
    if (count) count();
  };
  return http;
}

// inference.mock as the mock's options. It lists inference.mock.models (by default the seed's
// example names), plus the configured default and allowed models; other names are a 404.
MockOptions gateway_mock_options(const config::InferenceSection& inference) {
  MockOptions options;
  options.models = inference.mock.models;
  options.completion_tokens = inference.mock.completion_tokens;
  options.token_delay = std::chrono::milliseconds(inference.mock.token_delay_ms);
  auto add_model = [&options](const std::string& m) {
    if (!m.empty() &&
        std::find(options.models.begin(), options.models.end(), m) == options.models.end()) {
      options.models.push_back(m);
    }
  };
  add_model(inference.default_model);
  for (const auto& m : inference.allowed_models) add_model(m);
  return options;
}

}  // namespace

Result<ProviderSpec> ProviderSet::primary_spec(const config::GatewayConfig& config,
                                               const ProviderRegistry& registry) {
  const auto& inference = config.inference;
  auto spec = registry.spec_from_env(inference.provider, inference.default_model);
  if (!spec) {
    Error e = spec.error();
    e.message = "inference.provider: " + e.message;
    e.param = "inference.provider";
    return e;
  }
  spec->base_url = inference.base_url;  // "" -> the kind's default, not the environment's
  spec->origin.base_url = "inference.base_url";
  if (!inference.api_key.empty()) {
    spec->api_key = inference.api_key;
    spec->origin.api_key = "inference.api_key";
  } else {
    spec->origin.api_key += " or inference.api_key";
  }
  spec->mock = gateway_mock_options(inference);
  return spec;
}

Result<std::shared_ptr<fleet::Fleet>> ProviderSet::create_fleet(const config::GatewayConfig& config,
                                                                std::function<void()> count_retry) {
  if (config.inference.backends.empty()) return std::shared_ptr<fleet::Fleet>();
  RociConfig env = RociConfig::from_env();
  env.http = gateway_http_options(config.inference.http, count_retry);
  ProviderRegistry registry(std::move(env));
  std::vector<fleet::BackendSpec> backends;
  for (const config::EffectiveBackend& b : config::effective_backends(config)) {
    auto spec = registry.spec_from_env(b.provider, config.inference.default_model);
    if (!spec) {
      Error e = spec.error();
      e.message = "backend \"" + b.name + "\": " + e.message;
      return e;
    }
    spec->name = b.name;
    spec->base_url = b.base_url;
    spec->origin.base_url = "base_url of backend \"" + b.name + "\"";
    if (!b.api_key.empty()) {
      spec->api_key = b.api_key;
      spec->origin.api_key = b.api_key_origin;
    } else {
      spec->api_key.clear();  // a backend's key comes only from its api_key_env
      spec->origin.api_key = "api_key_env of backend \"" + b.name + "\"";
    }
    spec->http = gateway_http_options(b.http, count_retry);
    spec->mock = gateway_mock_options(config.inference);
    backends.push_back({.name = b.name,
                        .provider = std::move(*spec),
                        .max_concurrent = b.max_concurrent,
                        .max_queue = config.limits.max_queue});
  }
  const auto& routing = config.routing;
  fleet::FleetOptions options{
      .probe_interval = std::chrono::seconds(routing.probe_interval_secs),
      .cooldown = std::chrono::seconds(routing.cooldown_secs),
      .spill_queue_depth = routing.spill_queue_depth,
      .queue_timeout = std::chrono::seconds(config.limits.queue_timeout_secs),
      .max_retries = config.inference.http.max_retries,
      .default_model = config.inference.default_model};
  return fleet::Fleet::create(std::move(backends), std::move(options), registry);
}

Result<ProviderSet> ProviderSet::create(const config::GatewayConfig& config,
                                        std::function<void()> count_retry,
                                        std::shared_ptr<fleet::Fleet> fleet) {
  RociConfig env = RociConfig::from_env();
  env.http = gateway_http_options(config.inference.http, std::move(count_retry));
  ProviderRegistry registry(std::move(env));
  if (fleet) {
    auto primary = std::make_unique<fleet::FleetProvider>(std::move(fleet));
    fleet::FleetProvider* raw = primary.get();
    ProviderSet set(std::move(primary), std::move(registry));
    set.fleet_ = raw;
    return set;
  }
  auto spec = primary_spec(config, registry);
  if (!spec) return spec.error();
  auto primary = registry.create(*spec);
  if (!primary) return primary.error();
  ProviderSet set(std::move(*primary), std::move(registry));
  const std::string_view kind = set.primary_->kind();
  if (kind == "lmstudio" || kind == "llamacpp") {
    // One gate per upstream for the whole process: every thread and configuration generation.
    auto gate =
        JitGate::shared(std::string(kind) + " " + set.primary_->base_url(),
                        {.queue_timeout = std::chrono::seconds(config.limits.queue_timeout_secs)});
    set.jit_gated_ = std::make_unique<JitGatedProvider>(*set.primary_, std::move(gate),
                                                        std::string(config::kDefaultBackendName));
  }
  return set;
}

ProviderSet::ProviderSet(std::unique_ptr<Provider> primary, RociConfig env)
    : ProviderSet(std::move(primary), ProviderRegistry(std::move(env))) {}

ProviderSet::ProviderSet(std::unique_ptr<Provider> primary, ProviderRegistry registry)
    : primary_(std::move(primary)), registry_(std::move(registry)) {}

ProviderSet::ProviderSet(ProviderSet&&) noexcept = default;
ProviderSet& ProviderSet::operator=(ProviderSet&&) noexcept = default;
ProviderSet::~ProviderSet() = default;

Result<Provider*> ProviderSet::for_selector(std::string_view provider_name) {
  if (provider_name == primary_->name() || provider_name == primary_->kind()) {
    return primary_.get();
  }
  if (auto it = others_.find(provider_name); it != others_.end()) return it->second.get();
  // Only what the configuration names is reachable: a selector never builds a provider from the
  // environment (OPENAI_API_KEY there must not let any client spend it).
  return Error{.kind = ErrorKind::kModelNotFound,
               .message = "Provider \"" + std::string(provider_name) +
                          "\" is not configured on this gateway (it serves " +
                          std::string(primary_->kind()) +
                          "); use a model id without a provider prefix.",
               .param = "model"};
}

void ProviderSet::add(std::string name, std::unique_ptr<Provider> provider) {
  others_[std::move(name)] = std::move(provider);
}

}  // namespace roci::server
