#include <roci/provider/lmstudio_provider.h>

#include "providers/openai_compatible/openai_compatible_provider.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace roci {
namespace {

// LM Studio's Express server closes idle keep-alive sockets after 5 s: expire ours sooner.
constexpr std::chrono::milliseconds kLmStudioMaxKeepAlive = std::chrono::seconds(4);

OpenAiCompatibleDialect lmstudio_dialect() {
  return OpenAiCompatibleDialect{
      .display_name = "LM Studio",
      .unreachable_hint = "Is the server started in LM Studio's Developer tab?",
      .wire = {.json_object_as_schema = true, .developer_as_system = true},
      .health = HealthProbe::kLmStudioGreeting,
      .has_api_v0_models = true,
      .model_api = ModelApi::kLmStudio,
      .append_v1 = true,
      .default_capabilities = [](std::string_view) { return lmstudio_default_capabilities(); },
  };
}

}  // namespace

LmStudioProvider::LmStudioProvider(LmStudioModel model, std::string base_url,
                                   LmStudioOptions options)
    : name_(options.name.empty() ? "lmstudio" : std::move(options.name)) {
  options.http.keep_alive = std::min(options.http.keep_alive, kLmStudioMaxKeepAlive);
  impl_ = std::make_unique<OpenAiCompatibleProvider>(
      lmstudio_dialect(), OpenAiCompatibleConfig{.model = std::move(model.id),
                                                 .base_url = std::move(base_url),
                                                 .api_key = std::move(options.api_key),
                                                 .http = std::move(options.http)});
}

LmStudioProvider::~LmStudioProvider() = default;

const std::string& LmStudioProvider::model_id() const { return impl_->model_id(); }
std::string LmStudioProvider::base_url() const { return impl_->base_url(); }
const HttpOptions* LmStudioProvider::http_options() const { return &impl_->http_options(); }

asio::awaitable<Result<GenerationResult>> LmStudioProvider::generate(ProviderRequest request) {
  return impl_->generate(std::move(request));
}

asio::awaitable<Result<std::unique_ptr<ChatStream>>> LmStudioProvider::stream(
    ProviderRequest request) {
  return impl_->stream(std::move(request));
}

asio::awaitable<Result<std::vector<ModelInfo>>> LmStudioProvider::list_models() {
  return impl_->list_models();
}

asio::awaitable<Result<ProviderHealth>> LmStudioProvider::health() { return impl_->health(); }

Capabilities LmStudioProvider::capabilities(std::string_view model) const {
  return impl_->capabilities(model);
}

asio::awaitable<Result<EmbeddingResult>> LmStudioProvider::embed(EmbeddingRequest request) {
  return impl_->embed(std::move(request));
}

asio::awaitable<Result<CompletionResult>> LmStudioProvider::complete(CompletionRequest request) {
  return impl_->complete(std::move(request));
}

asio::awaitable<Result<ModelLoadResult>> LmStudioProvider::load_model(std::string model) {
  return impl_->load_model(std::move(model));
}

asio::awaitable<Result<ModelLoadResult>> LmStudioProvider::unload_model(std::string model) {
  return impl_->unload_model(std::move(model));
}

}  // namespace roci
