// clang-format off
// Conversation: the history of a chat and its system prompt, ready to send, trimmed to a budget.
//
//   roci::Conversation chat("You are terse.");
//   chat.add_user("What is the capital of France?");
//   auto answer = roci::generate_text(provider, chat.request());
//   if (answer) chat.add(*answer);            // the assistant message (text and tool calls)
//   chat.trim_to(4096);                       // drop the oldest turns past ~4096 tokens
//
// add(GenerateTextResult) appends every message of a tool loop (assistant calls and tool results).
// The token estimate is deliberately simple and pessimistic for English: per message 4 tokens of
// framing, plus one token per 4 bytes (rounded up) of its text, its tool calls' names and
// arguments, and its tool_call_id; image parts count 256 tokens each. Real tokenizers differ by
// model; leave a margin under the context length (Capabilities::context_length).
// Not thread-safe.
// clang-format on
#pragma once

#include <roci/core/types.h>
#include <roci/sdk/generate.h>

#include <cstddef>
#include <string>
#include <vector>

namespace roci {

// The documented estimate above.
int estimate_tokens(const ModelMessage& message);
int estimate_tokens(const std::vector<ModelMessage>& messages);

class Conversation {
 public:
  explicit Conversation(std::string system_prompt = {});

  void set_system_prompt(std::string prompt) { system_prompt_ = std::move(prompt); }
  const std::string& system_prompt() const { return system_prompt_; }

  Conversation& add_user(std::string text);
  Conversation& add(ModelMessage message);
  Conversation& add(const GenerationResult& result);    // to_messages(result)
  Conversation& add(const GenerateTextResult& result);  // result.response_messages

  // The history without the system prompt, oldest first.
  const std::vector<ModelMessage>& history() const { return history_; }
  // What to send: the system prompt (when set) followed by the history.
  std::vector<ModelMessage> messages() const;
  ProviderRequest request(GenerationSettings settings = {}) const;

  // Drops the oldest turns (a turn starts at a user message; an assistant's tool calls and their
  // tool results leave together) until estimate_tokens(messages()) <= max_tokens. The system
  // prompt and the last turn always stay. Returns whether the budget is met.
  bool trim_to(int max_tokens);
  void clear() { history_.clear(); }

 private:
  std::string system_prompt_;
  std::vector<ModelMessage> history_;
};

}  // namespace roci
