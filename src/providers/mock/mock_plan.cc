#include "providers/mock/mock_plan.h"

#include "openai_wire/json_writer.h"
#include "providers/mock/mock_answer.h"

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
using namespace openai_wire::json_literals;

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

Result<ToolCall> parse_scripted_call(const json::value& v, std::size_t index) {
  const json::object* obj = v.if_object();
  const json::value* name = obj ? obj->if_contains("name") : nullptr;
  if (name == nullptr || !name->is_string() || name->get_string().empty()) {
    return script_error("tool_call must be an object with a non-empty \"name\"");
  }
  ToolCall call{.id = tool_call_id(0, index), .name = std::string(name->get_string())};
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

}  // namespace

namespace {

Result<MockScript> parse_script_object(const json::object* obj, bool top_level) {
  MockScript script;

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

  if (const json::value* steps = obj->if_contains("steps"); steps != nullptr && !steps->is_null()) {
    if (!top_level) return script_error("steps cannot nest");
    if (!steps->is_array()) return script_error("steps must be an array of scripts");
    for (const auto& step : steps->get_array()) {
      if (!step.is_object()) return script_error("steps must be an array of scripts");
      auto parsed = parse_script_object(&step.get_object(), false);
      if (!parsed) return parsed.error();
      script.steps.push_back(std::move(*parsed));
    }
  }
  return script;
}

}  // namespace

Result<MockScript> parse_script(const json::object& extra) {
  const json::value* v = extra.if_contains("mock");
  if (v == nullptr || v->is_null()) return MockScript{};
  const json::object* obj = v->if_object();
  if (obj == nullptr) return script_error("must be an object");
  return parse_script_object(obj, true);
}

MockScript script_for_call(const MockScript& script, std::size_t call) {
  if (script.steps.empty()) return script;
  if (call >= script.steps.size()) {
    // Past the plan: the rest of the script, answering with text.
    MockScript rest = script;
    rest.steps.clear();
    rest.tool_calls.clear();
    return rest;
  }
  const MockScript& step = script.steps[call];
  MockScript out = script;
  out.steps.clear();
  out.tool_calls = step.tool_calls;
  if (step.fail_status) out.fail_status = step.fail_status;
  if (step.cut_after_tokens) out.cut_after_tokens = step.cut_after_tokens;
  if (step.first_byte_delay) out.first_byte_delay = step.first_byte_delay;
  if (step.token_delay) out.token_delay = step.token_delay;
  if (step.tokens) out.tokens = step.tokens;
  out.reasoning = out.reasoning || step.reasoning;
  return out;
}

