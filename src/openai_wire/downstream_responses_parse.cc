// The request parser of downstream_responses.h: a Responses API body -> ResponsesRequest.
#include <boost/json/monotonic_resource.hpp>

#include <utility>

#include "openai_wire/downstream_fields.h"
#include "openai_wire/downstream_responses.h"
#include "openai_wire/json_util.h"
#include "openai_wire/json_writer.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;
using detail::bool_field;
using detail::field_error;
using detail::string_field;

constexpr std::size_t kMaxMetadataPairs = 16;  // OpenAI's bound
constexpr std::size_t kMaxMetadataKeyBytes = 64;
constexpr std::size_t kMaxMetadataValueBytes = 512;

std::string at(std::string_view base, std::string_view key) {
  return std::string(base) + "." + std::string(key);
}
std::string at(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

Error one_of(std::string_view path, std::string_view allowed, const json::value& got) {
  std::string what =
      got.is_string() ? "\"" + detail::snippet(got.get_string(), 64) + "\"" : detail::describe(got);
  return Error::invalid_request(
      std::string(path) + " must be one of " + std::string(allowed) + ", got " + what,
      std::string(path));
}

Error unsupported(std::string_view path, std::string_view what) {
  return Error::invalid_request(
      std::string(path) + ": " + std::string(what) + " is not supported by this gateway",
      std::string(path));
}

const json::value* member(const json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

Result<std::string> required_string(const json::object& obj, std::string_view key,
                                    std::string_view path) {
  const auto* v = obj.if_contains(key);
  if (!v || !v->is_string()) {
    return field_error(at(path, key), "a string", v ? *v : json::value());
  }
  return std::string(v->get_string());
}

// A content part of an input message: input_text / output_text / refusal (text), input_image.
Result<ContentPart> parse_part(const json::value& v, const std::string& path) {
  if (!v.is_object()) return field_error(path, "a content part object", v);
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  if (!type || !type->is_string()) {
    return field_error(at(path, "type"), "a string such as \"input_text\" or \"input_image\"",
                       type ? *type : json::value());
  }
  const std::string_view t = type->get_string();
  if (t == "input_text" || t == "output_text" || t == "text") {
    auto text = required_string(obj, "text", path);
    if (!text) return text.error();
    return ContentPart::text_part(std::move(*text));
  }
  if (t == "refusal") {
    auto text = required_string(obj, "refusal", path);
    if (!text) return text.error();
    return ContentPart::text_part(std::move(*text));
  }
  if (t == "input_image") {
    if (member(obj, "file_id")) return unsupported(at(path, "file_id"), "an uploaded file id");
    auto url = required_string(obj, "image_url", path);
    if (!url) return url.error();
    std::string detail;
    if (const auto* d = member(obj, "detail")) {
      if (!d->is_string() ||
          (d->get_string() != "auto" && d->get_string() != "low" && d->get_string() != "high")) {
        return one_of(at(path, "detail"), "auto, low, high", *d);
      }
      detail = d->get_string();
    }
    return ContentPart::image(std::move(*url), std::move(detail));
  }
  if (t == "input_file" || t == "input_audio") return unsupported(at(path, "type"), t);
  return one_of(at(path, "type"), "input_text, input_image, output_text, refusal", *type);
}

Result<Role> message_role(const json::value* role, const std::string& path) {
  if (!role) return Error::invalid_request(at(path, "role") + " is required", at(path, "role"));
  std::optional<Role> r;
  if (role->is_string()) r = parse_role(role->get_string());
  if (!r || *r == Role::kTool) {
    return one_of(at(path, "role"), "user, assistant, system, developer", *role);
  }
  return *r;
}

Result<ModelMessage> parse_message(const json::object& obj, const std::string& path) {
  ModelMessage m;
  auto role = message_role(obj.if_contains("role"), path);
  if (!role) return role.error();
  m.role = *role;
  const auto* content = obj.if_contains("content");
  const std::string content_path = at(path, "content");
  if (!content) return Error::invalid_request(content_path + " is required", content_path);
  if (content->is_string()) {
    m.content = content->get_string();
    return m;
  }
  if (!content->is_array()) {
    return field_error(content_path, "a string or an array of content parts", *content);
  }
  const auto& parts = content->get_array();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto part = parse_part(parts[i], at(content_path, i));
    if (!part) return part.error();
    m.parts.push_back(std::move(*part));
  }
  // Text-only content stays a plain string: every upstream takes that form.
  bool text_only = true;
  for (const auto& p : m.parts) text_only = text_only && p.type == ContentPartType::kText;
  if (text_only) {
    m.content = m.text();
    m.parts.clear();
  }
  return m;
}

// function_call_output.output: a string, or a list of content parts (their text, joined).
Result<std::string> call_output(const json::object& obj, const std::string& path) {
  const auto* out = obj.if_contains("output");
  const std::string out_path = at(path, "output");
  if (out && out->is_string()) return std::string(out->get_string());
  if (!out || !out->is_array()) {
    return field_error(out_path, "a string or an array of content parts",
                       out ? *out : json::value());
  }
  std::string text;
  for (std::size_t i = 0; i < out->get_array().size(); ++i) {
    auto part = parse_part(out->get_array()[i], at(out_path, i));
    if (!part) return part.error();
    if (part->type != ContentPartType::kText) {
      return unsupported(at(out_path, i), "a non-text function_call_output part");
    }
    text += part->text;
  }
  return text;
}

// One input item appended to `messages`. Function calls join the assistant turn before them.
std::optional<Error> parse_item(const json::value& v, std::size_t index,
                                std::vector<ModelMessage>& messages) {
  const std::string path = at("input", index);
  if (!v.is_object()) return field_error(path, "an input item object", v);
  const auto& obj = v.get_object();
  const auto* type = member(obj, "type");
  if (type && !type->is_string()) return field_error(at(path, "type"), "a string", *type);
  const std::string_view t = type ? std::string_view(type->get_string()) : "message";
  if (t == "message") {
    auto m = parse_message(obj, path);
    if (!m) return m.error();
    messages.push_back(std::move(*m));
    return std::nullopt;
  }
  if (t == "function_call") {
    ToolCall call;
    auto id = required_string(obj, "call_id", path);
    if (!id) return id.error();
    auto name = required_string(obj, "name", path);
    if (!name) return name.error();
    auto args = required_string(obj, "arguments", path);
    if (!args) return args.error();
    call = {std::move(*id), std::move(*name), std::move(*args)};
    if (!messages.empty() && messages.back().role == Role::kAssistant) {
      messages.back().tool_calls.push_back(std::move(call));
    } else {
      ModelMessage m = ModelMessage::assistant(std::vector<ToolCall>{std::move(call)});
      messages.push_back(std::move(m));
    }
    return std::nullopt;
  }
  if (t == "function_call_output") {
    auto id = required_string(obj, "call_id", path);
    if (!id) return id.error();
    auto output = call_output(obj, path);
    if (!output) return output.error();
    messages.push_back(ModelMessage::tool(std::move(*id), std::move(*output)));
    return std::nullopt;
  }
  if (t == "reasoning") return std::nullopt;  // the model's own earlier reasoning: not resent
  return one_of(at(path, "type"), "message, function_call, function_call_output, reasoning", *type);
}

Result<std::vector<ModelMessage>> parse_input(const json::value* v, const RequestLimits& limits) {
  if (!v) return Error::invalid_request("input is required: a string or a list of items", "input");
  std::vector<ModelMessage> messages;
  if (v->is_string()) {
    messages.push_back(ModelMessage::user(std::string(v->get_string())));
    return messages;
  }
  if (!v->is_array()) return field_error("input", "a string or an array of input items", *v);
  const auto& items = v->get_array();
  if (items.size() > limits.max_messages) {
    return Error::invalid_request("input holds " + std::to_string(items.size()) +
                                      " items; at most " + std::to_string(limits.max_messages) +
                                      " are accepted",
                                  "input");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto err = parse_item(items[i], i, messages)) return *err;
  }
  return messages;
}

