// Rendering of the fakes' answers per dialect: whole bodies and SSE event lists (fake_chat.h).
#include <boost/json/serialize.hpp>
#include <cmath>

#include "support/fake_chat.h"

namespace roci::testing::detail {
namespace json = boost::json;
namespace {

json::object usage_of(const ChatPlan& plan, Dialect dialect) {
  json::object usage{{"prompt_tokens", plan.prompt_tokens},
                     {"completion_tokens", plan.completion_tokens},
                     {"total_tokens", plan.prompt_tokens + plan.completion_tokens}};
  if (dialect == Dialect::kOpenAi) {
    usage["prompt_tokens_details"] = {{"cached_tokens", 0}, {"audio_tokens", 0}};
    usage["completion_tokens_details"] = {{"reasoning_tokens", 0},
                                          {"audio_tokens", 0},
                                          {"accepted_prediction_tokens", 0},
                                          {"rejected_prediction_tokens", 0}};
  }
  return usage;
}

json::object timings_of(const ChatPlan& plan) {
  return {{"cache_n", 0},
          {"prompt_n", plan.prompt_tokens},
          {"prompt_ms", 12.5},
          {"prompt_per_second", 800.0},
          {"predicted_n", plan.completion_tokens},
          {"predicted_ms", 20.0 * plan.completion_tokens},
          {"predicted_per_second", 50.0}};
}

std::string_view stop_reason_of(std::string_view finish_reason) {
  if (finish_reason == "length") return "maxPredictedTokensReached";
  if (finish_reason == "tool_calls") return "toolCalls";
  return "eosFound";
}

void add_v0_blocks(json::object& body, const ChatPlan& plan) {
  body["stats"] = {{"tokens_per_second", 51.43},
                   {"time_to_first_token", 0.111},
                   {"generation_time", 0.954},
                   {"stop_reason", stop_reason_of(plan.finish_reason)}};
  body["model_info"] = {{"arch", plan.arch},
                        {"quant", plan.quantization},
                        {"format", "gguf"},
                        {"context_length", plan.context_length}};
  body["runtime"] = {{"name", "llama.cpp-linux-x86_64-avx2"},
                     {"version", "1.3.0"},
                     {"supported_formats", json::array{"gguf"}}};
}

json::array tool_calls_of(const ChatPlan& plan) {
  json::array calls;
  for (const auto& call : plan.tool_calls) {
    calls.push_back(
        json::object{{"id", call.id},
                     {"type", "function"},
                     {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
  }
  return calls;
}

// One streamed chunk in the dialect's key order.
json::object chunk(const ChatPlan& plan, Dialect dialect, std::string_view object,
                   json::value choice_or_null, bool with_usage_null) {
  json::array choices;
  if (!choice_or_null.is_null()) choices.push_back(std::move(choice_or_null));
  if (dialect == Dialect::kLlamaCpp) {
    return {{"choices", std::move(choices)},
            {"created", plan.created},
            {"id", plan.id},
            {"model", plan.model},
            {"system_fingerprint", plan.system_fingerprint},
            {"object", object}};
  }
  json::object out{
      {"id", plan.id}, {"object", object}, {"created", plan.created}, {"model", plan.model}};
  if (dialect == Dialect::kOpenAi) out["service_tier"] = "default";
  out["system_fingerprint"] = plan.system_fingerprint;
  out["choices"] = std::move(choices);
  if (with_usage_null) out["usage"] = nullptr;
  return out;
}

json::object choice_of(Dialect dialect, json::object delta, json::value finish) {
  if (dialect == Dialect::kLlamaCpp) {
    return {{"finish_reason", std::move(finish)}, {"index", 0}, {"delta", std::move(delta)}};
  }
  return {{"index", 0},
          {"delta", std::move(delta)},
          {"logprobs", nullptr},
          {"finish_reason", std::move(finish)}};
}

std::string_view done_event(Dialect dialect) {
  // llama-server may end without the blank line (darshi1337/apogee PR#139).
  return dialect == Dialect::kLlamaCpp ? "data: [DONE]\n" : "data: [DONE]\n\n";
}

}  // namespace

std::string render_chat(const ChatPlan& plan, Dialect dialect) {
  json::object message{{"role", "assistant"}};
  const bool calls = !plan.tool_calls.empty();
  if (dialect == Dialect::kOpenAi || dialect == Dialect::kLlamaCpp) {
    message["content"] = calls ? json::value(nullptr) : json::value(join_tokens(plan.tokens));
  } else if (!calls) {  // LM Studio: no content key at all with tool calls
    message["content"] = join_tokens(plan.tokens);
  }
  if (!plan.reasoning.empty()) message[plan.reasoning_field] = join_tokens(plan.reasoning);
  if (calls) message["tool_calls"] = tool_calls_of(plan);
  if (dialect == Dialect::kOpenAi) {
    message["refusal"] = nullptr;
    message["annotations"] = json::array();
  }
  if (dialect == Dialect::kLlamaCpp) {
    json::object choice{
        {"finish_reason", plan.finish_reason}, {"index", 0}, {"message", std::move(message)}};
    json::object body{{"choices", json::array{std::move(choice)}},
                      {"created", plan.created},
                      {"model", plan.model},
                      {"system_fingerprint", plan.system_fingerprint},
                      {"object", "chat.completion"},
                      {"usage", usage_of(plan, dialect)},
                      {"id", plan.id},
                      {"timings", timings_of(plan)}};
    return json_text(body);
  }
  json::object choice;
  if (dialect == Dialect::kOpenAi) {
    choice = {{"index", 0},
              {"message", std::move(message)},
              {"logprobs", nullptr},
              {"finish_reason", plan.finish_reason}};
  } else {
    choice = {{"index", 0},
              {"logprobs", nullptr},
              {"finish_reason", plan.finish_reason},
              {"message", std::move(message)}};
  }
  json::object body{{"id", plan.id},
                    {"object", "chat.completion"},
                    {"created", plan.created},
                    {"model", plan.model},
                    {"choices", json::array{std::move(choice)}},
                    {"usage", usage_of(plan, dialect)}};
  if (dialect == Dialect::kOpenAi) body["service_tier"] = "default";
  body["system_fingerprint"] = plan.system_fingerprint;
  if (dialect == Dialect::kLmStudioV0) add_v0_blocks(body, plan);
  return json_text(body);
}

std::vector<SseEvent> render_chat_stream(const ChatPlan& plan, Dialect dialect) {
  std::vector<SseEvent> events;
  const bool usage_null = dialect == Dialect::kOpenAi && plan.include_usage;
  auto emit = [&](json::object delta, json::value finish = nullptr) {
    auto body = chunk(plan, dialect, "chat.completion.chunk",
                      choice_of(dialect, std::move(delta), std::move(finish)), usage_null);
    events.push_back({sse_data(body), true, true});
  };
  bool first = true;
  // LM Studio puts the role on the first chunk that carries something; OpenAI and llama.cpp
  // open with a chunk of their own.
  auto delta = [&]() {
    json::object d;
    if (first && (dialect == Dialect::kLmStudio || dialect == Dialect::kLmStudioV0)) {
      d["role"] = "assistant";
    }
    first = false;
    return d;
  };
  if (dialect == Dialect::kOpenAi && plan.tool_calls.empty()) {
    emit({{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}});
    first = false;
  } else if (dialect == Dialect::kLlamaCpp) {
    emit({{"role", "assistant"}, {"content", nullptr}});
    first = false;
  }
  for (const auto& token : plan.reasoning) {
    auto d = delta();
    d[plan.reasoning_field] = token;
    emit(std::move(d));
  }
  for (const auto& token : plan.tokens) {
    auto d = delta();
    d["content"] = token;
    emit(std::move(d));
  }
  for (std::size_t i = 0; i < plan.tool_calls.size(); ++i) {
    const auto& call = plan.tool_calls[i];
    json::object d;
    const bool openai_first = dialect == Dialect::kOpenAi && first;
    if (openai_first) {
      d = {{"role", "assistant"}, {"content", nullptr}};
      first = false;
    } else {
      d = delta();
    }
    d["tool_calls"] =
        json::array{json::object{{"index", i},
                                 {"id", call.id},
                                 {"type", "function"},
                                 {"function", {{"name", call.name}, {"arguments", ""}}}}};
    if (openai_first) d["refusal"] = nullptr;
    emit(std::move(d));
    for (const auto& piece : argument_pieces(call.arguments)) {
      emit({{"tool_calls",
             json::array{json::object{{"index", i}, {"function", {{"arguments", piece}}}}}}});
    }
  }
  auto final_chunk = chunk(plan, dialect, "chat.completion.chunk",
                           choice_of(dialect, {}, json::value(plan.finish_reason)), usage_null);
  if (dialect == Dialect::kLlamaCpp) final_chunk["timings"] = timings_of(plan);
  events.push_back({sse_data(final_chunk), true, true});
  if (plan.include_usage && dialect != Dialect::kLmStudioV0) {  // v0 streams carry no usage
    auto usage_chunk = chunk(plan, dialect, "chat.completion.chunk", nullptr, false);
    usage_chunk["usage"] = usage_of(plan, dialect);
    events.push_back({sse_data(usage_chunk), true, false});
  }
  events.push_back({std::string(done_event(dialect)), true, false});
  return events;
}

std::string render_completion(const ChatPlan& plan, Dialect dialect) {
  json::object choice{{"index", 0},
                      {"text", join_tokens(plan.tokens)},
                      {"logprobs", nullptr},
                      {"finish_reason", plan.finish_reason}};
  json::object body{{"id", plan.id},
                    {"object", "text_completion"},
                    {"created", plan.created},
                    {"model", plan.model},
                    {"choices", json::array{std::move(choice)}},
                    {"usage", usage_of(plan, dialect)}};
  if (dialect != Dialect::kOpenAi) body["system_fingerprint"] = plan.system_fingerprint;
  if (dialect == Dialect::kLmStudioV0) add_v0_blocks(body, plan);
  if (dialect == Dialect::kLlamaCpp) body["timings"] = timings_of(plan);
  return json_text(body);
}

std::vector<SseEvent> render_completion_stream(const ChatPlan& plan, Dialect dialect) {
  std::vector<SseEvent> events;
  auto emit = [&](std::string text, json::value finish, bool paced) {
    json::object choice{
        {"index", 0}, {"text", std::move(text)}, {"logprobs", nullptr}, {"finish_reason", finish}};
    json::object body{{"id", plan.id},
                      {"object", "text_completion"},
                      {"created", plan.created},
                      {"model", plan.model},
                      {"choices", json::array{std::move(choice)}}};
    if (dialect != Dialect::kOpenAi) body["system_fingerprint"] = plan.system_fingerprint;
    events.push_back({sse_data(body), true, paced});
  };
  for (const auto& token : plan.tokens) emit(token, nullptr, true);
  emit("", json::value(plan.finish_reason), true);
  if (plan.include_usage && dialect != Dialect::kLmStudioV0) {
    json::object body{
        {"id", plan.id},       {"object", "text_completion"}, {"created", plan.created},
        {"model", plan.model}, {"choices", json::array()},    {"usage", usage_of(plan, dialect)}};
    events.push_back({sse_data(body), true, false});
  }
  events.push_back({std::string(done_event(dialect)), true, false});
  return events;
}

namespace {

bool wants_stream(const json::object& request) {
  const auto* stream = request.if_contains("stream");
  return stream && stream->is_bool() && stream->get_bool();
}

std::string_view stream_type(Dialect dialect) {
  return dialect == Dialect::kOpenAi ? "text/event-stream; charset=utf-8" : "text/event-stream";
}

}  // namespace

Reply chat_reply(const json::object& request, const ChatPlan& plan, Dialect dialect) {
  Reply reply;
  if (wants_stream(request)) {
    reply.stream = true;
    reply.content_type = std::string(stream_type(dialect));
    reply.events = render_chat_stream(plan, dialect);
  } else {
    reply.body = render_chat(plan, dialect);
    reply.generated_tokens = plan.completion_tokens;
  }
  return reply;
}

Reply completion_reply(const json::object& request, const ChatPlan& plan, Dialect dialect) {
  Reply reply;
  if (wants_stream(request)) {
    reply.stream = true;
    reply.content_type = std::string(stream_type(dialect));
    reply.events = render_completion_stream(plan, dialect);
  } else {
    reply.body = render_completion(plan, dialect);
    reply.generated_tokens = plan.completion_tokens;
  }
  return reply;
}

std::vector<std::vector<double>> embed(const json::value& input, int dims) {
  std::vector<std::string> texts;
  if (input.is_string()) texts.emplace_back(input.get_string());
  if (input.is_array()) {
    for (const auto& item : input.get_array()) {
      texts.push_back(item.is_string() ? std::string(item.get_string()) : json_text(item));
    }
  }
  std::vector<std::vector<double>> vectors;
  for (const auto& text : texts) {
    std::vector<double> vector;
    double norm = 0;
    for (int d = 0; d < std::max(1, dims); ++d) {
      std::uint64_t hash = 1469598103934665603ull ^ static_cast<std::uint64_t>(d + 1) * 7919;
      for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
      const double x = static_cast<double>(hash % 2001) / 1000.0 - 1.0;
      vector.push_back(x);
      norm += x * x;
    }
    norm = norm > 0 ? std::sqrt(norm) : 1.0;
    for (auto& x : vector) x = std::round(x / norm * 1e6) / 1e6;
    vectors.push_back(std::move(vector));
  }
  return vectors;
}

}  // namespace roci::testing::detail
