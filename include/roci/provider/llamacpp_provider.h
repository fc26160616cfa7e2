// LlamaCppProvider: llama.cpp's `llama-server`, through its OpenAI-compatible API.
//
//   roci::LlamaCppProvider provider("qwen2.5-7b", "http://localhost:8080");   // "/v1" is appended
//
// No API key is needed; set `LlamaCppOptions::api_key` when llama-server runs with --api-key (sent
// as `Authorization: Bearer`, never logged). Health is `GET /health` (public on llama-server): 200
// {"status":"ok"} is reachable; 503 {"error":{"code":503,"message":"Loading model",...}} while the
// model loads is not, and the detail says why. Errors arrive in llama.cpp's one envelope
// {"error":{"code":<status>,"message","type"}} (exceed_context_size_error is a context overflow,
// not_found_error an endpoint the server does not have). In single-model mode llama-server serves
// its loaded model whatever `model` says; an empty model is left out of the request. Capabilities:
// tools, streaming, JSON mode and schema, system messages; the context length is llama-server's
// default --ctx-size (4096) until list_models() reads the real one (meta.n_ctx). `developer`
// messages are sent as `system` (chat templates rarely know the role).
#pragma once

#include <roci/export.h>

#include <roci/provider/provider.h>

#include <memory>
#include <string>

namespace roci {

inline constexpr std::string_view kLlamaCppDefaultBaseUrl = "http://localhost:8080";

struct LlamaCppOptions {
  std::string api_key;  // optional Bearer token (llama-server --api-key)
  HttpOptions http;
  std::string name;  // the instance's name(); "" -> "llamacpp"
};

class OpenAiCompatibleProvider;

class ROCI_EXPORT LlamaCppProvider final : public Provider {
 public:
  explicit LlamaCppProvider(std::string model,
                            std::string base_url = std::string(kLlamaCppDefaultBaseUrl),
                            LlamaCppOptions options = {});
  ~LlamaCppProvider() override;

  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "llamacpp"; }
  const std::string& model_id() const override;
  std::string base_url() const override;
  const HttpOptions* http_options() const override;

  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request) override;
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request) override;
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override;
  asio::awaitable<Result<ProviderHealth>> health() override;
  Capabilities capabilities(std::string_view model) const override;
  asio::awaitable<Result<EmbeddingResult>> embed(EmbeddingRequest request) override;
  asio::awaitable<Result<CompletionResult>> complete(CompletionRequest request) override;
  asio::awaitable<Result<ModelLoadResult>> load_model(std::string model) override;
  asio::awaitable<Result<ModelLoadResult>> unload_model(std::string model) override;
  asio::awaitable<Result<int>> count_tokens(ProviderRequest request) override;

 private:
  std::string name_;
  std::unique_ptr<OpenAiCompatibleProvider> impl_;
};

}  // namespace roci
