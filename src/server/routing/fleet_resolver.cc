#include "server/routing/fleet_resolver.h"

#include "config/gateway_config.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace roci::server {
namespace {

bool has_backend(const fleet::Fleet& fleet, std::string_view name) {
  const auto& backends = fleet.backends();
  return std::any_of(backends.begin(), backends.end(),
                     [&](const fleet::BackendSpec& b) { return b.name == name; });
}

// Whether backend `name` is allowed by the selector.
bool selected(const FleetSelector& s, const fleet::BackendSnapshot& b) {
  if (!s.backend.empty()) return b.name == s.backend;
  if (!s.kind.empty()) return b.kind == s.kind;
  return true;
}

std::string prefix_of(const FleetSelector& s) {
  if (!s.backend.empty()) return s.backend + ":";
  if (!s.kind.empty()) return s.kind + ":";
  return "";
}

// The union restricted to the selected backends (their names in ModelInfo::backends).
std::vector<ModelInfo> selected_models(const fleet::Fleet& fleet, const FleetSelector& s,
                                       const fleet::FleetSnapshot& snapshot) {
  std::vector<ModelInfo> models = fleet.models();
  if (s.backend.empty() && s.kind.empty()) return models;
  std::vector<std::string> names;
  for (const auto& b : snapshot.backends) {
    if (selected(s, b)) names.push_back(b.name);
  }
  std::vector<ModelInfo> out;
  for (auto& m : models) {
    std::vector<std::string> kept;
    for (const auto& b : m.backends) {
      if (std::find(names.begin(), names.end(), b) != names.end()) kept.push_back(b);
    }
    if (kept.empty()) continue;
    // Loaded on one of the selected backends, not merely somewhere in the fleet.
    const bool loaded_here = std::any_of(
        snapshot.backends.begin(), snapshot.backends.end(), [&](const fleet::BackendSnapshot& b) {
          return selected(s, b) && std::find(b.loaded_models.begin(), b.loaded_models.end(),
                                             m.id) != b.loaded_models.end();
        });
    if (m.loaded() && !loaded_here) m.state = "not-loaded";
    m.backends = std::move(kept);
    out.push_back(std::move(m));
  }
  return out;
}

// Rule 3: the first backend in config order with a model loaded.
Result<std::pair<std::string, std::string>> local_model(const FleetSelector& s,
                                                        const fleet::FleetSnapshot& snapshot,
                                                        std::span<const std::string> allowed) {
  for (const auto& b : snapshot.backends) {
    if (!selected(s, b) || !b.usable) continue;
    for (const auto& id : b.loaded_models) {
      if (is_allowed(id, allowed, b.kind)) return std::pair{b.name, id};
    }
  }
  std::vector<std::string> all;
  for (const auto& b : snapshot.backends) {
    for (const auto& id : b.models) {
      if (std::find(all.begin(), all.end(), id) == all.end()) all.push_back(id);
    }
  }
  return Error::model_not_found(
      "\"local-model\" means the model loaded on the first backend (in config order) that has one "
      "loaded, and no backend has a model loaded. Name a model (it is loaded on first use), or "
      "load one with POST /v1/models/{id}/load.",
      std::move(all));
}

}  // namespace

FleetSelector split_fleet_selector(std::string_view requested, const fleet::Fleet& fleet,
                                   const ProviderRegistry& kinds) {
  FleetSelector out;
  const auto colon = requested.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    const std::string_view prefix = requested.substr(0, colon);
    if (has_backend(fleet, prefix)) {
      out.backend = std::string(prefix);
    } else if (kinds.contains(prefix)) {
      out.kind = std::string(prefix);
    }
    if (!out.backend.empty() || !out.kind.empty()) {
      out.model = std::string(requested.substr(colon + 1));
      return out;
    }
  }
  out.model = std::string(requested);
  return out;
}

Result<ResolvedModel> resolve_fleet_model(std::string_view requested, ModelPurpose purpose,
                                          const config::InferenceSection& inference,
                                          const fleet::Fleet& fleet, Provider& provider,
                                          const ProviderRegistry& kinds) {
  FleetSelector selector = split_fleet_selector(requested, fleet, kinds);
  const fleet::FleetSnapshot snapshot = fleet.snapshot();
  if (!selector.kind.empty() &&
      std::none_of(snapshot.backends.begin(), snapshot.backends.end(),
                   [&](const fleet::BackendSnapshot& b) { return b.kind == selector.kind; })) {
    return Error::model_not_found("No backend of kind \"" + selector.kind + "\" is configured (\"" +
                                  std::string(requested) +
                                  "\"); the backends are in "
                                  "inference.backends.");
  }
  if (selector.model.empty() && !(selector.backend.empty() && selector.kind.empty())) {
    return Error::invalid_request("the model selector names \"" + prefix_of(selector) +
                                      "\" but no model: use \"" + prefix_of(selector) +
                                      "<model id>\"",
                                  "model");
  }
  auto list =
      std::make_shared<const std::vector<ModelInfo>>(selected_models(fleet, selector, snapshot));
  const bool listed = fleet.probed() || !list->empty();
  ResolvedModel out;
  out.provider = &provider;
  if (listed) out.catalog = list;

  std::string wanted = selector.model.empty() ? inference.default_model : selector.model;
  const bool alias = wanted == kLocalModelAlias &&
                     std::none_of(list->begin(), list->end(),
                                  [](const ModelInfo& m) { return m.id == kLocalModelAlias; });
  if (alias && listed) {
    auto local = local_model(selector, snapshot, inference.allowed_models);
    if (!local) return local.error();
    out.model = local->second;
    out.selector = local->first + ":" + local->second;
    return out;
  }
  ResolverOptions options{.provider_name = selector.kind,
                          .is_primary = true,
                          .default_model = inference.default_model,
                          .fallback_model = provider.model_id(),
                          .allowed_models = inference.allowed_models,
                          .purpose = purpose};
  auto id = resolve_model_id(wanted, listed ? list.get() : nullptr, options);
  if (!id) return id.error();
  out.model = std::move(*id);
  out.selector = prefix_of(selector) + out.model;
  return out;
}

}  // namespace roci::server
