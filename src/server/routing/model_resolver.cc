#include "server/routing/model_resolver.h"

#include "config/gateway_config.h"
#include "core/model_match.h"
#include "openai_wire/literal_match.h"
#include "server/observability/logging.h"
#include "server/routing/fleet_resolver.h"
#include "server/routing/provider_set.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>
#include <utility>

namespace roci::server {
namespace {

using Clock = std::chrono::steady_clock;

using model_match::icontains;
using model_match::iequals;
using model_match::Match;
using model_match::match;
using model_match::strip_variant_suffix;
using openai_wire::detail::is_literal;

// True the first time (provider, requested, served) is reported in this process. Bounded: past
// kMaxReportedMismatches triples, new ones are not remembered and answer false.
constexpr std::size_t kMaxReportedMismatches = 256;
bool first_mismatch_report(std::string_view provider, std::string_view requested,
                           std::string_view served) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> reported;
  std::string key;
  key.reserve(provider.size() + requested.size() + served.size() + 2);
  key.append(provider).append(1, '\x1f').append(requested).append(1, '\x1f').append(served);
  std::lock_guard lock(mutex);
  if (reported.contains(key) || reported.size() >= kMaxReportedMismatches) return false;
  reported.insert(std::move(key));
  return true;
}

std::string join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ", ";
    out += id;
  }
  return out;
}

bool is_embedding_model(const ModelInfo& m) {
  if (!m.type.empty()) return m.type == "embeddings" || m.type == "embedding";
  return icontains(m.id, "embed");
}

Error not_allowed(std::string_view requested, std::span<const std::string> allowed) {
  std::vector<std::string> list(allowed.begin(), allowed.end());
  // The message first: argument evaluation order is unspecified (std::move(list) could run first).
  std::string message = "Model \"" + std::string(requested) +
                        "\" is not allowed. Allowed models: " + join(list) + ".";
  return Error::model_not_found(std::move(message), std::move(list));
}

Error not_found(std::string_view requested, std::vector<std::string> available, bool restricted) {
  std::string message = "Model \"" + std::string(requested) + "\" not found. ";
  if (available.empty()) {
    message += restricted ? "None of the allowed models (inference.allowed_models) is available."
                          : "The provider lists no models: load one (LM Studio: the Developer "
                            "tab or `lms load <model>`).";
  } else {
    message += "Available models: " + join(available) + ".";
  }
  return Error::model_not_found(std::move(message), std::move(available));
}

std::vector<std::string> to_strings(const std::vector<std::string_view>& ids) {
  return {ids.begin(), ids.end()};
}

// The allowed ids of `models` as views (no string copies on the request path).
std::vector<std::string_view> usable_ids(const std::vector<ModelInfo>& models,
                                         std::span<const std::string> allowed,
                                         std::string_view provider_name) {
  std::vector<std::string_view> ids;
  ids.reserve(models.size());
  for (const auto& m : models) {
    if (is_allowed(m.id, allowed, provider_name)) ids.emplace_back(m.id);
  }
  return ids;
}

Error ambiguous(std::string_view requested, const std::vector<std::string_view>& hits,
                std::vector<std::string> available) {
  std::string message = "Model \"" + std::string(requested) + "\" is ambiguous: it matches " +
                        join(to_strings(hits)) + ". Use the full id.";
  return Error::model_not_found(std::move(message), std::move(available));
}

