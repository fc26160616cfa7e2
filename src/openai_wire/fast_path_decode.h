// The fast path of decode_chat_chunk and decode_chat_response for the shape that makes up almost
// every stream chunk and answer (LM Studio, OpenAI, llama.cpp):
//
//   {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",
//    "system_fingerprint":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},
//    "logprobs":null,"finish_reason":null}]}
//
// (`"message"` instead of `"delta"` in a chat.completion), plus usage (`"choices":[]` and
// `"usage":{...}` in a stream) and `reasoning_content` / `reasoning`. A hand-written scanner reads
// the payload once and records where each field's text is (spans into the payload, or into a
// scratch string for the strings that hold escapes); no JSON tree, no allocation per field.
//
// Contract: these answer only when they are sure to agree with the tree-based decoders, and decline
// (false / nullopt) for anything else: an unknown or duplicate key, a key with an escape, an
// unexpected type, tool calls, content parts, an error envelope, `stats` / `timings`, more than one
// choice or a choice whose index is not 0, a number that is not an integer in 0..INT64_MAX, a
// string with invalid UTF-8 or an escaped lone surrogate, invalid JSON. The callers then decode the
// payload the general way. The upstream_decode fuzz target checks the agreement on every input.
#pragma once

#include "openai_wire/upstream_codec.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roci::openai_wire::detail {

// What the scanner found in one payload of the common shape. The views point into the payload or
// into the scratch string given to scan_common_shape: valid while both are unchanged. An absent or
// null field is nullopt / "" / 0, as the tree decoders read it.
struct CommonShape {
  std::string_view id;
  std::string_view model;
  std::string_view system_fingerprint;
  std::int64_t created = 0;
  bool has_choice = false;   // "choices" held its one choice (index 0)
  bool has_message = false;  // that choice's "delta" (chunk) / "message" (answer) object
  std::optional<std::string_view> content;
  std::optional<std::string_view> reasoning_content;
  std::optional<std::string_view> reasoning;
  std::optional<std::string_view> finish_reason;
  std::string_view object;  // "chat.completion" / "chat.completion.chunk" (not checked by the scan)
  std::string_view role;    // the delta's / message's "role"
  bool has_usage = false;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  std::optional<int> total_tokens;
  // Which members each object held, by scope (root, choice, delta/message, usage): bits of
  // fast_path_decode.cc's key list, for answer_bytes_match_encoder.
  std::array<std::uint32_t, 4> members{};

  // Usage as decode_usage reads it (total = prompt + completion when absent), if "usage" was given.
  std::optional<Usage> usage() const;
  // reasoning_content wins over reasoning when it is a string, even an empty one.
  std::optional<std::string_view> reasoning_text() const {
    return reasoning_content ? reasoning_content : reasoning;
  }
};

enum class ShapeKind : std::uint8_t {
  kChunk,     // chat.completion.chunk: the choice holds "delta"
  kResponse,  // chat.completion: the choice holds "message"
};

// Scans `data`; true when it is of the common shape (then `out` describes it), false to decline.
// `scratch` receives the unescaped text of strings that hold escapes (cleared first; reserved to
// data.size() at most once per call, so views into it stay valid). A caller that scans many
// payloads keeps one scratch string: after the first escaped string it costs no allocation.
bool scan_common_shape(std::string_view data, ShapeKind kind, CommonShape& out,
                       std::string& scratch);

// scan_common_shape(kChunk) for the chunks of one stream, in order. Most chunks of a stream differ
// only in the text of the delta's "content": a chunk whose bytes equal, outside that string, those
// of the last chunk scanned in full (a plain text delta: content without escapes, no reasoning,
// finish_reason or usage) is read from that chunk's shape and its own content, without a scan of
// the rest. Same answers as scan_common_shape; views as there (into `data` or `scratch`).
class ChunkScanner {
 public:
  bool scan(std::string_view data, CommonShape& out, std::string& scratch);

 private:
  bool scan_like_template(std::string_view data, CommonShape& out, std::string& scratch) const;
  void keep_template(std::string_view data, const CommonShape& shape);

  std::string template_;           // the last plain text delta scanned in full; empty: none
  CommonShape shape_;              // its shape, views as offsets into template_ (rebased on use)
  std::size_t content_begin_ = 0;  // its content's first byte (after the opening quote)
  std::size_t content_end_ = 0;    // its content's closing quote
};

// True when `shape` (a kResponse scan) is an answer whose bytes hold exactly the members, with the
// same values, that encode_chat_completion writes for what decode_response_fast_path makes of it
// (given the answer's own id, model and created): the bytes may be forwarded instead of
// re-encoded. Whitespace, member order and how strings are escaped may differ; nothing else. So:
// id, model and a positive created present; object "chat.completion"; choice index 0, logprobs
// null, role
// "assistant", content a string, finish_reason one of to_string(FinishReason)'s names; reasoning
// only as a non-empty reasoning_content; usage with all three counts (each below INT_MAX); a
// system_fingerprint, if any, a non-empty string; no service_tier, obfuscation or refusal (which
// the encoder drops).
bool answer_bytes_match_encoder(const CommonShape& shape);

std::optional<DecodedChunk> decode_chunk_fast_path(std::string_view data);
// Fills `out`, which must be default-constructed (the caller's own result: nothing is moved on
// the way), and returns true; false when it declines, leaving `out` unspecified. `forward`, when
// given, holds `body`'s text: if answer_bytes_match_encoder, `out` takes it (moved) as
// wire_answer.
bool decode_response_fast_path(std::string_view body, GenerationResult& out,
                               std::string* forward = nullptr);

// The general, tree-based decoders (what the public ones do when the fast path declines).
Result<DecodedChunk> decode_chat_chunk_tree(std::string_view data, std::string_view upstream);
Result<GenerationResult> decode_chat_response_tree(std::string_view body,
                                                   std::string_view upstream);

}  // namespace roci::openai_wire::detail
