#include <roci/core/types.h>

#include <algorithm>
#include <climits>

namespace roci {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kDeveloper:
      return "developer";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
    case Role::kTool:
      return "tool";
  }
  return "user";
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "system") return Role::kSystem;
  if (s == "developer") return Role::kDeveloper;
  if (s == "user") return Role::kUser;
  if (s == "assistant") return Role::kAssistant;
  if (s == "tool") return Role::kTool;
  return std::nullopt;
}

std::string_view to_string(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kToolCalls:
      return "tool_calls";
    case FinishReason::kContentFilter:
      return "content_filter";
    case FinishReason::kError:
      return "error";
    case FinishReason::kOther:
      return "stop";
  }
  return "stop";
}

FinishReason parse_finish_reason(std::string_view s) {
  if (s == "stop" || s == "eos" || s == "end_turn") return FinishReason::kStop;
  if (s == "length" || s == "max_tokens") return FinishReason::kLength;
  if (s == "tool_calls" || s == "function_call") return FinishReason::kToolCalls;
  if (s == "content_filter") return FinishReason::kContentFilter;
  if (s == "error") return FinishReason::kError;
  return FinishReason::kOther;
}

ContentPart ContentPart::text_part(std::string text) {
  ContentPart p;
  p.type = ContentPartType::kText;
  p.text = std::move(text);
  return p;
}

ContentPart ContentPart::image(std::string url, std::string detail) {
  ContentPart p;
  p.type = ContentPartType::kImageUrl;
  p.image_url = std::move(url);
  p.detail = std::move(detail);
  return p;
}

ModelMessage ModelMessage::system(std::string text) {
  return ModelMessage{.role = Role::kSystem, .content = std::move(text)};
}
ModelMessage ModelMessage::developer(std::string text) {
  return ModelMessage{.role = Role::kDeveloper, .content = std::move(text)};
}
ModelMessage ModelMessage::user(std::string text) {
  return ModelMessage{.role = Role::kUser, .content = std::move(text)};
}
ModelMessage ModelMessage::user(std::vector<ContentPart> parts) {
  return ModelMessage{.role = Role::kUser, .parts = std::move(parts)};
}
ModelMessage ModelMessage::assistant(std::string text) {
  return ModelMessage{.role = Role::kAssistant, .content = std::move(text)};
}
ModelMessage ModelMessage::assistant(std::vector<ToolCall> calls) {
  return ModelMessage{
      .role = Role::kAssistant, .content_is_null = true, .tool_calls = std::move(calls)};
}
ModelMessage ModelMessage::tool(std::string tool_call_id, std::string content) {
  return ModelMessage{
      .role = Role::kTool, .content = std::move(content), .tool_call_id = std::move(tool_call_id)};
}

std::string ModelMessage::text() const {
  if (parts.empty()) return content;
  std::string out;
  for (const auto& p : parts) {
    if (p.type != ContentPartType::kText) continue;
    if (!out.empty()) out += '\n';
    out += p.text;
  }
  return out;
}

int requested_choices(const GenerationSettings& settings) {
  const boost::json::value* n = settings.extra.if_contains("n");
  if (n == nullptr) return 1;
  if (n->is_int64() && n->get_int64() >= 1) {
    return static_cast<int>(std::min<std::int64_t>(n->get_int64(), INT_MAX));
  }
  if (n->is_uint64()) return static_cast<int>(std::min<std::uint64_t>(n->get_uint64(), INT_MAX));
  return 1;
}

ResponseFormat ResponseFormat::json_schema(std::string name, boost::json::value schema,
                                           std::optional<bool> strict) {
  return ResponseFormat{Type::kJsonSchema, std::move(name), std::move(schema), strict};
}

}  // namespace roci