// Rule 2 without an available default: the loaded model, preferring the request's purpose.
std::optional<std::string> pick_default(const std::vector<ModelInfo>& models,
                                        std::span<const std::string> allowed,
                                        std::string_view provider_name, ModelPurpose purpose) {
  const ModelInfo* first_loaded = nullptr;
  const ModelInfo* first_listed = nullptr;
  const ModelInfo* any_loaded = nullptr;
  const ModelInfo* any_listed = nullptr;
  for (const auto& m : models) {
    if (!is_allowed(m.id, allowed, provider_name)) continue;
    bool fits = is_embedding_model(m) == (purpose == ModelPurpose::kEmbedding);
    if (m.loaded() && any_loaded == nullptr) any_loaded = &m;
    if (any_listed == nullptr) any_listed = &m;
    if (!fits) continue;
    if (m.loaded() && first_loaded == nullptr) first_loaded = &m;
    if (first_listed == nullptr) first_listed = &m;
  }
  for (const ModelInfo* m : {first_loaded, first_listed, any_loaded, any_listed}) {
    if (m != nullptr) return m->id;
  }
  return std::nullopt;
}

// The list names `id` with a state other than loaded: the host loads it on the first request.
bool listed_not_loaded(const std::vector<ModelInfo>& available, std::string_view id) {
  for (const auto& m : available) {
    if (m.id == id) return !m.state.empty() && m.state != "loaded" && m.state != "sleeping";
  }
  return false;
}

bool lists(const std::vector<ModelInfo>& available, std::string_view id) {
  return std::any_of(available.begin(), available.end(),
                     [id](const ModelInfo& m) { return m.id == id; });
}

Result<std::string> resolve_default(const std::vector<ModelInfo>* available,
                                    const ResolverOptions& o) {
  const std::string_view configured = o.default_model;
  if (available == nullptr) {
    if (configured.empty() && !o.allowed_models.empty()) return o.allowed_models.front();
    return std::string(configured.empty() ? o.fallback_model : configured);
  }
  if (!configured.empty()) {
    Match hit = match(configured, usable_ids(*available, {}, o.provider_name));
    if (hit.id) {
      if (!is_allowed(*hit.id, o.allowed_models, o.provider_name)) {
        return not_allowed(configured, o.allowed_models);
      }
      return std::string(*hit.id);
    }
    // Not an available id (or ambiguous): an alias for the loaded model.
  }
  if (auto picked = pick_default(*available, o.allowed_models, o.provider_name, o.purpose)) {
    return std::move(*picked);
  }
  std::string_view as_is = configured.empty() ? o.fallback_model : configured;
  if (!o.allowed_models.empty() && !is_allowed(as_is, o.allowed_models, o.provider_name)) {
    return not_allowed(as_is, o.allowed_models);
  }
  return std::string(as_is);
}

}  // namespace

SelectorSplit split_selector(std::string_view requested, const ProviderRegistry& registry) {
  auto colon = requested.find(':');
  if (colon == std::string_view::npos) return {{}, requested};
  std::string_view prefix = requested.substr(0, colon);
  if (!registry.contains(prefix)) return {{}, requested};
  return {prefix, requested.substr(colon + 1)};
}

std::string_view strip_instance_suffix(std::string_view id) {
  return model_match::strip_instance_suffix(id);
}

bool same_model(std::string_view resolved, std::string_view served, bool allow_snapshot_suffix) {
  return model_match::same_model(resolved, served, allow_snapshot_suffix);
}

