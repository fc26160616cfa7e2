#include <roci/provider/openai_provider.h>

#include "providers/openai_compatible/openai_compatible_provider.h"

#include <cctype>
#include <utility>

namespace roci {
namespace {

// OpenAI's chat models: tools, streaming, JSON mode and schema, system messages, 128k context;
// vision on gpt-4o*, gpt-4.1* and the o-series (o1, o3, o4-mini, ...), which also reason.
Capabilities openai_capabilities(std::string_view model) {
  const bool o_series =
      model.size() >= 2 && model[0] == 'o' && std::isdigit(static_cast<unsigned char>(model[1]));
  const bool vision = model.starts_with("gpt-4o") || model.starts_with("gpt-4.1") || o_series;
  return Capabilities{.tools = true,
                      .streaming = true,
                      .json_mode = true,
                      .json_schema = true,
                      .vision = vision,
                      .reasoning = o_series,
                      .system_messages = true,
                      .context_length = 128000};
}

OpenAiCompatibleDialect openai_dialect() {
  return OpenAiCompatibleDialect{
      .display_name = "OpenAI",
      .unreachable_hint = "Check OPENAI_BASE_URL and the network connection.",
      .wire = {},
      .health = HealthProbe::kListModels,
      .has_api_v0_models = false,
      .append_v1 = false,
      .default_capabilities = &openai_capabilities,
  };
}

}  // namespace

OpenAiProvider::OpenAiProvider(std::string model, std::string api_key, std::string base_url,
                               OpenAiOptions options)
    : name_(options.name.empty() ? "openai" : std::move(options.name)) {
  impl_ = std::make_unique<OpenAiCompatibleProvider>(
      openai_dialect(), OpenAiCompatibleConfig{.model = std::move(model),
                                               .base_url = std::move(base_url),
                                               .api_key = std::move(api_key),
                                               .organization = std::move(options.organization),
                                               .project = std::move(options.project),
                                               .http = std::move(options.http)});
}

OpenAiProvider::~OpenAiProvider() = default;

const std::string& OpenAiProvider::model_id() const { return impl_->model_id(); }
std::string OpenAiProvider::base_url() const { return impl_->base_url(); }
const HttpOptions* OpenAiProvider::http_options() const { return &impl_->http_options(); }

asio::awaitable<Result<GenerationResult>> OpenAiProvider::generate(ProviderRequest request) {
  return impl_->generate(std::move(request));
}

asio::awaitable<Result<std::unique_ptr<ChatStream>>> OpenAiProvider::stream(
    ProviderRequest request) {
  return impl_->stream(std::move(request));
}

asio::awaitable<Result<std::vector<ModelInfo>>> OpenAiProvider::list_models() {
  return impl_->list_models();
}

asio::awaitable<Result<ProviderHealth>> OpenAiProvider::health() { return impl_->health(); }

Capabilities OpenAiProvider::capabilities(std::string_view model) const {
  return impl_->capabilities(model);
}

asio::awaitable<Result<EmbeddingResult>> OpenAiProvider::embed(EmbeddingRequest request) {
  return impl_->embed(std::move(request));
}

asio::awaitable<Result<CompletionResult>> OpenAiProvider::complete(CompletionRequest request) {
  return impl_->complete(std::move(request));
}

}  // namespace roci
