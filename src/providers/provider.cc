#include <roci/provider/provider.h>

#include <string>

namespace roci {

asio::awaitable<Result<EmbeddingResult>> Provider::embed(EmbeddingRequest request) {
  co_return Error::unsupported(std::string(name()) + " has no embeddings endpoint");
}

asio::awaitable<Result<CompletionResult>> Provider::complete(CompletionRequest request) {
  co_return Error::unsupported(std::string(name()) +
                               " has no text completions endpoint (/v1/completions)");
}

asio::awaitable<Result<ModelLoadResult>> Provider::load_model(std::string model) {
  co_return Error::unsupported(std::string(name()) + " cannot load models through its API (" +
                               model + "): load it on the host, or let a first request load it");
}

asio::awaitable<Result<ModelLoadResult>> Provider::unload_model(std::string model) {
  co_return Error::unsupported(std::string(name()) + " cannot unload models through its API (" +
                               model + ")");
}

asio::awaitable<Result<int>> Provider::count_tokens(ProviderRequest request) {
  co_return Error::unsupported(std::string(name()) + " cannot count tokens");
}

}  // namespace roci