Result<ToolDefinition> parse_tool(const json::value& v, const std::string& path) {
  if (!v.is_object()) return field_error(path, "a tool object {\"type\":\"function\", ...}", v);
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  if (!type || !type->is_string()) {
    return field_error(at(path, "type"), "a string", type ? *type : json::value());
  }
  if (type->get_string() != "function") {
    return unsupported(
        at(path, "type"),
        "the tool type \"" + detail::snippet(type->get_string(), 64) + "\" (only function tools)");
  }
  ToolDefinition tool;
  auto name = required_string(obj, "name", path);
  if (!name) return name.error();
  if (name->empty()) return field_error(at(path, "name"), "a non-empty string", obj.at("name"));
  tool.name = std::move(*name);
  if (const auto* d = member(obj, "description")) {
    auto s = string_field(*d, at(path, "description"));
    if (!s) return s.error();
    tool.description = *s;
  }
  if (const auto* p = member(obj, "parameters")) {
    if (!p->is_object()) return field_error(at(path, "parameters"), "a JSON Schema object", *p);
    tool.parameters = *p;
  }
  if (const auto* s = member(obj, "strict")) {
    auto b = bool_field(*s, at(path, "strict"));
    if (!b) return b.error();
    tool.strict = *b;
  }
  return tool;
}

