// RociConfig: where each provider lives, read from the environment.
//
//   auto config = roci::RociConfig::from_env();
//   // LMSTUDIO_BASE_URL   (default http://localhost:1234)   LMSTUDIO_API_KEY (optional)
//   // OPENAI_API_KEY      OPENAI_BASE_URL (default https://api.openai.com/v1)
//   // OPENAI_ORG_ID       OPENAI_PROJECT_ID
//   // LLAMACPP_BASE_URL   (default http://localhost:8080)   LLAMACPP_API_KEY (optional)
//
// ProviderRegistry turns it into one ProviderSpec per kind for "provider:model" selectors.
#pragma once

#include <roci/export.h>

#include <roci/core/http_options.h>
#include <roci/provider/mock_provider.h>

#include <functional>
#include <string>

namespace roci {

struct ROCI_EXPORT RociConfig {
  std::string lmstudio_base_url{"http://localhost:1234"};
  std::string lmstudio_api_key;
  std::string openai_api_key;
  std::string openai_base_url{"https://api.openai.com/v1"};
  std::string openai_organization;
  std::string openai_project;
  std::string llamacpp_base_url{"http://localhost:8080"};
  std::string llamacpp_api_key;  // llama-server --api-key, when it was started with one
  HttpOptions http;
  MockOptions mock;

  static RociConfig from_env();
  // Same, reading variables through `getenv` (tests pass a map lookup).
  static RociConfig from_env(const std::function<const char*(const char*)>& getenv);
};

}  // namespace roci
