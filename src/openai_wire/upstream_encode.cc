// Request encoders of upstream_codec.h: typed requests -> OpenAI JSON bodies for LM Studio,
// OpenAI and llama.cpp, written with JsonWriter straight into the body string. Members keep the
// order the OpenAI reference uses.
#include "openai_wire/client_body.h"
#include "openai_wire/json_util.h"
#include "openai_wire/json_writer.h"
#include "openai_wire/upstream_codec.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <vector>

namespace roci::openai_wire {
namespace {

// The top-level object of a request body: typed members first, then provider extensions, which
// never override a typed member that was written.
class RequestBody {
 public:
  explicit RequestBody(std::string& out) : w_(out) { w_.begin_object(); }

  // Starts a typed member; its value follows on the returned writer.
  JsonWriter& key(JsonLiteral k) {
    assert(typed_count_ < typed_.size());
    typed_[typed_count_++] = k.name();
    return w_.key(k);
  }
  JsonWriter& writer() { return w_; }

  // Provider extensions: merged at top level, never overriding a typed member, never "mock" (the
  // mock provider's scripting channel). stream_options is only valid with stream: true (the typed
  // encoder sets it for streams).
  void extra(const boost::json::object& extra, bool stream) {
    for (const auto& kv : extra) {
      const std::string_view k = kv.key();
      if (k == "mock" || (!stream && k == "stream_options")) continue;
      if (std::find(typed_.begin(), typed_.begin() + typed_count_, k) !=
          typed_.begin() + typed_count_) {
        continue;
      }
      w_.key(k).value(kv.value());
    }
  }
  void close() { w_.end_object(); }

 private:
  JsonWriter w_;
  std::array<std::string_view, 20> typed_;  // names of the typed members written (literals)
  std::size_t typed_count_ = 0;
};

void write_string_array(JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& item : items) w.string(item);
  w.end_array();
}

void write_string_or_array(JsonWriter& w, const std::vector<std::string>& items) {
  if (items.size() == 1) {
    w.string(items.front());
  } else {
    write_string_array(w, items);
  }
}

void write_part(JsonWriter& w, const ContentPart& part) {
  switch (part.type) {
    case ContentPartType::kText:
      w.begin_object();
      w.key("type"_js).string("text"_js);
      w.key("text"_js).string(part.text);
      w.end_object();
      return;
    case ContentPartType::kImageUrl:
      w.begin_object();
      w.key("type"_js).string("image_url"_js);
      w.key("image_url"_js).begin_object();
      w.key("url"_js).string(part.image_url);
      if (!part.detail.empty()) w.key("detail"_js).string(part.detail);
      w.end_object();
      w.end_object();
      return;
    case ContentPartType::kOther:
      w.value(part.raw);
      return;
  }
  w.begin_object().end_object();
}

void write_message(JsonWriter& w, const ModelMessage& m, const UpstreamDialect& dialect) {
  const Role role =
      (m.role == Role::kDeveloper && dialect.developer_as_system) ? Role::kSystem : m.role;
  w.begin_object();
  w.key("role"_js).string(to_string(role));
  w.key("content"_js);
  if (!m.parts.empty()) {
    w.begin_array();
    for (const auto& part : m.parts) write_part(w, part);
    w.end_array();
  } else if (m.content_is_null) {
    w.null();
  } else {
    w.string(m.content);
  }
  if (!m.tool_calls.empty()) {
    w.key("tool_calls"_js).begin_array();
    for (const auto& call : m.tool_calls) detail::write_tool_call(w, call);
    w.end_array();
  }
  if (!m.tool_call_id.empty()) w.key("tool_call_id"_js).string(m.tool_call_id);
  if (!m.name.empty()) w.key("name"_js).string(m.name);
  w.end_object();
}

// The typed sampling settings shared by chat and legacy completions.
void write_settings(RequestBody& body, const GenerationSettings& s) {
  if (s.max_tokens) body.key("max_tokens"_js).integer(*s.max_tokens);
  if (s.temperature) body.key("temperature"_js).number(*s.temperature);
  if (s.top_p) body.key("top_p"_js).number(*s.top_p);
  if (s.top_k) body.key("top_k"_js).integer(*s.top_k);
  if (s.frequency_penalty) body.key("frequency_penalty"_js).number(*s.frequency_penalty);
  if (s.presence_penalty) body.key("presence_penalty"_js).number(*s.presence_penalty);
  if (s.stop_sequences && !s.stop_sequences->empty()) {
    write_string_array(body.key("stop"_js), *s.stop_sequences);
  }
  if (s.seed) body.key("seed"_js).integer(*s.seed);
}

void write_tool(JsonWriter& w, const ToolDefinition& t) {
  w.begin_object();
  w.key("type"_js).string("function"_js);
  w.key("function"_js).begin_object();
  w.key("name"_js).string(t.name);
  if (!t.description.empty()) w.key("description"_js).string(t.description);
  if (!t.parameters.is_null()) w.key("parameters"_js).value(t.parameters);
  if (t.strict) w.key("strict"_js).boolean(*t.strict);
  w.end_object();
  w.end_object();
}

void write_tool_choice(JsonWriter& w, const ToolChoice& c) {
  switch (c.mode) {
    case ToolChoice::Mode::kAuto:
      w.string("auto"_js);
      return;
    case ToolChoice::Mode::kNone:
      w.string("none"_js);
      return;
    case ToolChoice::Mode::kRequired:
      w.string("required"_js);
      return;
    case ToolChoice::Mode::kFunction:
      w.begin_object();
      w.key("type"_js).string("function"_js);
      w.key("function"_js).begin_object().key("name"_js).string(c.function_name).end_object();
      w.end_object();
      return;
  }
  w.string("auto"_js);
}

void write_response_format(JsonWriter& w, const ResponseFormat& f, const UpstreamDialect& dialect) {
  switch (f.type) {
    case ResponseFormat::Type::kText:
      break;
    case ResponseFormat::Type::kJsonObject:
      w.begin_object();
      if (!dialect.json_object_as_schema) {
        w.key("type"_js).string("json_object"_js);
      } else {
        // LM Studio rejects json_object with 400; an unconstrained object schema means the same.
        w.key("type"_js).string("json_schema"_js);
        w.key("json_schema"_js).begin_object();
        w.key("name"_js).string("json_object"_js);
        w.key("strict"_js).boolean(false);
        w.key("schema"_js).begin_object().key("type"_js).string("object"_js).end_object();
        w.end_object();
      }
      w.end_object();
      return;
    case ResponseFormat::Type::kJsonSchema:
      w.begin_object();
      w.key("type"_js).string("json_schema"_js);
      w.key("json_schema"_js).begin_object();
      if (f.schema_name.empty()) {
        w.key("name"_js).string("response"_js);
      } else {
        w.key("name"_js).string(f.schema_name);
      }
      if (!f.schema.is_null()) w.key("schema"_js).value(f.schema);
      if (f.strict) w.key("strict"_js).boolean(*f.strict);
      w.end_object();
      w.end_object();
      return;
  }
  w.begin_object().key("type"_js).string("text"_js).end_object();
}

// The model as given; a request without one sends none.
void write_model(RequestBody& body, const std::string& model) {
  if (!model.empty()) body.key("model"_js).string(model);
}

std::size_t message_bytes(const std::vector<ModelMessage>& messages) {
  std::size_t n = 0;
  for (const auto& m : messages) n += m.content.size() + 32;
  return n;
}

// Flattened (every call with a visible body inlined), as the hot encoders of downstream_encode.cc.
[[gnu::flatten]] std::string encode_typed_chat_request(const ProviderRequest& request, bool stream,
                                                       const UpstreamDialect& dialect) {
  std::string out;
  out.reserve(256 + message_bytes(request.messages) + message_bytes(request.messages) / 16);
  RequestBody body(out);
  JsonWriter& w = body.writer();
  write_model(body, request.model);
  body.key("messages"_js).begin_array();
  for (const auto& m : request.messages) write_message(w, m, dialect);
  w.end_array();
  body.key("stream"_js).boolean(stream);
  if (stream)
    body.key("stream_options"_js).begin_object().key("include_usage"_js).boolean(true).end_object();
  write_settings(body, request.settings);
  if (request.tools && !request.tools->empty()) {
    body.key("tools"_js).begin_array();
    for (const auto& tool : *request.tools) write_tool(w, tool);
    w.end_array();
  }
  if (request.tool_choice) write_tool_choice(body.key("tool_choice"_js), *request.tool_choice);
  if (request.parallel_tool_calls) {
    body.key("parallel_tool_calls"_js).boolean(*request.parallel_tool_calls);
  }
  if (request.response_format) {
    write_response_format(body.key("response_format"_js), *request.response_format, dialect);
  }
  if (request.session_id) body.key("user"_js).string(*request.session_id);
  body.extra(request.settings.extra, stream);
  body.close();
  return out;
}

}  // namespace

