// What the roci CLI reads from its command line and environment, resolved into plain options.
//
//   roci chat [MODEL] [PROMPT...]   MODEL "provider:model" (lmstudio:qwen, mock:local-model), or a
//                                   model id of the --base-url server; PROMPT "-": read stdin
//   roci models [PROVIDER] [--json]
//
// The environment gives defaults: ROCI_MODEL (the model when none is named), ROCI_BASE_URL and
// ROCI_API_KEY (an OpenAI-compatible server, the roci gateway included), and the providers' own
// variables (LMSTUDIO_BASE_URL, OPENAI_API_KEY, ...; RociConfig). Flags beat the environment.
#pragma once

#include <roci/core/error.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace roci::cli {

// Exit codes: 0 done, 1 an error (printed as "roci: <message>"), 2 bad usage, 130 interrupted.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

// Where the provider lives when it is not a built-in provider's default: any OpenAI-compatible
// server. Empty fields: the provider's own settings from the environment.
struct Connection {
  std::string base_url;  // --base-url, else ROCI_BASE_URL
  std::string api_key;   // --api-key, else ROCI_API_KEY
};

struct ChatOptions {
  Connection connection;
  std::string model;                  // as named: "lmstudio:qwen", or an id at base_url
  std::optional<std::string> prompt;  // nullopt: none given; "-": read stdin
  std::string system;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> max_tokens;
  std::vector<std::string> options;  // -o key=value, forwarded as request fields
  bool json = false;
  bool no_stream = false;
};

struct ModelsOptions {
  Connection connection;
  std::string provider;  // a kind ("lmstudio") or a selector; "" with a base URL
  bool json = false;
};

// The flags of each subcommand, registered on `app`; resolve_*() after app.parse().
class ChatArgs {
 public:
  explicit ChatArgs(CLI::App& app);
  CLI::App* command() const { return command_; }
  // MODEL and PROMPT from the positionals, -m and ROCI_MODEL (see the rules in args.cc);
  // errors are usage errors.
  Result<ChatOptions> resolve(const std::vector<std::string_view>& provider_kinds) const;

 private:
  CLI::App* command_;
  ChatOptions options_;
  std::string model_flag_;
  std::vector<std::string> words_;
};

class ModelsArgs {
 public:
  explicit ModelsArgs(CLI::App& app, const std::string& kinds);
  CLI::App* command() const { return command_; }
  Result<ModelsOptions> resolve() const;

 private:
  CLI::App* command_;
  ModelsOptions options_;
};

// "0.7", "2", "-1", "16777216": a number as people write it.
std::string format_number(double value);

}  // namespace roci::cli