bool is_allowed(std::string_view id, std::span<const std::string> allowed,
                std::string_view provider_name) {
  if (allowed.empty()) return true;
  std::string_view base = strip_instance_suffix(id);
  std::string_view plain = strip_variant_suffix(base);
  for (const auto& a : allowed) {
    if (a == id || a == base || a == plain) return true;
    if (!provider_name.empty() && a.size() == provider_name.size() + 1 + id.size() &&
        a.compare(0, provider_name.size(), provider_name) == 0 && a[provider_name.size()] == ':' &&
        a.compare(provider_name.size() + 1, std::string::npos, id) == 0) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> allowed_ids(const std::vector<ModelInfo>& models,
                                     std::span<const std::string> allowed,
                                     std::string_view provider_name) {
  std::vector<std::string> ids;
  for (const auto& m : models) {
    if (is_allowed(m.id, allowed, provider_name)) ids.push_back(m.id);
  }
  return ids;
}

std::vector<ModelInfo> filter_allowed(const std::vector<ModelInfo>& models,
                                      std::span<const std::string> allowed,
                                      std::string_view provider_name) {
  std::vector<ModelInfo> out;
  for (const auto& m : models) {
    if (is_allowed(m.id, allowed, provider_name)) out.push_back(m);
  }
  return out;
}

Result<std::string> resolve_model_id(std::string_view requested,
                                     const std::vector<ModelInfo>* available,
                                     const ResolverOptions& o) {
  if (o.is_primary && (requested.empty() || requested == o.default_model)) {
    return resolve_default(available, o);
  }
  if (o.is_primary && o.local_model_alias && requested == kLocalModelAlias &&
      !(available != nullptr && lists(*available, requested))) {
    ResolverOptions loaded = o;  // rule 2 without a configured default: the loaded model
    loaded.default_model = {};
    return resolve_default(available, loaded);
  }
  if (requested.empty()) {
    return Error::invalid_request(
        "the model selector names a provider but no model: use "
        "\"" +
            std::string(o.provider_name) + ":<model id>\"",
        "model");
  }
  const bool restricted = !o.allowed_models.empty();
  if (available == nullptr) {
    // Upstream list unavailable: pass through, still honouring allowed_models.
    if (!restricted) return std::string(requested);
    std::vector<std::string_view> allowed(o.allowed_models.begin(), o.allowed_models.end());
    Match hit = match(requested, allowed);
    if (hit.id) return std::string(*hit.id);
    if (!hit.ambiguous.empty()) return ambiguous(requested, hit.ambiguous, to_strings(allowed));
    return not_allowed(requested, o.allowed_models);
  }
  // The common case first, without building anything: an exact, allowed id.
  for (const auto& m : *available) {
    if (m.id == requested && is_allowed(m.id, o.allowed_models, o.provider_name)) return m.id;
  }
  const std::vector<std::string_view> usable =
      usable_ids(*available, o.allowed_models, o.provider_name);
  Match hit = match(requested, usable);
  if (hit.id) return std::string(*hit.id);
  if (!hit.ambiguous.empty()) return ambiguous(requested, hit.ambiguous, to_strings(usable));
  if (restricted) {
    // Does it exist at all? Then it is a policy refusal, not a missing model.
    Match anywhere = match(requested, usable_ids(*available, {}, o.provider_name));
    if (anywhere.id || !anywhere.ambiguous.empty()) return not_allowed(requested, o.allowed_models);
  }
  return not_found(requested, to_strings(usable), restricted);
}

namespace {

// resolve_model up to the provider's list: `out.provider` chosen, or the answer already known.
struct ResolveStart {
  std::optional<Result<ResolvedModel>> done;
  ResolvedModel out;
  std::string_view model;  // the model part of the request (a view into `requested`)
};

ResolveStart start_resolve(std::string_view requested, ModelPurpose purpose,
                           const config::InferenceSection& inference, ProviderSet& providers) {
  ResolveStart s;
  if (fleet::FleetProvider* fleet = providers.fleet()) {
    s.done = resolve_fleet_model(requested, purpose, inference, fleet->fleet(), *fleet,
                                 providers.registry());
    return s;
  }
  SelectorSplit split = split_selector(requested, providers.registry());
  s.model = split.model;
  if (split.provider.empty()) {
    s.out.provider = &providers.primary();
  } else {
    auto p = providers.for_selector(split.provider);
    if (!p) {
      s.done = Result<ResolvedModel>(p.error());
      return s;
    }
    s.out.provider = *p;
  }
  return s;
}

// resolve_model once the provider's list (or its failure) is known.
Result<ResolvedModel> finish_resolve(ResolvedModel out, std::string_view model,
                                     Result<ModelList> list, ModelPurpose purpose,
                                     const config::InferenceSection& inference,
                                     ProviderSet& providers) {
  const bool is_primary = out.provider == &providers.primary();
  if (!list) {
    if (list.error().kind == ErrorKind::kCancelled) return list.error();
    spdlog::debug("model list of {} unavailable ({}); passing \"{}\" through", out.provider->name(),
                  list.error().message, model);
  } else {
    out.catalog = std::move(*list);
  }
  ResolverOptions options{
      .provider_name = out.provider->name(),
      .is_primary = is_primary,
      .default_model = is_primary ? std::string_view(inference.default_model) : std::string_view(),
      .fallback_model = out.provider->model_id(),
      .allowed_models = inference.allowed_models,
      .local_model_alias = is_primary && (is_literal(out.provider->kind(), "lmstudio") ||
                                          is_literal(out.provider->kind(), "llamacpp")),
      .purpose = purpose};
  auto id = resolve_model_id(model, out.catalog.get(), options);
  if (!id) return id.error();
  out.model = std::move(*id);
  if (is_primary && out.catalog && providers.jit_gated() != nullptr &&
      listed_not_loaded(*out.catalog, out.model)) {
    out.provider = providers.jit_gated();  // single flight for its first requests (jit_gate.h)
  }
  return out;
}

}  // namespace

std::optional<Result<ResolvedModel>> try_resolve_model(std::string_view requested,
                                                       ModelPurpose purpose,
                                                       const config::InferenceSection& inference,
                                                       ProviderSet& providers,
                                                       ModelCatalog& catalog) {
  ResolveStart s = start_resolve(requested, purpose, inference, providers);
  if (s.done) return std::move(s.done);
  auto list = catalog.cached(*s.out.provider);
  if (!list) return std::nullopt;
  return finish_resolve(std::move(s.out), s.model, std::move(*list), purpose, inference, providers);
}

asio::awaitable<Result<ResolvedModel>> resolve_model(std::string requested, ModelPurpose purpose,
                                                     const config::InferenceSection& inference,
                                                     ProviderSet& providers,
                                                     ModelCatalog& catalog) {
  ResolveStart s = start_resolve(requested, purpose, inference, providers);
  if (s.done) co_return std::move(*s.done);
  if (auto list = catalog.cached(*s.out.provider)) {
    co_return finish_resolve(std::move(s.out), s.model, std::move(*list), purpose, inference,
                             providers);
  }
  const auto start = Clock::now();
  auto list = co_await catalog.models(*s.out.provider);
  s.out.upstream_wait = Clock::now() - start;
  co_return finish_resolve(std::move(s.out), s.model, std::move(list), purpose, inference,
                           providers);
}

std::optional<Error> check_served_model(const ResolvedModel& resolved, std::string_view served,
                                        const config::InferenceSection& inference,
                                        std::string_view request_id) {
  const std::string_view provider = resolved.provider != nullptr ? resolved.provider->name() : "";
  const bool lmstudio =
      resolved.provider != nullptr && is_literal(resolved.provider->kind(), "lmstudio");
  if (same_model(resolved.model, served, /*allow_snapshot_suffix=*/!lmstudio)) return std::nullopt;
  if (inference.accept_model_mismatch) {
    const bool first = first_mismatch_report(provider, resolved.model, served);
    log_request(first ? spdlog::level::warn : spdlog::level::debug, request_id,
                "{} served model \"{}\" for the requested \"{}\" (accepted: "
                "inference.accept_model_mismatch){}",
                provider, served, resolved.model,
                first ? "; further answers with this pair are logged at debug level" : "");
    return std::nullopt;
  }
  std::vector<std::string> available;
  if (resolved.catalog) {
    available = allowed_ids(*resolved.catalog, inference.allowed_models, provider);
  }
  const std::string upstream =
      lmstudio ? std::string("LM Studio") : "The upstream (" + std::string(provider) + ")";
  return model_match::mismatch_error(upstream, lmstudio, served, resolved.model,
                                     std::move(available), "inference.accept_model_mismatch");
}

}  // namespace roci::server
