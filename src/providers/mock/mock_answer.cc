#include "providers/mock/mock_answer.h"

#include <roci/core/json_schema.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

namespace roci::mock {
namespace {

namespace json = boost::json;

constexpr std::size_t kResultPreviewBytes = 200;  // of each tool result in the summary
constexpr std::size_t kMinNameWord = 4;  // shorter words of a tool name ("get") never match

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// "getWeather_now" -> {"get", "weather", "now"}: split at non-alphanumerics and case changes.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool boundary = !is_alnum(c) || (std::isupper(static_cast<unsigned char>(c)) && i > 0 &&
                                           std::islower(static_cast<unsigned char>(name[i - 1])));
    if (boundary && !word.empty()) words.push_back(std::exchange(word, {}));
    if (is_alnum(c)) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// True when `needle` occurs in `text` at the start of a word.
bool begins_a_word(std::string_view text, std::string_view needle) {
  if (needle.empty()) return false;
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    if (at == 0 || !is_alnum(text[at - 1])) return true;
  }
  return false;
}

// The auto rule: the message names the tool ("get_weather", "get weather"), or one of its words
// of 4+ letters begins a word of the message ("weather?" and "weathers" for get_weather).
bool asks_for(std::string_view message, const ToolDefinition& tool) {
  const std::string text = lower(message);
  const std::string name = lower(tool.name);
  std::string spaced = name;
  for (char& c : spaced) c = is_alnum(c) ? c : ' ';
  if (begins_a_word(text, name) || begins_a_word(text, spaced)) return true;
  for (const std::string& word : name_words(tool.name)) {
    if (word.size() >= kMinNameWord && begins_a_word(text, word)) return true;
  }
  return false;
}

// The arguments of a call to tools[index]: an instance of its parameters schema.
Result<std::string> arguments_for(const ToolDefinition& tool, std::size_t index) {
  if (tool.parameters.is_null()) return std::string("{}");
  auto value = json_schema::generate_instance(tool.parameters);
  if (!value) {
    Error e = value.error();
    e.message = "tool \"" + tool.name + "\": " + e.message;
    e.param = "tools[" + std::to_string(index) + "].function.parameters";
    return e;
  }
  // Parameters are an object; a schema that says nothing ({}) gets the empty one.
  if (!value->is_object()) {
    const json::object* schema = tool.parameters.if_object();
    if (schema == nullptr || !schema->contains("type")) return std::string("{}");
  }
  return json::serialize(*value);
}

// Splits "name {json}; other {json}" at top-level ';' (the fake upstream's convention).
std::vector<std::string_view> split_calls(std::string_view spec) {
  std::vector<std::string_view> items;
  int depth = 0;
  bool in_string = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ';' && depth == 0) {
      items.push_back(spec.substr(start, i - start));
      start = i + 1;
    }
  }
  items.push_back(spec.substr(start));
  return items;
}

// "call: [name] [{json}][; ...]": one call per item; an empty name is `default_name`.
std::vector<ToolCall> scripted_calls(std::string_view spec, const std::string& default_name) {
  std::vector<ToolCall> calls;
  for (std::string_view item : split_calls(spec)) {
    item = trim(item);
    if (item.empty() && !calls.empty()) continue;
    const std::size_t split = item.find_first_of(" \t{[");
    std::string name(trim(item.substr(0, split)));
    const std::string_view args = split == std::string_view::npos ? "" : trim(item.substr(split));
    boost::system::error_code ec;
    (void)json::parse(args, ec);
    calls.push_back({.id = tool_call_id(0, calls.size()),
                     .name = name.empty() ? default_name : std::move(name),
                     .arguments = args.empty() || ec ? std::string("{}") : std::string(args)});
  }
  return calls;
}

Result<std::vector<ToolCall>> call(const std::vector<ToolDefinition>& tools, std::size_t index) {
  auto arguments = arguments_for(tools[index], index);
  if (!arguments) return arguments.error();
  return std::vector<ToolCall>{
      {.id = tool_call_id(0, 0), .name = tools[index].name, .arguments = std::move(*arguments)}};
}

}  // namespace

