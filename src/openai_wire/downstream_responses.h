// OpenAI's Responses API (POST /v1/responses) as the gateway speaks it downstream: the request
// body parsed into the chat model every provider speaks, and answers written back as response
// objects and the Responses stream's typed events. No I/O; JSON only through JsonWriter.
//
//   auto parsed = parse_responses_request(body, limits);    // Result<ResponsesRequest>
//   ResponseHead head{.id = new_completion_id("resp_"), .model = "qwen3-8b", .created_at = now,
//                     .echo = parsed->echo};
//   std::string body = encode_response(head, result);         // {"id":"resp_…","object":…}
//   ResponsesEventEncoder events(head);
//   write(events.open());                   // response.created, response.in_progress
//   write(events.encode(TextDelta{"Hi"}));  // output_item.added, content_part.added, .delta
//   write(events.finish(finish));           // … .done events, response.completed
//
// Parsing is strict (types, ranges, RequestLimits; errors are kInvalidRequest naming the field,
// "input[2].content[0].image_url"): `input` a string or a list of items (messages with
// input_text / input_image / output_text parts, function_call, function_call_output; reasoning
// items are skipped), `instructions`, `max_output_tokens`, `temperature`, `top_p`, function
// `tools` and `tool_choice`, `text.format` (text / json_object / json_schema), `reasoning`
// (its effort forwarded as `reasoning_effort`), `metadata`, `store`, `previous_response_id`,
// `parallel_tool_calls`, `user`. OpenAI-platform fields with no meaning here (include,
// truncation, service_tier, prompt_cache_key, safety_identifier, stream_options, max_tool_calls,
// top_logprobs) are accepted and dropped; features the gateway cannot serve (background,
// conversation, prompt, non-function tools, input_file) are a 400; any other field is a provider
// extension forwarded in settings.extra (ttl, top_k, min_p, ...), as the chat parser does.
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openai_wire/downstream_codec.h"

namespace roci::openai_wire {

struct ResponsesRequest {
  // messages: the `input` items only (instructions apart; the conversation of a previous response
  // is the caller's to prepend). model: the client's string ("" if absent).
  ProviderRequest request;
  std::optional<std::string> instructions;
  bool stream = false;
  bool store = true;  // OpenAI's default
  std::string previous_response_id;
  // The request's members every response object repeats (instructions, max_output_tokens,
  // metadata, parallel_tool_calls, previous_response_id, reasoning, store, temperature, text,
  // tool_choice, tools, top_p, truncation, user), encoded once as JSON members (no braces).
  std::string echo;
};

Result<ResponsesRequest> parse_responses_request(std::string_view body,
                                                 const RequestLimits& limits);

// What every rendering of one response shares.
struct ResponseHead {
  std::string id;  // "resp_…"
  std::string model;
  std::int64_t created_at = 0;
  std::string echo;  // ResponsesRequest::echo
};

// One output item of a response, in output order.
struct ResponseOutputItem {
  enum class Type { kReasoning, kMessage, kFunctionCall };
  Type type = Type::kMessage;
  std::string id;         // rs_…, msg_…, fc_…
  std::string text;       // reasoning text, message text, or the call's arguments
  std::string call_id;    // kFunctionCall
  std::string name;       // kFunctionCall
  bool completed = true;  // status "completed", else "incomplete"
};

// The output items of a complete answer: reasoning (when any), the message (when it has text or
// there are no tool calls), one function_call per tool call.
std::vector<ResponseOutputItem> response_output(const GenerationResult& result);

// The conversation turns a response's output adds (assistant text, tool calls), for
// previous_response_id.
std::vector<ModelMessage> output_messages(const std::vector<ResponseOutputItem>& output);

// The final state of a response: "completed", or "incomplete" with the reason (finish length:
// "max_output_tokens"; content_filter: "content_filter").
struct ResponseOutcome {
  std::string_view status = "completed";
  std::string_view incomplete_reason;  // "" when complete
};
ResponseOutcome response_outcome(FinishReason reason);

// The response object: {"id","object":"response","created_at","status","completed_at","error",
// "incomplete_details","model","output":[…],"usage":{input_tokens,…}, …echo}.
std::string encode_response(const ResponseHead& head, const std::vector<ResponseOutputItem>& output,
                            const ResponseOutcome& outcome, const std::optional<Usage>& usage,
                            std::int64_t completed_at);

// {"id","object":"response","deleted":true}
std::string encode_response_deleted(std::string_view id);

// The Responses stream of one answer, as complete SSE events ("event: <type>\ndata: {…}\n\n"),
// each with its sequence_number (from 0). Output items open as their first part arrives (a part of
// another kind, or another tool call, closes the open one with its .done events) and close at the
// end. No [DONE]: the stream ends after response.completed / .incomplete / .failed.
class ResponsesEventEncoder {
 public:
  explicit ResponsesEventEncoder(ResponseHead head);
  // response.created, response.in_progress.
  std::string open();
  // TextDelta, ReasoningDelta or ToolCallDelta of choice 0 (other choices are not part of a
  // response); Finish is finish()'s.
  std::string encode(const StreamPart& part);
  // Closes the open item; response.completed, or response.incomplete with the reason.
  std::string finish(const Finish& finish);
  // response.failed with error {code, message}; the open item is left as it was.
  std::string fail(std::string_view code, std::string_view message);

  const ResponseHead& head() const { return head_; }
  const std::vector<ResponseOutputItem>& output() const { return output_; }
  // The response object of the last terminal event (finish()), "" before.
  const std::string& final_response() const { return final_; }

 private:
  void event(std::string& out, std::string_view type, const std::string& json_members);
  std::string response_event(std::string_view type, std::string_view status,
                             std::string_view incomplete_reason, const std::optional<Usage>& usage,
                             std::string_view error_code, std::string_view error_message);
  // Appends `item` (its id made here) and its .added events.
  ResponseOutputItem& open_item(std::string& out, ResponseOutputItem item);
  void close_item(std::string& out);

  ResponseHead head_;
  std::vector<ResponseOutputItem> output_;
  bool item_open_ = false;
  int open_tool_index_ = -1;  // the ToolCallDelta::index of the open function_call item
  std::int64_t sequence_ = 0;
  std::string final_;
};

}  // namespace roci::openai_wire
