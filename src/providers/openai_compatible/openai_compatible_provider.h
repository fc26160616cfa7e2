// OpenAiCompatibleProvider: the one implementation of the OpenAI wire protocol over
// net::HttpClient.
//
//   OpenAiCompatibleDialect dialect{.display_name = "LM Studio", ..., .append_v1 = true};
//   OpenAiCompatibleProvider impl(std::move(dialect),
//                                 {.model = "qwen3:8b", .base_url = "http://localhost:1234"});
//   auto result = co_await impl.generate(request);
//
// LmStudioProvider, LlamaCppProvider and OpenAiProvider are thin configurations of this class: a
// dialect (display name, unreachable hint, request-side quirks, health probe, /api/v0 support,
// capability table) plus the user's base URL, key and HTTP options. Every error names the
// upstream and its base URL.
//
// Paths: with append_v1 the base URL is the server root and the API lives under "<root>/v1" (a base
// URL that already ends in "/v1" is not doubled); without it the base URL is the API root as given
// (OpenAI: "https://api.openai.com/v1"). Server-root endpoints (/lmstudio-greeting,
// /api/v0/models, llama.cpp's /health) hang off the base path with any trailing "/v1" removed.
//
// Deadlines: HttpOptions, overridden per request by ProviderRequest::transport: first_byte_timeout
// applies to every call, request_timeout caps non-streaming calls (a stream's total is
// HttpOptions::stream_timeout). Retries: HttpOptions::max_retries, in net (retry_policy.h), so a
// stream is only retried before its first event; health() never retries. Errors from the upstream
// never contain the API key.
//
// Threading and cancellation: as roci::Provider (not thread-safe; every awaitable honours
// per-operation cancellation and closes its upstream connection).
#pragma once

#include "net/http_client.h"
#include "openai_wire/upstream_codec.h"

#include <roci/provider/provider.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roci {

enum class HealthProbe {
  kListModels,        // GET <api>/models; reachable iff 200 with a model list (OpenAI)
  kLmStudioGreeting,  // GET /lmstudio-greeting; reachable iff 200 and {"lmstudio": true}
  kLlamaCppHealth,    // GET /health; reachable iff 200 and {"status": "ok"} (503 while loading)
};

// How a host lists its models' loaded state and loads / unloads them.
enum class ModelApi {
  kNone,            // /v1/models only (OpenAI, llama.cpp with one model): every listed model runs
  kLmStudio,        // /api/v1/models (>= 0.4: loaded_instances, POST /api/v1/models/load|unload),
                    // else /api/v0/models (state; JIT loads only)
  kLlamaCppRouter,  // router mode: /v1/models entries carry status.value; POST /models/load
};

struct OpenAiCompatibleDialect {
  std::string display_name;      // "LM Studio", "OpenAI": in every message
  std::string unreachable_hint;  // appended to "not reachable" errors
  openai_wire::UpstreamDialect wire;
  HealthProbe health = HealthProbe::kListModels;
  bool has_api_v0_models = false;  // LM Studio's native /api/v0/models (state, type, context)
  ModelApi model_api = ModelApi::kNone;
  // The /v1/models entries carry context sizes (llama.cpp's meta.n_ctx): list_models() refines
  // capabilities from them.
  bool refine_from_model_list = false;
  bool append_v1 = false;  // the base URL is the server root; the API is under /v1
  // Static capabilities of a model before (or without) refinement from a model list.
  Capabilities (*default_capabilities)(std::string_view model) = nullptr;
};

struct OpenAiCompatibleConfig {
  std::string model;         // used when a request names none
  std::string base_url;      // as the user gave it
  std::string api_key;       // Bearer token; no Authorization header when empty
  std::string organization;  // OpenAI-Organization header, when set
  std::string project;       // OpenAI-Project header, when set
  HttpOptions http;
};

class OpenAiCompatibleProvider {
 public:
  // An invalid base URL does not throw: every call then fails with that error (kInvalidRequest),
  // and health() reports reachable=false with it.
  OpenAiCompatibleProvider(OpenAiCompatibleDialect dialect, OpenAiCompatibleConfig config);
  ~OpenAiCompatibleProvider();
  OpenAiCompatibleProvider(const OpenAiCompatibleProvider&) = delete;
  OpenAiCompatibleProvider& operator=(const OpenAiCompatibleProvider&) = delete;

