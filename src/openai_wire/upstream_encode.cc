// Request encoders of upstream_codec.h: typed requests -> OpenAI JSON bodies for LM Studio,
// OpenAI and llama.cpp.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "openai_wire/json_util.h"
#include "openai_wire/upstream_codec.h"

namespace roci::openai_wire {
namespace {

namespace json = boost::json;

json::value encode_part(const ContentPart& part) {
  switch (part.type) {
    case ContentPartType::kText:
      return json::object{{"type", "text"}, {"text", part.text}};
    case ContentPartType::kImageUrl: {
      json::object image{{"url", part.image_url}};
      if (!part.detail.empty()) image["detail"] = part.detail;
      return json::object{{"type", "image_url"}, {"image_url", std::move(image)}};
    }
    case ContentPartType::kOther:
      return part.raw;
  }
  return json::object{};
}

json::object encode_message(const ModelMessage& m, const UpstreamDialect& dialect) {
  json::object out;
  const Role role =
      (m.role == Role::kDeveloper && dialect.developer_as_system) ? Role::kSystem : m.role;
  out["role"] = to_string(role);
  if (!m.parts.empty()) {
    json::array parts;
    parts.reserve(m.parts.size());
    for (const auto& p : m.parts) parts.push_back(encode_part(p));
    out["content"] = std::move(parts);
  } else if (m.content_is_null) {
    out["content"] = nullptr;
  } else {
    out["content"] = m.content;
  }
  if (!m.tool_calls.empty()) {
    json::array calls;
    calls.reserve(m.tool_calls.size());
    for (const auto& c : m.tool_calls) {
      calls.push_back(
          json::object{{"id", c.id},
                       {"type", "function"},
                       {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
    }
    out["tool_calls"] = std::move(calls);
  }
  if (!m.tool_call_id.empty()) out["tool_call_id"] = m.tool_call_id;
  if (!m.name.empty()) out["name"] = m.name;
  return out;
}

// The typed sampling settings shared by chat and legacy completions.
void encode_settings(const GenerationSettings& s, json::object& out) {
  if (s.max_tokens) out["max_tokens"] = *s.max_tokens;
  if (s.temperature) out["temperature"] = *s.temperature;
  if (s.top_p) out["top_p"] = *s.top_p;
  if (s.top_k) out["top_k"] = *s.top_k;
  if (s.frequency_penalty) out["frequency_penalty"] = *s.frequency_penalty;
  if (s.presence_penalty) out["presence_penalty"] = *s.presence_penalty;
  if (s.stop_sequences && !s.stop_sequences->empty()) {
    json::array stop;
    for (const auto& seq : *s.stop_sequences) stop.emplace_back(seq);
    out["stop"] = std::move(stop);
  }
  if (s.seed) out["seed"] = *s.seed;
}

// Provider extensions: merged at top level, never overriding a key already set, never "mock"
// (the mock provider's scripting channel).
void merge_extra(const json::object& extra, json::object& out, bool stream) {
  for (const auto& kv : extra) {
    if (kv.key() == "mock" || out.contains(kv.key())) continue;
    // stream_options is only valid with stream: true; the typed encoder sets it for streams.
    if (!stream && kv.key() == "stream_options") continue;
    out.emplace(kv.key(), kv.value());
  }
}

json::value encode_tool(const ToolDefinition& t) {
  json::object fn{{"name", t.name}};
  if (!t.description.empty()) fn["description"] = t.description;
  if (!t.parameters.is_null()) fn["parameters"] = t.parameters;
  if (t.strict) fn["strict"] = *t.strict;
  return json::object{{"type", "function"}, {"function", std::move(fn)}};
}

json::value encode_tool_choice(const ToolChoice& c) {
  switch (c.mode) {
    case ToolChoice::Mode::kAuto:
      return "auto";
    case ToolChoice::Mode::kNone:
      return "none";
    case ToolChoice::Mode::kRequired:
      return "required";
    case ToolChoice::Mode::kFunction:
      return json::object{{"type", "function"},
                          {"function", json::object{{"name", c.function_name}}}};
  }
  return "auto";
}

json::value encode_response_format(const ResponseFormat& f, const UpstreamDialect& dialect) {
  switch (f.type) {
    case ResponseFormat::Type::kText:
      return json::object{{"type", "text"}};
    case ResponseFormat::Type::kJsonObject:
      if (!dialect.json_object_as_schema) return json::object{{"type", "json_object"}};
      // LM Studio rejects json_object with 400; an unconstrained object schema means the same.
      return json::object{
          {"type", "json_schema"},
          {"json_schema", json::object{{"name", "json_object"},
                                       {"strict", false},
                                       {"schema", json::object{{"type", "object"}}}}}};
    case ResponseFormat::Type::kJsonSchema: {
      json::object schema{{"name", f.schema_name.empty() ? "response" : f.schema_name}};
      if (!f.schema.is_null()) schema["schema"] = f.schema;
      if (f.strict) schema["strict"] = *f.strict;
      return json::object{{"type", "json_schema"}, {"json_schema", std::move(schema)}};
    }
  }
  return json::object{{"type", "text"}};
}

json::value string_or_array(const std::vector<std::string>& items) {
  if (items.size() == 1) return json::string(items.front());
  json::array out;
  out.reserve(items.size());
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

}  // namespace

std::string encode_chat_request(const ProviderRequest& request, std::string_view model, bool stream,
                                const UpstreamDialect& dialect) {
  json::object body;
  const std::string_view model_id = model.empty() ? std::string_view(request.model) : model;
  if (!model_id.empty()) body["model"] = model_id;
  json::array messages;
  messages.reserve(request.messages.size());
  for (const auto& m : request.messages) messages.push_back(encode_message(m, dialect));
  body["messages"] = std::move(messages);
  body["stream"] = stream;
  if (stream) body["stream_options"] = json::object{{"include_usage", true}};
  encode_settings(request.settings, body);
  if (request.tools && !request.tools->empty()) {
    json::array tools;
    tools.reserve(request.tools->size());
    for (const auto& t : *request.tools) tools.push_back(encode_tool(t));
    body["tools"] = std::move(tools);
  }
  if (request.tool_choice) body["tool_choice"] = encode_tool_choice(*request.tool_choice);
  if (request.parallel_tool_calls) body["parallel_tool_calls"] = *request.parallel_tool_calls;
  if (request.response_format) {
    body["response_format"] = encode_response_format(*request.response_format, dialect);
  }
  if (request.session_id) body["user"] = *request.session_id;
  merge_extra(request.settings.extra, body, stream);
  return detail::to_json(body);
}

std::string encode_embedding_request(const EmbeddingRequest& request, std::string_view model) {
  json::object body;
  const std::string_view model_id = model.empty() ? std::string_view(request.model) : model;
  if (!model_id.empty()) body["model"] = model_id;
  body["input"] = string_or_array(request.input);
  if (request.dimensions) body["dimensions"] = *request.dimensions;
  if (!request.encoding_format.empty()) body["encoding_format"] = request.encoding_format;
  merge_extra(request.extra, body, false);
  return detail::to_json(body);
}

std::string encode_completion_request(const CompletionRequest& request, std::string_view model) {
  json::object body;
  const std::string_view model_id = model.empty() ? std::string_view(request.model) : model;
  if (!model_id.empty()) body["model"] = model_id;
  body["prompt"] = string_or_array(request.prompt);
  body["stream"] = false;  // decode_completion_response reads one JSON body
  encode_settings(request.settings, body);
  merge_extra(request.settings.extra, body, false);
  return detail::to_json(body);
}

}  // namespace roci::openai_wire
