// ProviderSet: the providers one I/O thread talks to.
//
//   auto providers = ProviderSet::create(config);           // Result<ProviderSet>, per thread
//   roci::Provider& lmstudio = providers->primary();         // built from config.inference
//   auto same = providers->for_selector("lmstudio");         // "lmstudio:qwen3" selectors
//
// Every provider is built by roci::ProviderRegistry. The primary's spec comes from
// `config.inference` (provider, base_url, default_model, api_key, http, mock) over the kind's
// environment (its API key when inference.api_key is empty, OpenAI organization and project); its
// base URL is inference.base_url or the kind's default, never an environment variable. Only
// configured providers are reachable from a request: a selector names the primary (by name or
// kind) or nothing (for_selector). Every provider gets the same HTTP options
// (config::to_http_options: timeout_secs -> request_timeout, connect, first byte and stream idle
// (0 -> timeout), stream total, keep-alive, pool size, CA file; idle connections closed on a
// timer; each retry logged). Upstream base URLs come only from configuration, never from a
// request.
//
// The fleet (inference.backends, FLEET.md): create_fleet() builds the one shared Fleet from the
// configured backends (each spec as the primary's, per backend: kind, base URL, key from its
// api_key_env, inference.http with its overrides, max_concurrent, limits.max_queue); create()
// given that Fleet makes the primary a fleet::FleetProvider over it, and selectors are then the
// fleet's ("desk:m", "lmstudio:m"), resolved by the model resolver, never built from the
// environment. Without inference.backends there is no Fleet and the primary is the one upstream;
// an LM Studio or llama.cpp primary also gets jit_gated(): the same upstream behind the
// process-wide JitGate of its base URL (limits.queue_timeout_secs bounds a wait), which the
// resolver hands out for a model that is not loaded (single flight with one host).
//
// Threading: not thread-safe, like the providers it owns (each keeps a connection pool per
// io_context). Build one per I/O thread; it must outlive every request on that thread.
#pragma once

#include <roci/core/error.h>
#include <roci/core/http_options.h>
#include <roci/provider/provider.h>
#include <roci/provider/provider_spec.h>
#include <roci/provider/registry.h>
#include <roci/provider/roci_config.h>

#include <roci/fleet/fleet.h>
#include <roci/fleet/fleet_provider.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace roci::config {
struct GatewayConfig;
}  // namespace roci::config

namespace roci::server {

class ProviderSet {
 public:
  // Builds the primary from the config and remembers RociConfig::from_env() for lazy providers.
  // Every provider logs its upstream retries (warn) and reports each to `count_retry` (may be
  // empty), on the thread that made the request.
  // Errors: kInvalidRequest for an unknown provider kind or a spec the registry refuses (an
  // openai provider without a key names OPENAI_API_KEY and inference.api_key).
  static Result<ProviderSet> create(const config::GatewayConfig& config,
                                    std::function<void()> count_retry = {},
                                    std::shared_ptr<fleet::Fleet> fleet = nullptr);

  // The shared Fleet of inference.backends; nullptr when none is configured. Each backend's
  // upstream retries are logged and reported to `count_retry` on the requesting thread.
  // Errors: kInvalidRequest naming the backend and the setting (Fleet::create's checks).
  static Result<std::shared_ptr<fleet::Fleet>> create_fleet(const config::GatewayConfig& config,
                                                            std::function<void()> count_retry);

  // For tests and embedders: a given primary; `env` configures lazily created providers.
  explicit ProviderSet(std::unique_ptr<Provider> primary, RociConfig env = RociConfig{});
  ProviderSet(std::unique_ptr<Provider> primary, ProviderRegistry registry);

  ProviderSet(ProviderSet&&) noexcept;
  ProviderSet& operator=(ProviderSet&&) noexcept;
  ~ProviderSet();

  Provider& primary() { return *primary_; }
  // The primary as a FleetProvider when the gateway fronts a fleet; nullptr otherwise.
  fleet::FleetProvider* fleet() { return fleet_; }
  // The primary behind the process-wide JIT gate (jit_gated_provider.h), for a request whose
  // model the primary has not loaded; nullptr with a fleet, or for kinds that never load on
  // demand (openai, mock).
  Provider* jit_gated() { return jit_gated_.get(); }
  const Provider& primary() const { return *primary_; }

  // The provider for a selector prefix: the primary when `provider_name` is its name or kind,
  // else one installed with add(). Nothing else is reachable from a request: a registered kind
  // the configuration does not name ("openai:gpt-4o" on an LM Studio gateway, "mock:x" on any
  // gateway not configured with the mock) is kModelNotFound (param "model"), whatever the
  // environment holds (OPENAI_API_KEY). Never builds a provider.
  Result<Provider*> for_selector(std::string_view provider_name);

  // Test hook: install `provider` as the one for_selector(name) returns.
  void add(std::string name, std::unique_ptr<Provider> provider);

  // The registry every provider of the set is built by; its kinds are the selector prefixes.
  const ProviderRegistry& registry() const { return registry_; }

  // The spec the primary is built from: config.inference over `registry`'s environment for the
  // kind. Errors: an unknown inference.provider.
  static Result<ProviderSpec> primary_spec(const config::GatewayConfig& config,
                                           const ProviderRegistry& registry);

 private:
  std::unique_ptr<Provider> primary_;
  fleet::FleetProvider* fleet_ = nullptr;  // primary_, when it is the fleet
  std::unique_ptr<Provider> jit_gated_;    // over *primary_
  ProviderRegistry registry_;
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> others_;
};

}  // namespace roci::server
