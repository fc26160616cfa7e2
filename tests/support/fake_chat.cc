// The deterministic answer of the fakes, and its rendering per dialect (see fake_chat.h).
#include "support/fake_chat.h"

#include <boost/json/serialize.hpp>
#include <cctype>

namespace roci::testing::detail {
namespace json = boost::json;
namespace {

constexpr std::string_view kDefaultAnswer = "Hello! How can I help you today?";
constexpr std::string_view kLlamaCppBuild = "b6097-9515c613";

std::string text_of(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& part : content.get_array()) {
    const auto* object = part.if_object();
    if (!object) continue;
    const auto* text = object->if_contains("text");
    if (text && text->is_string()) {
      if (!out.empty()) out += ' ';
      out += text->get_string();
    }
  }
  return out;
}

std::string last_user_text(const json::object& request) {
  const auto* messages = request.if_contains("messages");
  if (!messages || !messages->is_array()) return {};
  const auto& list = messages->get_array();
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    const auto* message = it->if_object();
    if (!message) continue;
    const auto* role = message->if_contains("role");
    if (!role || !role->is_string() || role->get_string() != "user") continue;
    const auto* content = message->if_contains("content");
    return content ? text_of(*content) : std::string();
  }
  return {};
}

// A "call:" asks for tools only while it is the last message: after the tool results the model
// answers (so a client's tool loop ends, as with a real model).
bool last_is_user(const json::object& request) {
  const auto* messages = request.if_contains("messages");
  if (!messages || !messages->is_array() || messages->get_array().empty()) return false;
  const auto* last = messages->get_array().back().if_object();
  const auto* role = last ? last->if_contains("role") : nullptr;
  return role && role->is_string() && role->get_string() == "user";
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "name {json}; other {json}" -> calls; ';' inside braces or strings does not split.
std::vector<FakeToolCall> parse_calls(std::string_view spec) {
  std::vector<std::string> items(1);
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (in_string) {
      if (c == '\\' && i + 1 < spec.size()) {
        items.back() += c;
        items.back() += spec[++i];
        continue;
      }
      if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ';' && depth == 0) {
      items.emplace_back();
      continue;
    }
    items.back() += c;
  }
  std::vector<FakeToolCall> calls;
  for (const auto& raw : items) {
    const std::string item = trim(raw);
    if (item.empty() && !calls.empty()) continue;
    const std::size_t split = item.find_first_of(" \t{[");
    FakeToolCall call;
    call.name = trim(item.substr(0, split));
    const std::string args = split == std::string::npos ? std::string() : trim(item.substr(split));
    call.arguments = args.empty() ? "{}" : args;
    calls.push_back(std::move(call));
  }
  return calls;
}

std::string first_tool_name(const json::object& request) {
  const auto* tools = request.if_contains("tools");
  if (!tools || !tools->is_array() || tools->get_array().empty()) return "tool";
  const auto* tool = tools->get_array()[0].if_object();
  if (!tool) return "tool";
  const auto* function = tool->if_contains("function");
  if (!function || !function->is_object()) return "tool";
  const auto* name = function->get_object().if_contains("name");
  return name && name->is_string() ? std::string(name->get_string()) : "tool";
}

std::optional<std::int64_t> int_field(const json::object& request, std::string_view key) {
  const auto* value = request.if_contains(key);
  if (value && value->is_int64()) return value->get_int64();
  if (value && value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  return std::nullopt;
}

bool include_usage(const json::object& request) {
  const auto* options = request.if_contains("stream_options");
  if (!options || !options->is_object()) return false;
  const auto* flag = options->get_object().if_contains("include_usage");
  return flag && flag->is_bool() && flag->get_bool();
}

std::string id_for(Dialect dialect, std::string_view prefix, State& state) {
  switch (dialect) {
    case Dialect::kOpenAi:
      return std::string(prefix) + state.random_string(29, kAlnum);
    case Dialect::kLlamaCpp:
      return std::string(prefix) + state.random_string(32, kAlnum);
    default:
      return std::string(prefix) + state.random_string(20, kBase36);
  }
}

std::string tool_call_id(Dialect dialect, State& state) {
  switch (dialect) {
    case Dialect::kOpenAi:
      return "call_" + state.random_string(24, kAlnum);
    case Dialect::kLlamaCpp:
      return state.random_string(32, kAlnum);
    default:  // LM Studio: a numeric string
      return state.random_string(1, "123456789") + state.random_string(8, kDigits);
  }
}

void plan_answer(ChatPlan& plan, std::string_view user, const json::object& request,
                 const Fault* fault) {
  std::string text;
  if (fault && fault->answer) {
    text = *fault->answer;
  } else if (words(user).empty()) {
    text = kDefaultAnswer;
  } else {
    text = "Echo:";
    for (const auto& word : words(user)) text += " " + word;
  }
  plan.tokens = tokenize(text);
  plan.finish_reason = "stop";
  auto max = int_field(request, "max_tokens");
  if (!max) max = int_field(request, "max_completion_tokens");
  if (!max) max = int_field(request, "n_predict");
  if (max && *max >= 0 && plan.tokens.size() > static_cast<std::size_t>(*max)) {
    plan.tokens.resize(static_cast<std::size_t>(*max));
    plan.finish_reason = "length";
  }
}

void plan_common(ChatPlan& plan, std::string served_model, Dialect dialect, State& state,
                 const Fault* fault) {
  plan.model = fault && fault->model ? *fault->model : std::move(served_model);
  plan.created = unix_now();
  switch (dialect) {
    case Dialect::kOpenAi:
      plan.system_fingerprint = "fp_" + state.random_string(10, kHex);
      break;
    case Dialect::kLlamaCpp:
      plan.system_fingerprint = std::string(kLlamaCppBuild);
      break;
    default:
      plan.system_fingerprint = plan.model;
  }
}

void finish_plan(ChatPlan& plan, const json::object& request, const Fault* fault) {
  if (fault && fault->finish_reason) plan.finish_reason = *fault->finish_reason;
  plan.completion_tokens = static_cast<int>(plan.tokens.size() + plan.reasoning.size());
  for (const auto& call : plan.tool_calls) {
    plan.completion_tokens += 1 + static_cast<int>(argument_pieces(call.arguments).size());
  }
  plan.include_usage = include_usage(request);
}

}  // namespace

