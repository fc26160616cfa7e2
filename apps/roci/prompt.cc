#include "prompt.h"

#include <cstdio>

namespace roci::cli {
namespace {

Result<std::string> read_stdin() {
  std::string text;
  char buffer[1 << 16];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, stdin)) {
    if (text.size() + n > kMaxStdinBytes) {
      return Error::invalid_request("standard input is larger than " +
                                    std::to_string(kMaxStdinBytes >> 20) + " MiB");
    }
    text.append(buffer, n);
  }
  std::clearerr(stdin);  // an interactive "-" ended with Ctrl-D; the terminal stays usable
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

Result<std::optional<std::string>> read_prompt(const std::optional<std::string>& words,
                                               bool stdin_is_tty) {
  const bool dash = words && *words == "-";
  if (!words && stdin_is_tty) return std::optional<std::string>();
  std::string prompt;
  if (dash || !stdin_is_tty) {
    auto piped = read_stdin();
    if (!piped) return piped.error();
    prompt = std::move(*piped);
  }
  if (words && !dash) prompt += (prompt.empty() ? "" : "\n\n") + *words;
  if (prompt.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Error::invalid_request("the prompt is empty (give one, or pipe it into stdin)");
  }
  return std::optional<std::string>(std::move(prompt));
}

}  // namespace roci::cli
