// OpenAiProvider: OpenAI (or any server that speaks its API) over HTTPS.
//
//   roci::OpenAiProvider provider("gpt-4o-mini", std::getenv("OPENAI_API_KEY"));
//
// TLS with SNI, certificate-chain and host-name verification (HttpOptions::ca_file adds a CA
// bundle). The key is sent as `Authorization: Bearer`; it is never logged or put in an Error.
#pragma once

#include <roci/export.h>

#include <roci/provider/provider.h>

#include <memory>
#include <string>

namespace roci {

inline constexpr std::string_view kOpenAiDefaultBaseUrl = "https://api.openai.com/v1";

struct OpenAiOptions {
  std::string organization;  // OpenAI-Organization header, when set
  std::string project;       // OpenAI-Project header, when set
  HttpOptions http;
  std::string name;  // the instance's name(); "" -> "openai"
};

class OpenAiCompatibleProvider;

class ROCI_EXPORT OpenAiProvider final : public Provider {
 public:
  OpenAiProvider(std::string model, std::string api_key,
                 std::string base_url = std::string(kOpenAiDefaultBaseUrl),
                 OpenAiOptions options = {});
  ~OpenAiProvider() override;

  std::string_view name() const override { return name_; }
  std::string_view kind() const override { return "openai"; }
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

 private:
  std::string name_;
  std::unique_ptr<OpenAiCompatibleProvider> impl_;
};

}  // namespace roci
