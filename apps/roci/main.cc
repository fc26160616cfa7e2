// roci: the SDK's command-line client.
//
//   roci chat lmstudio:llama3.3 "Explain quantum computing" --temperature 0.3
//   roci chat mock:local-model "hi"          # no server needed
//   roci models lmstudio
//   roci --version                           # "roci 0.1.0 (git 4c34dfe1a2b3)"
//
// Providers come from ProviderRegistry(RociConfig::from_env()) (LMSTUDIO_BASE_URL, OPENAI_API_KEY,
// ...). The chat runs on an io_context beside a signal_set: Ctrl-C (SIGINT/SIGTERM) wins the
// `chat || signal` race, which destroys the stream and so closes the upstream connection (LM Studio
// stops generating); the exit code is then 130. Errors: "roci: <message>", exit 1; bad usage: 2.
#include <roci/roci.h>

#include "roci_version.h"

#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

struct ChatFlags {
  std::string selector;
  std::string prompt;
  std::string system;
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  bool json = false;
  bool no_stream = false;
};

int fail(const roci::Error& error) {
  // A cancelled chat lost the race against a signal; chat_until_signal reports it.
  if (error.kind == roci::ErrorKind::kCancelled) return kExitInterrupted;
  std::cerr << "roci: " << error.message << "\n";
  return kExitError;
}

// Reasoning goes to stderr, dimmed when stderr is a terminal.
void print_reasoning(std::string_view text) {
  static const bool tty = isatty(STDERR_FILENO) != 0;
  std::cerr << (tty ? "\x1b[2m" : "") << text << (tty ? "\x1b[0m" : "") << std::flush;
}

void print_usage(const std::optional<roci::Usage>& usage) {
  if (!usage) return;
  std::cerr << "[" << usage->prompt_tokens << " prompt + " << usage->completion_tokens
            << " completion tokens]\n";
}

roci::ProviderRequest make_request(const ChatFlags& flags, std::string model) {
  roci::ProviderRequest request;
  if (!flags.system.empty()) request.messages.push_back(roci::ModelMessage::system(flags.system));
  request.messages.push_back(roci::ModelMessage::user(flags.prompt));
  request.settings.temperature = flags.temperature;
  request.settings.max_tokens = flags.max_tokens;
  if (flags.json) request.response_format = roci::ResponseFormat::json_object();
  request.model = std::move(model);
  return request;
}

asio::awaitable<int> chat_once(roci::Provider& provider, roci::ProviderRequest request) {
  auto result = co_await provider.generate(std::move(request));
  if (!result) co_return fail(result.error());
  if (!result->reasoning.empty()) print_reasoning(result->reasoning + "\n");
  std::cout << result->text << "\n" << std::flush;
  for (const auto& call : result->tool_calls) {
    std::cerr << "[tool call " << call.name << "(" << call.arguments << ")]\n";
  }
  print_usage(result->usage);
  co_return kExitOk;
}

asio::awaitable<int> chat_streamed(roci::Provider& provider, roci::ProviderRequest request) {
  auto stream = co_await provider.stream(std::move(request));
  if (!stream) co_return fail(stream.error());
  std::optional<roci::Usage> usage;
  bool reasoning_open = false;
  for (;;) {
    auto part = co_await (*stream)->next();
    if (!part) {
      std::cout << "\n" << std::flush;
      co_return fail(part.error());
    }
    if (!*part) break;
    if (auto* text = std::get_if<roci::TextDelta>(&**part)) {
      if (reasoning_open) print_reasoning("\n");
      reasoning_open = false;
      std::cout << text->text << std::flush;
    } else if (auto* thought = std::get_if<roci::ReasoningDelta>(&**part)) {
      print_reasoning(thought->text);
      reasoning_open = true;
    } else if (auto* call = std::get_if<roci::ToolCallDelta>(&**part)) {
      if (!call->name.empty()) std::cerr << "\n[tool call " << call->name << "] ";
      std::cerr << call->arguments << std::flush;
    } else if (auto* finish = std::get_if<roci::Finish>(&**part)) {
      usage = finish->usage;
    }
  }
  std::cout << "\n" << std::flush;
  print_usage(usage);
  co_return kExitOk;
}

// Whichever finishes first: the chat, or SIGINT/SIGTERM (which cancels and destroys the chat).
asio::awaitable<int> chat_until_signal(roci::Provider& provider, roci::ProviderRequest request,
                                       bool stream, asio::signal_set& signals) {
  auto chat = stream ? chat_streamed(provider, std::move(request))
                     : chat_once(provider, std::move(request));
  auto winner = co_await (std::move(chat) || signals.async_wait(asio::use_awaitable));
  if (winner.index() == 1) {
    std::cout << std::flush;
    std::cerr << "\nroci: interrupted\n";
    co_return kExitInterrupted;
  }
  co_return std::get<0>(winner);
}

