// Request parsers of messages_codec.h: Anthropic Messages bodies -> ProviderRequest.

#include <boost/json/monotonic_resource.hpp>

#include "anthropic_wire/messages_codec.h"
#include "openai_wire/downstream_fields.h"
#include "openai_wire/json_util.h"

namespace roci::anthropic_wire {
namespace {

namespace json = boost::json;
using openai_wire::detail::bool_field;
using openai_wire::detail::field_error;
using openai_wire::detail::number_in;
using openai_wire::detail::string_field;

std::string index_path(std::string_view base, std::size_t i) {
  return std::string(base) + '[' + std::to_string(i) + ']';
}

std::string member_path(std::string_view base, std::string_view key) {
  return std::string(base) + '.' + std::string(key);
}

std::string quoted(const json::value& v) {
  if (!v.is_string()) return openai_wire::detail::describe(v);
  return "\"" + openai_wire::detail::snippet(v.get_string(), 64) + "\"";
}

Error enum_error(std::string_view path, std::string_view allowed, const json::value& got) {
  return Error::invalid_request(
      std::string(path) + " must be one of " + std::string(allowed) + ", got " + quoted(got),
      std::string(path));
}

Error missing(std::string_view path, std::string_view what) {
  return Error::invalid_request(std::string(path) + " is required: " + std::string(what),
                                std::string(path));
}

// A required string member of a block.
Result<std::string> required_string(const json::object& obj, std::string_view key,
                                    const std::string& path) {
  const auto* v = obj.if_contains(key);
  if (!v) return missing(member_path(path, key), "a string");
  auto s = string_field(*v, member_path(path, key));
  if (!s) return s.error();
  return std::string(*s);
}

std::string_view block_type(const json::object& obj) {
  const auto* t = obj.if_contains("type");
  return t && t->is_string() ? std::string_view(t->get_string()) : std::string_view();
}

Result<const json::object*> block_object(const json::value& v, const std::string& path) {
  if (!v.is_object()) return field_error(path, "a content block object {\"type\": ...}", v);
  const auto* type = v.get_object().if_contains("type");
  if (!type || !type->is_string()) {
    return field_error(member_path(path, "type"), "a string such as \"text\"",
                       type ? *type : json::value());
  }
  return &v.get_object();
}

Result<ContentPart> parse_image(const json::object& obj, const std::string& path) {
  const std::string source_path = member_path(path, "source");
  const auto* source = obj.if_contains("source");
  if (!source || !source->is_object()) {
    return field_error(source_path, "an object {\"type\":\"base64\"|\"url\", ...}",
                       source ? *source : json::value());
  }
  const auto& src = source->get_object();
  const auto* type = src.if_contains("type");
  if (type && type->is_string() && type->get_string() == "base64") {
    auto media = required_string(src, "media_type", source_path);
    if (!media) return media.error();
    auto data = required_string(src, "data", source_path);
    if (!data) return data.error();
    return ContentPart::image("data:" + *media + ";base64," + *data);
  }
  if (type && type->is_string() && type->get_string() == "url") {
    auto url = required_string(src, "url", source_path);
    if (!url) return url.error();
    return ContentPart::image(std::move(*url));
  }
  return enum_error(member_path(source_path, "type"), "base64, url", type ? *type : json::value());
}

Result<ContentPart> parse_text_block(const json::object& obj, const std::string& path) {
  auto text = required_string(obj, "text", path);
  if (!text) return text.error();
  return ContentPart::text_part(std::move(*text));
}

// tool_result content: a string, or text and image blocks (images are described: a tool message
// carries text only).
Result<std::string> tool_result_text(const json::object& obj, const std::string& path) {
  const auto* content = obj.if_contains("content");
  std::string text;
  if (!content || content->is_null()) {
    // no content: an empty result
  } else if (content->is_string()) {
    text = content->get_string();
  } else if (content->is_array()) {
    const std::string content_path = member_path(path, "content");
    const auto& blocks = content->get_array();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::string block_path = index_path(content_path, i);
      auto block = block_object(blocks[i], block_path);
      if (!block) return block.error();
      const std::string_view type = block_type(**block);
      if (type == "text") {
        auto t = required_string(**block, "text", block_path);
        if (!t) return t.error();
        if (!text.empty()) text += '\n';
        text += *t;
      } else if (type == "image") {
        auto image = parse_image(**block, block_path);
        if (!image) return image.error();
        if (!text.empty()) text += '\n';
        text += "[image]";
      } else {
        return enum_error(member_path(block_path, "type"), "text, image", (*block)->at("type"));
      }
    }
  } else {
    return field_error(member_path(path, "content"), "a string or an array of text blocks",
                       *content);
  }
  if (const auto* is_error = obj.if_contains("is_error"); is_error && !is_error->is_null()) {
    auto b = bool_field(*is_error, member_path(path, "is_error"));
    if (!b) return b.error();
    if (*b) text = "Error: " + text;
  }
  return text;
}

Result<ToolCall> parse_tool_use(const json::object& obj, const std::string& path) {
  ToolCall call;
  auto id = required_string(obj, "id", path);
  if (!id) return id.error();
  auto name = required_string(obj, "name", path);
  if (!name) return name.error();
  call.id = std::move(*id);
  call.name = std::move(*name);
  const auto* input = obj.if_contains("input");
  if (!input) return missing(member_path(path, "input"), "an object");
  if (!input->is_object()) return field_error(member_path(path, "input"), "an object", *input);
  call.arguments = openai_wire::detail::to_json(*input);
  return call;
}

// One Anthropic turn -> one or more ModelMessages appended to `out`.
std::optional<Error> parse_turn(const json::value& v, std::size_t index,
                                std::vector<ModelMessage>& out) {
  const std::string path = index_path("messages", index);
  if (!v.is_object()) return field_error(path, "a message object {\"role\", \"content\"}", v);
  const auto& obj = v.get_object();
  const auto* role = obj.if_contains("role");
  const std::string role_path = member_path(path, "role");
  if (!role) return missing(role_path, "\"user\" or \"assistant\"");
  const bool user = role->is_string() && role->get_string() == "user";
  const bool assistant = role->is_string() && role->get_string() == "assistant";
  if (!user && !assistant) return enum_error(role_path, "user, assistant", *role);

  const std::string content_path = member_path(path, "content");
  const auto* content = obj.if_contains("content");
  if (!content) return missing(content_path, "a string or an array of content blocks");
  ModelMessage message;
  message.role = user ? Role::kUser : Role::kAssistant;
  if (content->is_string()) {
    message.content = content->get_string();
    out.push_back(std::move(message));
    return std::nullopt;
  }
  if (!content->is_array()) {
    return field_error(content_path, "a string or an array of content blocks", *content);
  }
  const auto& blocks = content->get_array();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string block_path = index_path(content_path, i);
    auto block = block_object(blocks[i], block_path);
    if (!block) return block.error();
    const json::object& b = **block;
    const std::string_view type = block_type(b);
    if (type == "text") {
      auto part = parse_text_block(b, block_path);
      if (!part) return part.error();
      if (assistant) {
        message.content += part->text;
      } else {
        message.parts.push_back(std::move(*part));
      }
    } else if (type == "image" && user) {
      auto part = parse_image(b, block_path);
      if (!part) return part.error();
      message.parts.push_back(std::move(*part));
    } else if (type == "tool_use" && assistant) {
      auto call = parse_tool_use(b, block_path);
      if (!call) return call.error();
      message.tool_calls.push_back(std::move(*call));
    } else if (type == "tool_result" && user) {
      auto id = required_string(b, "tool_use_id", block_path);
      if (!id) return id.error();
      auto text = tool_result_text(b, block_path);
      if (!text) return text.error();
      out.push_back(ModelMessage::tool(std::move(*id), std::move(*text)));
    } else if ((type == "thinking" || type == "redacted_thinking") && assistant) {
      // A past turn's reasoning: not sent back upstream (OpenAI-protocol servers take none).
    } else {
      return enum_error(member_path(block_path, "type"),
                        user ? "text, image, tool_result" : "text, tool_use, thinking",
                        b.at("type"));
    }
  }
  if (assistant) {
    if (message.content.empty() && !message.tool_calls.empty()) message.content_is_null = true;
    out.push_back(std::move(message));
  } else if (!message.parts.empty()) {
    if (message.parts.size() == 1 && message.parts[0].type == ContentPartType::kText) {
      message.content = std::move(message.parts[0].text);
      message.parts.clear();
    }
    out.push_back(std::move(message));
  } else if (blocks.empty()) {
    out.push_back(std::move(message));  // an empty user turn stays a turn
  }
  return std::nullopt;
}