  const std::string& model_id() const { return config_.model; }
  std::string base_url() const { return display_base_url_; }
  const HttpOptions& http_options() const { return config_.http; }
  const OpenAiCompatibleDialect& dialect() const { return dialect_; }
  // "/v1" for LM Studio at its root, "/v1" for OpenAI; "" + "/v1" paths are built from it.
  const std::string& api_path() const { return api_path_; }

  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest request);
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest request);
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models();
  asio::awaitable<Result<ProviderHealth>> health();
  Capabilities capabilities(std::string_view model) const;
  asio::awaitable<Result<EmbeddingResult>> embed(EmbeddingRequest request);
  asio::awaitable<Result<CompletionResult>> complete(CompletionRequest request);
  asio::awaitable<Result<ModelLoadResult>> load_model(std::string model);
  asio::awaitable<Result<ModelLoadResult>> unload_model(std::string model);
  // llama-server only (LlamaCppProvider): POST /apply-template, then POST /tokenize of its prompt.
  asio::awaitable<Result<int>> count_tokens(ProviderRequest request);

 private:
  // POST `path` {"<field>": id} for load/unload; 404 and LM Studio's "Unexpected endpoint" are
  // kUnsupported (a host without the API).
  asio::awaitable<Result<ModelLoadResult>> model_action(std::string path, std::string_view field,
                                                        std::string id, bool load);
  asio::awaitable<Result<std::vector<ModelInfo>>> fetch_native_models(std::string path);
  // "LM Studio at http://localhost:1234": the upstream name used in every message.
  const std::string& label() const { return label_; }
  // The one place a request's model is defaulted (roci/provider/provider.h): an empty one becomes
  // config_.model.
  void default_model(std::string& model) const;
  // The request with the provider's fields, then `transport`'s deadlines and fields (moved in).
  net::HttpRequest make_request(net::http::verb method, std::string target, std::string body,
                                std::optional<TransportOptions> transport) const;
  // classify_upstream_error, with the API key redacted from the message.
  Error upstream_error(int status, std::string_view body) const;
  // POST/GET returning the 2xx body, or the classified upstream error (including 2xx error bodies).
  asio::awaitable<Result<std::string>> exchange(net::HttpRequest request);
  // exchange()'s verdict on the upstream's response: its body on a 2xx without an error body.
  Result<std::string> checked_body(Result<net::HttpResponse> response) const;
  // The upstream's answer to a chat request as a result: the common shape's scan, else
  // checked_body() and the tree.
  Result<GenerationResult> decode_answer(Result<net::HttpResponse> response) const;
  asio::awaitable<Result<std::vector<ModelInfo>>> fetch_v0_models();
  // GET `target` with the health deadlines and no retries (a probe reports the state now, it does
  // not wait for it to improve); sets health.latency. `health` must outlive the call.
  asio::awaitable<Result<net::HttpResponse>> probe(std::string target, ProviderHealth& health);
  asio::awaitable<Result<ProviderHealth>> probe_greeting(ProviderHealth health);
  asio::awaitable<Result<ProviderHealth>> probe_llamacpp_health(ProviderHealth health);
  asio::awaitable<Result<ProviderHealth>> probe_models(ProviderHealth health, bool fallback);
  void refine_capabilities(const std::vector<ModelInfo>& models);

  OpenAiCompatibleDialect dialect_;
  OpenAiCompatibleConfig config_;
  std::string display_base_url_;
  std::string label_;
  std::string root_path_;    // server root path ("" or a proxy prefix)
  std::string api_path_;     // API root path ("/v1")
  std::string chat_target_;  // api_path_ + "/chat/completions"
  std::optional<Error> config_error_;
  std::unique_ptr<net::HttpClient> client_;
  std::map<std::string, Capabilities, std::less<>> refined_;  // from /api/v0/models
  // The model a name that lists none means ("" or "local-model"): the first loaded model of the
  // last list, or its only model (llama.cpp). Empty until a list was read.
  std::string loaded_model_;
};

// Capabilities implied by one /api/v0/models entry, starting from `base`: loaded_context_length
// (or max_context_length) -> context_length; "tool_use" -> tools; type "vlm" or "vision" -> vision;
// type "embeddings" -> no chat abilities.
Capabilities refine_from_v0(Capabilities base, const ModelInfo& model);

// /v1/models entries completed with the /api/v0/models entry of the same id, when there is one.
std::vector<ModelInfo> merge_model_lists(std::vector<ModelInfo> v1,
                                         const std::vector<ModelInfo>& v0);

// LM Studio's model lifecycle answer for `model`: instance_id defaulted to the model id.
ModelLoadResult complete_load_result(ModelLoadResult result, std::string_view model);

}  // namespace roci
