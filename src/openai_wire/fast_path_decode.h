// The fast path of decode_chat_chunk and decode_chat_response for the shape that makes up almost
// every stream chunk and answer (LM Studio, OpenAI, llama.cpp):
//
//   {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",
//    "system_fingerprint":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},
//    "logprobs":null,"finish_reason":null}]}
//
// (`"message"` instead of `"delta"` in a chat.completion), plus usage (`"choices":[]` and
// `"usage":{...}` in a stream) and `reasoning_content` / `reasoning`. Boost.JSON's SAX parser
// reads the payload straight into the result, without building a JSON tree.
//
// Contract: these answer only when they are sure to agree with the tree-based decoders, and return
// nullopt for anything else: an unknown or duplicate key, an unexpected type, tool calls, content
// parts, an error envelope, `stats` / `timings`, more than one choice or a choice whose index is
// not 0, a number that is not a plain integer, invalid JSON. The callers then decode the payload
// the general way. The upstream_decode fuzz target checks the agreement on every input.
#pragma once

#include "openai_wire/upstream_codec.h"

#include <optional>
#include <string_view>

namespace roci::openai_wire::detail {

std::optional<DecodedChunk> decode_chunk_fast_path(std::string_view data);
std::optional<GenerationResult> decode_response_fast_path(std::string_view body);

// The general, tree-based decoders (what the public ones do when the fast path declines).
Result<DecodedChunk> decode_chat_chunk_tree(std::string_view data, std::string_view upstream);
Result<GenerationResult> decode_chat_response_tree(std::string_view body,
                                                   std::string_view upstream);

}  // namespace roci::openai_wire::detail