std::string encode_chat_request(const ProviderRequest& request, bool stream,
                                const UpstreamDialect& dialect) {
  if (!detail::can_splice(request, stream, dialect)) {
    return encode_typed_chat_request(request, stream, dialect);
  }
  std::string out = request.client_body->text;
  detail::splice_body(out, request, stream);
  return out;
}

std::string encode_chat_request(ProviderRequest&& request, bool stream,
                                const UpstreamDialect& dialect) {
  if (!detail::can_splice(request, stream, dialect)) {
    return encode_typed_chat_request(request, stream, dialect);
  }
  // The only holder gives its text away (a fleet's copies share the body and copy it).
  std::string out = request.client_body.use_count() == 1 ? std::move(request.client_body->text)
                                                         : request.client_body->text;
  detail::splice_body(out, request, stream);
  request.client_body.reset();
  return out;
}

std::string encode_embedding_request(const EmbeddingRequest& request) {
  std::string out;
  RequestBody body(out);
  write_model(body, request.model);
  write_string_or_array(body.key("input"_js), request.input);
  if (request.dimensions) body.key("dimensions"_js).integer(*request.dimensions);
  if (!request.encoding_format.empty()) {
    body.key("encoding_format"_js).string(request.encoding_format);
  }
  body.extra(request.extra, false);
  body.close();
  return out;
}

std::string encode_completion_request(const CompletionRequest& request) {
  std::string out;
  RequestBody body(out);
  write_model(body, request.model);
  write_string_or_array(body.key("prompt"_js), request.prompt);
  body.key("stream"_js).boolean(false);  // decode_completion_response reads one JSON body
  write_settings(body, request.settings);
  body.extra(request.settings.extra, false);
  body.close();
  return out;
}

std::string encode_model_action(std::string_view field, std::string_view id) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key(field).string(id);
  w.end_object();
  return out;
}

}  // namespace roci::openai_wire
