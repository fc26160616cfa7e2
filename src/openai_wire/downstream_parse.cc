// Request parsers of downstream_codec.h: OpenAI-shaped client bodies -> typed, validated requests.

#include <boost/json/monotonic_resource.hpp>

#include "core/request_checks.h"
#include "openai_wire/downstream_codec.h"
#include "openai_wire/downstream_fields.h"
#include "openai_wire/json_util.h"
#include "openai_wire/request_fast_path.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;
using detail::bool_field;
using detail::field_error;
using detail::string_field;

std::string index_path(std::string_view base, std::size_t i) {
  std::string out(base);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

std::string member_path(std::string_view base, std::string_view key) {
  std::string out(base);
  out += '.';
  out += key;
  return out;
}

// For enum-like strings the value itself helps more than its type: got "robot".
std::string quoted(const json::value& v) {
  if (!v.is_string()) return detail::describe(v);
  return "\"" + detail::snippet(v.get_string(), 64) + "\"";
}

Error enum_error(std::string_view path, std::string_view allowed, const json::value& got) {
  return Error::invalid_request(
      std::string(path) + " must be one of " + std::string(allowed) + ", got " + quoted(got),
      std::string(path));
}

Result<ContentPart> parse_part(const json::value& v, const std::string& path) {
  if (!v.is_object()) return field_error(path, "a content part object", v);
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  if (!type || !type->is_string()) {
    return field_error(member_path(path, "type"), "a string such as \"text\" or \"image_url\"",
                       type ? *type : json::value());
  }
  if (type->get_string() == "text") {
    const auto* text = obj.if_contains("text");
    if (!text || !text->is_string()) {
      return field_error(member_path(path, "text"), "a string", text ? *text : json::value());
    }
    return ContentPart::text_part(std::string(text->get_string()));
  }
  if (type->get_string() == "image_url") {
    const std::string image_path = member_path(path, "image_url");
    const auto* image = obj.if_contains("image_url");
    if (image && image->is_string()) return ContentPart::image(std::string(image->get_string()));
    if (!image || !image->is_object()) {
      return field_error(image_path, "an object {\"url\": ..., \"detail\"?: ...} or a URL string",
                         image ? *image : json::value());
    }
    const auto& img = image->get_object();
    const auto* url = img.if_contains("url");
    if (!url || !url->is_string()) {
      return field_error(member_path(image_path, "url"), "a string (http(s) or data: URL)",
                         url ? *url : json::value());
    }
    std::string detail;
    if (const auto* d = img.if_contains("detail"); d && !d->is_null()) {
      if (!d->is_string() ||
          (d->get_string() != "auto" && d->get_string() != "low" && d->get_string() != "high")) {
        return enum_error(member_path(image_path, "detail"), "auto, low, high", *d);
      }
      detail = d->get_string();
    }
    return ContentPart::image(std::string(url->get_string()), std::move(detail));
  }
  ContentPart other;  // input_audio, file, ...: forwarded as received
  other.type = ContentPartType::kOther;
  other.raw = obj;
  return other;
}

Result<ToolCall> parse_tool_call(const json::value& v, const std::string& path) {
  if (!v.is_object()) return field_error(path, "a tool call object", v);
  const auto& obj = v.get_object();
  ToolCall call;
  const auto* id = obj.if_contains("id");
  if (!id || !id->is_string()) {
    return field_error(member_path(path, "id"), "a string", id ? *id : json::value());
  }
  call.id = id->get_string();
  if (const auto* type = obj.if_contains("type");
      type && !type->is_null() && !(type->is_string() && type->get_string() == "function")) {
    return enum_error(member_path(path, "type"), "function", *type);
  }
  const std::string fn_path = member_path(path, "function");
  const auto* fn = obj.if_contains("function");
  if (!fn || !fn->is_object()) {
    return field_error(fn_path, "an object {\"name\", \"arguments\"}", fn ? *fn : json::value());
  }
  const auto* name = fn->get_object().if_contains("name");
  if (!name || !name->is_string()) {
    return field_error(member_path(fn_path, "name"), "a string", name ? *name : json::value());
  }
  call.name = name->get_string();
  if (const auto* args = fn->get_object().if_contains("arguments"); args && !args->is_null()) {
    if (args->is_string()) {
      call.arguments = args->get_string();
    } else if (args->is_object()) {
      call.arguments = detail::to_json(*args);  // lenient: some clients send the object itself
    } else {
      return field_error(member_path(fn_path, "arguments"), "a string of JSON", *args);
    }
  }
  return call;
}

Result<ModelMessage> parse_message(const json::value& v, std::size_t index) {
  const std::string path = index_path("messages", index);
  if (!v.is_object()) return field_error(path, "a message object", v);
  const auto& obj = v.get_object();
  ModelMessage m;

  // Field paths are built only for an error message (or a nested path): most messages have none.
  const auto at = [&path](std::string_view key) { return member_path(path, key); };
  const auto* role = obj.if_contains("role");
  if (!role) return Error::invalid_request(at("role") + " is required", at("role"));
  std::optional<Role> parsed_role;
  if (role->is_string()) parsed_role = parse_role(role->get_string());
  if (!parsed_role)
    return enum_error(at("role"), "system, developer, user, assistant, tool", *role);
  m.role = *parsed_role;

  const auto* content = obj.if_contains("content");
  if (!content || content->is_null()) {
    if (m.role != Role::kAssistant) {
      const std::string content_path = at("content");
      return Error::invalid_request(content_path + " is required for role " +
                                        std::string(to_string(m.role)) +
                                        " (a string or an array of content parts)",
                                    content_path);
    }
    m.content_is_null = true;
  } else if (content->is_string()) {
    m.content = content->get_string();
  } else if (content->is_array()) {
    const std::string content_path = at("content");
    const auto& parts = content->get_array();
    m.parts.reserve(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
      auto part = parse_part(parts[i], index_path(content_path, i));
      if (!part) return part.error();
      m.parts.push_back(std::move(*part));
    }
  } else {
    return field_error(at("content"), "a string, null, or an array of content parts", *content);
  }

  if (const auto* calls = obj.if_contains("tool_calls"); calls && !calls->is_null()) {
    const std::string calls_path = at("tool_calls");
    if (m.role != Role::kAssistant) {
      return Error::invalid_request(calls_path + " is only allowed on assistant messages",
                                    calls_path);
    }
    if (!calls->is_array()) return field_error(calls_path, "an array of tool calls", *calls);
    for (std::size_t i = 0; i < calls->get_array().size(); ++i) {
      auto call = parse_tool_call(calls->get_array()[i], index_path(calls_path, i));
      if (!call) return call.error();
      m.tool_calls.push_back(std::move(*call));
    }
  }

  if (const auto* id = obj.if_contains("tool_call_id"); id && !id->is_null()) {
    auto s = string_field(*id, at("tool_call_id"));
    if (!s) return s.error();
    m.tool_call_id = *s;
  }
  if (m.role == Role::kTool && m.tool_call_id.empty()) {
    const std::string id_path = at("tool_call_id");
    return Error::invalid_request(id_path +
                                      " is required for role tool (the id of the call it "
                                      "answers)",
                                  id_path);
  }
  if (const auto* name = obj.if_contains("name"); name && !name->is_null()) {
    auto s = string_field(*name, at("name"));
    if (!s) return s.error();
    m.name = *s;
  }
  return m;  // other keys (refusal, audio, reasoning_content, ...) are ignored
}

Result<std::vector<ModelMessage>> parse_messages(const json::value* v,
                                                 const RequestLimits& limits) {
  if (!v) return Error::invalid_request("messages is required: a non-empty array", "messages");
  if (!v->is_array()) return field_error("messages", checks::kMessagesExpectation, *v);
  const auto& arr = v->get_array();
  if (arr.empty()) return checks::empty_messages();
  if (arr.size() > limits.max_messages)
    return checks::too_many_messages(arr.size(), limits.max_messages);
  std::vector<ModelMessage> out;
  out.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto m = parse_message(arr[i], i);
    if (!m) return m.error();
    out.push_back(std::move(*m));
  }
  return out;
}

