// Model resolution: the client's `model` string -> (provider, model id), and the check that the
// upstream served the model it was asked for (seed "Model Naming" and "Model Validation").
//
//   auto r = co_await resolve_model(parsed.request.model, ModelPurpose::kChat,
//                                   config.inference, providers, catalog);
//   if (!r) co_return co_await send_error(ctx, r.error());      // 404 listing the models
//   request.model = r->model;
//   auto result = co_await r->provider->generate(std::move(request));
//   if (auto e = check_served_model(*r, result->model, config.inference, ctx.log.request_id))
//     ...                                                                       // BT#619
//
// Rules, in order (resolve_model_id is the pure core; every rule has a unit test):
//  1. "provider:model" routes to that provider only when the prefix is a registered provider kind
//     (ProviderRegistry: llamacpp, lmstudio, mock, openai). Otherwise the whole string is a model
//     id: LM Studio ids may contain ':' ("qwen3:8b", "gemma:2").
//  2. On the primary provider, "" or the configured default_model selects the default:
//  default_model
//     itself when it is an available id (exact or unique substring); otherwise it is an alias for
//     "the model loaded in LM Studio": the first listed model whose state is loaded, else the first
//     listed, else default_model as-is (or the provider's own model when no default is set).
//     Chat prefers non-embedding models here, embeddings prefer embedding models.
//     In front of LM Studio or llama.cpp, "local-model" (the seed's name for "the model loaded in
//     LM Studio") is that alias too, with no configuration, unless it is itself a listed id;
//     allowed_models still restricts what it may pick.
//  3. An exact id.
//  4. A case-insensitive substring of exactly one id ("mistral" ->
//     TheBloke/Mistral-7B-Instruct-v0.2-GGUF). A case-insensitive exact match wins over longer
//     matches, and numbered instances of one model ("x", "x:2") count as one match (the base id).
//     Several matches: kModelNotFound `Model "x" is ambiguous: it matches A, B. Use the full id.`
//  5. No match: kModelNotFound listing the available ids (the mock too: its catalogue is its
//     configured model list).
//  allowed_models (non-empty) restricts all of it: matching only sees allowed ids, and a model
//  that exists but is not allowed is kModelNotFound `Model "x" is not allowed. Allowed models:
//  ...`. An allowed entry matches an id exactly, the id without its ":N" / "@quant" suffix, or as
//  "provider:id".
//  When the list cannot be fetched (upstream down), an explicitly named model passes through
//  unresolved (the upstream call then reports the real problem, e.g. 502); allowed_models still
//  applies, matched against the allowed entries themselves.
//
// Served-model validation: LM Studio ids of numbered instances ("gemma-3-1b-it-qat:2", BT#619,
// BT#168) and quantisation variants ("text-embedding-nomic-embed-text-v1.5@q4_k_m") name the same
// model as the base id; anything else is a substitution. For providers other than LM Studio a dated
// snapshot ("gpt-4o" -> "gpt-4o-2024-08-06") is the same model too.
#pragma once

#include "server/routing/model_catalog.h"

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/provider.h>
#include <roci/provider/registry.h>

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace roci::config {
struct InferenceSection;
}

