// The Anthropic Messages API (POST /v1/messages, /v1/messages/count_tokens) as the gateway speaks
// it to its clients: request bodies parsed into the typed ProviderRequest every provider takes,
// and GenerationResult / StreamPart rendered back as Anthropic's message object, stream events and
// error envelope. Pure functions, no I/O; JSON is written only through openai_wire::JsonWriter.
//
//   auto parsed = parse_messages_request(body, limits);     // Result<ParsedMessagesRequest>
//   if (!parsed) return reply(error_type(400), parsed.error().message);
//   MessageStreamEncoder enc{new_message_id(), model, parsed->options};
//   write(enc.begin());                                     // event: message_start ...
//   write(enc.encode(TextDelta{"Hi"}));                     // content_block_start, ping, delta
//   write(enc.encode(Finish{...}));                         // block stop, message_delta, stop
//
// Parsing is strict about the fields it reads: `model` (string), `max_tokens` (required, an
// integer 1..max_tokens_ceiling), `system` (a string or text blocks), `messages` (a non-empty array
// of user / assistant turns whose content is a string or text / image / tool_use / tool_result /
// thinking blocks), `tools` (custom tools with an `input_schema` object), `tool_choice` (auto, any,
// tool + name, none; disable_parallel_tool_use), `stop_sequences`, `temperature` (0..1), `top_p`
// (0..1), `top_k` (>= 0), `metadata.user_id`, `thinking` (enabled + budget_tokens, disabled,
// adaptive), `stream`. Every error is kInvalidRequest naming the field ("messages[1].content[0]
// .tool_use_id"). Anthropic-only fields that no provider understands (cache_control, container,
// service_tier, output_config, ...) are accepted and ignored, so Claude Code's requests pass.
//
// Mapping into ProviderRequest: `system` becomes a leading system message; an assistant turn's
// text blocks its content and its tool_use blocks its tool_calls (input as JSON text); a user
// turn's tool_result blocks become tool messages (placed first, in order, as the OpenAI protocol
// wants them right after the calls) and its other blocks one user message; images become image
// parts (base64 sources as data: URLs); thinking blocks of past turns are dropped.
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openai_wire/downstream_codec.h"

namespace roci::anthropic_wire {

using openai_wire::RequestLimits;

// What the renderers need to know about the request.
struct MessageOptions {
  bool emit_thinking = true;  // false for thinking {"type":"disabled"}: reasoning is dropped
  // The request's stop_sequences: with exactly one, a stop the upstream reports as a stop string
  // names it in `stop_sequence`.
  std::vector<std::string> stop_sequences;
};

struct ParsedMessagesRequest {
  ProviderRequest request;  // request.model is the client's `model` as sent
  bool stream = false;
  MessageOptions options;
};

// POST /v1/messages.
Result<ParsedMessagesRequest> parse_messages_request(std::string_view body,
                                                     const RequestLimits& limits);
// POST /v1/messages/count_tokens: the same body without max_tokens (and without stream).
Result<ParsedMessagesRequest> parse_count_tokens_request(std::string_view body,
                                                         const RequestLimits& limits);

// {"id","type":"message","role":"assistant","model","content":[thinking?, text?, tool_use...],
//  "stop_reason","stop_sequence","usage":{"input_tokens","output_tokens"}}
std::string encode_message(const GenerationResult& result, std::string_view id,
                           std::string_view model, const MessageOptions& options);

// {"input_tokens": n}
std::string encode_count_tokens(int input_tokens);

// Anthropic's stop_reason for how a generation ended: end_turn, max_tokens, stop_sequence
// (LM Studio's stats say a stop string ended it), tool_use (tool calls were made), refusal.
std::string_view stop_reason(FinishReason reason, bool has_tool_calls,
                             const std::optional<ProviderStats>& stats);

// The stream as Anthropic's typed SSE events (`event: <type>\ndata: <json>\n\n`). begin() gives
// message_start; encode() turns each part into the events it implies: a content block is opened
// (content_block_start; a ping after the first) when the kind of part changes (text, thinking, a
// tool call of another index) and the previous one is closed (content_block_stop); text_delta,
// thinking_delta, input_json_delta carry the payload. A Finish closes the open block and gives
// message_delta (stop_reason, stop_sequence, usage) and message_stop. Parts of choices other than
// 0 are dropped (Messages has one choice). encode() before begin() includes message_start.
class MessageStreamEncoder {
 public:
  MessageStreamEncoder(std::string id, std::string model, MessageOptions options);
  std::string begin();
  std::string encode(const StreamPart& part);

 private:
  enum class Block { kNone, kText, kThinking, kTool };
  void open(std::string& out, Block kind, const ToolCallDelta* call);
  void close(std::string& out);

  std::string id_;
  std::string model_;
  MessageOptions options_;
  bool started_ = false;
  bool pinged_ = false;
  bool saw_tool_ = false;
  Block block_ = Block::kNone;
  int block_index_ = -1;  // the open (or last) block's index
  int tool_index_ = -1;   // the upstream tool-call index of the open tool_use block
};

// The stop_sequence to report with `reason`: the request's one stop string when `reason` is
// "stop_sequence" and the request had exactly one; otherwise none (null on the wire).
std::optional<std::string_view> matched_stop_sequence(std::string_view reason,
                                                      const MessageOptions& options);

// Anthropic's error `type` for an HTTP status the gateway chose (server::to_http_error):
// 400, 405, 415, 431 invalid_request_error; 401 authentication_error; 403 permission_error;
// 404 not_found_error; 413 request_too_large; 429 rate_limit_error; 503, 529 overloaded_error;
// any other (500, 502, 504) api_error.
std::string_view error_type(int status);

// {"type":"error","error":{"type","message"}}
std::string encode_error_body(std::string_view type, std::string_view message);
// The same body as an SSE `error` event, for a failure after the headers.
std::string encode_error_event(std::string_view type, std::string_view message);

// "msg_" followed by 24 random base-36 characters; tool-use ids "toolu_...".
std::string new_message_id();
std::string new_tool_use_id();

}  // namespace roci::anthropic_wire
