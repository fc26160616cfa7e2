#include <roci/provider/llamacpp_provider.h>

#include "providers/openai_compatible/openai_compatible_provider.h"

#include <utility>

namespace roci {
namespace {

// llama-server's default --ctx-size; list_models() replaces it with the served n_ctx.
constexpr int kLlamaCppDefaultContext = 4096;

Capabilities llamacpp_capabilities(std::string_view) {
  return Capabilities{.tools = true,
                      .streaming = true,
                      .json_mode = true,
                      .json_schema = true,
                      .vision = false,
                      .reasoning = false,
                      .system_messages = true,
                      .context_length = kLlamaCppDefaultContext};
}

OpenAiCompatibleDialect llamacpp_dialect() {
  return OpenAiCompatibleDialect{
      .display_name = "llama.cpp",
      .unreachable_hint = "Is llama-server running (llama-server -m <model.gguf> --port 8080)?",
      .wire = {.json_object_as_schema = false, .developer_as_system = true},
      .health = HealthProbe::kLlamaCppHealth,
      .has_api_v0_models = false,
      .model_api = ModelApi::kLlamaCppRouter,
      .refine_from_model_list = true,
      .append_v1 = true,
      .default_capabilities = &llamacpp_capabilities,
  };
}

}  // namespace

LlamaCppProvider::LlamaCppProvider(std::string model, std::string base_url, LlamaCppOptions options)
    : name_(options.name.empty() ? "llamacpp" : std::move(options.name)) {
  impl_ = std::make_unique<OpenAiCompatibleProvider>(
      llamacpp_dialect(), OpenAiCompatibleConfig{.model = std::move(model),
                                                 .base_url = std::move(base_url),
                                                 .api_key = std::move(options.api_key),
                                                 .http = std::move(options.http)});
}

LlamaCppProvider::~LlamaCppProvider() = default;

const std::string& LlamaCppProvider::model_id() const { return impl_->model_id(); }
std::string LlamaCppProvider::base_url() const { return impl_->base_url(); }
const HttpOptions* LlamaCppProvider::http_options() const { return &impl_->http_options(); }

asio::awaitable<Result<GenerationResult>> LlamaCppProvider::generate(ProviderRequest request) {
  return impl_->generate(std::move(request));
}

asio::awaitable<Result<std::unique_ptr<ChatStream>>> LlamaCppProvider::stream(
    ProviderRequest request) {
  return impl_->stream(std::move(request));
}

asio::awaitable<Result<std::vector<ModelInfo>>> LlamaCppProvider::list_models() {
  return impl_->list_models();
}

asio::awaitable<Result<ProviderHealth>> LlamaCppProvider::health() { return impl_->health(); }

Capabilities LlamaCppProvider::capabilities(std::string_view model) const {
  return impl_->capabilities(model);
}

asio::awaitable<Result<EmbeddingResult>> LlamaCppProvider::embed(EmbeddingRequest request) {
  return impl_->embed(std::move(request));
}

asio::awaitable<Result<CompletionResult>> LlamaCppProvider::complete(CompletionRequest request) {
  return impl_->complete(std::move(request));
}

asio::awaitable<Result<ModelLoadResult>> LlamaCppProvider::load_model(std::string model) {
  return impl_->load_model(std::move(model));
}

asio::awaitable<Result<ModelLoadResult>> LlamaCppProvider::unload_model(std::string model) {
  return impl_->unload_model(std::move(model));
}

asio::awaitable<Result<int>> LlamaCppProvider::count_tokens(ProviderRequest request) {
  return impl_->count_tokens(std::move(request));
}

}  // namespace roci
