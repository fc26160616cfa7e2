// ProviderSpec: everything one provider instance is built from, whatever its kind.
//
//   roci::ProviderSpec spec{.kind = "llamacpp", .name = "gpu-1", .base_url = "http://gpu:8080"};
//   auto provider = roci::ProviderRegistry().create(spec);  // Result<unique_ptr<Provider>>
//
// ProviderRegistry::create(spec) hands the spec to the factory registered for `kind`; the factory
// fills what is left empty with the kind's defaults (base URL, model) and refuses a spec it cannot
// build (a base URL that does not parse, openai without a key) with an InvalidRequest error that
// names the setting to fix, as `origin` spells it. The SDK's selectors build specs from
// RociConfig::from_env(); the gateway builds its specs from its configuration.
#pragma once

#include <roci/core/http_options.h>
#include <roci/provider/mock_provider.h>

#include <string>

namespace roci {

// Where a spec's settings come from, in the words errors use to say what to fix.
struct SpecOrigin {
  std::string base_url = "base_url";  // "LMSTUDIO_BASE_URL", "inference.base_url"
  std::string api_key = "api_key";    // "OPENAI_API_KEY", "OPENAI_API_KEY or inference.api_key"
};

struct ProviderSpec {
  std::string kind;          // the registered factory: "lmstudio", "openai", "mock", "llamacpp"
  std::string name;          // the instance's Provider::name(); "" -> kind
  std::string base_url;      // "" -> the kind's default (e.g. http://localhost:1234 for lmstudio)
  std::string api_key;       // Bearer token; "" -> none (openai requires one)
  std::string model;         // used when a request names none; "" -> the kind's default
  HttpOptions http;          // deadlines, pool, retries (LM Studio clamps keep_alive below 5 s)
  std::string organization;  // openai: OpenAI-Organization header, when set
  std::string project;       // openai: OpenAI-Project header, when set
  MockOptions mock;          // mock: answers, delays, faults and the models it lists
  SpecOrigin origin;

  // name, or kind when no name is set.
  const std::string& instance_name() const { return name.empty() ? kind : name; }
};

}  // namespace roci
