// The fake LM Studio: routes, model resolution and error envelopes as LMSTUDIO_API.md records.
#include <algorithm>
#include <cctype>
#include <variant>

#include "support/fake_chat.h"
#include "support/fake_internal.h"

namespace roci::testing::detail {
namespace json = boost::json;
namespace {

Reply flat_error(unsigned status, std::string message) {
  return json_reply(status, {{"error", std::move(message)}});
}

bool is_embedding(const FakeModel& model) {
  return model.type == "embeddings" || model.type == "embedding";
}

int loaded_context(const FakeModel& model) {
  return model.loaded_context_length.value_or(std::min(4096, model.max_context_length));
}

std::string or_default(const std::string& value, std::string_view fallback) {
  return value.empty() ? std::string(fallback) : value;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json::object v0_model(const FakeModel& model, bool loading = false) {
  json::array capabilities;
  for (const auto& capability : model.capabilities) capabilities.push_back(json::value(capability));
  json::object out{{"id", model.id},
                   {"object", "model"},
                   {"type", is_embedding(model) ? "embeddings" : model.type},
                   {"publisher", or_default(model.publisher, "lmstudio-community")},
                   {"arch", or_default(model.arch, is_embedding(model) ? "nomic-bert" : "llama")},
                   {"compatibility_type", "gguf"},
                   {"quantization", or_default(model.quantization, "Q4_K_M")},
                   {"state", model.loaded ? "loaded"
                             : loading    ? "loading"
                                          : "not-loaded"},
                   {"max_context_length", model.max_context_length}};
  if (model.loaded) out["loaded_context_length"] = loaded_context(model);
  out["capabilities"] = std::move(capabilities);
  return out;
}

json::object v1_model(const FakeModel& model, int instance_count) {
  const bool embedding = is_embedding(model);
  const std::string quantization = or_default(model.quantization, "Q4_K_M");
  const std::string variant = model.id + "@" + lower(quantization);
  json::array instances;
  if (model.loaded) {
    json::object config{{"context_length", loaded_context(model)}};
    if (!embedding) {
      config["eval_batch_size"] = 512;
      config["parallel"] = 4;
      config["flash_attention"] = true;
      config["offload_kv_cache_to_gpu"] = true;
    }
    for (int n = 1; n <= std::max(1, instance_count); ++n) {
      const std::string id = n == 1 ? model.id : model.id + ":" + std::to_string(n);
      instances.push_back(json::object{{"id", id}, {"config", config}});
    }
  }
  json::object out{{"type", embedding ? "embedding" : "llm"},
                   {"publisher", or_default(model.publisher, "lmstudio-community")},
                   {"key", model.id},
                   {"display_name", model.id}};
  if (!embedding) out["architecture"] = or_default(model.arch, "llama");
  out["quantization"] = {{"name", quantization}, {"bits_per_weight", 4}};
  out["size_bytes"] = embedding ? 84106624 : 4920734016;
  out["params_string"] = embedding ? json::value(nullptr) : json::value("8B");
  out["loaded_instances"] = std::move(instances);
  out["max_context_length"] = model.max_context_length;
  out["format"] = "gguf";
  if (!embedding) {
    const auto& caps = model.capabilities;
    out["capabilities"] = {
        {"vision", model.type == "vlm" || std::count(caps.begin(), caps.end(), "vision") > 0},
        {"trained_for_tool_use", std::count(caps.begin(), caps.end(), "tool_use") > 0}};
    out["description"] = nullptr;
  }
  out["variants"] = json::array{json::value(variant)};
  out["selected_variant"] = variant;
  return out;
}

struct Resolved {
  FakeModel model;
  bool jit_loaded = false;
  std::chrono::milliseconds load_delay{0};
};

// LM Studio's model lookup: an exact loaded id; a JIT load of a known one; one loaded model
// serving any name (BT#619); else the 404 envelopes of §7.
std::variant<Resolved, Reply> resolve(const json::object& body, State& state, bool embeddings) {
  const FakeOptions& options = state.options();
  std::string requested;
  if (const auto* model = body.if_contains("model"); model && model->is_string()) {
    requested = std::string(model->get_string());
  }
  std::vector<FakeModel> loaded;
  const auto models = state.models();
  // With no embedding model at all, any model embeds (a convenience of the fake).
  const bool any_type = embeddings && std::none_of(models.begin(), models.end(), is_embedding);
  for (const auto& model : models) {
    if (!any_type && is_embedding(model) != embeddings) continue;
    if (model.id == requested && model.loaded) return Resolved{model};
    if (model.id == requested && options.jit) {
      auto started = state.begin_load(model.id, true);
      Resolved resolved{model, true, started ? started->delay : std::chrono::milliseconds(0)};
      resolved.model.loaded = true;
      if (started) resolved.model.id = started->instance;  // LM Studio names the instance served
      return resolved;
    }
    if (model.loaded) loaded.push_back(model);
  }
  if (loaded.empty()) {
    return json_reply(404, {{"error",
                             {{"message",
                               "No models loaded. Please load a model in the developer page or "
                               "use the 'lms load' command."},
                              {"type", "invalid_request_error"},
                              {"param", "model"},
                              {"code", nullptr}}}});
  }
  if (loaded.size() == 1 && options.single_model_serves_any_name) return Resolved{loaded.front()};
  std::string message =
      "Model \"" + requested + "\" not found. Please specify a valid model.\n\nYour models:\n";
  for (const auto& model : loaded) message += "\n" + model.id;
  return json_reply(404, {{"error",
                           {{"message", message},
                            {"type", "invalid_request_error"},
                            {"param", "model"},
                            {"code", "model_not_found"}}}});
}

std::optional<Reply> validate(const Request& request, bool chat) {
  if (!request.json_error.empty()) {
    return flat_error(400, "Unexpected token in JSON body: " + request.json_error);
  }
  const auto* body = request.json ? request.json->if_object() : nullptr;
  if (chat) {
    const auto* messages = body ? body->if_contains("messages") : nullptr;
    if (!messages || !messages->is_array()) return flat_error(400, "'messages' field is required");
    const auto* format = body->if_contains("response_format");
    if (format && format->is_object()) {
      const auto* type = format->get_object().if_contains("type");
      if (type && type->is_string() && type->get_string() != "json_schema" &&
          type->get_string() != "text") {
        return flat_error(400, "'response_format.type' must be 'json_schema' or 'text'");
      }
    }
  } else {
    const auto* prompt = body ? body->if_contains("prompt") : nullptr;
    if (!prompt || !(prompt->is_string() || prompt->is_array())) {
      return flat_error(400, "'prompt' field is required");
    }
  }
  return std::nullopt;
}

Reply generate(const Request& request, State& state, const Fault* fault, bool v0, bool chat) {
  if (auto invalid = validate(request, chat)) return std::move(*invalid);
  if (const int limit = state.options().max_parallel; limit > 0 && state.in_flight() > limit) {
    return flat_error(503, "The server is busy: " + std::to_string(limit) +
                               " requests are already running (fake max_parallel)");
  }
  const auto& body = request.json->get_object();
  auto resolved = resolve(body, state, false);
  if (auto* error = std::get_if<Reply>(&resolved)) return std::move(*error);
  const auto& served = std::get<Resolved>(resolved);
  const Dialect dialect = v0 ? Dialect::kLmStudioV0 : Dialect::kLmStudio;
  ChatPlan plan = chat ? plan_chat(body, served.model.id, dialect, state, fault)
                       : plan_completion(body, served.model.id, dialect, state, fault);
  plan.arch = or_default(served.model.arch, "llama");
  plan.quantization = or_default(served.model.quantization, "Q4_K_M");
  plan.context_length = loaded_context(served.model);
  Reply reply = chat ? chat_reply(body, plan, dialect) : completion_reply(body, plan, dialect);
  if (served.jit_loaded) reply.extra_delay = served.load_delay;
  return reply;
}

Reply embeddings(const Request& request, State& state) {
  if (!request.json_error.empty()) {
    return flat_error(400, "Unexpected token in JSON body: " + request.json_error);
  }
  const auto* body = request.json ? request.json->if_object() : nullptr;
  const auto* input = body ? body->if_contains("input") : nullptr;
  if (!input || !(input->is_string() || input->is_array())) {
    return flat_error(400, "'input' field is required");
  }
  auto resolved = resolve(*body, state, true);
  if (auto* error = std::get_if<Reply>(&resolved)) return std::move(*error);
  const auto& served = std::get<Resolved>(resolved).model;
  json::array data;
  int index = 0;
  for (const auto& vector : embed(*input, state.options().embedding_dims)) {
    json::array values;
    for (double x : vector) values.push_back(x);
    data.push_back(json::object{
        {"object", "embedding"}, {"embedding", std::move(values)}, {"index", index++}});
  }
  std::string model = served.id;
  if (model.find('@') == std::string::npos) {
    model.append("@").append(lower(or_default(served.quantization, "Q4_K_M")));
  }
  return json_reply(200, {{"object", "list"},
                          {"data", std::move(data)},
                          {"model", model},
                          {"usage", {{"prompt_tokens", 0}, {"total_tokens", 0}}}});
}

std::string body_string(const Request& request, std::string_view key) {
  const auto* body = request.json ? request.json->if_object() : nullptr;
  const auto* value = body ? body->if_contains(key) : nullptr;
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

// POST /api/v1/models/load {"model"} -> {"type","instance_id","load_time_seconds","status"}
// after the load delay (LM Studio 0.4 docs:1_developer/2_rest/load.md).
Reply load_model(const Request& request, State& state) {
  const std::string id = body_string(request, "model");
  if (id.empty()) return flat_error(400, "'model' field is required");
  auto started = state.begin_load(id, false);
  if (!started) return flat_error(404, "Model \"" + id + "\" not found");
  Reply reply =
      json_reply(200, {{"type", "llm"},
                       {"instance_id", started->instance},
                       {"load_time_seconds", static_cast<double>(started->delay.count()) / 1000.0},
                       {"status", "loaded"}});
  reply.extra_delay = started->delay;
  return reply;
}

// POST /api/v1/models/unload {"instance_id"} -> {"instance_id"}
Reply unload_model(const Request& request, State& state) {
  const std::string id = body_string(request, "instance_id");
  if (id.empty()) return flat_error(400, "'instance_id' field is required");
  if (!state.unload(id)) return flat_error(404, "No loaded model instance \"" + id + "\"");
  return json_reply(200, {{"instance_id", id}});
}

std::optional<Reply> check_auth(const Request& request, const FakeOptions& options) {
  if (options.api_key.empty() || request.path == "/lmstudio-greeting") return std::nullopt;
  const std::string header = request.header("Authorization");
  if (header == "Bearer " + options.api_key) return std::nullopt;
  const std::string message =
      header.empty()
          ? "An LM Studio API token is required to make requests to this server, but none was "
            "provided using the Authorization header using the 'Bearer' scheme. Provide a valid "
            "token in the Authorization header, e.g. 'Authorization: Bearer <token>'."
          : "The provided LM Studio API token is invalid.";
  return json_reply(
      401, {{"error",
             {{"type", "invalid_request"}, {"code", "invalid_api_key"}, {"message", message}}}});
}

}  // namespace

Reply handle_lmstudio(const Request& request, State& state, const Fault* fault) {
  if (auto denied = check_auth(request, state.options())) return std::move(*denied);
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (method == "GET") {
    if (path == "/lmstudio-greeting") return json_reply(200, {{"lmstudio", true}});
    if (path == "/v1/models") {
      json::array data;
      for (const auto& model : state.models()) {
        if (!model.loaded && !state.options().jit) continue;
        data.push_back(json::object{
            {"id", model.id}, {"object", "model"}, {"owned_by", "organization_owner"}});
        // Duplicate instances are listed under their own ids (lmstudio-bug-tracker #1751).
        for (int n = 2; n <= state.instance_count(model.id); ++n) {
          data.push_back(json::object{{"id", model.id + ":" + std::to_string(n)},
                                      {"object", "model"},
                                      {"owned_by", "organization_owner"}});
        }
      }
      return json_reply(200, {{"data", std::move(data)}, {"object", "list"}});
    }
    if (path == "/api/v0/models") {
      json::array data;
      for (const auto& model : state.models()) {
        data.push_back(v0_model(model, state.loading(model.id)));
      }
      return json_reply(200, {{"object", "list"}, {"data", std::move(data)}});
    }
    if (path.starts_with("/api/v0/models/")) {
      const std::string id = path.substr(std::string_view("/api/v0/models/").size());
      for (const auto& model : state.models()) {
        if (model.id == id) return json_reply(200, v0_model(model));
      }
      return flat_error(404, "Model \"" + id + "\" not found");
    }
    if (path == "/api/v1/models" && state.options().api_v1) {
      json::array models;
      for (const auto& model : state.models()) {
        models.push_back(v1_model(model, state.instance_count(model.id)));
      }
      return json_reply(200, {{"models", std::move(models)}});
    }
  }
  if (method == "POST") {
    const bool v0 = path.starts_with("/api/v0/");
    if (path == "/v1/chat/completions" || path == "/api/v0/chat/completions") {
      return generate(request, state, fault, v0, true);
    }
    if (path == "/v1/completions" || path == "/api/v0/completions") {
      return generate(request, state, fault, v0, false);
    }
    if (path == "/v1/embeddings" || path == "/api/v0/embeddings") {
      return embeddings(request, state);
    }
    if (path == "/api/v1/models/load" && state.options().api_v1) return load_model(request, state);
    if (path == "/api/v1/models/unload" && state.options().api_v1) {
      return unload_model(request, state);
    }
  }
  // LM Studio answers every unknown route and method (OPTIONS preflights included) with 200.
  return json_reply(200,
                    {{"error", "Unexpected endpoint or method. (" + method + " " + path + ")"}});
}

}  // namespace roci::testing::detail
