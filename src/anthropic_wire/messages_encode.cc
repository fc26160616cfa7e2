// Renderers of messages_codec.h: the message object, count_tokens, errors, ids.

#include <boost/json/parse.hpp>

#include "anthropic_wire/messages_codec.h"
#include "openai_wire/json_util.h"
#include "openai_wire/json_writer.h"

namespace roci::anthropic_wire {

using namespace openai_wire::json_literals;
using openai_wire::JsonWriter;

namespace {

// A tool call's `input`: its arguments as a JSON object ({} when empty); arguments that are not a
// JSON object (a model's malformed output) are passed on as the string they are.
void write_input(JsonWriter& w, std::string_view arguments) {
  if (arguments.empty()) {
    w.begin_object().end_object();
    return;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(arguments, ec);
  if (!ec && v.is_object()) {
    w.value(v);
  } else {
    w.string(arguments);
  }
}

}  // namespace

std::optional<std::string_view> matched_stop_sequence(std::string_view reason,
                                                      const MessageOptions& options) {
  if (reason != "stop_sequence" || options.stop_sequences.size() != 1) return std::nullopt;
  return options.stop_sequences.front();
}

std::string_view stop_reason(FinishReason reason, bool has_tool_calls,
                             const std::optional<ProviderStats>& stats) {
  if (has_tool_calls || reason == FinishReason::kToolCalls) return "tool_use";
  switch (reason) {
    case FinishReason::kLength:
      return "max_tokens";
    case FinishReason::kContentFilter:
      return "refusal";
    default:
      break;
  }
  if (stats && stats->stop_reason == "stopStringFound") return "stop_sequence";
  return "end_turn";
}

std::string encode_message(const GenerationResult& result, std::string_view id,
                           std::string_view model, const MessageOptions& options) {
  std::string out;
  out.reserve(256 + result.text.size() + result.reasoning.size());
  JsonWriter w(out);
  w.begin_object();
  w.key("id"_js).string(id);
  w.key("type"_js).string("message"_js);
  w.key("role"_js).string("assistant"_js);
  w.key("model"_js).string(model);
  w.key("content"_js).begin_array();
  if (options.emit_thinking && !result.reasoning.empty()) {
    w.begin_object();
    w.key("type"_js).string("thinking"_js);
    w.key("thinking"_js).string(result.reasoning);
    w.key("signature"_js).string(""_js);
    w.end_object();
  }
  if (!result.text.empty()) {
    w.begin_object();
    w.key("type"_js).string("text"_js);
    w.key("text"_js).string(result.text);
    w.end_object();
  }
  for (const auto& call : result.tool_calls) {
    w.begin_object();
    w.key("type"_js).string("tool_use"_js);
    w.key("id"_js).string(call.id.empty() ? new_tool_use_id() : call.id);
    w.key("name"_js).string(call.name);
    w.key("input"_js);
    write_input(w, call.arguments);
    w.end_object();
  }
  w.end_array();
  const std::string_view reason =
      stop_reason(result.finish_reason, !result.tool_calls.empty(), result.stats);
  w.key("stop_reason"_js).string(reason);
  if (const auto stop = matched_stop_sequence(reason, options)) {
    w.key("stop_sequence"_js).string(*stop);
  } else {
    w.key("stop_sequence"_js).null();
  }
  const Usage usage = result.usage.value_or(Usage{});
  w.key("usage"_js).begin_object();
  w.key("input_tokens"_js).integer(usage.prompt_tokens);
  w.key("output_tokens"_js).integer(usage.completion_tokens);
  w.end_object();
  w.end_object();
  return out;
}

std::string encode_count_tokens(int input_tokens) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("input_tokens"_js).integer(input_tokens).end_object();
  return out;
}

std::string_view error_type(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      break;
  }
  return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
}

std::string encode_error_body(std::string_view type, std::string_view message) {
  std::string out;
  out.reserve(64 + message.size());
  JsonWriter w(out);
  w.begin_object();
  w.key("type"_js).string("error"_js);
  w.key("error"_js).begin_object();
  w.key("type"_js).string(type);
  w.key("message"_js).string(message);
  w.end_object();
  w.end_object();
  return out;
}

std::string encode_error_event(std::string_view type, std::string_view message) {
  return "event: error\ndata: " + encode_error_body(type, message) + "\n\n";
}

std::string new_message_id() { return openai_wire::new_completion_id("msg_"); }
std::string new_tool_use_id() { return openai_wire::new_completion_id("toolu_"); }

}  // namespace roci::anthropic_wire
