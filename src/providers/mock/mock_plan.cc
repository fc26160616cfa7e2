#include "providers/mock/mock_plan.h"

#include "openai_wire/json_writer.h"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace roci::mock {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 64> kVocabulary = {
    "the",    "model",   "answers", "quietly", "with",    "a",       "clear",    "idea",
    "about",  "light",   "and",     "time",    "while",   "small",   "servers",  "hum",
    "under",  "warm",    "desks",   "every",   "token",   "arrives", "in",       "order",
    "so",     "streams", "feel",    "alive",   "local",   "weights", "remember", "patterns",
    "from",   "many",    "books",   "yet",     "nothing", "here",    "is",       "real",
    "only",   "mock",    "words",   "chosen",  "by",      "hash",    "of",       "your",
    "prompt", "which",   "makes",   "tests",   "stable",  "across",  "runs",     "bright",
    "river",  "stone",   "garden",  "signal",  "engine",  "orbit",   "lantern",  "echo"};

constexpr std::array<std::string_view, 8> kReasoningWords = {
    "Let", " me", " think", " about", " the", " question", " step", " first."};

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void fnv_mix(std::uint64_t& h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= 0xff;  // field separator, so ("ab","c") and ("a","bc") differ
  h *= 0x100000001b3ull;
}

Error script_error(std::string what) {
  return Error::invalid_request("settings.extra.mock: " + std::move(what), "mock");
}

// Reads an integer field >= 0; absent -> nullopt.
Result<std::optional<int>> get_count(const json::object& script, std::string_view key) {
  const json::value* v = script.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<int>{};
  boost::system::error_code ec;
  auto n = v->to_number<std::int64_t>(ec);
  if (ec || n < 0 || n > 1'000'000) {
    return script_error(std::string(key) + " must be a non-negative integer");
  }
  return std::optional<int>{static_cast<int>(n)};
}

