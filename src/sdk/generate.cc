// generate_text: the seed's one-shot generation, sync (on the sync runtime thread) and awaitable.
#include <roci/sdk/generate.h>

#include "providers/sync_runtime.h"

#include <exception>

namespace roci {

Result<GenerationResult> generate_text(Provider& provider, std::vector<ModelMessage> messages,
                                       GenerationSettings settings,
                                       std::vector<ToolDefinition> tools) {
  ProviderRequest request;
  request.messages = std::move(messages);
  request.settings = std::move(settings);
  if (!tools.empty()) request.tools = std::move(tools);
  return generate_text(provider, std::move(request));
}

Result<GenerationResult> generate_text(Provider& provider, ProviderRequest request) {
  try {
    return run_sync(provider.generate(std::move(request)));
  } catch (const std::exception& e) {
    return Error::internal(std::string("generate_text failed: ") + e.what());
  }
}

asio::awaitable<Result<GenerationResult>> generate_text_async(Provider& provider,
                                                              ProviderRequest request) {
  co_return co_await provider.generate(std::move(request));
}

}  // namespace roci