std::string join_tokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& token : tokens) out += token;
  return out;
}

std::vector<std::string> argument_pieces(std::string_view arguments) {
  constexpr std::size_t kPiece = 5;  // characters per streamed tool-argument fragment
  std::vector<std::string> out;
  for (std::size_t i = 0; i < arguments.size(); i += kPiece) {
    out.emplace_back(arguments.substr(i, kPiece));
  }
  return out;
}

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c));
    if (space && !current.empty() && !std::isspace(static_cast<unsigned char>(current.back()))) {
      tokens.push_back(std::move(current));
      current.clear();
    }
    current += c;
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

int count_words(const json::value& input) {
  if (input.is_string()) return static_cast<int>(words(input.get_string()).size());
  int total = 0;
  if (input.is_array()) {
    for (const auto& item : input.get_array()) total += count_words(item);
  } else if (input.is_object()) {
    const auto& object = input.get_object();
    if (const auto* content = object.if_contains("content")) total += 1 + count_words(*content);
    if (const auto* text = object.if_contains("text")) total += count_words(*text);
  }
  return total;
}

ChatPlan plan_chat(const json::object& request, std::string served_model, Dialect dialect,
                   State& state, const Fault* fault) {
  ChatPlan plan;
  plan_common(plan, std::move(served_model), dialect, state, fault);
  plan.id = id_for(dialect, "chatcmpl-", state);
  const std::string user = last_user_text(request);
  const auto* tools = request.if_contains("tools");
  const bool has_tools = tools && tools->is_array() && !tools->get_array().empty();
  const auto* choice = request.if_contains("tool_choice");
  const bool tools_off = choice && choice->is_string() && choice->get_string() == "none";

  std::vector<FakeToolCall> calls;
  if (fault && !fault->tool_calls.empty()) {
    calls = fault->tool_calls;
  } else if (has_tools && !tools_off && last_is_user(request) && trim(user).starts_with("call:")) {
    calls = parse_calls(trim(user).substr(5));
  }
  for (const auto& call : calls) {
    plan.tool_calls.push_back({tool_call_id(dialect, state),
                               call.name.empty() ? first_tool_name(request) : call.name,
                               call.arguments});
  }

  const FakeOptions& options = state.options();
  const std::string reasoning = fault && fault->reasoning ? *fault->reasoning : options.reasoning;
  if (dialect != Dialect::kOpenAi) plan.reasoning = tokenize(reasoning);
  plan.reasoning_field =
      fault && fault->reasoning_field ? *fault->reasoning_field : options.reasoning_field;

  if (plan.tool_calls.empty()) {
    plan_answer(plan, user, request, fault);
  } else {
    plan.finish_reason = "tool_calls";
  }
  if (const auto* messages = request.if_contains("messages")) {
    plan.prompt_tokens = count_words(*messages);
  }
  finish_plan(plan, request, fault);
  return plan;
}

ChatPlan plan_completion(const json::object& request, std::string served_model, Dialect dialect,
                         State& state, const Fault* fault) {
  ChatPlan plan;
  plan_common(plan, std::move(served_model), dialect, state, fault);
  plan.id = id_for(dialect, "cmpl-", state);
  std::string prompt;
  if (const auto* value = request.if_contains("prompt")) {
    prompt = value->is_array() && !value->get_array().empty() ? text_of(value->get_array()[0])
                                                              : text_of(*value);
    plan.prompt_tokens = count_words(*value);
  }
  plan_answer(plan, prompt, request, fault);
  finish_plan(plan, request, fault);
  return plan;
}

}  // namespace roci::testing::detail
