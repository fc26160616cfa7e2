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

void ProviderRegistry::add(std::string name, Factory factory) {
  factories_.insert_or_assign(std::move(name), std::move(factory));
}

Result<std::unique_ptr<Provider>> ProviderRegistry::create(std::string_view selector) const {
  const std::vector<std::string_view> known = names();
  auto model = LanguageModel::parse(selector, known);
  if (!model) return model.error();
  return create(*model);
}

Result<std::unique_ptr<Provider>> ProviderRegistry::create(const LanguageModel& model) const {
  const auto it = factories_.find(model.provider_name());
  if (it == factories_.end()) {
    return Error::invalid_request("Unknown provider \"" + model.provider_name() +
                                      "\". Known providers: " + join(names()) + ".",
                                  "model");
  }
  return it->second(config_, model.model_id());
}

std::vector<std::string_view> ProviderRegistry::names() const {
  std::vector<std::string_view> out;
  out.reserve(factories_.size());
  for (const auto& [name, factory] : factories_) out.emplace_back(name);
  return out;
}

}  // namespace roci