namespace roci::server {

class ProviderSet;

enum class ModelPurpose { kChat, kEmbedding };

inline constexpr std::string_view kLocalModelAlias = "local-model";

struct ResolverOptions {
  std::string_view provider_name;               // matches "provider:id" entries of allowed_models
  bool is_primary = true;                       // rule 2 applies (only to the configured provider)
  std::string_view default_model;               // config.inference.default_model
  std::string_view fallback_model;              // the provider's own model (Provider::model_id())
  std::span<const std::string> allowed_models;  // empty: all
  bool local_model_alias = false;               // "local-model" means the loaded model (rule 2)
  ModelPurpose purpose = ModelPurpose::kChat;
};

// "lmstudio:qwen3:8b" -> {"lmstudio", "qwen3:8b"}; "qwen3:8b" -> {"", "qwen3:8b"} (primary):
// the prefix must be one of `registry`'s kinds.
struct SelectorSplit {
  std::string_view provider;  // empty: the primary provider
  std::string_view model;
};
SelectorSplit split_selector(std::string_view requested, const ProviderRegistry& registry);

// Rules 2-5 against `available` (nullptr: the list could not be fetched). Errors:
// kModelNotFound (ambiguous, not found, not allowed; available_models set), kInvalidRequest when
// a selector for another provider names no model.
Result<std::string> resolve_model_id(std::string_view requested,
                                     const std::vector<ModelInfo>* available,
                                     const ResolverOptions& options);

// "gemma-3-1b-it-qat:2" -> "gemma-3-1b-it-qat"; only an all-digit suffix is an instance number.
std::string_view strip_instance_suffix(std::string_view id);
// True when `served` names the model `resolved` (see "Served-model validation" above). An empty
// `served` (the upstream did not say) is accepted.
bool same_model(std::string_view resolved, std::string_view served, bool allow_snapshot_suffix);
bool is_allowed(std::string_view id, std::span<const std::string> allowed,
                std::string_view provider_name);
// The ids of `models` that are allowed (all when `allowed` is empty).
std::vector<std::string> allowed_ids(const std::vector<ModelInfo>& models,
                                     std::span<const std::string> allowed,
                                     std::string_view provider_name);
std::vector<ModelInfo> filter_allowed(const std::vector<ModelInfo>& models,
                                      std::span<const std::string> allowed,
                                      std::string_view provider_name);

struct ResolvedModel {
  Provider* provider = nullptr;  // owned by the ProviderSet
  std::string model;             // the model id (what the served model is checked against)
  // What the provider is asked for when it differs from `model`: a fleet selector pinning a
  // backend or a kind ("desk:qwen3:8b", fleet_resolver.h). "" : model.
  std::string selector;
  const std::string& request_model() const { return selector.empty() ? model : selector; }
  ModelList catalog;  // the list it was resolved against; null when passed through
  std::chrono::nanoseconds upstream_wait{0};  // time spent fetching the list
};

// Rule 1, then resolve_model_id against the provider's (cached) list. When the primary is a fleet
// (ProviderSet::fleet()), the fleet's rules instead (fleet_resolver.h). A model of the primary
// that the list names with a state other than loaded ("not-loaded", "loading") resolves to
// ProviderSet::jit_gated() when there is one: the same upstream behind the process-wide JIT gate,
// so its first requests load it once (jit_gate.h); a loaded model never touches the gate.
// `providers` and `catalog` are per-thread objects that outlive every request (hence references).
// Errors: those of resolve_model_id and ProviderSet::for_selector; kCancelled when the caller was
// cancelled.
asio::awaitable<Result<ResolvedModel>> resolve_model(std::string requested, ModelPurpose purpose,
                                                     const config::InferenceSection& inference,
                                                     ProviderSet& providers, ModelCatalog& catalog);

// resolve_model without suspending: its answer when the catalog has the provider's list (or a
// remembered failure) cached (ModelCatalog::cached), or a fleet answers; nullopt when the list
// must be fetched (then co_await resolve_model). No coroutine frame: the request path's fast path.
std::optional<Result<ResolvedModel>> try_resolve_model(std::string_view requested,
                                                       ModelPurpose purpose,
                                                       const config::InferenceSection& inference,
                                                       ProviderSet& providers,
                                                       ModelCatalog& catalog);

// The BT#619 check after the upstream answered. nullopt when `served` is the resolved model or
// inference.accept_model_mismatch is set: then a warning about request `request_id` is logged
// once per (provider, requested, served) per process (the first 256 such triples), the later
// ones at debug level, so nothing is written per request at log level warn. Otherwise
// kUpstreamError (HTTP 502, code "model_mismatch"): "LM Studio served model X instead of the
// requested Y (LM Studio substitutes the loaded model for unknown names). Available models: ...".
std::optional<Error> check_served_model(const ResolvedModel& resolved, std::string_view served,
                                        const config::InferenceSection& inference,
                                        std::string_view request_id);

}  // namespace roci::server