Result<std::vector<ModelMessage>> parse_turns(const json::value* v, const RequestLimits& limits) {
  if (!v) return missing("messages", "a non-empty array of messages");
  if (!v->is_array() || v->get_array().empty()) {
    return field_error("messages", "a non-empty array of message objects", *v);
  }
  const auto& arr = v->get_array();
  if (arr.size() > limits.max_messages) {
    return Error::invalid_request("messages holds " + std::to_string(arr.size()) +
                                      " entries; at most " + std::to_string(limits.max_messages) +
                                      " are accepted",
                                  "messages");
  }
  std::vector<ModelMessage> out;
  out.reserve(arr.size() + 1);
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (auto err = parse_turn(arr[i], i, out)) return *err;
  }
  return out;
}

// system: a string or an array of text blocks.
Result<std::string> parse_system(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (!v.is_array()) return field_error("system", "a string or an array of text blocks", v);
  std::string text;
  const auto& blocks = v.get_array();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string path = index_path("system", i);
    auto block = block_object(blocks[i], path);
    if (!block) return block.error();
    if (block_type(**block) != "text") {
      return enum_error(member_path(path, "type"), "text", (*block)->at("type"));
    }
    auto t = required_string(**block, "text", path);
    if (!t) return t.error();
    if (!text.empty()) text += '\n';
    text += *t;
  }
  return text;
}