std::string tool_call_id(int choice, std::size_t index) {
  if (choice == 0) return "call_mock_" + std::to_string(index);
  return "call_mock_" + std::to_string(choice) + "_" + std::to_string(index);
}

Result<std::vector<ToolCall>> tool_calls_for(const ProviderRequest& request) {
  std::vector<ToolCall> none;
  if (!request.tools || request.tools->empty()) return none;
  const std::vector<ToolDefinition>& tools = *request.tools;
  const ToolChoice choice = request.tool_choice.value_or(ToolChoice{});
  if (choice.mode == ToolChoice::Mode::kNone) return none;

  // The user spoke last: tool results after it mean the model now answers them.
  const bool user_last = !request.messages.empty() && request.messages.back().role == Role::kUser;
  const std::string text = user_last ? request.messages.back().text() : std::string();
  const std::string_view said = trim(text);
  if (choice.mode == ToolChoice::Mode::kFunction) {
    auto named = std::find_if(tools.begin(), tools.end(), [&](const ToolDefinition& t) {
      return t.name == choice.function_name;
    });
    if (named == tools.end()) {
      return Error::invalid_request(
          "tool_choice names the function \"" + choice.function_name + "\", which is not in tools",
          "tool_choice");
    }
    if (said.starts_with("call:")) return scripted_calls(said.substr(5), named->name);
    return call(tools, static_cast<std::size_t>(named - tools.begin()));
  }
  if (user_last && said.starts_with("call:")) return scripted_calls(said.substr(5), tools[0].name);
  for (std::size_t i = 0; user_last && i < tools.size(); ++i) {
    if (asks_for(said, tools[i])) return call(tools, i);
  }
  if (choice.mode == ToolChoice::Mode::kRequired) return call(tools, 0);
  return none;
}

std::string tool_result_summary(const std::vector<ModelMessage>& messages) {
  auto last_user = std::find_if(messages.rbegin(), messages.rend(),
                                [](const ModelMessage& m) { return m.role == Role::kUser; });
  std::string out;
  for (auto it = last_user.base(); it != messages.end(); ++it) {
    if (it->role != Role::kTool) continue;
    // The tool's name, from the assistant turn that called it (after the user's message).
    std::string name = it->name;
    for (auto call_turn = last_user.base(); name.empty() && call_turn != it; ++call_turn) {
      for (const auto& c : call_turn->tool_calls) {
        if (c.id == it->tool_call_id) name = c.name;
      }
    }
    std::string result(trim(it->text()));
    if (result.size() > kResultPreviewBytes) {
      std::size_t cut = kResultPreviewBytes;
      while (cut > 0 && (static_cast<unsigned char>(result[cut]) & 0xC0) == 0x80) --cut;
      result.resize(cut);
      result += "...";
    }
    out += out.empty() ? "According to " : "; ";
    out += name.empty() ? std::string("the tool") : name;
    out += ": ";
    out += result.empty() ? std::string("(no result)") : result;
  }
  if (!out.empty()) out += '.';
  return out;
}

Result<std::optional<std::string>> schema_answer(const ProviderRequest& request) {
  const auto& format = request.response_format;
  if (!format || format->type != ResponseFormat::Type::kJsonSchema || format->schema.is_null()) {
    return std::optional<std::string>{};
  }
  auto value = json_schema::generate_instance(format->schema);
  if (!value) {
    Error e = value.error();
    e.param = "response_format.json_schema.schema";
    return e;
  }
  return std::optional<std::string>{json::serialize(*value)};
}

bool wants_json_object(const ProviderRequest& request) {
  const auto& format = request.response_format;
  return format &&
         (format->type == ResponseFormat::Type::kJsonObject ||
          (format->type == ResponseFormat::Type::kJsonSchema && format->schema.is_null()));
}

std::vector<std::string> word_tokens(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at + 1);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

std::vector<std::string> byte_tokens(std::string_view text, std::size_t bytes) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = std::min(text.size(), at + std::max<std::size_t>(bytes, 1));
    while (end < text.size() && end > at + 1 &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    out.emplace_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

}  // namespace roci::mock