Result<ToolDefinition> parse_tool(const json::value& v, const std::string& path) {
  if (!v.is_object()) return field_error(path, "a tool object {\"type\":\"function\", ...}", v);
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  if (!type || !type->is_string() || type->get_string() != "function") {
    return enum_error(member_path(path, "type"), "function", type ? *type : json::value());
  }
  const std::string fn_path = member_path(path, "function");
  const auto* fn = obj.if_contains("function");
  if (!fn || !fn->is_object()) {
    return field_error(fn_path, "an object {\"name\", \"description\"?, \"parameters\"?}",
                       fn ? *fn : json::value());
  }
  const auto& f = fn->get_object();
  ToolDefinition tool;
  const auto* name = f.if_contains("name");
  if (!name || !name->is_string() || name->get_string().empty()) {
    return field_error(member_path(fn_path, "name"), "a non-empty string",
                       name ? *name : json::value());
  }
  tool.name = name->get_string();
  if (const auto* d = f.if_contains("description"); d && !d->is_null()) {
    auto s = string_field(*d, member_path(fn_path, "description"));
    if (!s) return s.error();
    tool.description = *s;
  }
  if (const auto* p = f.if_contains("parameters"); p && !p->is_null()) {
    if (!p->is_object()) {
      return field_error(member_path(fn_path, "parameters"), "a JSON Schema object", *p);
    }
    tool.parameters = *p;
  }
  if (const auto* s = f.if_contains("strict"); s && !s->is_null()) {
    auto b = bool_field(*s, member_path(fn_path, "strict"));
    if (!b) return b.error();
    tool.strict = *b;
  }
  return tool;
}