Result<ToolDefinition> parse_tool(const json::value& v, const std::string& path) {
  if (!v.is_object()) return field_error(path, "a tool object {\"name\", \"input_schema\"}", v);
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  const auto* schema = obj.if_contains("input_schema");
  if (type && !type->is_null() && !(type->is_string() && type->get_string() == "custom")) {
    // Server tools (web_search_..., bash_..., text_editor_...) run at Anthropic, not here.
    if (!schema) {
      return enum_error(member_path(path, "type"),
                        "custom (tools the client runs; Anthropic's server tools are not served "
                        "here)",
                        *type);
    }
  }
  ToolDefinition tool;
  auto name = required_string(obj, "name", path);
  if (!name) return name.error();
  if (name->empty())
    return field_error(member_path(path, "name"), "a non-empty string", obj.at("name"));
  tool.name = std::move(*name);
  if (const auto* d = obj.if_contains("description"); d && !d->is_null()) {
    auto s = string_field(*d, member_path(path, "description"));
    if (!s) return s.error();
    tool.description = *s;
  }
  if (!schema) return missing(member_path(path, "input_schema"), "a JSON Schema object");
  if (!schema->is_object()) {
    return field_error(member_path(path, "input_schema"), "a JSON Schema object", *schema);
  }
  tool.parameters = *schema;
  if (const auto* s = obj.if_contains("strict"); s && !s->is_null()) {
    auto b = bool_field(*s, member_path(path, "strict"));
    if (!b) return b.error();
    tool.strict = *b;
  }
  return tool;
}

Result<std::vector<ToolDefinition>> parse_tools(const json::value& v, const RequestLimits& limits) {
  if (!v.is_array()) return field_error("tools", "an array of tools", v);
  const auto& arr = v.get_array();
  if (arr.size() > limits.max_tools) {
    return Error::invalid_request("tools holds " + std::to_string(arr.size()) +
                                      " entries; at most " + std::to_string(limits.max_tools) +
                                      " are accepted",
                                  "tools");
  }
  std::vector<ToolDefinition> tools;
  tools.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto t = parse_tool(arr[i], index_path("tools", i));
    if (!t) return t.error();
    tools.push_back(std::move(*t));
  }
  return tools;
}

