// Model resolution over a fleet (FLEET.md "Decided details"): the client's `model` string ->
// the model id and the selector the FleetProvider routes by.
//
//   auto r = resolve_fleet_model("desk:qwen", ModelPurpose::kChat, config.inference, *fleet);
//   // r->model == "qwen/qwen3-8b" (checked against what the host served),
//   // r->selector == "desk:qwen/qwen3-8b" (what the FleetProvider is asked for)
//
// Rules, in order:
//  1. "NAME:rest" where NAME is a backend name pins that backend; "KIND:rest" where KIND is a
//     provider kind (lmstudio, llamacpp, openai, mock) restricts to backends of that kind; any
//     other prefix is part of the id ("qwen3:8b"). The rest is resolved among the models of those
//     backends only; a kind no backend has is kModelNotFound saying so.
//  2. "" means inference.default_model ("" : the loaded model, else the first listed).
//  3. "local-model" (when no model has that id) means the model loaded on the first backend, in
//     config order, that has one loaded, pinned to that backend; none loaded anywhere is
//     kModelNotFound saying so. It never causes a load.
//  4. Otherwise resolve_model_id (model_resolver.h) against the union of the backends' models
//     (Fleet::models(): each id once), with allowed_models. Before the fleet's first probes
//     finished (no list yet) a named model passes through, as with one upstream.
#pragma once

#include "server/routing/model_resolver.h"

#include <roci/fleet/fleet.h>

#include <string>
#include <string_view>

namespace roci::server {

struct FleetSelector {
  std::string backend;  // a pinned backend name ("" : any)
  std::string kind;     // a provider kind restricting the backends ("" : any)
  std::string model;    // the model part
};
// Rule 1 alone (pure): `kinds` are the registry's provider kinds.
FleetSelector split_fleet_selector(std::string_view requested, const fleet::Fleet& fleet,
                                   const ProviderRegistry& kinds);

// Rules 1-4. `provider` is the FleetProvider the result routes to. Errors: kModelNotFound (not
// found, ambiguous, not allowed, nothing loaded for local-model, a kind no backend has).
Result<ResolvedModel> resolve_fleet_model(std::string_view requested, ModelPurpose purpose,
                                          const config::InferenceSection& inference,
                                          const fleet::Fleet& fleet, Provider& provider,
                                          const ProviderRegistry& kinds);

}  // namespace roci::server
