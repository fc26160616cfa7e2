#include <roci/provider/registry.h>

#include <utility>

namespace roci {
namespace {

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (auto name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

ProviderRegistry::ProviderRegistry(RociConfig config) : config_(std::move(config)) {
  register_builtin_providers(*this);
}

void ProviderRegistry::add(std::string kind, Factory factory, EnvSpec env_spec) {
  kinds_.insert_or_assign(std::move(kind), Kind{std::move(factory), std::move(env_spec)});
}

Error ProviderRegistry::unknown_kind(std::string_view kind, std::string param) const {
  return Error::invalid_request(
      "Unknown provider \"" + std::string(kind) + "\". Known providers: " + join(names()) + ".",
      std::move(param));
}

Result<std::unique_ptr<Provider>> ProviderRegistry::create(const ProviderSpec& spec) const {
  const auto it = kinds_.find(spec.kind);
  if (it == kinds_.end()) return unknown_kind(spec.kind, "");
  return it->second.factory(spec);
}

Result<std::unique_ptr<Provider>> ProviderRegistry::create(std::string_view selector) const {
  const std::vector<std::string_view> known = names();
  auto model = LanguageModel::parse(selector, known);
  if (!model) return model.error();
  return create(*model);
}

Result<std::unique_ptr<Provider>> ProviderRegistry::create(const LanguageModel& model) const {
  auto spec = spec_from_env(model.provider_name(), model.model_id());
  if (!spec) return spec.error();
  return create(*spec);
}

Result<ProviderSpec> ProviderRegistry::spec_from_env(std::string_view kind,
                                                     std::string model) const {
  const auto it = kinds_.find(kind);
  if (it == kinds_.end()) return unknown_kind(kind, "model");
  ProviderSpec spec = it->second.env_spec ? it->second.env_spec(config_) : ProviderSpec{};
  spec.kind = it->first;
  spec.model = std::move(model);
  spec.http = config_.http;
  return spec;
}

std::vector<std::string_view> ProviderRegistry::names() const {
  std::vector<std::string_view> out;
  out.reserve(kinds_.size());
  for (const auto& [name, kind] : kinds_) out.emplace_back(name);
  return out;
}

}  // namespace roci
