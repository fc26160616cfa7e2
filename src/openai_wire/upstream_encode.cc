// Request encoders of upstream_codec.h: typed requests -> OpenAI JSON bodies for LM Studio,
// OpenAI and llama.cpp.
//
// Every gateway request goes through encode_chat_request, so the bodies are appended into one
// string with json_util.h's escaping helpers, never built as boost::json trees first (the tree
// cost ~35k instructions per request). Members keep the order the OpenAI reference uses.
#include "openai_wire/json_util.h"
#include "openai_wire/upstream_codec.h"

#include <algorithm>
#include <vector>

namespace roci::openai_wire {
namespace {

using detail::append_json_double;
using detail::append_json_int;
using detail::append_json_string;
using detail::append_json_value;

// The top-level object being written: separators, and the keys already set (provider extensions
// never override a typed field).
class TopLevel {
 public:
  explicit TopLevel(std::string& out) : out_(out) {
    keys_.reserve(24);  // every typed field and a few extensions: one allocation, not four
    out_.push_back('{');
  }

  std::string& key(std::string_view k) {
    if (!keys_.empty()) out_.push_back(',');
    keys_.push_back(k);
    append_json_string(out_, k);
    out_.push_back(':');
    return out_;
  }
  bool has(std::string_view k) const {
    return std::find(keys_.begin(), keys_.end(), k) != keys_.end();
  }
  void close() { out_.push_back('}'); }

 private:
  std::string& out_;
  std::vector<std::string_view> keys_;  // views of literals or of the request's extra keys
};

void append_string_array(std::string& out, const std::vector<std::string>& items) {
  out.push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, items[i]);
  }
  out.push_back(']');
}

void append_string_or_array(std::string& out, const std::vector<std::string>& items) {
  if (items.size() == 1) {
    append_json_string(out, items.front());
  } else {
    append_string_array(out, items);
  }
}

void append_part(std::string& out, const ContentPart& part) {
  switch (part.type) {
    case ContentPartType::kText:
      out.append("{\"type\":\"text\",\"text\":");
      append_json_string(out, part.text);
      out.push_back('}');
      return;
    case ContentPartType::kImageUrl:
      out.append("{\"type\":\"image_url\",\"image_url\":{\"url\":");
      append_json_string(out, part.image_url);
      if (!part.detail.empty()) {
        out.append(",\"detail\":");
        append_json_string(out, part.detail);
      }
      out.append("}}");
      return;
    case ContentPartType::kOther:
      append_json_value(out, part.raw);
      return;
  }
  out.append("{}");
}

void append_message(std::string& out, const ModelMessage& m, const UpstreamDialect& dialect) {
  const Role role =
      (m.role == Role::kDeveloper && dialect.developer_as_system) ? Role::kSystem : m.role;
  out.append("{\"role\":");
  append_json_string(out, to_string(role));
  out.append(",\"content\":");
  if (!m.parts.empty()) {
    out.push_back('[');
    for (std::size_t i = 0; i < m.parts.size(); ++i) {
      if (i) out.push_back(',');
      append_part(out, m.parts[i]);
    }
    out.push_back(']');
  } else if (m.content_is_null) {
    out.append("null");
  } else {
    append_json_string(out, m.content);
  }
  if (!m.tool_calls.empty()) {
    out.append(",\"tool_calls\":[");
    for (std::size_t i = 0; i < m.tool_calls.size(); ++i) {
      if (i) out.push_back(',');
      detail::append_tool_call(out, m.tool_calls[i]);
    }
    out.push_back(']');
  }
  if (!m.tool_call_id.empty()) {
    out.append(",\"tool_call_id\":");
    append_json_string(out, m.tool_call_id);
  }
  if (!m.name.empty()) {
    out.append(",\"name\":");
    append_json_string(out, m.name);
  }
  out.push_back('}');
}

// The typed sampling settings shared by chat and legacy completions.
void append_settings(TopLevel& body, const GenerationSettings& s) {
  auto number = [&](std::string_view key, const std::optional<double>& v) {
    if (v) append_json_double(body.key(key), *v);
  };
  if (s.max_tokens) append_json_int(body.key("max_tokens"), *s.max_tokens);
  number("temperature", s.temperature);
  number("top_p", s.top_p);
  if (s.top_k) append_json_int(body.key("top_k"), *s.top_k);
  number("frequency_penalty", s.frequency_penalty);
  number("presence_penalty", s.presence_penalty);
  if (s.stop_sequences && !s.stop_sequences->empty()) {
    append_string_array(body.key("stop"), *s.stop_sequences);
  }
  if (s.seed) append_json_int(body.key("seed"), *s.seed);
}

// Provider extensions: merged at top level, never overriding a key already set, never "mock"
// (the mock provider's scripting channel).
void append_extra(TopLevel& body, const boost::json::object& extra, bool stream) {
  for (const auto& kv : extra) {
    if (kv.key() == "mock" || body.has(kv.key())) continue;
    // stream_options is only valid with stream: true; the typed encoder sets it for streams.
    if (!stream && kv.key() == "stream_options") continue;
    append_json_value(body.key(kv.key()), kv.value());
  }
}