std::size_t calls_since_user(const std::vector<ModelMessage>& messages) {
  std::size_t calls = 0;
  for (auto it = messages.rbegin(); it != messages.rend() && it->role != Role::kUser; ++it) {
    if (it->role == Role::kAssistant) ++calls;
  }
  return calls;
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

std::string MockChoice::text() const {
  std::string out;
  for (const auto& t : text_tokens) out += t;
  return out;
}

std::string MockChoice::reasoning() const {
  std::string out;
  for (const auto& t : reasoning_tokens) out += t;
  return out;
}

bool MockPlan::is_cut() const {
  if (!cut_after_tokens) return false;
  std::size_t tokens = 0;
  for (const auto& c : choices) tokens += c.text_tokens.size();
  return static_cast<std::size_t>(*cut_after_tokens) <= tokens;
}

Error MockPlan::cut_error() const {
  return Error::upstream("mock stream cut after " + std::to_string(cut_after_tokens.value_or(0)) +
                         " tokens");
}

std::optional<Error> check_model(const MockOptions& options, const std::string& configured_model,
                                 const std::string& model) {
  if (model == configured_model ||
      std::find(options.models.begin(), options.models.end(), model) != options.models.end()) {
    return std::nullopt;
  }
  std::vector<std::string> available = options.models;
  if (std::find(available.begin(), available.end(), configured_model) == available.end()) {
    available.push_back(configured_model);
  }
  std::string list;
  for (const auto& m : available) list += (list.empty() ? "" : ", ") + m;
  Error e = Error::model_not_found(
      "Model \"" + model + "\" not found. Available models: " + list + ".", std::move(available));
  e.param = "model";
  e.upstream_status = 404;
  return e;
}

namespace {

// The text tokens of one choice that calls no tool: the tool results reported, or words picked by
// `hash`; as JSON when response_format asks for it; cut at max_tokens.
std::vector<std::string> answer_tokens(const ProviderRequest& request, const std::string& summary,
                                       const std::optional<std::string>& schema_json,
                                       std::uint64_t hash, int wanted,
                                       FinishReason& finish_reason) {
  std::vector<std::string> tokens;
  if (schema_json) {
    tokens = byte_tokens(*schema_json, 4);
  } else {
    tokens = summary.empty() ? words_from_hash(hash, wanted) : word_tokens(summary);
    if (wants_json_object(request)) {
      std::string text;
      for (const auto& t : tokens) text += t;
      std::string answer;
      openai_wire::JsonWriter(answer).begin_object().key("answer"_js).string(text).end_object();
      tokens = byte_tokens(answer, 4);
    }
  }
  const std::optional<int>& max_tokens = request.settings.max_tokens;
  if (max_tokens && *max_tokens >= 0 && tokens.size() > static_cast<std::size_t>(*max_tokens)) {
    tokens.resize(static_cast<std::size_t>(*max_tokens));
    finish_reason = FinishReason::kLength;
  }
  return tokens;
}

}  // namespace

Result<MockPlan> make_plan(const MockOptions& options, const ProviderRequest& request,
                           const std::string& configured_model) {
  MockPlan plan;
  plan.model = request.model.empty() ? configured_model : request.model;
  if (options.fail_with) return *options.fail_with;
  auto parsed = parse_script(request.settings.extra);
  if (!parsed) return parsed.error();
  const MockScript step = script_for_call(*parsed, calls_since_user(request.messages));
  const MockScript* script = &step;
  if (script->fail_status)
    return error_for_status(*script->fail_status, options.models, plan.model);
  if (auto unknown = check_model(options, configured_model, plan.model)) return *unknown;
  const int n = requested_choices(request.settings);
  if (n > kMaxChoices) {
    return Error::invalid_request(
        "n must be between 1 and " + std::to_string(kMaxChoices) + ", got " + std::to_string(n),
        "n");
  }

  const std::uint64_t hash = hash_messages(request.messages);
  plan.id = "chatcmpl-mock-" + hex_id(hash);
  plan.created = unix_now();
  plan.first_byte_delay = script->first_byte_delay.value_or(options.first_byte_delay);
  plan.token_delay = script->token_delay.value_or(options.token_delay);
  plan.cut_after_tokens =
      script->cut_after_tokens ? script->cut_after_tokens : options.cut_after_tokens;

  auto calls = !script->tool_calls.empty() ? Result<std::vector<ToolCall>>(script->tool_calls)
               : parsed->steps.empty()     ? tool_calls_for(request)
                                           : Result<std::vector<ToolCall>>(std::vector<ToolCall>{});
  if (!calls) return calls.error();
  std::optional<std::string> schema_json;
  std::string summary;
  if (calls->empty()) {
    auto json = schema_answer(request);
    if (!json) return json.error();
    schema_json = std::move(*json);
    summary = tool_result_summary(request.messages);
  }
  const int wanted = std::max(0, script->tokens.value_or(options.completion_tokens));

  int produced = 0;
  for (int c = 0; c < n; ++c) {
    MockChoice& choice = plan.choices.emplace_back();
    if (script->reasoning) {
      choice.reasoning_tokens.assign(kReasoningWords.begin(), kReasoningWords.end());
    }
    produced += static_cast<int>(choice.reasoning_tokens.size());
    if (!calls->empty()) {
      choice.tool_calls = *calls;
      for (std::size_t i = 0; i < choice.tool_calls.size(); ++i) {
        choice.tool_calls[i].id = tool_call_id(c, i);
        produced += 1 + static_cast<int>(choice.tool_calls[i].arguments.size() + 3) / 4;
      }
      choice.finish_reason = FinishReason::kToolCalls;
      continue;
    }
    // Choice 0 keeps the hash of the conversation, so n does not change the first answer.
    std::uint64_t choice_hash = hash;
    if (c > 0) fnv_mix(choice_hash, std::to_string(c));
    choice.text_tokens =
        answer_tokens(request, summary, schema_json, choice_hash, wanted, choice.finish_reason);
    produced += static_cast<int>(choice.text_tokens.size());
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
