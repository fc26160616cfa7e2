// The built-in providers, registered explicitly (static self-registration would be dropped by the
// linker). Adding a provider = its directory + one line in register_builtin_providers().
#include "net/url.h"

#include <roci/provider/lmstudio_provider.h>
#include <roci/provider/mock_provider.h>
#include <roci/provider/openai_provider.h>
#include <roci/provider/registry.h>

namespace roci {
namespace {

Result<std::unique_ptr<Provider>> make_lmstudio(const RociConfig& config, std::string_view model) {
  if (auto origin = net::parse_base_url(config.lmstudio_base_url); !origin) {
    Error error = origin.error();
    error.message = "LMSTUDIO_BASE_URL is invalid: " + error.message;
    return error;
  }
  return std::unique_ptr<Provider>(std::make_unique<LmStudioProvider>(
      LmStudioModel::custom(std::string(model)), config.lmstudio_base_url,
      LmStudioOptions{.api_key = config.lmstudio_api_key, .http = config.http}));
}

Result<std::unique_ptr<Provider>> make_openai(const RociConfig& config, std::string_view model) {
  if (config.openai_api_key.empty()) {
    return Error::invalid_request("the openai provider needs an API key: set OPENAI_API_KEY");
  }
  if (auto origin = net::parse_base_url(config.openai_base_url); !origin) {
    Error error = origin.error();
    error.message = "OPENAI_BASE_URL is invalid: " + error.message;
    return error;
  }
  return std::unique_ptr<Provider>(std::make_unique<OpenAiProvider>(
      std::string(model), config.openai_api_key, config.openai_base_url,
      OpenAiOptions{.organization = config.openai_organization,
                    .project = config.openai_project,
                    .http = config.http}));
}

Result<std::unique_ptr<Provider>> make_mock(const RociConfig& config, std::string_view model) {
  return std::unique_ptr<Provider>(std::make_unique<MockProvider>(config.mock, std::string(model)));
}

}  // namespace

void register_builtin_providers(ProviderRegistry& registry) {
  registry.add("lmstudio", &make_lmstudio);
  registry.add("openai", &make_openai);
  registry.add("mock", &make_mock);
}

}  // namespace roci