void append_tool(std::string& out, const ToolDefinition& t) {
  out.append("{\"type\":\"function\",\"function\":{\"name\":");
  append_json_string(out, t.name);
  if (!t.description.empty()) {
    out.append(",\"description\":");
    append_json_string(out, t.description);
  }
  if (!t.parameters.is_null()) {
    out.append(",\"parameters\":");
    append_json_value(out, t.parameters);
  }
  if (t.strict) out.append(*t.strict ? ",\"strict\":true" : ",\"strict\":false");
  out.append("}}");
}

void append_tool_choice(std::string& out, const ToolChoice& c) {
  switch (c.mode) {
    case ToolChoice::Mode::kAuto:
      out.append("\"auto\"");
      return;
    case ToolChoice::Mode::kNone:
      out.append("\"none\"");
      return;
    case ToolChoice::Mode::kRequired:
      out.append("\"required\"");
      return;
    case ToolChoice::Mode::kFunction:
      out.append("{\"type\":\"function\",\"function\":{\"name\":");
      append_json_string(out, c.function_name);
      out.append("}}");
      return;
  }
  out.append("\"auto\"");
}

void append_response_format(std::string& out, const ResponseFormat& f,
                            const UpstreamDialect& dialect) {
  switch (f.type) {
    case ResponseFormat::Type::kText:
      break;
    case ResponseFormat::Type::kJsonObject:
      if (!dialect.json_object_as_schema) {
        out.append("{\"type\":\"json_object\"}");
      } else {
        // LM Studio rejects json_object with 400; an unconstrained object schema means the same.
        out.append(
            "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"json_object\",\"strict\":false,"
            "\"schema\":{\"type\":\"object\"}}}");
      }
      return;
    case ResponseFormat::Type::kJsonSchema:
      out.append("{\"type\":\"json_schema\",\"json_schema\":{\"name\":");
      append_json_string(out, f.schema_name.empty() ? std::string_view("response")
                                                    : std::string_view(f.schema_name));
      if (!f.schema.is_null()) {
        out.append(",\"schema\":");
        append_json_value(out, f.schema);
      }
      if (f.strict) out.append(*f.strict ? ",\"strict\":true" : ",\"strict\":false");
      out.append("}}");
      return;
  }
  out.append("{\"type\":\"text\"}");
}

void append_model(TopLevel& body, std::string_view model, const std::string& fallback) {
  const std::string_view id = model.empty() ? std::string_view(fallback) : model;
  if (!id.empty()) append_json_string(body.key("model"), id);
}

std::size_t message_bytes(const std::vector<ModelMessage>& messages) {
  std::size_t n = 0;
  for (const auto& m : messages) n += m.content.size() + 32;
  return n;
}

}  // namespace

std::string encode_chat_request(const ProviderRequest& request, std::string_view model, bool stream,
                                const UpstreamDialect& dialect) {
  std::string out;
  out.reserve(256 + message_bytes(request.messages) + message_bytes(request.messages) / 16);
  TopLevel body(out);
  append_model(body, model, request.model);
  std::string& messages = body.key("messages");
  messages.push_back('[');
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (i) out.push_back(',');
    append_message(out, request.messages[i], dialect);
  }
  out.push_back(']');
  body.key("stream").append(stream ? "true" : "false");
  if (stream) body.key("stream_options").append("{\"include_usage\":true}");
  append_settings(body, request.settings);
  if (request.tools && !request.tools->empty()) {
    body.key("tools").push_back('[');
    for (std::size_t i = 0; i < request.tools->size(); ++i) {
      if (i) out.push_back(',');
      append_tool(out, (*request.tools)[i]);
    }
    out.push_back(']');
  }
  if (request.tool_choice) append_tool_choice(body.key("tool_choice"), *request.tool_choice);
  if (request.parallel_tool_calls) {
    body.key("parallel_tool_calls").append(*request.parallel_tool_calls ? "true" : "false");
  }
  if (request.response_format) {
    append_response_format(body.key("response_format"), *request.response_format, dialect);
  }
  if (request.session_id) append_json_string(body.key("user"), *request.session_id);
  append_extra(body, request.settings.extra, stream);
  body.close();
  return out;
}

std::string encode_embedding_request(const EmbeddingRequest& request, std::string_view model) {
  std::string out;
  TopLevel body(out);
  append_model(body, model, request.model);
  append_string_or_array(body.key("input"), request.input);
  if (request.dimensions) append_json_int(body.key("dimensions"), *request.dimensions);
  if (!request.encoding_format.empty()) {
    append_json_string(body.key("encoding_format"), request.encoding_format);
  }
  append_extra(body, request.extra, false);
  body.close();
  return out;
}

std::string encode_completion_request(const CompletionRequest& request, std::string_view model) {
  std::string out;
  TopLevel body(out);
  append_model(body, model, request.model);
  append_string_or_array(body.key("prompt"), request.prompt);
  body.key("stream").append("false");  // decode_completion_response reads one JSON body
  append_settings(body, request.settings);
  append_extra(body, request.settings.extra, false);
  body.close();
  return out;
}

}  // namespace roci::openai_wire
