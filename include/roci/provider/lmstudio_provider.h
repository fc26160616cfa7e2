// LmStudioProvider: LM Studio's OpenAI-compatible server, as it really behaves.
//
//   roci::LmStudioProvider provider(roci::LmStudioModel::custom("llama3.3"),
//                                   "http://localhost:1234");   // "/v1" is appended
//
// No API key is needed; set `LmStudioOptions::api_key` when LM Studio's "Require Authentication" is
// on. The provider handles LM Studio's quirks (shared/docs/LMSTUDIO_API.md): string and object
// error envelopes and HTTP 200 bodies that are errors; usage requested on every stream and read
// from the trailing `choices: []` chunk; role on any chunk; numeric tool-call ids and fragmented
// arguments; reasoning_content / reasoning deltas; json_object rewritten to a permissive
// json_schema; `developer` sent as `system`; the 5-second keep-alive (idle sockets expire sooner,
// and a request that fails on a reused socket before any byte arrived is retried once);
// /lmstudio-greeting for health; /api/v0/models for loaded state, type and context length.
#pragma once

#include <roci/export.h>

#include <roci/provider/provider.h>

#include <memory>
#include <string>

namespace roci {

struct LmStudioModel {
  std::string id;
  static LmStudioModel custom(std::string id) { return LmStudioModel{std::move(id)}; }
};

struct LmStudioOptions {
  std::string api_key;  // optional Bearer token (LM Studio 0.4+ authentication)
  HttpOptions http;
  std::string name;  // the instance's name(); "" -> "lmstudio"
};

inline constexpr std::string_view kLmStudioDefaultBaseUrl = "http://localhost:1234";

class OpenAiCompatibleProvider;

class ROCI_EXPORT LmStudioProvider final : public Provider {
 public:
  explicit LmStudioProvider(LmStudioModel model,
                            std::string base_url = std::string(kLmStudioDefaultBaseUrl),
                            LmStudioOptions options = {});
  ~LmStudioProvider() override;

  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "lmstudio"; }
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

 private:
  std::string name_;
  std::unique_ptr<OpenAiCompatibleProvider> impl_;
};

}  // namespace roci
