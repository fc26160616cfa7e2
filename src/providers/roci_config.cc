#include <roci/provider/roci_config.h>

#include <cstdlib>

namespace roci {

RociConfig RociConfig::from_env() {
  return from_env([](const char* name) -> const char* {
    return std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once at start-up
  });
}

RociConfig RociConfig::from_env(const std::function<const char*(const char*)>& getenv) {
  RociConfig config;
  // An unset or empty variable keeps the default.
  auto read = [&getenv](const char* name, std::string& into) {
    if (const char* value = getenv(name); value != nullptr && *value != '\0') into = value;
  };
  read("LMSTUDIO_BASE_URL", config.lmstudio_base_url);
  read("LMSTUDIO_API_KEY", config.lmstudio_api_key);
  read("OPENAI_API_KEY", config.openai_api_key);
  read("OPENAI_BASE_URL", config.openai_base_url);
  read("OPENAI_ORG_ID", config.openai_organization);
  read("OPENAI_PROJECT_ID", config.openai_project);
  read("LLAMACPP_BASE_URL", config.llamacpp_base_url);
  read("LLAMACPP_API_KEY", config.llamacpp_api_key);
  return config;
}

}  // namespace roci
