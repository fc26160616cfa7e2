// ProviderRegistry: the one way providers are built, and the one list of provider kinds.
//
//   roci::ProviderRegistry registry(roci::RociConfig::from_env());
//   auto provider = registry.create("lmstudio:llama3.3");   // Result<unique_ptr<Provider>>
//   auto backend = registry.create(roci::ProviderSpec{.kind = "llamacpp", .name = "gpu-1",
//                                                     .base_url = "http://10.0.0.7:8080"});
//
// The built-in kinds (llamacpp, lmstudio, mock, openai) are registered explicitly by the
// constructor (src/providers/builtin_providers.cc: one add() per kind); add() registers more.
// create(spec) builds one instance from a ProviderSpec (provider_spec.h). create(selector) builds
// the spec from the RociConfig given to the constructor (LMSTUDIO_BASE_URL, OPENAI_API_KEY, ...,
// through the kind's EnvSpec) with the selector's model, then calls create(spec).
// Errors (all kInvalidRequest): an unknown kind, listing the known ones; a malformed selector; a
// spec its factory refuses (openai without a key names the variable or key to set; a base URL that
// does not parse names where it came from).
// Threading: create() is const and touches no shared state; add() is not thread-safe.
#pragma once

#include <roci/export.h>

#include <roci/core/error.h>
#include <roci/core/model_selector.h>
#include <roci/provider/provider.h>
#include <roci/provider/provider_spec.h>
#include <roci/provider/roci_config.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace roci {

class ROCI_EXPORT ProviderRegistry {
 public:
  // Builds one provider from a spec whose kind is the registered one. Fills the kind's defaults;
  // refuses (kInvalidRequest) a spec it cannot build, naming the setting through spec.origin.
  using Factory = std::function<Result<std::unique_ptr<Provider>>(const ProviderSpec&)>;
  // The kind's part of RociConfig as a spec: base_url, api_key, organization, project, mock and
  // origin (the variable names). The registry sets kind, model and http.
  using EnvSpec = std::function<ProviderSpec(const RociConfig&)>;

  explicit ProviderRegistry(RociConfig config = RociConfig::from_env());

  // Registers (or replaces) `kind`. Without env_spec, selectors for the kind get a spec with only
  // kind, model and http set.
  void add(std::string kind, Factory factory, EnvSpec env_spec = {});

  Result<std::unique_ptr<Provider>> create(const ProviderSpec& spec) const;
  Result<std::unique_ptr<Provider>> create(std::string_view selector) const;
  Result<std::unique_ptr<Provider>> create(const LanguageModel& model) const;

  // The spec create(selector) builds for `kind` and `model` ("" -> the kind's default) from the
  // constructor's RociConfig. Errors: an unknown kind (param "model", as for a selector).
  Result<ProviderSpec> spec_from_env(std::string_view kind, std::string model = {}) const;

  bool contains(std::string_view kind) const { return kinds_.find(kind) != kinds_.end(); }
  std::vector<std::string_view> names() const;  // sorted
  const RociConfig& config() const { return config_; }

 private:
  struct Kind {
    Factory factory;
    EnvSpec env_spec;
  };
  Error unknown_kind(std::string_view kind, std::string param) const;

  RociConfig config_;
  std::map<std::string, Kind, std::less<>> kinds_;
};

// Registers llamacpp, lmstudio, mock and openai (one add() each).
ROCI_EXPORT void register_builtin_providers(ProviderRegistry& registry);

}  // namespace roci
