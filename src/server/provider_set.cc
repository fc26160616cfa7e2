#include "server/provider_set.h"

#include "config/gateway_config.h"

#include <roci/core/model_selector.h>
#include <roci/provider/lmstudio_provider.h>
#include <roci/provider/mock_provider.h>
#include <roci/provider/openai_provider.h>
#include <roci/provider/registry.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

namespace roci::server {
namespace {

constexpr std::array<std::string_view, 3> kKnownProviders{"lmstudio", "openai", "mock"};

// The model a lazily created provider is built with. Requests always name their model after
// resolution, so this only shows up as Provider::model_id().
std::string placeholder_model(std::string_view provider_name) {
  return provider_name == "mock" ? "mock-model" : "default";
}

Result<std::unique_ptr<Provider>> make_primary(const config::GatewayConfig& config,
                                               const RociConfig& env) {
  const auto& inference = config.inference;
  HttpOptions http = env.http;  // config::to_http_options + the retry log (gateway_http_options)
  if (inference.provider == "lmstudio") {
    std::string base_url =
        inference.base_url.empty() ? std::string(kLmStudioDefaultBaseUrl) : inference.base_url;
    LmStudioOptions options{
        .api_key = inference.api_key.empty() ? env.lmstudio_api_key : inference.api_key,
        .http = std::move(http)};
    std::unique_ptr<Provider> p = std::make_unique<LmStudioProvider>(
        LmStudioModel::custom(inference.default_model.empty() ? "local-model"
                                                              : inference.default_model),
        std::move(base_url), std::move(options));
    return p;
  }
  if (inference.provider == "openai") {
    std::string key = inference.api_key.empty() ? env.openai_api_key : inference.api_key;
    if (key.empty()) {
      return Error::invalid_request(
          "the openai provider needs an API key: set OPENAI_API_KEY (or inference.api_key)",
          "inference.api_key");
    }
    std::string base_url =
        inference.base_url.empty() ? std::string(kOpenAiDefaultBaseUrl) : inference.base_url;
    OpenAiOptions options{.organization = env.openai_organization,
                          .project = env.openai_project,
                          .http = std::move(http)};
    std::unique_ptr<Provider> p = std::make_unique<OpenAiProvider>(
        inference.default_model.empty() ? "gpt-4o-mini" : inference.default_model, std::move(key),
        std::move(base_url), std::move(options));
    return p;
  }
  if (inference.provider == "mock") {
    // The mock lists inference.mock.models (by default the seed's example names), plus the
    // configured default and allowed models, and serves whatever name it is asked for.
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
    if (options.models.empty()) options.models.push_back("mock-model");
    std::string model =
        inference.default_model.empty() ? options.models.front() : inference.default_model;
    std::unique_ptr<Provider> p = std::make_unique<MockProvider>(std::move(options), model);
    return p;
  }
  return Error::invalid_request(
      "unknown inference.provider \"" + inference.provider + "\": use lmstudio, openai or mock",
      "inference.provider");
}

// inference.http as upstream options, with each retry logged (warn; a stale keep-alive resend at
// debug) and counted by `count_retry`.
HttpOptions gateway_http_options(const config::GatewayConfig& config,
                                 std::function<void()> count_retry) {
  HttpOptions http = config::to_http_options(config.inference.http);
  // The workers' event loops run for the process's life: expired upstream connections are
  // closed on time, not at the next request (a quiet gateway holds no sockets to LM Studio).
  http.close_idle_on_timer = true;
  http.on_retry = [count = std::move(count_retry)](const HttpRetry& retry) {
    if (retry.stale_connection) {
      spdlog::debug("upstream keep-alive connection found closed, resending on a new one: {}",
                    retry.cause);
      return;
    }
    spdlog::warn("upstream retry {}/{} in {} ms: {}", retry.attempt, retry.max_retries,
                 retry.delay.count(), retry.cause);
    if (count) count();
  };
  return http;
}

}  // namespace

Result<ProviderSet> ProviderSet::create(const config::GatewayConfig& config,
                                        std::function<void()> count_retry) {
  RociConfig env = RociConfig::from_env();
  env.http = gateway_http_options(config, std::move(count_retry));
  auto primary = make_primary(config, env);
  if (!primary) return primary.error();
  return ProviderSet(std::move(*primary), std::move(env));
}

ProviderSet::ProviderSet(std::unique_ptr<Provider> primary, RociConfig env)
    : primary_(std::move(primary)), env_(std::move(env)) {}

ProviderSet::ProviderSet(ProviderSet&&) noexcept = default;
ProviderSet& ProviderSet::operator=(ProviderSet&&) noexcept = default;
ProviderSet::~ProviderSet() = default;

Result<Provider*> ProviderSet::for_selector(std::string_view provider_name) {
  if (provider_name == primary_->name()) return primary_.get();
  if (auto it = others_.find(provider_name); it != others_.end()) return it->second.get();
  if (!is_known_provider(provider_name)) {
    return Error::invalid_request("unknown provider \"" + std::string(provider_name) +
                                      "\" in the model selector: use lmstudio, openai or mock",
                                  "model");
  }
  // Built once per thread on first use; the registry reads nothing but env_.
  ProviderRegistry registry(env_);
  auto created = registry.create(LanguageModel(
      LanguageModel::Known{std::string(provider_name), placeholder_model(provider_name)}));
  if (!created) {
    Error e = created.error();
    if (e.kind == ErrorKind::kInvalidRequest && e.param.empty()) e.param = "model";
    return e;
  }
  Provider* raw = created->get();
  others_.emplace(std::string(provider_name), std::move(*created));
  return raw;
}

void ProviderSet::add(std::string name, std::unique_ptr<Provider> provider) {
  others_[std::move(name)] = std::move(provider);
}

std::span<const std::string_view> ProviderSet::known_providers() { return kKnownProviders; }

bool ProviderSet::is_known_provider(std::string_view name) {
  return std::find(kKnownProviders.begin(), kKnownProviders.end(), name) != kKnownProviders.end();
}

}  // namespace roci::server