Result<ToolChoice> parse_tool_choice(const json::value& v) {
  constexpr std::string_view kAllowed =
      "\"none\", \"auto\", \"required\" or {\"type\":\"function\",\"name\":...}";
  if (v.is_string()) {
    const auto& s = v.get_string();
    if (s == "auto") return ToolChoice{ToolChoice::Mode::kAuto, {}};
    if (s == "none") return ToolChoice{ToolChoice::Mode::kNone, {}};
    if (s == "required") return ToolChoice{ToolChoice::Mode::kRequired, {}};
    return one_of("tool_choice", kAllowed, v);
  }
  if (!v.is_object()) return field_error("tool_choice", kAllowed, v);
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  if (!type || !type->is_string() || type->get_string() != "function") {
    return one_of("tool_choice.type", "function", type ? *type : json::value());
  }
  auto name = required_string(obj, "name", "tool_choice");
  if (!name) return name.error();
  return ToolChoice::function(std::move(*name));
}

// text: {"format": {"type": "text" | "json_object" | "json_schema", ...}, "verbosity"?}
Result<std::optional<ResponseFormat>> parse_text(const json::value& v) {
  if (!v.is_object()) return field_error("text", "an object {\"format\": {...}}", v);
  const auto* format = member(v.get_object(), "format");
  if (!format) return std::optional<ResponseFormat>();
  if (!format->is_object()) return field_error("text.format", "an object {\"type\": ...}", *format);
  const auto& f = format->get_object();
  const auto* type = f.if_contains("type");
  constexpr std::string_view kTypes = "text, json_object, json_schema";
  if (!type || !type->is_string()) {
    return one_of("text.format.type", kTypes, type ? *type : json::value());
  }
  if (type->get_string() == "text") return std::optional<ResponseFormat>();
  if (type->get_string() == "json_object") {
    return std::optional<ResponseFormat>(ResponseFormat::json_object());
  }
  if (type->get_string() != "json_schema") return one_of("text.format.type", kTypes, *type);
  ResponseFormat out{ResponseFormat::Type::kJsonSchema, {}, {}, {}};
  if (const auto* name = member(f, "name")) {
    auto n = string_field(*name, "text.format.name");
    if (!n) return n.error();
    out.schema_name = *n;
  }
  const auto* schema = f.if_contains("schema");
  if (!schema || !schema->is_object()) {
    return field_error("text.format.schema", "a JSON Schema object",
                       schema ? *schema : json::value());
  }
  out.schema = *schema;
  if (const auto* strict = member(f, "strict")) {
    auto b = bool_field(*strict, "text.format.strict");
    if (!b) return b.error();
    out.strict = *b;
  }
  return std::optional<ResponseFormat>(std::move(out));
}

// reasoning: {"effort"?: string, "summary"?: string}; the effort goes upstream as
// reasoning_effort (LM Studio, llama.cpp and OpenAI read it on chat completions).
std::optional<Error> parse_reasoning(const json::value& v, GenerationSettings& settings,
                                     std::string& effort, std::string& summary) {
  if (!v.is_object()) return field_error("reasoning", "an object {\"effort\"?, \"summary\"?}", v);
  const auto& obj = v.get_object();
  if (const auto* e = member(obj, "effort")) {
    constexpr std::string_view kEfforts = "none, minimal, low, medium, high, xhigh";
    if (!e->is_string()) return one_of("reasoning.effort", kEfforts, *e);
    const std::string_view s = e->get_string();
    if (s != "none" && s != "minimal" && s != "low" && s != "medium" && s != "high" &&
        s != "xhigh") {
      return one_of("reasoning.effort", kEfforts, *e);
    }
    effort = s;
    settings.extra["reasoning_effort"] = effort;
  }
  if (const auto* s = member(obj, "summary")) {
    auto str = string_field(*s, "reasoning.summary");
    if (!str) return str.error();
    summary = *str;
  }
  return std::nullopt;
}

