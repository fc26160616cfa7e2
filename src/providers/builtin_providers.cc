// The built-in providers, registered explicitly (static self-registration would be dropped by the
// linker). Adding a provider = its directory + one add() in register_builtin_providers() (and, for
// "kind:model" selectors from the environment, its variables in RociConfig).
#include "net/url.h"

#include <roci/provider/llamacpp_provider.h>
#include <roci/provider/lmstudio_provider.h>
#include <roci/provider/mock_provider.h>
#include <roci/provider/openai_provider.h>
#include <roci/provider/registry.h>

namespace roci {
namespace {

// "the openai provider", or "the openai provider \"backend-2\"" for a named instance.
std::string describe(const ProviderSpec& spec) {
  std::string out = "the " + spec.kind + " provider";
  if (!spec.name.empty() && spec.name != spec.kind) out += " \"" + spec.name + "\"";
  return out;
}

// spec.base_url, or the kind's default when empty; an error naming spec.origin.base_url when it
// does not parse (net::parse_base_url: http(s), a host, no credentials, query or fragment).
Result<std::string> base_url_of(const ProviderSpec& spec, std::string_view default_url) {
  std::string url = spec.base_url.empty() ? std::string(default_url) : spec.base_url;
  if (auto origin = net::parse_base_url(url); !origin) {
    Error error = origin.error();
    error.message =
        spec.origin.base_url + " is invalid for " + describe(spec) + ": " + error.message;
    return error;
  }
  return url;
}

std::string model_or(const ProviderSpec& spec, std::string_view default_model) {
  return spec.model.empty() ? std::string(default_model) : spec.model;
}

Result<std::unique_ptr<Provider>> make_lmstudio(const ProviderSpec& spec) {
  auto base_url = base_url_of(spec, kLmStudioDefaultBaseUrl);
  if (!base_url) return base_url.error();
  return std::unique_ptr<Provider>(std::make_unique<LmStudioProvider>(
      LmStudioModel::custom(model_or(spec, "local-model")), std::move(*base_url),
      LmStudioOptions{.api_key = spec.api_key, .http = spec.http, .name = spec.name}));
}

ProviderSpec lmstudio_env(const RociConfig& env) {
  return ProviderSpec{.base_url = env.lmstudio_base_url,
                      .api_key = env.lmstudio_api_key,
                      .origin = {.base_url = "LMSTUDIO_BASE_URL", .api_key = "LMSTUDIO_API_KEY"}};
}

Result<std::unique_ptr<Provider>> make_llamacpp(const ProviderSpec& spec) {
  auto base_url = base_url_of(spec, kLlamaCppDefaultBaseUrl);
  if (!base_url) return base_url.error();
  // No default model: llama-server serves the model it was started with.
  return std::unique_ptr<Provider>(std::make_unique<LlamaCppProvider>(
      spec.model, std::move(*base_url),
      LlamaCppOptions{.api_key = spec.api_key, .http = spec.http, .name = spec.name}));
}

ProviderSpec llamacpp_env(const RociConfig& env) {
  return ProviderSpec{.base_url = env.llamacpp_base_url,
                      .api_key = env.llamacpp_api_key,
                      .origin = {.base_url = "LLAMACPP_BASE_URL", .api_key = "LLAMACPP_API_KEY"}};
}

// OpenAI's own API needs a key; another OpenAI-compatible server at spec.base_url (vLLM, a roci
// gateway without auth) may need none.
Result<std::unique_ptr<Provider>> make_openai(const ProviderSpec& spec) {
  auto base_url = base_url_of(spec, kOpenAiDefaultBaseUrl);
  if (!base_url) return base_url.error();
  const bool openai_itself = net::parse_base_url(*base_url)->host == "api.openai.com";
  if (spec.api_key.empty() && openai_itself) {
    return Error::invalid_request(describe(spec) + " needs an API key: set " + spec.origin.api_key);
  }
  return std::unique_ptr<Provider>(std::make_unique<OpenAiProvider>(
      model_or(spec, "gpt-4o-mini"), spec.api_key, std::move(*base_url),
      OpenAiOptions{.organization = spec.organization,
                    .project = spec.project,
                    .http = spec.http,
                    .name = spec.name}));
}

ProviderSpec openai_env(const RociConfig& env) {
  return ProviderSpec{.base_url = env.openai_base_url,
                      .api_key = env.openai_api_key,
                      .organization = env.openai_organization,
                      .project = env.openai_project,
                      .origin = {.base_url = "OPENAI_BASE_URL", .api_key = "OPENAI_API_KEY"}};
}

// The mock lists spec.mock.models (at least the model it serves); any other name is a 404 listing
// them.
Result<std::unique_ptr<Provider>> make_mock(const ProviderSpec& spec) {
  MockOptions options = spec.mock;
  if (options.models.empty()) options.models.push_back("mock-model");
  std::string model = model_or(spec, options.models.front());
  return std::unique_ptr<Provider>(
      std::make_unique<MockProvider>(std::move(options), std::move(model), spec.name));
}

ProviderSpec mock_env(const RociConfig& env) { return ProviderSpec{.mock = env.mock}; }

}  // namespace

void register_builtin_providers(ProviderRegistry& registry) {
  registry.add("lmstudio", &make_lmstudio, &lmstudio_env);
  registry.add("llamacpp", &make_llamacpp, &llamacpp_env);
  registry.add("openai", &make_openai, &openai_env);
  registry.add("mock", &make_mock, &mock_env);
}

}  // namespace roci
