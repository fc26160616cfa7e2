#include "providers/openai_compatible/openai_compatible_provider.h"

#include "core/model_match.h"
#include "net/http_client_send.h"
#include "openai_wire/fast_path_decode.h"

#include "providers/openai_compatible/openai_chat_stream.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <utility>

namespace roci {
namespace {

using net::http::verb;

// Error bodies are read only this far: enough for any message, never a whole runaway body.
constexpr std::size_t kErrorBodyLimit = 1u << 20;
// health() is a cheap probe: it never waits as long as a generation may.
constexpr std::chrono::milliseconds kHealthTimeout = std::chrono::seconds(10);

bool is_success(int status) { return status >= 200 && status < 300; }

// An answer known before anything is sent, as the awaitable generate() and exchange() return.
template <class T>
asio::awaitable<Result<T>> answered(Error e) {
  co_return e;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string strip_trailing_slashes(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

std::chrono::microseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

// Upstreams may quote the key they rejected ("Incorrect API key provided: sk-..."): an Error never
// carries it.
void redact(std::string& text, std::string_view secret) {
  if (secret.size() < 4) return;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "<redacted>");
  }
}

}  // namespace

Capabilities refine_from_v0(Capabilities base, const ModelInfo& model) {
  if (model.loaded_context_length && *model.loaded_context_length > 0) {
    base.context_length = *model.loaded_context_length;
  } else if (model.max_context_length && *model.max_context_length > 0) {
    base.context_length = *model.max_context_length;
  }
  if (contains(model.capabilities, "tool_use")) {
    base.tools = true;
  } else if (!model.capabilities.empty()) {
    base.tools = false;  // the list is there and does not name tool use
  }
  if (model.type == "vlm" || contains(model.capabilities, "vision")) base.vision = true;
  if (model.type == "embeddings") {
    base.tools = base.streaming = base.json_mode = base.json_schema = false;
    base.vision = base.reasoning = base.system_messages = false;
  }
  return base;
}

std::vector<ModelInfo> merge_model_lists(std::vector<ModelInfo> v1,
                                         const std::vector<ModelInfo>& v0) {
  for (auto& model : v1) {
    const auto it =
        std::find_if(v0.begin(), v0.end(), [&](const ModelInfo& m) { return m.id == model.id; });
    if (it == v0.end()) continue;
    if (model.type.empty()) model.type = it->type;
    if (model.state.empty()) model.state = it->state;
    if (!model.max_context_length) model.max_context_length = it->max_context_length;
    if (!model.loaded_context_length) model.loaded_context_length = it->loaded_context_length;
    if (model.capabilities.empty()) model.capabilities = it->capabilities;
    if (model.publisher.empty()) model.publisher = it->publisher;
    if (model.arch.empty()) model.arch = it->arch;
    if (model.quantization.empty()) model.quantization = it->quantization;
    if (model.instances.empty()) model.instances = it->instances;
    model.loadable = model.loadable || it->loadable;
  }
  return v1;
}

ModelLoadResult complete_load_result(ModelLoadResult result, std::string_view model) {
  result.model = std::string(model);
  if (result.instance_id.empty()) result.instance_id = std::string(model);
  return result;
}

OpenAiCompatibleProvider::OpenAiCompatibleProvider(OpenAiCompatibleDialect dialect,
                                                   OpenAiCompatibleConfig config)
    : dialect_(std::move(dialect)), config_(std::move(config)) {
  display_base_url_ = strip_trailing_slashes(config_.base_url);
  label_ = dialect_.display_name + " at " + display_base_url_;
  auto origin = net::parse_base_url(display_base_url_);
  if (!origin) {
    Error error = origin.error();
    error.message = "The " + dialect_.display_name + " base URL is invalid: " + error.message;
    config_error_ = std::move(error);
    return;
  }
  const std::string& path = origin->base_path;
  root_path_ = path.ends_with("/v1") ? path.substr(0, path.size() - 3) : path;
  api_path_ = dialect_.append_v1 ? root_path_ + "/v1" : path;
  chat_target_ = api_path_ + "/chat/completions";
  // Targets carry the whole path, so the transport's origin is the bare scheme://host:port.
  net::Origin transport = *origin;
  transport.base_path.clear();
  client_ = std::make_unique<net::HttpClient>(
      std::move(transport), config_.http,
      net::UpstreamIdentity{dialect_.display_name, display_base_url_, dialect_.unreachable_hint});
}

OpenAiCompatibleProvider::~OpenAiCompatibleProvider() = default;

void OpenAiCompatibleProvider::default_model(std::string& model) const {
  if (model.empty()) model = config_.model;
}

net::HttpRequest OpenAiCompatibleProvider::make_request(
    net::http::verb method, std::string target, std::string body,
    std::optional<TransportOptions> transport) const {
  net::HttpRequest request;
  request.method = method;
  request.target = std::move(target);
  request.body = std::move(body);
  if (!config_.api_key.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  }
  if (!config_.organization.empty()) {
    request.headers.emplace_back("OpenAI-Organization", config_.organization);
  }
  if (!config_.project.empty()) request.headers.emplace_back("OpenAI-Project", config_.project);
  if (transport) {
    request.first_byte_timeout = transport->first_byte_timeout;
    request.total_timeout = transport->request_timeout;
    if (request.headers.empty()) {
      request.headers = std::move(transport->headers);
    } else {
      request.headers.insert(request.headers.end(),
                             std::make_move_iterator(transport->headers.begin()),
                             std::make_move_iterator(transport->headers.end()));
    }
  }
  return request;
}

Error OpenAiCompatibleProvider::upstream_error(int status, std::string_view body) const {
  Error error = openai_wire::classify_upstream_error(status, body, label_);
  redact(error.message, config_.api_key);
  return error;
}

Result<std::string> OpenAiCompatibleProvider::checked_body(
    Result<net::HttpResponse> response) const {
  if (!response) return response.error();
  if (!is_success(response->status)) return upstream_error(response->status, response->body);
  if (auto error = openai_wire::detect_error_body(response->status, response->body, label_)) {
    redact(error->message, config_.api_key);
    return *error;
  }
  return std::move(response->body);
}

asio::awaitable<Result<std::string>> OpenAiCompatibleProvider::exchange(net::HttpRequest request) {
  if (config_error_) return answered<std::string>(*config_error_);
  return client_->send_then(std::move(request), [this](Result<net::HttpResponse>&& response) {
    return checked_body(std::move(response));
  });
}

asio::awaitable<Result<GenerationResult>> OpenAiCompatibleProvider::generate(
    ProviderRequest request) {
  if (config_error_) return answered<GenerationResult>(*config_error_);
  default_model(request.model);
  // Built apart: the body may take the client's original text out of `request`.
  std::string body_text =
      openai_wire::encode_chat_request(std::move(request), false, dialect_.wire);
  // The answer is decoded on the send's own frame (one coroutine for the whole call), which holds
  // the HttpRequest but not the ProviderRequest (Asio recycles coroutine frames only up to about
  // 1 KiB).
  return client_->send_then(
      make_request(verb::post, chat_target_, std::move(body_text), std::move(request.transport)),
      [this](Result<net::HttpResponse>&& response) { return decode_answer(std::move(response)); });
}

Result<GenerationResult> OpenAiCompatibleProvider::decode_answer(
    Result<net::HttpResponse> response) const {
  // The common answer shape first: the scanner takes no `error` key, so what it accepts is no
  // error envelope, and the body is read once. Anything else: checked_body()'s checks, then the
  // tree. One named result, so it is the caller's own (no move of the answer on the way out).
  Result<GenerationResult> decoded(boost::system::in_place_value);
  if (response && is_success(response->status) &&
      openai_wire::detail::decode_response_fast_path(response->body, *decoded, &response->body)) {
    return decoded;
  }
  auto body = checked_body(std::move(response));
  if (!body) {
    decoded = std::move(body.error());
  } else {
    decoded = openai_wire::detail::decode_chat_response_tree(*body, label_);
  }
  return decoded;
}

asio::awaitable<Result<std::unique_ptr<ChatStream>>> OpenAiCompatibleProvider::stream(
    ProviderRequest request) {
  if (config_error_) co_return *config_error_;
  default_model(request.model);
  // Built apart: the body may take the client's original text out of `request`.
  std::string body_text = openai_wire::encode_chat_request(std::move(request), true, dialect_.wire);
  auto http =
      make_request(verb::post, chat_target_, std::move(body_text), std::move(request.transport));
  http.total_timeout.reset();  // a stream's total is HttpOptions::stream_timeout
  http.headers.emplace_back("Accept", "text/event-stream");
  auto opened = co_await client_->open(std::move(http));
  if (!opened) co_return opened.error();
  std::unique_ptr<net::HttpBodyReader> body = std::move(*opened);
  const int status = body->status();
  if (!is_success(status)) {
    auto text = co_await body->read_all(std::min(kErrorBodyLimit, config_.http.max_response_bytes));
    co_return upstream_error(status, text ? *text : std::string());
  }
  if (body->content_type().find("json") != std::string_view::npos) {
    // LM Studio answers some errors with 200 + JSON; some servers ignore `stream: true`.
    auto text = co_await body->read_all(config_.http.max_response_bytes);
    if (!text) co_return text.error();
    if (auto error = openai_wire::detect_error_body(status, *text, label_)) {
      redact(error->message, config_.api_key);
      co_return *error;
    }
    auto result = openai_wire::decode_chat_response(*text, label_);
    if (!result) co_return result.error();
    co_return std::unique_ptr<ChatStream>(OpenAiChatStream::replay(*result, label_));
  }
  auto stream =
      std::make_unique<OpenAiChatStream>(std::move(body), label_, config_.http.max_event_bytes);
  if (auto first = co_await stream->open(); !first) co_return first.error();
  co_return std::unique_ptr<ChatStream>(std::move(stream));
}

asio::awaitable<Result<std::vector<ModelInfo>>> OpenAiCompatibleProvider::fetch_v0_models() {
  auto body =
      co_await exchange(make_request(verb::get, root_path_ + "/api/v0/models", {}, std::nullopt));
  if (!body) co_return body.error();
  co_return openai_wire::decode_model_list(*body, label_);
}

void OpenAiCompatibleProvider::refine_capabilities(const std::vector<ModelInfo>& models) {
  std::string loaded = models.size() == 1 ? models.front().id : std::string();
  for (const auto& model : models) {
    if (loaded.empty() && model.loaded() && model.type != "embeddings") loaded = model.id;
  }
  if (!loaded.empty()) loaded_model_ = std::move(loaded);
  for (const auto& model : models) {
    if (model.id.empty()) continue;
    Capabilities base =
        dialect_.default_capabilities ? dialect_.default_capabilities(model.id) : Capabilities{};
    refined_.insert_or_assign(model.id, refine_from_v0(base, model));
  }
}

asio::awaitable<Result<std::vector<ModelInfo>>> OpenAiCompatibleProvider::fetch_native_models(
    std::string path) {
  auto body = co_await exchange(make_request(verb::get, root_path_ + path, {}, std::nullopt));
  if (!body) co_return body.error();
  co_return openai_wire::decode_model_list(*body, label_);
}

asio::awaitable<Result<std::vector<ModelInfo>>> OpenAiCompatibleProvider::list_models() {
  auto body = co_await exchange(make_request(verb::get, api_path_ + "/models", {}, std::nullopt));
  if (!body) co_return body.error();
  auto v1 = openai_wire::decode_model_list(*body, label_);
  if (v1 && dialect_.refine_from_model_list) refine_capabilities(*v1);
  // llama.cpp's router lists every model with status.value on /v1/models (and /models): the
  // decoder reads it. A one-model llama-server and OpenAI list what they serve.
  if (!v1 || !dialect_.has_api_v0_models) co_return v1;
  // /api/v0/models is a refinement: older LM Studio builds and llama.cpp do not have it.
  auto v0 = co_await fetch_v0_models();
  if (!v0 && v0.error().kind == ErrorKind::kCancelled) co_return v0.error();
  std::vector<ModelInfo> merged = std::move(*v1);
  if (v0) {
    refine_capabilities(*v0);
    merged = merge_model_lists(std::move(merged), *v0);
  }
  if (dialect_.model_api != ModelApi::kLmStudio) co_return merged;
  // LM Studio >= 0.4: /api/v1/models names the loaded instances and means the models can be
  // loaded and unloaded through /api/v1/models/load|unload. An older build has no such list.
  auto native = co_await fetch_native_models("/api/v1/models");
  if (!native && native.error().kind == ErrorKind::kCancelled) co_return native.error();
  if (!native) co_return merged;
  for (auto& model : merged) {
    const auto it = std::find_if(native->begin(), native->end(),
                                 [&](const ModelInfo& m) { return m.id == model.id; });
    if (it == native->end() || !it->loadable) continue;
    model.loadable = true;
    model.instances = it->instances;
  }
  co_return merged;
}

Capabilities OpenAiCompatibleProvider::capabilities(std::string_view model) const {
  std::string_view id = model.empty() ? std::string_view(config_.model) : model;
  if (auto it = refined_.find(id); it != refined_.end()) return it->second;
  // The name as the server resolves it (model_match: a unique substring, an instance), or the
  // loaded model for "" and LM Studio's "local-model" placeholder.
  if (!refined_.empty()) {
    std::vector<std::string_view> ids;
    for (const auto& [listed, caps] : refined_) ids.emplace_back(listed);
    auto hit = model_match::match(id, ids);
    if (hit.id && !id.empty()) return refined_.find(*hit.id)->second;
    if ((id.empty() || id == model_match::kLocalModelAlias) && !loaded_model_.empty()) {
      if (auto it = refined_.find(loaded_model_); it != refined_.end()) return it->second;
    }
  }
  return dialect_.default_capabilities ? dialect_.default_capabilities(id) : Capabilities{};
}

asio::awaitable<Result<ProviderHealth>> OpenAiCompatibleProvider::health() {
  ProviderHealth health;
  health.base_url = display_base_url_;
  if (config_error_) {
    health.detail = config_error_->message;
    co_return health;
  }
  if (dialect_.health == HealthProbe::kLmStudioGreeting) {
    co_return co_await probe_greeting(std::move(health));
  }
  if (dialect_.health == HealthProbe::kLlamaCppHealth) {
    co_return co_await probe_llamacpp_health(std::move(health));
  }
  co_return co_await probe_models(std::move(health), false);
}

asio::awaitable<Result<net::HttpResponse>> OpenAiCompatibleProvider::probe(std::string target,
                                                                           ProviderHealth& health) {
  auto request = make_request(verb::get, std::move(target), {}, std::nullopt);
  request.first_byte_timeout = std::min(config_.http.first_byte_timeout, kHealthTimeout);
  request.total_timeout = std::min(config_.http.request_timeout, kHealthTimeout);
  request.max_retries = 0;
  const auto start = std::chrono::steady_clock::now();
  auto response = co_await client_->send(std::move(request));
  health.latency = since(start);
  co_return response;
}

asio::awaitable<Result<ProviderHealth>> OpenAiCompatibleProvider::probe_greeting(
    ProviderHealth health) {
  auto response = co_await probe(root_path_ + "/lmstudio-greeting", health);
  if (!response) {
    if (response.error().kind == ErrorKind::kCancelled) co_return response.error();
    health.detail = response.error().message;
    co_return health;
  }
  if (response->status != 200 || !openai_wire::decode_lmstudio_greeting(response->body)) {
    // Never trust a bare 200: an old LM Studio answers 200 to every path. A server that is not LM
    // Studio (llama.cpp, an old build) is still usable if it serves a real /v1/models list.
    co_return co_await probe_models(std::move(health), true);
  }
  health.reachable = true;
  health.detail = "LM Studio answered /lmstudio-greeting";
  if (dialect_.has_api_v0_models) {
    auto v0 = co_await fetch_v0_models();
    if (v0) {
      refine_capabilities(*v0);
      for (const auto& model : *v0) {
        if (model.loaded()) health.loaded_models.push_back(model.id);
      }
    }
  }
  co_return health;
}

asio::awaitable<Result<ProviderHealth>> OpenAiCompatibleProvider::probe_llamacpp_health(
    ProviderHealth health) {
  const std::string target = root_path_ + "/health";
  auto response = co_await probe(target, health);
  if (!response) {
    if (response.error().kind == ErrorKind::kCancelled) co_return response.error();
    health.detail = response.error().message;
    co_return health;
  }
  if (response->status == 200 && openai_wire::decode_llamacpp_health(response->body)) {
    health.reachable = true;
    health.detail = dialect_.display_name + " answered " + target;
  } else if (response->status == 200) {
    // LM Studio, for one, answers 200 with an error body to every path it does not serve.
    health.detail = "A server answers at " + display_base_url_ + " but GET " + target +
                    " did not return {\"status\":\"ok\"}: is it llama.cpp's llama-server?";
  } else {
    // 503 {"error":{"code":503,"message":"Loading model",...}} while the model loads.
    health.detail = upstream_error(response->status, response->body).message;
  }
  co_return health;
}

asio::awaitable<Result<ProviderHealth>> OpenAiCompatibleProvider::probe_models(
    ProviderHealth health, bool after_greeting) {
  auto response = co_await probe(api_path_ + "/models", health);
  if (!response) {
    if (response.error().kind == ErrorKind::kCancelled) co_return response.error();
    health.detail = response.error().message;
    co_return health;
  }
  const std::string models_path = api_path_ + "/models";
  // decode_model_list refuses an error envelope as well as anything that is not a model list.
  if (response->status == 200 && openai_wire::decode_model_list(response->body, label_)) {
    health.reachable = true;
    health.detail = after_greeting
                        ? "The server at " + display_base_url_ +
                              " did not answer /lmstudio-greeting like LM Studio, but serves the "
                              "OpenAI API (" +
                              models_path + ")"
                        : dialect_.display_name + " answered " + models_path;
    co_return health;
  }
  if (after_greeting) {
    health.detail = "A server answers at " + display_base_url_ +
                    " but it is not LM Studio (GET /lmstudio-greeting did not return "
                    "{\"lmstudio\":true}) and GET " +
                    models_path +
                    " gave no model list. Check the port, and that LM Studio's server is started.";
  } else if (response->status == 401 || response->status == 403) {
    health.detail = label_ + " rejected the credentials (HTTP " + std::to_string(response->status) +
                    "): check the API key.";
  } else {
    health.detail = upstream_error(response->status, response->body).message;
  }
  co_return health;
}

asio::awaitable<Result<EmbeddingResult>> OpenAiCompatibleProvider::embed(EmbeddingRequest request) {
  default_model(request.model);
  auto body = co_await exchange(make_request(verb::post, api_path_ + "/embeddings",
                                             openai_wire::encode_embedding_request(request),
                                             std::move(request.transport)));
  if (!body) co_return body.error();
  co_return openai_wire::decode_embedding_response(*body, label_);
}

asio::awaitable<Result<ModelLoadResult>> OpenAiCompatibleProvider::model_action(
    std::string path, std::string_view field, std::string id, bool load) {
  if (config_error_) co_return *config_error_;
  auto request = make_request(verb::post, root_path_ + path,
                              openai_wire::encode_model_action(field, id), std::nullopt);
  request.headers.emplace_back("Content-Type", "application/json");
  request.max_retries = 0;  // a load is not idempotent enough to resend blindly
  auto response = co_await client_->send(std::move(request));
  if (!response) co_return response.error();
  const std::string_view what = load ? "load" : "unload";
  const bool no_api =
      response->status == 404 || response->status == 405 ||
      (response->status == 200 && response->body.find("Unexpected endpoint") != std::string::npos);
  if (no_api) {
    co_return Error::unsupported(label_ + " has no model " + std::string(what) + " API (POST " +
                                 path +
                                 "): LM Studio 0.4 or later, or llama.cpp in router mode "
                                 "has one");
  }
  if (!is_success(response->status)) co_return upstream_error(response->status, response->body);
  if (auto error = openai_wire::detect_error_body(response->status, response->body, label_)) {
    co_return *error;
  }
  auto result = openai_wire::decode_model_load(response->body, label_);
  if (!result) co_return result.error();
  co_return complete_load_result(std::move(*result), id);
}

asio::awaitable<Result<ModelLoadResult>> OpenAiCompatibleProvider::load_model(std::string model) {
  default_model(model);
  if (dialect_.model_api == ModelApi::kLmStudio) {
    co_return co_await model_action("/api/v1/models/load", "model", std::move(model), true);
  }
  if (dialect_.model_api == ModelApi::kLlamaCppRouter) {
    co_return co_await model_action("/models/load", "model", std::move(model), true);
  }
  co_return Error::unsupported(label_ + " cannot load models through its API");
}

asio::awaitable<Result<ModelLoadResult>> OpenAiCompatibleProvider::unload_model(std::string model) {
  default_model(model);
  if (dialect_.model_api == ModelApi::kLmStudio) {
    // The instance of that id; LM Studio names the first instance of a model by its key.
    co_return co_await model_action("/api/v1/models/unload", "instance_id", std::move(model),
                                    false);
  }
  if (dialect_.model_api == ModelApi::kLlamaCppRouter) {
    co_return co_await model_action("/models/unload", "model", std::move(model), false);
  }
  co_return Error::unsupported(label_ + " cannot unload models through its API");
}

asio::awaitable<Result<CompletionResult>> OpenAiCompatibleProvider::complete(
    CompletionRequest request) {
  default_model(request.model);
  auto body = co_await exchange(make_request(verb::post, api_path_ + "/completions",
                                             openai_wire::encode_completion_request(request),
                                             std::move(request.transport)));
  if (!body) co_return body.error();
  co_return openai_wire::decode_completion_response(*body, label_);
}

asio::awaitable<Result<int>> OpenAiCompatibleProvider::count_tokens(ProviderRequest request) {
  default_model(request.model);
  auto templated = co_await exchange(make_request(
      verb::post, root_path_ + "/apply-template",
      openai_wire::encode_chat_request(request, false, dialect_.wire), request.transport));
  if (!templated) co_return templated.error();
  auto prompt = openai_wire::decode_applied_template(*templated, label_);
  if (!prompt) co_return prompt.error();
  auto tokens = co_await exchange(make_request(verb::post, root_path_ + "/tokenize",
                                               openai_wire::encode_tokenize_request(*prompt),
                                               std::move(request.transport)));
  if (!tokens) co_return tokens.error();
  co_return openai_wire::decode_token_count(*tokens, label_);
}

}  // namespace roci
