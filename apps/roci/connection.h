// The provider a command talks to, built from what the command line names, and the model check
// that runs before anything is sent.
//
//   auto target = roci::cli::connect("lmstudio:qwen", options.connection, registry);
//   auto model = roci::cli::check_model(*target);   // "qwen2.5-7b-instruct", or an error listing
//   request.model = *model;                         // the models the server has
//
// Providers are built only through ProviderRegistry::create(spec). The spec comes from the
// provider's environment (LMSTUDIO_BASE_URL, ...; RociConfig), with --base-url / --api-key (or
// ROCI_BASE_URL / ROCI_API_KEY) replacing the base URL and key. A name without a known provider
// prefix needs a base URL: it is then a model id of that OpenAI-compatible server (the openai
// kind, which needs no key off api.openai.com).
#pragma once

#include "args.h"

#include <roci/provider/provider.h>
#include <roci/provider/registry.h>

#include <memory>
#include <string>
#include <vector>

namespace roci::cli {

struct Target {
  ProviderSpec spec;
  std::unique_ptr<Provider> provider;
  std::string model;  // as named (spec.model); check_model() gives the id to send
  std::string where;  // "lmstudio at http://localhost:1234", for messages
};

// `name`: "kind:model", a bare "kind" (models), or with a base URL a model id of that server.
Result<Target> connect(const std::string& name, const Connection& connection,
                       const ProviderRegistry& registry);

// The target's models, fetched with a provider of its own on a private io_context (blocking).
Result<std::vector<ModelInfo>> list_models(const Target& target, const ProviderRegistry& registry);

// The id to send for target.model: the listed id equal to it; else the one listed id containing it
// (case-insensitive; instances "x" and "x:2" count as one); LM Studio's "local-model" (whatever is
// loaded) as it is. Errors: kModelNotFound naming the server and listing its models (or the
// matches, when several contain it); the listing's own error when the server cannot be reached or
// refuses the key. A server that cannot list its models gets the name as given.
Result<std::string> check_model(const Target& target, const ProviderRegistry& registry);

}  // namespace roci::cli
