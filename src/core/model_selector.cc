#include <roci/core/model_selector.h>

namespace roci {
namespace {

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

Result<std::pair<std::string, std::string>> split_selector(
    std::string_view selector, std::span<const std::string_view> known) {
  const std::string example = " Use \"provider:model\", e.g. \"lmstudio:llama3.3\".";
  if (selector.empty()) {
    return Error::invalid_request("The model selector is empty." + example, "model");
  }
  const auto colon = selector.find(':');
  if (colon == std::string_view::npos) {
    return Error::invalid_request(
        "The model selector \"" + std::string(selector) + "\" has no provider." + example, "model");
  }
  std::string provider(selector.substr(0, colon));
  std::string model(selector.substr(colon + 1));
  if (provider.empty()) {
    return Error::invalid_request(
        "The model selector \"" + std::string(selector) + "\" has an empty provider." + example,
        "model");
  }
  if (model.empty()) {
    return Error::invalid_request(
        "The model selector \"" + std::string(selector) + "\" has an empty model id." + example,
        "model");
  }
  if (!known.empty()) {
    bool found = false;
    for (auto k : known) found = found || k == provider;
    if (!found) {
      return Error::invalid_request("Unknown provider \"" + provider + "\" in model selector \"" +
                                        std::string(selector) +
                                        "\". Known providers: " + join(known) + ".",
                                    "model");
    }
  }
  return std::pair{std::move(provider), std::move(model)};
}

}  // namespace

Result<LanguageModel> LanguageModel::parse(std::string_view selector,
                                           std::span<const std::string_view> known_providers) {
  auto parts = split_selector(selector, known_providers);
  if (!parts) return parts.error();
  return LanguageModel(Known{std::move(parts->first), std::move(parts->second)});
}

Result<ModelSelector> ModelSelector::parse(std::string_view selector,
                                           std::span<const std::string_view> known_providers) {
  auto parts = split_selector(selector, known_providers);
  if (!parts) return parts.error();
  return ModelSelector{std::move(parts->first), std::move(parts->second)};
}

}  // namespace roci
