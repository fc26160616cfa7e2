// The OpenAI wire format as the gateway speaks it downstream, to its own clients (upstream_codec.h
// is the other side: the model servers the gateway calls). Request bodies parsed and validated
// into typed structs, typed results encoded into OpenAI-shaped JSON and SSE chunks.
//
//   auto parsed = parse_chat_request(body, limits);         // Result<ParsedChatRequest>
//   if (!parsed) return error_response(parsed.error());     // 400 naming the field
//   ChunkEncoder enc{"chatcmpl-abc", "llama3.3", 1731990317};
//   write(enc.encode(TextDelta{"Once"}));                   // "data: {...}\n\n"
//
// Parsing is strict about types and ranges (the seed's table): temperature 0..2, top_p 0..1,
// frequency/presence penalties -2..2, max_tokens >= 1 or -1, top_k >= 0 (LM Studio: -1/0 allowed),
// seed an integer, stop a string or an array of strings, stream a boolean, messages a non-empty
// array of objects with a known role. Every error is kInvalidRequest with `param` set to the field
// path ("messages[2].content", "temperature"). Unknown top-level fields go to settings.extra.
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>

#include "core/request_checks.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace roci::openai_wire {

struct RequestLimits {
  std::size_t max_depth = 64;  // JSON nesting
  std::size_t max_messages = checks::kMaxMessages;
  std::size_t max_string_bytes = 8u << 20;             // any one string
  int max_tokens_ceiling = checks::kMaxTokensCeiling;  // largest accepted max_tokens
  std::size_t max_stop_sequences = checks::kMaxStopSequences;
  std::size_t max_tools = 512;
};

struct ParsedChatRequest {
  ProviderRequest request;  // request.model is the client's `model` string as sent ("" if absent)
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

// Where a chat request parse puts what it read: the caller's own objects, so the request is built
// in place (no move of it on the way). `request` must be default-constructed.
struct ChatRequestSlots {
  ProviderRequest& request;
  bool& stream;
  bool& include_usage;

  ChatRequestSlots(ProviderRequest& r, bool& s, bool& u)
      : request(r), stream(s), include_usage(u) {}
  ChatRequestSlots(ParsedChatRequest& p)  // NOLINT(google-explicit-constructor): the usual slots
      : request(p.request), stream(p.stream), include_usage(p.include_usage) {}
};

// The common body shape is parsed by one strict scan (request_fast_path.h) that also sets
// request.client_body (the edit plan for forwarding the body itself, client_body.h: give it the
// body's bytes with keep_client_body); anything else by the full strict parse, with the same
// result and the same errors.
Result<ParsedChatRequest> parse_chat_request(std::string_view body, const RequestLimits& limits);
// The same into `out`: nullopt when the body was accepted, else the error (`out` then holds
// whatever the parse had reached).
std::optional<Error> parse_chat_request_into(std::string_view body, const RequestLimits& limits,
                                             ChatRequestSlots out);
Result<EmbeddingRequest> parse_embedding_request(std::string_view body,
                                                 const RequestLimits& limits);
Result<CompletionRequest> parse_completion_request(std::string_view body,
                                                   const RequestLimits& limits);

// POST /v1/models/{id}/load|unload: an empty body, or {"backend": "name"} (null: absent).
struct ModelLifecycleRequest {
  std::string backend;  // "" : the gateway picks
};
Result<ModelLifecycleRequest> parse_model_lifecycle_request(std::string_view body,
                                                            const RequestLimits& limits);
// {"id","object":"model.load"|"model.unload","status":"loaded"|"unloaded","already",
//  "backend"?,"instance_id"?,"duration_ms"}
std::string encode_model_lifecycle_result(const ModelLoadResult& result, bool load);

// {"id","object":"chat.completion","created","model","choices":[{"index":0,"message":{...},
//  "logprobs":null,"finish_reason"}, ...other_choices],"usage":{...},"system_fingerprint"?}
std::string encode_chat_completion(const GenerationResult& result, std::string_view id,
                                   std::string_view model, std::int64_t created);

// Encodes stream parts as complete SSE events ("data: <json>\n\n"), one choice per chunk with the
// part's `choice` as its index. The first chunk of each choice, whatever its part, carries
// delta.role = "assistant". A Finish gives the finish chunk (delta {}, finish_reason, one entry per
// choice when n > 1, and usage when the Finish has it); usage_chunk_into() appends the trailing
// `choices: []` chunk sent when the client asked for stream_options.include_usage.
class ChunkEncoder {
 public:
  ChunkEncoder(std::string_view id, std::string_view model, std::int64_t created);
  std::string encode(const StreamPart& part);  // TextDelta/ReasoningDelta/ToolCallDelta/Finish
  // The same event, appended to `out` (a caller batching events reuses one buffer).
  void encode_into(const StreamPart& part, std::string& out);
  void usage_chunk_into(const Usage& usage, std::string& out) const;  // appended to `out`
  static std::string_view done() { return "data: [DONE]\n\n"; }

 private:
  bool take_other_role(int choice);  // true the first time a choice other than 0 is encoded
  void encode_general_into(const StreamPart& part, std::string& out);  // any part

  // `"id":..,"object":"chat.completion.chunk","created":..,"model":..`: the members every chunk
  // opens with, encoded once per stream.
  std::string head_;
  // A plain delta (choice 0, after the role, text without logprobs: most of a stream) is
  // plain_prefix_, the escaped text, plain_suffix_: the bytes the general path writes for it.
  std::string plain_prefix_;
  std::string plain_suffix_;
  bool role_sent_ = false;             // choice 0
  std::vector<int> other_roles_sent_;  // n > 1: the other choices that had their role
};

// SSE error event for a failure after the headers: data: {"error":{...}}\n\n
std::string encode_sse_error(std::string_view message, std::string_view type,
                             std::string_view code);

// {"error":{"message","type","param","code"}} (param/code null when empty). When
// `available_models` is non-empty it is added as error.available_models.
std::string encode_error_body(std::string_view message, std::string_view type,
                              std::string_view param, std::string_view code,
                              const std::vector<std::string>& available_models = {});

// {"object":"list","data":[{"id","object":"model","created","owned_by", ...}]}; LM Studio details
// (type, state, max_context_length, loaded_context_length, capabilities) are added when known.
std::string encode_model_list(const std::vector<ModelInfo>& models);
std::string encode_model(const ModelInfo& model);

std::string encode_embedding_response(const EmbeddingResult& result);
std::string encode_completion_response(const CompletionResult& result);

// "chatcmpl-" followed by 24 random lowercase base-36 characters.
std::string new_completion_id(std::string_view prefix = "chatcmpl-");

}  // namespace roci::openai_wire