Result<ToolChoice> parse_tool_choice(const json::value& v) {
  constexpr std::string_view kAllowed =
      "\"none\", \"auto\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":...}}";
  if (v.is_string()) {
    const auto& s = v.get_string();
    if (s == "auto") return ToolChoice{ToolChoice::Mode::kAuto, {}};
    if (s == "none") return ToolChoice{ToolChoice::Mode::kNone, {}};
    if (s == "required") return ToolChoice{ToolChoice::Mode::kRequired, {}};
    return enum_error("tool_choice", kAllowed, v);
  }
  if (v.is_object()) {
    const auto& obj = v.get_object();
    const auto* type = obj.if_contains("type");
    if (!type || !type->is_string() || type->get_string() != "function") {
      return enum_error("tool_choice.type", "function", type ? *type : json::value());
    }
    const auto* fn = obj.if_contains("function");
    const json::value* name =
        fn && fn->is_object() ? fn->get_object().if_contains("name") : nullptr;
    if (!name || !name->is_string() || name->get_string().empty()) {
      return field_error("tool_choice.function.name", "a non-empty string",
                         name ? *name : json::value());
    }
    return ToolChoice::function(std::string(name->get_string()));
  }
  return field_error("tool_choice", kAllowed, v);
}

Result<ResponseFormat> parse_response_format(const json::value& v) {
  if (!v.is_object()) return field_error("response_format", "an object {\"type\": ...}", v);
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  constexpr std::string_view kTypes = "text, json_object, json_schema";
  if (!type || !type->is_string()) {
    return enum_error("response_format.type", kTypes, type ? *type : json::value());
  }
  if (type->get_string() == "text") return ResponseFormat{};
  if (type->get_string() == "json_object") return ResponseFormat::json_object();
  if (type->get_string() != "json_schema") return enum_error("response_format.type", kTypes, *type);
  const auto* js = obj.if_contains("json_schema");
  if (!js || !js->is_object()) {
    return field_error("response_format.json_schema",
                       "an object {\"name\", \"schema\", \"strict\"?}", js ? *js : json::value());
  }
  const auto& s = js->get_object();
  ResponseFormat f{ResponseFormat::Type::kJsonSchema, {}, {}, {}};
  if (const auto* name = s.if_contains("name"); name && !name->is_null()) {
    auto n = string_field(*name, "response_format.json_schema.name");
    if (!n) return n.error();
    f.schema_name = *n;
  }
  if (const auto* schema = s.if_contains("schema"); schema && !schema->is_null()) {
    if (!schema->is_object()) {
      return field_error("response_format.json_schema.schema", "a JSON Schema object", *schema);
    }
    f.schema = *schema;
  }
  if (const auto* strict = s.if_contains("strict"); strict && !strict->is_null()) {
    auto b = bool_field(*strict, "response_format.json_schema.strict");
    if (!b) return b.error();
    f.strict = *b;
  }
  return f;
}

// n (choices per request), 1..128 as OpenAI accepts it. Above 1 it is forwarded in
// settings.extra (requested_choices() reads it); 1 is the default and is not forwarded.
constexpr std::int64_t kMaxChoices = 128;
std::optional<Error> take_n(const json::value& v, GenerationSettings& settings) {
  if (v.is_null()) return std::nullopt;
  const auto n = detail::as_int64(v);
  if (!n || *n < 1 || *n > kMaxChoices) {
    return field_error("n", "an integer between 1 and " + std::to_string(kMaxChoices), v);
  }
  if (*n > 1) settings.extra["n"] = *n;
  return std::nullopt;
}

