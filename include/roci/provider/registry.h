// ProviderRegistry: build a provider from a "provider:model" selector.
//
//   roci::ProviderRegistry registry(roci::RociConfig::from_env());
//   auto provider = registry.create("lmstudio:llama3.3");   // Result<unique_ptr<Provider>>
//
// The built-in providers (lmstudio, openai, mock) are registered explicitly by the constructor
// (src/providers/builtin_providers.cc); add() registers more. An unknown provider name is an
// InvalidRequest error that lists the known ones; openai without OPENAI_API_KEY is an error that
// says which variable to set.
#pragma once

#include <roci/core/error.h>
#include <roci/core/model_selector.h>
#include <roci/provider/provider.h>
#include <roci/provider/roci_config.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace roci {

class ProviderRegistry {
 public:
  using Factory =
      std::function<Result<std::unique_ptr<Provider>>(const RociConfig&, std::string_view model)>;

  explicit ProviderRegistry(RociConfig config = RociConfig::from_env());

  void add(std::string name, Factory factory);
  Result<std::unique_ptr<Provider>> create(std::string_view selector) const;
  Result<std::unique_ptr<Provider>> create(const LanguageModel& model) const;
  std::vector<std::string_view> names() const;
  const RociConfig& config() const { return config_; }

 private:
  RociConfig config_;
  std::map<std::string, Factory, std::less<>> factories_;
};

// Registers lmstudio, openai and mock (one line each).
void register_builtin_providers(ProviderRegistry& registry);

}  // namespace roci
