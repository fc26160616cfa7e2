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

asio::awaitable<Result<int>> Provider::count_tokens(ProviderRequest request) {
  co_return Error::unsupported(std::string(name()) + " cannot count tokens");
}

}  // namespace roci