Result<json::object> parse_metadata(const json::value& v) {
  if (!v.is_object()) return field_error("metadata", "an object of string values", v);
  const auto& obj = v.get_object();
  if (obj.size() > kMaxMetadataPairs) {
    return Error::invalid_request(
        "metadata holds " + std::to_string(obj.size()) + " pairs; at most 16 are accepted",
        "metadata");
  }
  for (const auto& kv : obj) {
    const std::string path = at("metadata", kv.key());
    if (kv.key().size() > kMaxMetadataKeyBytes) {
      return Error::invalid_request("metadata keys are at most 64 characters", "metadata");
    }
    if (!kv.value().is_string()) return field_error(path, "a string", kv.value());
    if (kv.value().get_string().size() > kMaxMetadataValueBytes) {
      return Error::invalid_request(path + " is longer than 512 characters", path);
    }
  }
  return json::object(obj, json::storage_ptr());  // out of the parse arena
}

void write_tools(JsonWriter& w, const std::optional<std::vector<ToolDefinition>>& tools) {
  w.begin_array();
  if (tools) {
    for (const auto& t : *tools) {
      w.begin_object();
      w.key("type"_js).string("function"_js);
      w.key("name"_js).string(t.name);
      w.key("description"_js).string_or_null(t.description);
      w.key("parameters"_js).value(t.parameters);
      w.key("strict"_js).boolean(t.strict.value_or(true));
      w.end_object();
    }
  }
  w.end_array();
}

void write_tool_choice(JsonWriter& w, const std::optional<ToolChoice>& choice) {
  if (!choice) {
    w.string("auto"_js);
    return;
  }
  switch (choice->mode) {
    case ToolChoice::Mode::kAuto:
      w.string("auto"_js);
      break;
    case ToolChoice::Mode::kNone:
      w.string("none"_js);
      break;
    case ToolChoice::Mode::kRequired:
      w.string("required"_js);
      break;
    case ToolChoice::Mode::kFunction:
      w.begin_object();
      w.key("type"_js).string("function"_js);
      w.key("name"_js).string(choice->function_name);
      w.end_object();
      break;
  }
}

void write_format(JsonWriter& w, const std::optional<ResponseFormat>& format) {
  w.begin_object();
  if (!format || format->type == ResponseFormat::Type::kText) {
    w.key("type"_js).string("text"_js);
  } else if (format->type == ResponseFormat::Type::kJsonObject) {
    w.key("type"_js).string("json_object"_js);
  } else {
    w.key("type"_js).string("json_schema"_js);
    w.key("name"_js).string(format->schema_name);
    w.key("schema"_js).value(format->schema);
    if (format->strict) w.key("strict"_js).boolean(*format->strict);
  }
  w.end_object();
}

// The response object's echo of the request (ResponsesRequest::echo), as JSON members.
std::string encode_echo(const ResponsesRequest& r, const json::object& metadata,
                        const std::string& effort, const std::string& summary) {
  const ProviderRequest& req = r.request;
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("instructions"_js);
  if (r.instructions) {
    w.string(*r.instructions);
  } else {
    w.null();
  }
  w.key("max_output_tokens"_js);
  if (req.settings.max_tokens) {
    w.integer(*req.settings.max_tokens);
  } else {
    w.null();
  }
  w.key("metadata"_js).value(metadata);
  w.key("parallel_tool_calls"_js).boolean(req.parallel_tool_calls.value_or(true));
  w.key("previous_response_id"_js).string_or_null(r.previous_response_id);
  w.key("reasoning"_js).begin_object();
  w.key("effort"_js).string_or_null(effort);
  w.key("summary"_js).string_or_null(summary);
  w.end_object();
  w.key("store"_js).boolean(r.store);
  w.key("temperature"_js);
  if (req.settings.temperature) {
    w.number(*req.settings.temperature);
  } else {
    w.null();
  }
  w.key("text"_js).begin_object().key("format"_js);
  write_format(w, req.response_format);
  w.end_object();
  w.key("tool_choice"_js);
  write_tool_choice(w, req.tool_choice);
  w.key("tools"_js);
  write_tools(w, req.tools);
  w.key("top_p"_js);
  if (req.settings.top_p) {
    w.number(*req.settings.top_p);
  } else {
    w.null();
  }
  w.key("truncation"_js).string("disabled"_js);
  w.key("user"_js);
  if (req.session_id) {
    w.string(*req.session_id);
  } else {
    w.null();
  }
  w.end_object();
  return out.substr(1, out.size() - 2);  // members, without the braces
}