// Strings that may be absent or null ("" then).
Result<std::string> optional_string(const json::value& v, std::string_view path) {
  if (v.is_null()) return std::string();
  auto s = string_field(v, path);
  if (!s) return s.error();
  return std::string(*s);
}

// prompt / input: a string or an array of strings.
Result<std::vector<std::string>> string_list(const json::value* v, std::string_view path,
                                             std::string_view what) {
  if (!v)
    return Error::invalid_request(std::string(path) + " is required: " + std::string(what),
                                  std::string(path));
  std::vector<std::string> out;
  if (v->is_string()) {
    out.emplace_back(v->get_string());
    return out;
  }
  if (!v->is_array() || v->get_array().empty()) return field_error(path, what, *v);
  for (std::size_t i = 0; i < v->get_array().size(); ++i) {
    const auto& e = v->get_array()[i];
    if (!e.is_string()) return field_error(index_path(path, i), "a string", e);
    out.emplace_back(e.get_string());
  }
  return out;
}

}  // namespace

Result<ParsedChatRequest> parse_chat_request(std::string_view body, const RequestLimits& limits) {
  // One named result, so it is the caller's own (no move of the request on the way out).
  Result<ParsedChatRequest> parsed(boost::system::in_place_value);
  if (auto error = parse_chat_request_into(body, limits, *parsed)) parsed = std::move(*error);
  return parsed;
}

std::optional<Error> parse_chat_request_into(std::string_view body, const RequestLimits& limits,
                                             ChatRequestSlots out) {
  if (detail::fast_parse_chat_request(body, limits, out)) return std::nullopt;
  auto full = detail::full_parse_chat_request(body, limits);
  if (!full) return std::move(full.error());
  out.request = std::move(full->request);
  out.stream = full->stream;
  out.include_usage = full->include_usage;
  return std::nullopt;
}

Result<ParsedChatRequest> detail::full_parse_chat_request(std::string_view body,
                                                          const RequestLimits& limits) {
  // The parsed tree lives in this frame (heap blocks only past the buffer): the request is built
  // from it by assignment and emplace, which copy into the request's own (heap) storage.
  alignas(16) unsigned char buffer[16384];
  boost::json::monotonic_resource arena(buffer, sizeof buffer);
  auto root = detail::parse_body_object(body, limits, &arena);
  if (!root) return root.error();
  ParsedChatRequest out;
  ProviderRequest& req = out.request;
  detail::SettingsParser settings(limits);
  const json::value* stream_options = nullptr;

  auto messages = parse_messages(root->if_contains("messages"), limits);
  if (!messages) return messages.error();
  req.messages = std::move(*messages);

  for (auto& kv : *root) {  // non-const: extras are moved out, not copied
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    auto handled = settings.parse(key, v, req.settings);
    if (!handled) return handled.error();
    if (*handled || key == "messages") continue;
    if (key == "model") {
      auto s = optional_string(v, key);
      if (!s) return s.error();
      req.model = std::move(*s);
    } else if (key == "stream") {
      if (v.is_null()) continue;
      auto b = bool_field(v, key);
      if (!b) return b.error();
      out.stream = *b;
    } else if (key == "stream_options") {
      if (!v.is_null()) stream_options = &v;
    } else if (key == "n") {
      if (auto err = take_n(v, req.settings)) return *err;
    } else if (key == "tools") {
      if (v.is_null()) continue;
      if (!v.is_array()) return field_error(key, "an array of tools", v);
      if (v.get_array().size() > limits.max_tools) {
        return Error::invalid_request("tools holds " + std::to_string(v.get_array().size()) +
                                          " entries; at most " + std::to_string(limits.max_tools) +
                                          " are accepted",
                                      "tools");
      }
      std::vector<ToolDefinition> tools;
      for (std::size_t i = 0; i < v.get_array().size(); ++i) {
        auto t = parse_tool(v.get_array()[i], index_path("tools", i));
        if (!t) return t.error();
        tools.push_back(std::move(*t));
      }
      req.tools = std::move(tools);
    } else if (key == "tool_choice") {
      if (v.is_null()) continue;
      auto c = parse_tool_choice(v);
      if (!c) return c.error();
      req.tool_choice = std::move(*c);
    } else if (key == "parallel_tool_calls") {
      if (v.is_null()) continue;
      auto b = bool_field(v, key);
      if (!b) return b.error();
      req.parallel_tool_calls = *b;
    } else if (key == "response_format") {
      if (v.is_null()) continue;
      auto f = parse_response_format(v);
      if (!f) return f.error();
      req.response_format = std::move(*f);
    } else if (key == "user") {
      if (v.is_null()) continue;
      auto s = string_field(v, key);
      if (!s) return s.error();
      req.session_id = std::string(*s);
    } else {
      req.settings.extra.emplace(
          key, std::move(kv.value()));  // ttl, draft_model, min_p, repeat_penalty, ...
    }
  }

  if (stream_options) {
    if (!out.stream) {
      return Error::invalid_request("stream_options is only allowed when stream is true",
                                    "stream_options");
    }
    if (!stream_options->is_object()) {
      return field_error("stream_options", "an object {\"include_usage\": true|false}",
                         *stream_options);
    }
    if (const auto* iu = stream_options->get_object().if_contains("include_usage");
        iu && !iu->is_null()) {
      auto b = bool_field(*iu, "stream_options.include_usage");
      if (!b) return b.error();
      out.include_usage = *b;
    }
  }
  return out;
}

