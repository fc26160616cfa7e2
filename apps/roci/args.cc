#include "args.h"

#include <roci/core/model_selector.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace roci::cli {
namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// A range check whose message writes numbers as people do: "0 to 2", not "0.000000 to 2.000000".
CLI::Validator number_from(double low, double high) {
  const std::string range = format_number(low) + " to " + format_number(high);
  return CLI::Validator(
      [low, high, range](std::string& input) -> std::string {
        std::istringstream in(input);
        double value = 0;
        if (!(in >> value) || !in.eof()) return "'" + input + "' is not a number";
        if (value < low || value > high) return input + " is out of range: use " + range;
        return {};
      },
      range);
}

void add_connection_flags(CLI::App& command, Connection& connection) {
  command
      .add_option("--base-url", connection.base_url,
                  "An OpenAI-compatible server, e.g. http://localhost:8080/v1 (a roci gateway)")
      ->envname("ROCI_BASE_URL");
  command.add_option("--api-key", connection.api_key, "Bearer key for --base-url's server")
      ->envname("ROCI_API_KEY");
}

std::string join(const std::vector<std::string>& words, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) out += (i == from ? "" : " ") + words[i];
  return out;
}

// "lmstudio:qwen" with a known kind before the first ':'.
bool names_a_provider(const std::string& word, const std::vector<std::string_view>& kinds) {
  auto colon = word.find(':');
  if (colon == std::string::npos || colon + 1 == word.size()) return false;
  return std::find(kinds.begin(), kinds.end(), std::string_view(word).substr(0, colon)) !=
         kinds.end();
}

}  // namespace

std::string format_number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

ChatArgs::ChatArgs(CLI::App& app) {
  command_ = app.add_subcommand(
      "chat", "Chat with a model: one prompt, or an interactive session when none is given");
  command_->add_option("words", words_,
                       "MODEL then PROMPT. MODEL: provider:model (lmstudio:qwen, mock:local-model) "
                       "or a model of --base-url's server; default ROCI_MODEL. PROMPT: '-' or "
                       "piped stdin is read too; none at a terminal: an interactive session");
  command_->add_option("-m,--model", model_flag_, "The model; every positional is then the prompt");
  command_->add_option("-s,--system", options_.system, "A system message sent before the prompt");
  command_->add_option("--temperature", options_.temperature, "Sampling temperature")
      ->check(number_from(0, 2));
  command_->add_option("--top-p", options_.top_p, "Nucleus sampling")->check(number_from(0, 1));
  command_->add_option("--max-tokens", options_.max_tokens, "Longest answer in tokens (-1: none)")
      ->check(number_from(-1, 1 << 24));
  command_
      ->add_option("-o,--option", options_.options,
                   "key=value sent as a request field (LM Studio: ttl=600, "
                   "draft_model=...); a JSON value is sent as JSON")
      ->allow_extra_args(false);  // one key=value per -o: the words after it stay positional
  command_->add_flag("--json", options_.json, "Ask for a JSON object (response_format)");
  command_->add_flag("--no-stream", options_.no_stream, "Wait for the whole answer (one prompt)");
  add_connection_flags(*command_, options_.connection);
}

// Rules: with -m every word is the prompt. Otherwise two or more words are MODEL PROMPT...; one
// word is MODEL, except when ROCI_MODEL is set and the word names no provider ("hello", not
// "lmstudio:qwen"): then it is the prompt for ROCI_MODEL. No word: ROCI_MODEL.
Result<ChatOptions> ChatArgs::resolve(const std::vector<std::string_view>& provider_kinds) const {
  ChatOptions options = options_;
  const std::string env_model = env_or_empty("ROCI_MODEL");
  std::size_t prompt_from = 0;
  if (!model_flag_.empty()) {
    options.model = model_flag_;
  } else if (words_.size() >= 2 ||
             (words_.size() == 1 &&
              (env_model.empty() || names_a_provider(words_[0], provider_kinds)))) {
    options.model = words_[0];
    prompt_from = 1;
  } else {
    options.model = env_model;
  }
  if (options.model.empty()) {
    return Error::invalid_request(
        "name a model: roci chat MODEL [PROMPT], e.g. roci chat lmstudio:qwen \"hi\" (or set "
        "ROCI_MODEL)");
  }
  if (prompt_from < words_.size()) options.prompt = join(words_, prompt_from);
  return options;
}

ModelsArgs::ModelsArgs(CLI::App& app, const std::string& kinds) {
  command_ = app.add_subcommand("models", "List the models a provider or server has");
  command_->add_option("provider", options_.provider,
                       kinds +
                           " (or provider:model); default: --base-url's server, else "
                           "ROCI_MODEL's provider");
  command_->add_flag("--json", options_.json, "One JSON array, one object per model");
  add_connection_flags(*command_, options_.connection);
}

Result<ModelsOptions> ModelsArgs::resolve() const {
  ModelsOptions options = options_;
  if (options.provider.empty() && options.connection.base_url.empty()) {
    const std::string env_model = env_or_empty("ROCI_MODEL");
    auto selector = LanguageModel::parse(env_model);
    if (env_model.empty() || !selector) {
      return Error::invalid_request(
          "name a provider: roci models lmstudio (or give --base-url, or set ROCI_MODEL)");
    }
    options.provider = selector->provider_name();
  }
  return options;
}

}  // namespace roci::cli
