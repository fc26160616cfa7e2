// Provider: one upstream model server (LM Studio, llama.cpp, OpenAI, the mock) behind one
// interface.
//
//   roci::LmStudioProvider provider(roci::LmStudioModel::custom("llama3.3"));  // localhost:1234
//   // async (inside a coroutine on any io_context):
//   auto result = co_await provider.generate(request);
//   // sync (the seed API, see roci/sdk/generate.h):
//   auto result = roci::generate_text(provider, messages, settings, {});
//
// Providers are built directly (LmStudioProvider, LlamaCppProvider, OpenAiProvider, MockProvider)
// or by ProviderRegistry from a ProviderSpec or a "provider:model" selector (registry.h).
// Threading: a Provider keeps a keep-alive pool per io_context it is used from and is not
// thread-safe; use one instance per thread (the gateway builds one per I/O thread), or the sync
// facades, which serialise on the sync runtime thread.
// Cancellation: every awaitable honours asio per-operation cancellation (terminal): the upstream
// connection is closed and the awaitable completes with ErrorKind::kCancelled.
// The model: a request's `model` (ProviderRequest, EmbeddingRequest, CompletionRequest) names the
// model to run; empty means model_id(). Each provider applies that default exactly once, where the
// request enters it (generate, stream, embed, complete), and sends the model on as it then is:
// nothing below (the wire encoders) chooses a model. The gateway resolves the client's name first
// (server/model_resolver.h), so there a provider always receives the model to use.
#pragma once

#include <roci/asio_settings.h>
#include <roci/export.h>

#include <roci/core/capabilities.h>
#include <roci/core/error.h>
#include <roci/core/http_options.h>
#include <roci/core/types.h>
#include <roci/provider/chat_stream.h>
#include <roci/provider/text_stream.h>

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace roci {

class ROCI_EXPORT Provider {
 public:
  virtual ~Provider() = default;

  // The instance's name, as logs and /health show it: by default the kind ("lmstudio");
  // ProviderSpec::name sets another (the gateway's backends).
  virtual std::string_view name() const = 0;
  // The registered kind that built it ("lmstudio", "llamacpp", "openai", "mock"): what decides
  // kind-specific behaviour. By default name().
  virtual std::string_view kind() const { return name(); }
  // The model used when a request names none (see "The model" above).
  virtual const std::string& model_id() const = 0;
  // Base URL of the upstream ("" for the mock). Never contains credentials.
  virtual std::string base_url() const { return {}; }
  // The effective HTTP configuration, or nullptr for providers without an upstream.
  virtual const HttpOptions* http_options() const { return nullptr; }

  // One complete generation. Errors: every ErrorKind an upstream can cause (see error.h).
  // An upstream HTTP 200 whose body is an error is an error.
  virtual asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) = 0;

  // Opens a stream. Completes when the upstream accepted the request and its first event arrived,
  // so setup errors (unknown model, refused connection) come back here with their real kind.
  virtual asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) = 0;

  // The models the upstream has (LM Studio: /v1/models refined by /api/v0/models).
  virtual asio::awaitable<Result<std::vector<ModelInfo>>> list_models() = 0;

  // A cheap reachability probe; never a completion call (LM Studio: /lmstudio-greeting).
  // Returns a value with reachable=false rather than an error when the upstream is down.
  virtual asio::awaitable<Result<ProviderHealth>> health() = 0;

  // What `model` can do; refined by list_models() where the upstream reports more.
  virtual Capabilities capabilities(std::string_view model) const = 0;

  // Optional endpoints; the defaults return ErrorKind::kUnsupported.
  virtual asio::awaitable<Result<EmbeddingResult>> embed(EmbeddingRequest request);
  virtual asio::awaitable<Result<CompletionResult>> complete(CompletionRequest request);
  // Loads `model` on the host (LM Studio >= 0.4: POST /api/v1/models/load; the llama.cpp router:
  // POST /models/load) and completes when it is loaded. Hosts without a load API (older LM
  // Studio, llama.cpp with one model, OpenAI): kUnsupported.
  virtual asio::awaitable<Result<ModelLoadResult>> load_model(std::string model);
  // Unloads `model` (LM Studio: the instance of that id, or the id itself); kUnsupported as above.
  virtual asio::awaitable<Result<ModelLoadResult>> unload_model(std::string model);
  // The exact number of prompt tokens `request` makes for its model (chat template applied), asked
  // of the upstream's tokenizer; never a completion call. llama.cpp: /apply-template + /tokenize.
  virtual asio::awaitable<Result<int>> count_tokens(ProviderRequest request);

  // Synchronous pull stream over stream() (runs on the sync runtime thread; text_stream.h). A stop
  // requested through `stop` (from any thread) ends the open, next() and result(): kCancelled.
  Result<TextStream> stream_text(const ProviderRequest& request, std::stop_token stop = {});
};

}  // namespace roci
