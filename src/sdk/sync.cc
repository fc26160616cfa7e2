// The blocking Provider operations (roci/sdk/sync.h) on the sync runtime.
#include <roci/sdk/sync.h>

#include "providers/sync_runtime.h"

#include <exception>
#include <string>

namespace roci {
namespace {

template <class T>
Result<T> blocking(asio::awaitable<Result<T>> task, const char* what) {
  try {
    return run_sync(std::move(task));
  } catch (const std::exception& e) {
    return Error::internal(std::string(what) + " failed: " + e.what());
  }
}

}  // namespace

Result<std::vector<ModelInfo>> list_models(Provider& provider) {
  return blocking(provider.list_models(), "list_models");
}

Result<ProviderHealth> health(Provider& provider) { return blocking(provider.health(), "health"); }

Result<EmbeddingResult> embed(Provider& provider, EmbeddingRequest request) {
  return blocking(provider.embed(std::move(request)), "embed");
}

Result<CompletionResult> complete(Provider& provider, CompletionRequest request) {
  return blocking(provider.complete(std::move(request)), "complete");
}

}  // namespace roci
