// The fake OpenAI and the fake llama.cpp llama-server (LMSTUDIO_API.md §10).
#include "support/fake_chat.h"
#include "support/fake_internal.h"

namespace roci::testing::detail {
namespace json = boost::json;
namespace {

constexpr std::int64_t kModelCreated = 1686935002;

// ---- OpenAI -------------------------------------------------------------------------------

Reply openai_error(unsigned status, std::string message, std::string_view type, json::value param,
                   json::value code) {
  return json_reply(status, {{"error",
                              {{"message", std::move(message)},
                               {"type", type},
                               {"param", std::move(param)},
                               {"code", std::move(code)}}}});
}

std::optional<Reply> openai_auth(const Request& request, const FakeOptions& options) {
  if (options.api_key.empty()) return std::nullopt;
  const std::string header = request.header("Authorization");
  if (header == "Bearer " + options.api_key) return std::nullopt;
  if (header.empty()) {
    return openai_error(401,
                        "You didn't provide an API key. You need to provide your API key in an "
                        "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                        "YOUR_KEY), or as the password field (with blank username) if you're "
                        "accessing the API from your browser and are prompted for a username and "
                        "password. You can obtain an API key from "
                        "https://platform.openai.com/account/api-keys.",
                        "invalid_request_error", nullptr, "invalid_api_key");
  }
  std::string key = header.starts_with("Bearer ") ? header.substr(7) : header;
  if (key.size() > 8) key = key.substr(0, 3) + "*****" + key.substr(key.size() - 4);
  return openai_error(401,
                      "Incorrect API key provided: " + key +
                          ". You can find your API key at "
                          "https://platform.openai.com/account/api-keys.",
                      "invalid_request_error", nullptr, "invalid_api_key");
}

bool known_model(State& state, std::string_view id) {
  for (const auto& model : state.models()) {
    if (model.id == id) return true;
  }
  return false;
}

Reply model_not_found(std::string_view id) {
  return openai_error(
      404, "The model `" + std::string(id) + "` does not exist or you do not have access to it.",
      "invalid_request_error", nullptr, "model_not_found");
}

json::object openai_model(const FakeModel& model) {
  return {
      {"id", model.id}, {"object", "model"}, {"created", kModelCreated}, {"owned_by", "openai"}};
}

// Checks the body and the model; on success returns nullopt and sets `model`.
std::optional<Reply> openai_check(const Request& request, State& state, std::string_view field,
                                  std::string& model) {
  if (!request.json_error.empty() || !request.json || !request.json->is_object()) {
    return openai_error(400,
                        "We could not parse the JSON body of your request. (HINT: This likely "
                        "means you aren't using your HTTP library correctly. The OpenAI API "
                        "expects a JSON payload, but what was sent was not valid JSON.",
                        "invalid_request_error", nullptr, nullptr);
  }
  const auto& body = request.json->get_object();
  const auto* requested = body.if_contains("model");
  if (!requested || !requested->is_string()) {
    return openai_error(400, "you must provide a model parameter", "invalid_request_error", nullptr,
                        nullptr);
  }
  if (!body.contains(field)) {
    return openai_error(400, "Missing required parameter: '" + std::string(field) + "'.",
                        "invalid_request_error", json::value(field), "missing_required_parameter");
  }
  model = std::string(requested->get_string());
  if (!known_model(state, model)) return model_not_found(model);
  return std::nullopt;
}

Reply embeddings_reply(const json::object& body, std::string model, int dims, bool count) {
  json::array data;
  int index = 0;
  const json::value input = body.contains("input") ? body.at("input") : json::value("");
  for (const auto& vector : embed(input, dims)) {
    json::array values;
    for (double x : vector) values.push_back(x);
    data.push_back(json::object{
        {"object", "embedding"}, {"index", index++}, {"embedding", std::move(values)}});
  }
  const int tokens = count ? count_words(input) : 0;
  return json_reply(200, {{"object", "list"},
                          {"data", std::move(data)},
                          {"model", std::move(model)},
                          {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

// ---- llama.cpp ----------------------------------------------------------------------------

Reply llama_error(unsigned status, std::string message, std::string_view type) {
  return json_reply(
      status, {{"error", {{"code", status}, {"message", std::move(message)}, {"type", type}}}});
}

std::string llama_model_name(const json::object* body, State& state) {
  if (body) {
    if (const auto* model = body->if_contains("model"); model && model->is_string()) {
      return std::string(model->get_string());
    }
  }
  const auto models = state.models();
  return models.empty() ? std::string("model.gguf") : models.front().id;
}

Reply llama_models(State& state) {
  json::array models, data;
  for (const auto& model : state.models()) {
    models.push_back(json::object{{"name", model.id},
                                  {"model", model.id},
                                  {"modified_at", ""},
                                  {"size", ""},
                                  {"digest", ""},
                                  {"type", "model"},
                                  {"description", ""},
                                  {"tags", json::array{""}},
                                  {"capabilities", json::array{"completion"}},
                                  {"parameters", ""}});
    data.push_back(json::object{{"id", model.id},
                                {"aliases", json::array()},
                                {"tags", json::array()},
                                {"object", "model"},
                                {"created", unix_now()},
                                {"owned_by", "llamacpp"},
                                {"meta",
                                 {{"vocab_type", 2},
                                  {"n_vocab", 128256},
                                  {"n_ctx", model.loaded_context_length.value_or(4096)},
                                  {"n_ctx_train", model.max_context_length},
                                  {"n_embd", 4096},
                                  {"n_params", 8030261248},
                                  {"size", 4912898304},
                                  {"ftype", 15}}}});
  }
  return json_reply(200,
                    {{"models", std::move(models)}, {"object", "list"}, {"data", std::move(data)}});
}

}  // namespace

Reply handle_openai(const Request& request, State& state, const Fault* fault) {
  Reply reply = [&]() -> Reply {
    if (auto denied = openai_auth(request, state.options())) return std::move(*denied);
    const std::string& path = request.path;
    if (request.method == "GET" && path == "/v1/models") {
      json::array data;
      for (const auto& model : state.models()) data.push_back(openai_model(model));
      return json_reply(200, {{"object", "list"}, {"data", std::move(data)}});
    }
    if (request.method == "GET" && path.starts_with("/v1/models/")) {
      const std::string id = path.substr(std::string_view("/v1/models/").size());
      for (const auto& model : state.models()) {
        if (model.id == id) return json_reply(200, openai_model(model));
      }
      return model_not_found(id);
    }
    if (request.method == "POST") {
      std::string model;
      if (path == "/v1/chat/completions") {
        if (auto error = openai_check(request, state, "messages", model)) return std::move(*error);
        const auto& body = request.json->get_object();
        return chat_reply(body, plan_chat(body, model, Dialect::kOpenAi, state, fault),
                          Dialect::kOpenAi);
      }
      if (path == "/v1/completions") {
        if (auto error = openai_check(request, state, "prompt", model)) return std::move(*error);
        const auto& body = request.json->get_object();
        return completion_reply(body, plan_completion(body, model, Dialect::kOpenAi, state, fault),
                                Dialect::kOpenAi);
      }
      if (path == "/v1/embeddings") {
        if (auto error = openai_check(request, state, "input", model)) return std::move(*error);
        return embeddings_reply(request.json->get_object(), model, state.options().embedding_dims,
                                true);
      }
    }
    return openai_error(404, "Invalid URL (" + request.method + " " + path + ")",
                        "invalid_request_error", nullptr, nullptr);
  }();
  reply.extra_headers.emplace_back("x-request-id", "req_" + state.random_string(32, kHex));
  const std::string organization = request.header("OpenAI-Organization");
  reply.extra_headers.emplace_back("openai-organization",
                                   organization.empty() ? "user-fake" : organization);
  const std::string project = request.header("OpenAI-Project");
  if (!project.empty()) reply.extra_headers.emplace_back("openai-project", project);
  return reply;
}

// llama-server's /apply-template ({"prompt"}: here "<|role|>content" per message) and /tokenize
// ({"tokens"}: one id per whitespace-separated word of "content").
Reply llama_tokenizer(const Request& request, bool tokenize_path) {
  const auto* body = request.json ? request.json->if_object() : nullptr;
  if (!body) return llama_error(400, "Invalid request body", "invalid_request_error");
  if (tokenize_path) {
    const auto* content = body->if_contains("content");
    if (!content || !content->is_string()) {
      return llama_error(400, "\"content\" must be provided", "invalid_request_error");
    }
    json::array tokens;
    for (int i = 0; i < count_words(*content); ++i) tokens.emplace_back(i);
    return json_reply(200, {{"tokens", std::move(tokens)}});
  }
  const auto* messages = body->if_contains("messages");
  if (!messages || !messages->is_array()) {
    return llama_error(400, "'messages' is required", "invalid_request_error");
  }
  std::string prompt;
  for (const auto& m : messages->get_array()) {
    const auto* obj = m.if_object();
    const auto* role = obj ? obj->if_contains("role") : nullptr;
    const auto* content = obj ? obj->if_contains("content") : nullptr;
    prompt += "<|" + std::string(role && role->is_string() ? role->get_string() : "") + "|> ";
    if (content && content->is_string()) prompt += std::string(content->get_string()) + " ";
  }
  return json_reply(200, {{"prompt", prompt}});
}

// Router mode's GET /models (tests/support/fixtures/llamacpp_router/models.json).
Reply router_models(State& state) {
  json::array data;
  for (const auto& model : state.models()) {
    const std::string value = model.loaded              ? "loaded"
                              : state.loading(model.id) ? "loading"
                                                        : "unloaded";
    json::object status{{"value", value}};
    if (value != "unloaded") status["args"] = json::array{"llama-server", "-ctx", "4096"};
    data.push_back(json::object{{"id", model.id},
                                {"object", "model"},
                                {"owned_by", "llamacpp"},
                                {"created", unix_now()},
                                {"path", "/models/" + model.id + ".gguf"},
                                {"status", std::move(status)}});
  }
  return json_reply(200, {{"object", "list"}, {"data", std::move(data)}});
}

// Router mode's POST /models/load|unload {"model"} -> {"success":true} (load: after the delay).
Reply router_action(const Request& request, State& state, bool load) {
  const auto* body = request.json ? request.json->if_object() : nullptr;
  const auto* model = body ? body->if_contains("model") : nullptr;
  if (!model || !model->is_string()) {
    return llama_error(400, "\"model\" is required", "invalid_request_error");
  }
  const std::string id(model->get_string());
  if (load) {
    auto started = state.begin_load(id, false);
    if (!started) return llama_error(404, "model not found: " + id, "not_found_error");
    Reply reply = json_reply(200, {{"success", true}});
    reply.extra_delay = started->delay;
    return reply;
  }
  if (!state.unload(id))
    return llama_error(400, "model is not loaded: " + id, "invalid_request_error");
  return json_reply(200, {{"success", true}});
}

Reply handle_llamacpp(const Request& request, State& state, const Fault* fault) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (method == "GET" && (path == "/health" || path == "/v1/health")) {
    return json_reply(200, {{"status", "ok"}});
  }
  const FakeOptions& options = state.options();
  if (!options.api_key.empty() && request.header("Authorization") != "Bearer " + options.api_key) {
    return llama_error(401, "Invalid API Key", "authentication_error");
  }
  if (options.llamacpp_router) {
    if (method == "GET" && (path == "/v1/models" || path == "/models")) return router_models(state);
    if (method == "POST" && (path == "/models/load" || path == "/models/unload")) {
      return router_action(request, state, path == "/models/load");
    }
  }
  if (method == "GET" && (path == "/v1/models" || path == "/models")) return llama_models(state);
  if (method == "POST" && (path == "/apply-template" || path == "/tokenize")) {
    return llama_tokenizer(request, path == "/tokenize");
  }
  if (method == "POST") {
    const bool chat = path == "/v1/chat/completions" || path == "/chat/completions";
    const bool completion = path == "/v1/completions" || path == "/completions";
    const bool embedding = path == "/v1/embeddings" || path == "/embeddings";
    if (chat || completion || embedding) {
      const auto* body = request.json ? request.json->if_object() : nullptr;
      if (!body) {
        return llama_error(400,
                           request.json_error.empty()
                               ? "Invalid request body"
                               : "Failed to parse JSON: " + request.json_error,
                           "invalid_request_error");
      }
      const std::string model = llama_model_name(body, state);
      std::chrono::milliseconds load_delay{0};
      if (options.llamacpp_router) {  // the router loads a request's model (autoload)
        if (auto started = state.begin_load(model, true)) load_delay = started->delay;
      }
      if (chat) {
        if (load_delay.count() > 0) {
          if (!body->contains("messages")) {
            return llama_error(400, "'messages' is required", "invalid_request_error");
          }
          Reply reply = chat_reply(*body, plan_chat(*body, model, Dialect::kLlamaCpp, state, fault),
                                   Dialect::kLlamaCpp);
          reply.extra_delay = load_delay;
          return reply;
        }
        if (!body->contains("messages")) {
          return llama_error(400, "'messages' is required", "invalid_request_error");
        }
        return chat_reply(*body, plan_chat(*body, model, Dialect::kLlamaCpp, state, fault),
                          Dialect::kLlamaCpp);
      }
      if (completion) {
        if (!body->contains("prompt")) {
          return llama_error(400, "\"prompt\" must be provided", "invalid_request_error");
        }
        return completion_reply(*body,
                                plan_completion(*body, model, Dialect::kLlamaCpp, state, fault),
                                Dialect::kLlamaCpp);
      }
      return embeddings_reply(*body, model, options.embedding_dims, true);
    }
  }
  return llama_error(404, "File Not Found", "not_found_error");
}

}  // namespace roci::testing::detail
