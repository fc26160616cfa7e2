// The prompt of a one-shot chat, from the prompt words and standard input, as ollama and llm read
// it: `git diff | roci chat lmstudio:qwen "review this"` sends the diff, a blank line, then
// "review this".
#pragma once

#include <roci/core/error.h>

#include <cstddef>
#include <optional>
#include <string>

namespace roci::cli {

inline constexpr std::size_t kMaxStdinBytes = 16u << 20;

// nullopt: an interactive session (no prompt words and stdin is a terminal). Otherwise the prompt:
// stdin (read when it is not a terminal, or when the words are "-") first, then the words.
// Errors (kInvalidRequest): stdin over kMaxStdinBytes, an empty prompt.
Result<std::optional<std::string>> read_prompt(const std::optional<std::string>& words,
                                               bool stdin_is_tty);

}  // namespace roci::cli
