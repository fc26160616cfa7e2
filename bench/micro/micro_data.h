// Realistic inputs shared by the micro-benchmarks: LM Studio-shaped stream chunks and chat bodies.
#pragma once

#include <string>
#include <string_view>

namespace roci::bench {

// One content chunk exactly as LM Studio writes it (what the gateway decodes per token).
inline constexpr std::string_view kChunkJson =
    R"({"id":"chatcmpl-8z2x0q5kx3v7h1m9p4c6d","object":"chat.completion.chunk","created":1731990317,)"
    R"("model":"qwen2.5-7b-instruct","system_fingerprint":"qwen2.5-7b-instruct","choices":[{"index":0,)"
    R"("delta":{"content":" reverse"},"logprobs":null,"finish_reason":null}]})";

// The finish chunk with usage.
inline constexpr std::string_view kFinishChunkJson =
    R"({"id":"chatcmpl-8z2x0q5kx3v7h1m9p4c6d","object":"chat.completion.chunk","created":1731990317,)"
    R"("model":"qwen2.5-7b-instruct","system_fingerprint":"qwen2.5-7b-instruct","choices":[{"index":0,)"
    R"("delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,)"
    R"("completion_tokens":18,"total_tokens":42}})";

// A 20-event LM Studio stream (18 content chunks, the finish chunk with usage, [DONE]).
inline std::string make_stream() {
  std::string s;
  for (int i = 0; i < 18; ++i) {
    s += "data: ";
    s += kChunkJson;
    s += "\n\n";
  }
  s += "data: ";
  s += kFinishChunkJson;
  s += "\n\ndata: [DONE]\n\n";
  return s;
}

inline std::string escape_json(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A chat request of about `target_bytes` (at least system + one user message, ~1 KB): a system
// message, earlier user/assistant turns of ~600 bytes (a long conversation history) when there is
// room, the user's question, then the settings a client typically sends.
inline std::string make_chat_body(std::size_t target_bytes, bool stream = false) {
  const std::string system =
      "You are a careful technical assistant for a team that operates self-hosted language models "
      "behind an OpenAI-compatible gateway. Answer precisely, cite configuration keys by their "
      "full "
      "path, prefer short numbered steps over prose, and say so plainly when you are not sure.";
  const std::string turn =
      "Our gateway sits in front of LM Studio on the same machine. Under load, some streaming "
      "requests stall for a second or two before the first token arrives, while non-streaming "
      "requests look fine. We keep upstream connections alive, the client sets "
      "stream_options.include_usage, and the model is already loaded. What should we measure "
      "first to find out whether the gateway, the connection pool or the model server adds the "
      "delay, and which settings usually matter most for time to first token? Please be \"brief\".";
  std::string body = R"({"model":"llama3.3","messages":[{"role":"system","content":")" +
                     escape_json(system) + "\"}";
  const std::string tail =
      std::string(R"(],"max_tokens":256,"temperature":0.7,"top_p":0.95,"stream":)") +
      (stream ? "true" : "false") + "}";
  auto add_turn = [&](std::string_view role) {
    body += R"(,{"role":")";
    body += role;
    body += R"(","content":")";
    body += escape_json(turn);
    body += "\"}";
  };
  const std::size_t turn_bytes = turn.size() + 40;
  // Earlier turns in pairs, so the conversation always ends with the user's question.
  while (body.size() + tail.size() + 3 * turn_bytes <= target_bytes) {
    add_turn("user");
    add_turn("assistant");
  }
  add_turn("user");
  body += tail;
  return body;
}

}  // namespace roci::bench