bool is_dropped_platform_field(std::string_view key) {
  return key == "include" || key == "truncation" || key == "service_tier" ||
         key == "prompt_cache_key" || key == "prompt_cache_retention" ||
         key == "safety_identifier" || key == "stream_options" || key == "max_tool_calls" ||
         key == "top_logprobs";
}

}  // namespace

Result<ResponsesRequest> parse_responses_request(std::string_view body,
                                                 const RequestLimits& limits) {
  alignas(16) unsigned char buffer[16384];
  boost::json::monotonic_resource arena(buffer, sizeof buffer);
  auto root = detail::parse_body_object(body, limits, &arena);
  if (!root) return root.error();
  ResponsesRequest out;
  ProviderRequest& req = out.request;
  detail::SettingsParser settings(limits);
  json::object metadata;
  std::string effort;
  std::string summary;

  auto input = parse_input(member(*root, "input"), limits);
  if (!input) return input.error();
  req.messages = std::move(*input);

  for (auto& kv : *root) {  // non-const: extras are moved out, not copied
    const std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "input" || is_dropped_platform_field(key)) continue;
    if (key == "max_tokens" || key == "max_completion_tokens") {
      // Chat Completions' names: not part of this API; forwarding them would bypass the check.
      return Error::invalid_request(
          std::string(key) + " is not a Responses API field; use max_output_tokens",
          std::string(key));
    }
    auto handled = settings.parse(key, v, req.settings);  // temperature, top_p, top_k, seed, ...
    if (!handled) return handled.error();
    if (*handled || v.is_null()) continue;
    if (key == "model") {
      auto s = string_field(v, key);
      if (!s) return s.error();
      req.model = std::string(*s);
    } else if (key == "instructions") {
      auto s = string_field(v, key);
      if (!s) return s.error();
      out.instructions = std::string(*s);
    } else if (key == "max_output_tokens") {
      const auto i = detail::as_int64(v);
      if (!i || *i < 1 || *i > limits.max_tokens_ceiling) {
        return field_error(
            key, "an integer between 1 and " + std::to_string(limits.max_tokens_ceiling), v);
      }
      req.settings.max_tokens = static_cast<int>(*i);
    } else if (key == "stream" || key == "store" || key == "parallel_tool_calls" ||
               key == "background") {
      auto b = bool_field(v, key);
      if (!b) return b.error();
      if (key == "stream") out.stream = *b;
      if (key == "store") out.store = *b;
      if (key == "parallel_tool_calls") req.parallel_tool_calls = *b;
      if (key == "background" && *b) return unsupported(key, "background mode");
    } else if (key == "previous_response_id") {
      auto s = string_field(v, key);
      if (!s) return s.error();
      out.previous_response_id = *s;
    } else if (key == "tools") {
      if (!v.is_array()) return field_error(key, "an array of tools", v);
      if (v.get_array().size() > limits.max_tools) {
        return Error::invalid_request("tools holds " + std::to_string(v.get_array().size()) +
                                          " entries; at most " + std::to_string(limits.max_tools) +
                                          " are accepted",
                                      "tools");
      }
      std::vector<ToolDefinition> tools;
      for (std::size_t i = 0; i < v.get_array().size(); ++i) {
        auto t = parse_tool(v.get_array()[i], at("tools", i));
        if (!t) return t.error();
        tools.push_back(std::move(*t));
      }
      req.tools = std::move(tools);
    } else if (key == "tool_choice") {
      auto c = parse_tool_choice(v);
      if (!c) return c.error();
      req.tool_choice = std::move(*c);
    } else if (key == "text") {
      auto f = parse_text(v);
      if (!f) return f.error();
      req.response_format = std::move(*f);
    } else if (key == "reasoning") {
      if (auto err = parse_reasoning(v, req.settings, effort, summary)) return *err;
    } else if (key == "metadata") {
      auto m = parse_metadata(v);
      if (!m) return m.error();
      metadata = std::move(*m);
    } else if (key == "user") {
      auto s = string_field(v, key);
      if (!s) return s.error();
      req.session_id = std::string(*s);
    } else if (key == "conversation" || key == "prompt") {
      return unsupported(key, key == "prompt" ? "a stored prompt" : "a stored conversation");
    } else {
      req.settings.extra.emplace(key, std::move(kv.value()));  // ttl, min_p, draft_model, ...
    }
  }
  out.echo = encode_echo(out, metadata, effort, summary);
  return out;
}

}  // namespace roci::openai_wire
