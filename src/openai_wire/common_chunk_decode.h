// decode_common_chunk: the fast path of decode_chat_chunk for the chunk shape that makes up almost
// every stream (LM Studio, OpenAI, llama.cpp):
//
//   {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",
//    "system_fingerprint":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},
//    "logprobs":null,"finish_reason":null}]}
//
// plus the usage chunk (`"choices":[]`, `"usage":{...}`) and `reasoning_content` / `reasoning`
// deltas. It reads the payload with Boost.JSON's SAX parser straight into a DecodedChunk, without
// building a JSON tree (a third of the instructions per chunk).
//
// Contract: it answers only when it is sure to agree with the tree-based decoder, and returns
// nullopt for anything else: an unknown or duplicate key, an unexpected type, tool calls, an error
// envelope, `stats` / `timings`, more than one choice, a number that is not a plain integer,
// invalid JSON. decode_chat_chunk then decodes the payload the general way. The upstream_decode
// fuzz target checks the agreement on every input.
#pragma once

#include "openai_wire/upstream_codec.h"

#include <optional>
#include <string_view>

namespace roci::openai_wire::detail {

std::optional<DecodedChunk> decode_common_chunk(std::string_view data);

// The general, tree-based decoder (what decode_chat_chunk does when the fast path declines).
Result<DecodedChunk> decode_chat_chunk_tree(std::string_view data, std::string_view upstream);

}  // namespace roci::openai_wire::detail