std::string tool_call_id(std::size_t index) { return "call_mock_" + std::to_string(index); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<ToolCall> parse_scripted_call(const json::value& v, std::size_t index) {
  const json::object* obj = v.if_object();
  const json::value* name = obj ? obj->if_contains("name") : nullptr;
  if (name == nullptr || !name->is_string() || name->get_string().empty()) {
    return script_error("tool_call must be an object with a non-empty \"name\"");
  }
  ToolCall call{.id = tool_call_id(index), .name = std::string(name->get_string())};
  const json::value* args = obj->if_contains("arguments");
  if (args == nullptr || args->is_null()) {
    call.arguments = "{}";
  } else if (args->is_string()) {
    call.arguments = std::string(args->get_string());
  } else {
    openai_wire::JsonWriter(call.arguments).value(*args);
  }
  return call;
}

// "tool_call": {"name", "arguments"} or an array of them.
Result<std::vector<ToolCall>> get_tool_calls(const json::object& script) {
  std::vector<ToolCall> calls;
  const json::value* v = script.if_contains("tool_call");
  if (v == nullptr || v->is_null()) return calls;
  if (const json::array* list = v->if_array()) {
    for (const auto& item : *list) {
      auto call = parse_scripted_call(item, calls.size());
      if (!call) return call.error();
      calls.push_back(std::move(*call));
    }
    return calls;
  }
  auto call = parse_scripted_call(*v, 0);
  if (!call) return call.error();
  calls.push_back(std::move(*call));
  return calls;
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

// With tools, a last user message "call: [name] [{json}][; ...]" asks for tool calls; an empty name
// means the first tool (or the one tool_choice names). tool_choice "required" / a named function
// forces a call even without the prefix; "none" disables calls.
std::vector<ToolCall> automatic_tool_calls(const ProviderRequest& request) {
  std::vector<ToolCall> calls;
  if (!request.tools || request.tools->empty()) return calls;
  const ToolChoice choice = request.tool_choice.value_or(ToolChoice{});
  if (choice.mode == ToolChoice::Mode::kNone) return calls;
  const std::string default_name = choice.mode == ToolChoice::Mode::kFunction
                                       ? choice.function_name
                                       : request.tools->front().name;
  auto last_user = std::find_if(request.messages.rbegin(), request.messages.rend(),
                                [](const ModelMessage& m) { return m.role == Role::kUser; });
  const std::string text = last_user == request.messages.rend() ? std::string() : last_user->text();
  const std::string_view trimmed = trim(text);
  if (!trimmed.starts_with("call:")) {
    if (choice.mode == ToolChoice::Mode::kRequired || choice.mode == ToolChoice::Mode::kFunction) {
      calls.push_back({.id = tool_call_id(0), .name = default_name, .arguments = "{}"});
    }
    return calls;
  }
  for (std::string_view item : split_calls(trimmed.substr(5))) {
    item = trim(item);
    if (item.empty() && !calls.empty()) continue;
    const std::size_t split = item.find_first_of(" \t{[");
    std::string name(trim(item.substr(0, split)));
    const std::string_view args = split == std::string_view::npos ? "" : trim(item.substr(split));
    boost::system::error_code ec;
    (void)json::parse(args, ec);
    calls.push_back({.id = tool_call_id(calls.size()),
                     .name = name.empty() ? default_name : std::move(name),
                     .arguments = args.empty() || ec ? std::string("{}") : std::string(args)});
  }
  return calls;
}

}  // namespace

Result<MockScript> parse_script(const json::object& extra) {
  MockScript script;
  const json::value* v = extra.if_contains("mock");
  if (v == nullptr || v->is_null()) return script;
  const json::object* obj = v->if_object();
  if (obj == nullptr) return script_error("must be an object");

  auto fail_status = get_count(*obj, "fail_status");
  if (!fail_status) return fail_status.error();
  if (*fail_status && (**fail_status < 400 || **fail_status > 599)) {
    return script_error("fail_status must be an HTTP error status (400-599)");
  }
  script.fail_status = *fail_status;

  auto cut = get_count(*obj, "cut_after_tokens");
  if (!cut) return cut.error();
  script.cut_after_tokens = *cut;

  auto first_byte = get_count(*obj, "first_byte_delay_ms");
  if (!first_byte) return first_byte.error();
  if (*first_byte) script.first_byte_delay = std::chrono::milliseconds(**first_byte);

  auto token_delay = get_count(*obj, "token_delay_ms");
  if (!token_delay) return token_delay.error();
  if (*token_delay) script.token_delay = std::chrono::milliseconds(**token_delay);

  auto tokens = get_count(*obj, "tokens");
  if (!tokens) return tokens.error();
  script.tokens = *tokens;

  auto tool_calls = get_tool_calls(*obj);
  if (!tool_calls) return tool_calls.error();
  script.tool_calls = std::move(*tool_calls);

  if (const json::value* r = obj->if_contains("reasoning"); r != nullptr && !r->is_null()) {
    if (!r->is_bool()) return script_error("reasoning must be a boolean");
    script.reasoning = r->get_bool();
  }
  return script;
}

Error error_for_status(int status, const std::vector<std::string>& models,
                       const std::string& model) {
  const std::string prefix = "mock upstream answered HTTP " + std::to_string(status);
  switch (status) {
    case 400: {
      Error e = Error::invalid_request(prefix + ": bad request (scripted)");
      e.upstream_status = status;
      return e;
    }
    case 401:
    case 403: {
      Error e{.kind = ErrorKind::kUnauthenticated, .message = prefix + ": unauthorized (scripted)"};
      e.upstream_status = status;
      return e;
    }
    case 404: {
      std::string list;
      for (const auto& m : models) list += (list.empty() ? "" : ", ") + m;
      Error e = Error::model_not_found(
          "model '" + model + "' not found (scripted); available models: " + list, models);
      e.upstream_status = status;
      return e;
    }
    case 429: {
      Error e{.kind = ErrorKind::kRateLimited, .message = prefix + ": rate limited (scripted)"};
      e.code = "rate_limit_exceeded";
      e.upstream_status = status;
      e.retry_after_secs = 1;
      return e;
    }
    case 502:
      return Error::unreachable(prefix + ": upstream unreachable (scripted)");
    case 504:
      return Error::timeout(prefix + ": upstream timed out (scripted)");
    default:
      break;
  }
  if (status >= 500) return Error::upstream(prefix + ": upstream error (scripted)", status);
  Error e = Error::invalid_request(prefix + " (scripted)");
  e.upstream_status = status;
  return e;
}

std::string MockPlan::text() const {
  std::string out;
  for (const auto& t : text_tokens) out += t;
  return out;
}

std::string MockPlan::reasoning() const {
  std::string out;
  for (const auto& t : reasoning_tokens) out += t;
  return out;
}

bool MockPlan::is_cut() const {
  return cut_after_tokens && *cut_after_tokens <= static_cast<int>(text_tokens.size());
}

Error MockPlan::cut_error() const {
  return Error::upstream("mock stream cut after " + std::to_string(cut_after_tokens.value_or(0)) +
                         " tokens");
}

Result<MockPlan> make_plan(const MockOptions& options, const ProviderRequest& request,
                           const std::string& configured_model) {
  MockPlan plan;
  plan.model = request.model.empty() ? configured_model : request.model;
  if (options.fail_with) return *options.fail_with;
  auto script = parse_script(request.settings.extra);
  if (!script) return script.error();
  if (script->fail_status)
    return error_for_status(*script->fail_status, options.models, plan.model);

  const std::uint64_t hash = hash_messages(request.messages);
  plan.id = "chatcmpl-mock-" + hex_id(hash);
  plan.created = unix_now();
  plan.first_byte_delay = script->first_byte_delay.value_or(options.first_byte_delay);
  plan.token_delay = script->token_delay.value_or(options.token_delay);
  plan.cut_after_tokens =
      script->cut_after_tokens ? script->cut_after_tokens : options.cut_after_tokens;
  if (script->reasoning) {
    plan.reasoning_tokens.assign(kReasoningWords.begin(), kReasoningWords.end());
  }

  int produced = static_cast<int>(plan.reasoning_tokens.size());
  plan.tool_calls =
      script->tool_calls.empty() ? automatic_tool_calls(request) : std::move(script->tool_calls);
  if (!plan.tool_calls.empty()) {
    plan.finish_reason = FinishReason::kToolCalls;
    for (const auto& call : plan.tool_calls) {
      produced += 1 + static_cast<int>(call.arguments.size() + 3) / 4;
    }
  } else {
    const int wanted = std::max(0, script->tokens.value_or(options.completion_tokens));
    const std::optional<int>& max_tokens = request.settings.max_tokens;
    int count = wanted;
    if (max_tokens && *max_tokens >= 0 && *max_tokens < wanted) {
      count = *max_tokens;
      plan.finish_reason = FinishReason::kLength;
    }
    plan.text_tokens = words_from_hash(hash, count);
    produced += count;
  }
  plan.usage.prompt_tokens = count_prompt_words(request.messages);
  plan.usage.completion_tokens = produced;
  plan.usage.total_tokens = plan.usage.prompt_tokens + produced;
  return plan;
}

std::uint64_t hash_messages(const std::vector<ModelMessage>& messages) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& m : messages) {
    fnv_mix(h, to_string(m.role));
    fnv_mix(h, m.text());
    for (const auto& call : m.tool_calls) {
      fnv_mix(h, call.name);
      fnv_mix(h, call.arguments);
    }
    fnv_mix(h, m.tool_call_id);
  }
  return h;
}

std::uint64_t hash_text(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  fnv_mix(h, text);
  return h;
}

std::vector<std::string> words_from_hash(std::uint64_t hash, int count) {
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(std::max(count, 0)));
  std::uint64_t state = hash;
  for (int i = 0; i < count; ++i) {
    std::string word(kVocabulary[splitmix64(state) % kVocabulary.size()]);
    if (i == 0) {
      word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    } else {
      word.insert(word.begin(), ' ');
    }
    out.push_back(std::move(word));
  }
  return out;
}

int count_words(std::string_view text) {
  int n = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    const bool space = std::isspace(c) != 0;
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

int count_prompt_words(const std::vector<ModelMessage>& messages) {
  int n = 0;
  for (const auto& m : messages) n += count_words(m.text());
  return n;
}

std::string hex_id(std::uint64_t hash) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace roci::mock