// tool_choice -> (choice, parallel_tool_calls when disable_parallel_tool_use is set).
std::optional<Error> parse_tool_choice(const json::value& v, ProviderRequest& req) {
  if (!v.is_object()) {
    return field_error("tool_choice", "an object {\"type\": \"auto\"|\"any\"|\"tool\"|\"none\"}",
                       v);
  }
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  const std::string_view t = type && type->is_string() ? std::string_view(type->get_string()) : "";
  if (t == "auto") {
    req.tool_choice = ToolChoice{ToolChoice::Mode::kAuto, {}};
  } else if (t == "any") {
    req.tool_choice = ToolChoice{ToolChoice::Mode::kRequired, {}};
  } else if (t == "none") {
    req.tool_choice = ToolChoice{ToolChoice::Mode::kNone, {}};
  } else if (t == "tool") {
    const auto* name = obj.if_contains("name");
    if (!name || !name->is_string() || name->get_string().empty()) {
      return field_error("tool_choice.name", "a non-empty string (the tool to call)",
                         name ? *name : json::value());
    }
    req.tool_choice = ToolChoice::function(std::string(name->get_string()));
  } else {
    return enum_error("tool_choice.type", "auto, any, tool, none", type ? *type : json::value());
  }
  if (const auto* d = obj.if_contains("disable_parallel_tool_use"); d && !d->is_null()) {
    auto b = bool_field(*d, "tool_choice.disable_parallel_tool_use");
    if (!b) return b.error();
    if (*b) req.parallel_tool_calls = false;
  }
  return std::nullopt;
}

Result<std::vector<std::string>> parse_stop_sequences(const json::value& v,
                                                      const RequestLimits& limits) {
  if (!v.is_array()) return field_error("stop_sequences", "an array of strings", v);
  const auto& arr = v.get_array();
  if (arr.size() > limits.max_stop_sequences) {
    return Error::invalid_request("stop_sequences must hold at most " +
                                      std::to_string(limits.max_stop_sequences) +
                                      " sequences, got " + std::to_string(arr.size()),
                                  "stop_sequences");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string() || arr[i].get_string().empty()) {
      return field_error(index_path("stop_sequences", i), "a non-empty string", arr[i]);
    }
    out.emplace_back(arr[i].get_string());
  }
  return out;
}

// thinking: {"type":"enabled","budget_tokens":n} | {"type":"disabled"} | {"type":"adaptive"}.
std::optional<Error> parse_thinking(const json::value& v, MessageOptions& options) {
  if (!v.is_object()) return field_error("thinking", "an object {\"type\": ...}", v);
  const auto& obj = v.get_object();
  const auto* type = obj.if_contains("type");
  const std::string_view t = type && type->is_string() ? std::string_view(type->get_string()) : "";
  if (t == "disabled") {
    options.emit_thinking = false;
  } else if (t == "enabled") {
    const auto* budget = obj.if_contains("budget_tokens");
    const auto n = budget ? openai_wire::detail::as_int64(*budget) : std::nullopt;
    if (!n || *n < 1) {
      return field_error("thinking.budget_tokens", "a positive integer",
                         budget ? *budget : json::value());
    }
  } else if (t != "adaptive") {
    return enum_error("thinking.type", "enabled, disabled, adaptive", type ? *type : json::value());
  }
  return std::nullopt;
}

std::optional<Error> parse_metadata(const json::value& v, ProviderRequest& req) {
  if (!v.is_object()) return field_error("metadata", "an object {\"user_id\"?}", v);
  if (const auto* user = v.get_object().if_contains("user_id"); user && !user->is_null()) {
    auto s = string_field(*user, "metadata.user_id");
    if (!s) return s.error();
    req.session_id = std::string(*s);
  }
  return std::nullopt;
}

enum class Endpoint { kMessages, kCountTokens };