int run_chat(const ChatFlags& flags) {
  auto selector = roci::LanguageModel::parse(flags.selector);
  if (!selector) {
    std::cerr << "roci: " << selector.error().message << "\n";
    return kExitUsage;
  }
  roci::ProviderRegistry registry(roci::RociConfig::from_env());
  auto provider = registry.create(*selector);
  if (!provider) return fail(provider.error());

  asio::io_context io;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  auto done =
      asio::co_spawn(io,
                     chat_until_signal(**provider, make_request(flags, selector->model_id()),
                                       !flags.no_stream, signals),
                     asio::use_future);
  io.run();
  try {
    return done.get();
  } catch (const std::exception& e) {
    return fail(roci::Error::internal(e.what()));
  }
}

void print_models(const std::vector<roci::ModelInfo>& models) {
  auto context_of = [](const roci::ModelInfo& m) {
    auto n = m.loaded_context_length ? m.loaded_context_length : m.max_context_length;
    return n ? std::to_string(*n) : std::string("-");
  };
  auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  std::size_t id_width = 2;
  for (const auto& m : models) id_width = std::max(id_width, m.id.size());
  std::printf("%-*s  %-10s  %-10s  %s\n", static_cast<int>(id_width), "ID", "STATE", "TYPE",
              "CONTEXT");
  for (const auto& m : models) {
    std::printf("%-*s  %-10s  %-10s  %s\n", static_cast<int>(id_width), m.id.c_str(),
                or_dash(m.state).c_str(), or_dash(m.type).c_str(), context_of(m).c_str());
  }
}

int run_models(const std::string& name) {
  // "lmstudio" or a full selector "lmstudio:model"; the model does not matter for listing.
  roci::LanguageModel selector = roci::LanguageModel::Known{name, "default"};
  if (name.find(':') != std::string::npos) {
    auto parsed = roci::LanguageModel::parse(name);
    if (!parsed) {
      std::cerr << "roci: " << parsed.error().message << "\n";
      return kExitUsage;
    }
    selector = *parsed;
  }
  roci::ProviderRegistry registry(roci::RociConfig::from_env());
  auto provider = registry.create(selector);
  if (!provider) return fail(provider.error());

  asio::io_context io;
  auto listed = asio::co_spawn(io, (*provider)->list_models(), asio::use_future);
  io.run();
  auto models = listed.get();
  if (!models) return fail(models.error());
  print_models(*models);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"roci: chat with LLM servers (LM Studio, llama.cpp, OpenAI, mock) through libroci"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("roci ") + roci::apps::kVersion,
                       "Print the version and exit");
  app.footer(
      "Examples:\n"
      "  roci chat lmstudio:llama3.3 \"Explain quantum computing\"\n"
      "  roci chat mock:local-model \"hi\" --no-stream\n"
      "  roci models lmstudio\n"
      "Environment: LMSTUDIO_BASE_URL, LMSTUDIO_API_KEY, OPENAI_API_KEY, OPENAI_BASE_URL,\n"
      "  LLAMACPP_BASE_URL, LLAMACPP_API_KEY");

  ChatFlags chat;
  auto* chat_cmd = app.add_subcommand("chat", "Send one prompt and stream the answer to stdout");
  chat_cmd->add_option("model", chat.selector, "provider:model, e.g. lmstudio:llama3.3")
      ->required();
  chat_cmd->add_option("prompt", chat.prompt, "The user message")->required();
  chat_cmd->add_option("--system", chat.system, "A system message sent before the prompt");
  chat_cmd->add_option("--temperature", chat.temperature, "Sampling temperature")
      ->check(CLI::Range(0.0, 2.0));
  chat_cmd->add_option("--max-tokens", chat.max_tokens, "Longest answer in tokens (-1: no limit)")
      ->check(CLI::Range(-1, 1 << 24));
  chat_cmd->add_flag("--json", chat.json, "Ask for a JSON object (response_format json_object)");
  chat_cmd->add_flag("--no-stream", chat.no_stream, "Wait for the whole answer");

  std::string provider_name;
  auto* models_cmd = app.add_subcommand("models", "List a provider's models");
  std::string kinds;
  const roci::ProviderRegistry registry{roci::RociConfig{}};
  for (auto kind : registry.names()) {
    kinds += (kinds.empty() ? "" : " | ") + std::string(kind);
  }
  models_cmd->add_option("provider", provider_name, kinds)->required();

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

  if (chat_cmd->parsed()) return run_chat(chat);
  return run_models(provider_name);
}