Result<EmbeddingRequest> parse_embedding_request(std::string_view body,
                                                 const RequestLimits& limits) {
  auto root = detail::parse_body_object(body, limits);
  if (!root) return root.error();
  EmbeddingRequest req;
  auto input =
      string_list(root->if_contains("input"), "input", "a string or a non-empty array of strings");
  if (!input) return input.error();
  req.input = std::move(*input);
  for (auto& kv : *root) {  // non-const: extras are moved out, not copied
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "input") continue;
    if (key == "model") {
      auto s = optional_string(v, key);
      if (!s) return s.error();
      req.model = std::move(*s);
    } else if (key == "dimensions") {
      if (v.is_null()) continue;
      const auto i = detail::as_int64(v);
      if (!i || *i < 1 || *i > 1'000'000) return field_error(key, "a positive integer", v);
      req.dimensions = static_cast<int>(*i);
    } else if (key == "encoding_format") {
      if (v.is_null()) continue;
      if (!v.is_string() || (v.get_string() != "float" && v.get_string() != "base64")) {
        return enum_error(key, "float, base64", v);
      }
      req.encoding_format = v.get_string();
    } else {
      req.extra.emplace(key, std::move(kv.value()));  // user, ...
    }
  }
  return req;
}

Result<CompletionRequest> parse_completion_request(std::string_view body,
                                                   const RequestLimits& limits) {
  auto root = detail::parse_body_object(body, limits);
  if (!root) return root.error();
  CompletionRequest req;
  auto prompt = string_list(root->if_contains("prompt"), "prompt",
                            "a string or a non-empty array of strings");
  if (!prompt) return prompt.error();
  req.prompt = std::move(*prompt);
  detail::SettingsParser settings(limits);
  for (auto& kv : *root) {  // non-const: extras are moved out, not copied
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    auto handled = settings.parse(key, v, req.settings);
    if (!handled) return handled.error();
    if (*handled || key == "prompt") continue;
    if (key == "model") {
      auto s = optional_string(v, key);
      if (!s) return s.error();
      req.model = std::move(*s);
    } else if (key == "stream") {
      // CompletionRequest has no stream flag: legacy completions are answered in one body.
      if (v.is_null()) continue;
      auto b = bool_field(v, key);
      if (!b) return b.error();
      if (*b) {
        return Error::invalid_request(
            "stream: true is not supported on /v1/completions; use /v1/chat/completions to "
            "stream",
            "stream");
      }
    } else if (key == "stream_options") {
      if (!v.is_null()) {
        return Error::invalid_request("stream_options is only allowed when stream is true",
                                      "stream_options");
      }
    } else if (key == "n") {
      if (auto err = take_n(v, req.settings)) return *err;
    } else {
      req.settings.extra.emplace(key,
                                 std::move(kv.value()));  // echo, suffix, logprobs, best_of, ...
    }
  }
  return req;
}

}  // namespace roci::openai_wire