// One top-level field; unknown keys are Anthropic features no provider has (ignored).
std::optional<Error> parse_field(std::string_view key, const json::value& v,
                                 const RequestLimits& limits, Endpoint endpoint,
                                 ParsedMessagesRequest& out, bool& saw_max_tokens) {
  ProviderRequest& req = out.request;
  if (key == "messages") return std::nullopt;  // parsed first
  if (key == "model") {
    auto s = string_field(v, "model");
    if (!s) return s.error();
    req.model = *s;
  } else if (key == "max_tokens") {
    if (endpoint == Endpoint::kCountTokens) return std::nullopt;
    const auto n = openai_wire::detail::as_int64(v);
    if (!n || *n < 1 || *n > limits.max_tokens_ceiling) {
      return field_error(
          key, "an integer between 1 and " + std::to_string(limits.max_tokens_ceiling), v);
    }
    req.settings.max_tokens = static_cast<int>(*n);
    saw_max_tokens = true;
  } else if (key == "stream") {
    if (v.is_null()) return std::nullopt;
    auto b = bool_field(v, key);
    if (!b) return b.error();
    out.stream = *b && endpoint == Endpoint::kMessages;
  } else if (v.is_null()) {
    // Optional fields sent as null count as absent.
  } else if (key == "system") {
    auto s = parse_system(v);
    if (!s) return s.error();
    req.messages.insert(req.messages.begin(), ModelMessage::system(std::move(*s)));
  } else if (key == "temperature") {
    auto d = number_in(v, key, 0, 1);
    if (!d) return d.error();
    req.settings.temperature = *d;
  } else if (key == "top_p") {
    auto d = number_in(v, key, 0, 1);
    if (!d) return d.error();
    req.settings.top_p = *d;
  } else if (key == "top_k") {
    const auto n = openai_wire::detail::as_int64(v);
    if (!n || *n < 0 || *n > 1'000'000'000) return field_error(key, "an integer >= 0", v);
    req.settings.top_k = static_cast<int>(*n);
  } else if (key == "stop_sequences") {
    auto stops = parse_stop_sequences(v, limits);
    if (!stops) return stops.error();
    out.options.stop_sequences = *stops;
    if (!stops->empty()) req.settings.stop_sequences = std::move(*stops);
  } else if (key == "tools") {
    auto tools = parse_tools(v, limits);
    if (!tools) return tools.error();
    req.tools = std::move(*tools);
  } else if (key == "tool_choice") {
    return parse_tool_choice(v, req);
  } else if (key == "metadata") {
    return parse_metadata(v, req);
  } else if (key == "thinking") {
    return parse_thinking(v, out.options);
  }
  return std::nullopt;
}

Result<ParsedMessagesRequest> parse(std::string_view body, const RequestLimits& limits,
                                    Endpoint endpoint) {
  alignas(16) unsigned char buffer[16384];
  json::monotonic_resource arena(buffer, sizeof buffer);
  auto root = openai_wire::detail::parse_body_object(body, limits, &arena);
  if (!root) return root.error();
  ParsedMessagesRequest out;
  auto turns = parse_turns(root->if_contains("messages"), limits);
  if (!turns) return turns.error();
  out.request.messages = std::move(*turns);
  bool saw_max_tokens = false;
  for (const auto& kv : *root) {
    if (auto err = parse_field(kv.key(), kv.value(), limits, endpoint, out, saw_max_tokens)) {
      return *err;
    }
  }
  if (!root->if_contains("model")) return missing("model", "the model to use");
  if (endpoint == Endpoint::kMessages && !saw_max_tokens) {
    return missing("max_tokens", "the maximum number of tokens to generate (an integer >= 1)");
  }
  return out;
}

}  // namespace

Result<ParsedMessagesRequest> parse_messages_request(std::string_view body,
                                                     const RequestLimits& limits) {
  return parse(body, limits, Endpoint::kMessages);
}

Result<ParsedMessagesRequest> parse_count_tokens_request(std::string_view body,
                                                         const RequestLimits& limits) {
  return parse(body, limits, Endpoint::kCountTokens);
}

}  // namespace roci::anthropic_wire
