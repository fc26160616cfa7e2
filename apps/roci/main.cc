// roci: the SDK's command-line client, used as people use ollama run, llm and lms.
//
//   roci chat lmstudio:qwen "Explain quantum computing" --temperature 0.3
//   roci chat lmstudio:qwen                        # an interactive session (Ctrl-D leaves)
//   git diff | roci chat lmstudio:qwen "review this"
//   roci chat qwen2.5-7b "hi" --base-url http://localhost:8080/v1 --api-key k   # any OpenAI-
//                                                  # compatible server, the roci gateway included
//   roci models lmstudio --json
//   roci --version                                 # "roci 0.1.0 (git 4c34dfe1a2b3)"
//
// The pieces: args (flags and environment), connection (the provider, through
// ProviderRegistry::create(spec), and the model check), prompt (stdin and the words), answer
// (printing one answer), session (the interactive loop), interrupts (Ctrl-C stops an answer),
// commands (chat and models). Errors: "roci: <message>", exit 1; bad usage: 2; interrupted: 130.
#include "args.h"
#include "commands.h"
#include "roci_version.h"

#include <roci/provider/registry.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  using namespace roci::cli;
  CLI::App app{
      "roci: chat with LLM servers (LM Studio, llama.cpp, OpenAI, any OpenAI-compatible "
      "server, a roci gateway, the mock) through libroci"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("roci ") + roci::apps::kVersion,
                       "Print the version and exit");
  app.footer(
      "Examples:\n"
      "  roci chat lmstudio:qwen \"Explain quantum computing\"\n"
      "  roci chat mock:local-model                  # interactive; no server needed\n"
      "  git diff | roci chat lmstudio:qwen \"review this\"\n"
      "  roci chat my-model \"hi\" --base-url http://localhost:8080/v1 --api-key KEY\n"
      "  roci models lmstudio --json\n"
      "Environment: ROCI_MODEL (default model), ROCI_BASE_URL, ROCI_API_KEY; LMSTUDIO_BASE_URL,\n"
      "  LMSTUDIO_API_KEY, OPENAI_API_KEY, OPENAI_BASE_URL, LLAMACPP_BASE_URL, LLAMACPP_API_KEY");

  const roci::ProviderRegistry registry(roci::RociConfig::from_env());
  std::string kinds;
  for (auto kind : registry.names()) kinds += (kinds.empty() ? "" : " | ") + std::string(kind);
  ChatArgs chat(app);
  ModelsArgs models(app, kinds);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (chat.command()->parsed()) {
    auto options = chat.resolve(registry.names());
    if (!options) {
      std::cerr << "roci: " << options.error().message << "\n";
      return kExitUsage;
    }
    return run_chat(*options, registry);
  }
  auto options = models.resolve();
  if (!options) {
    std::cerr << "roci: " << options.error().message << "\n";
    return kExitUsage;
  }
  return run_models(*options, registry);
}
