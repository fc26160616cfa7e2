// The OpenAI wire format as a client speaks it to an upstream (LM Studio, OpenAI, llama.cpp):
// requests encoded from typed structs, responses and stream chunks decoded into typed structs.
//
// Decoders are total: any input gives a value or an Error (kUpstreamError, "malformed ... from
// <upstream>") and never throws or crashes. A body whose top-level `error` is a string or an object
// decodes to the Error it describes (LM Studio answers some errors with HTTP 200).
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roci::openai_wire {

// How one upstream family differs from OpenAI on the request side.
struct UpstreamDialect {
  // LM Studio rejects response_format json_object: send {"type":"json_schema","json_schema":
  // {"name":"json_object","schema":{"type":"object"}}} instead.
  bool json_object_as_schema = false;
  // LM Studio (and most local servers) have no `developer` role: send it as `system`.
  bool developer_as_system = false;
};

// Encode /chat/completions, /embeddings and /completions bodies. The model is request.model,
// written exactly as given (no "model" member when it is empty: choosing a default is the
// provider's job, see roci/provider/provider.h). For streams, `stream_options.include_usage: true`
// is always requested (the only way to get usage from LM Studio). The extensions in
// settings.extra (EmbeddingRequest::extra) are merged at top level; keys that the typed fields
// already set are not overwritten; the key "mock" is never forwarded.
//
// A request that carries the client's body (request.client_body, set by parse_chat_request for the
// common shape) is sent as those bytes with only the model, stream, stream_options and the added
// defaults edited, when the typed fields still say what the body says and the dialect changes
// nothing in it (client_body.h); the meaning is that of the typed encoding, the client's own
// numbers and unknown-free members kept byte for byte. The rvalue form takes the body's text
// instead of copying it when the request is its only holder.
std::string encode_chat_request(const ProviderRequest& request, bool stream,
                                const UpstreamDialect& dialect);
std::string encode_chat_request(ProviderRequest&& request, bool stream,
                                const UpstreamDialect& dialect);
std::string encode_embedding_request(const EmbeddingRequest& request);
std::string encode_completion_request(const CompletionRequest& request);

// Non-streaming chat.completion body -> GenerationResult. Reads message.content (string or null),
// reasoning_content / reasoning, tool_calls (numeric ids kept as strings), finish_reason, usage,
// model, id, created, system_fingerprint, and LM Studio `stats` or llama.cpp `timings`. The choice
// with index 0 (else the first) is the result; the others (n > 1) go to other_choices.
Result<GenerationResult> decode_chat_response(std::string_view body, std::string_view upstream);

// One decoded chat.completion.chunk. Each choice's "index" (else its position) is the `choice` of
// its parts; n > 1 streams interleave choices, usually one per chunk.
struct DecodedChunk {
  StreamInfo info;                // id/model/created/system_fingerprint as present in the chunk
  std::vector<StreamPart> parts;  // TextDelta / ReasoningDelta / ToolCallDelta, in order
  std::optional<FinishReason> finish_reason;  // choice 0's
  std::vector<ChoiceFinish> other_finishes;   // other choices that finished in this chunk
  std::optional<Usage> usage;          // on the finish chunk or the trailing `choices: []` chunk
  std::optional<ProviderStats> stats;  // llama.cpp `timings` on the last chunk
};
// `data` is one SSE data payload other than "[DONE]". An `{"error": ...}` payload is an Error.
Result<DecodedChunk> decode_chat_chunk(std::string_view data, std::string_view upstream);

// /v1/models ({"data":[{"id",...}]}) and LM Studio's /api/v0/models (type, state, context lengths).
Result<std::vector<ModelInfo>> decode_model_list(std::string_view body, std::string_view upstream);
// LM Studio's POST /api/v1/models/load ({"instance_id":..}) or /unload, llama.cpp router's POST
// /models/load|unload ({"success":true}): instance_id (else "") and model; {"success":false} is an
// error.
Result<ModelLoadResult> decode_model_load(std::string_view body, std::string_view upstream);
// The body of those requests: {"<field>":"<id>"} (LM Studio load: model, unload: instance_id;
// llama.cpp: model).
std::string encode_model_action(std::string_view field, std::string_view id);
// LM Studio's GET /lmstudio-greeting: true only for a JSON object whose "lmstudio" is true.
// Anything else (not JSON, an error envelope, another server's answer) is false: an old LM Studio
// answers 200 to every path, so the status alone proves nothing.
bool decode_lmstudio_greeting(std::string_view body);
// llama-server's GET /health: true only for a JSON object whose "status" is "ok" (its model is
// loaded); a 503 "Loading model" envelope or anything else is false.
bool decode_llamacpp_health(std::string_view body);
Result<EmbeddingResult> decode_embedding_response(std::string_view body, std::string_view upstream);

// llama-server's token counting (llamacpp_tokenize.cc): POST /apply-template takes the chat
// request body (encode_chat_request) and answers {"prompt": "<the templated prompt>"}; POST
// /tokenize takes encode_tokenize_request(prompt) (special tokens in the text parsed as such, none
// added: the template wrote them) and answers {"tokens": [...]}.
Result<std::string> decode_applied_template(std::string_view body, std::string_view upstream);
std::string encode_tokenize_request(std::string_view content);
Result<int> decode_token_count(std::string_view body, std::string_view upstream);
Result<CompletionResult> decode_completion_response(std::string_view body,
                                                    std::string_view upstream);

// Turns an upstream error (non-2xx, or 2xx with an error body) into an Error with the right kind:
// 404 / code model_not_found / "No models loaded" -> kModelNotFound (available models parsed from
// LM Studio's "Your models:" list); 400/422 -> kInvalidRequest; 401/403 -> kUpstreamError (our
// credentials); 408 -> kTimeout; 413 -> kInvalidRequest; 429 -> kRateLimited; 5xx -> kUpstreamError
// with upstream_status. Accepts the three LM Studio envelopes, llama.cpp's and OpenAI's, and
// non-JSON bodies. The message names the upstream: "LM Studio returned 404: Model ... not found".
Error classify_upstream_error(int status, std::string_view body, std::string_view upstream);

// If `body` is a JSON object whose top-level `error` is a string or an object, the Error it means.
std::optional<Error> detect_error_body(int status, std::string_view body,
                                       std::string_view upstream);

}  // namespace roci::openai_wire
