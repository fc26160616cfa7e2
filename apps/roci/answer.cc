#include "answer.h"

#include <roci/sdk/generate.h>

#include <unistd.h>
#include <boost/json/parse.hpp>
#include <iostream>

namespace roci::cli {
namespace {

bool stderr_is_tty() {
  static const bool tty = isatty(STDERR_FILENO) != 0;
  return tty;
}

// Reasoning and the stats line go to stderr, dimmed at a terminal.
void print_dim(std::string_view text) {
  std::cerr << (stderr_is_tty() ? "\x1b[2m" : "") << text << (stderr_is_tty() ? "\x1b[0m" : "")
            << std::flush;
}

void print_stats(const GenerationResult& result) {
  std::string line = "[" + (result.model.empty() ? std::string("model not named") : result.model);
  if (result.usage) {
    line += ": " + std::to_string(result.usage->prompt_tokens) + " prompt + " +
            std::to_string(result.usage->completion_tokens) + " completion tokens";
  }
  if (result.finish_reason == FinishReason::kLength) line += ", cut at the token limit";
  print_dim(line + "]");
  std::cerr << "\n" << std::flush;
}

Result<boost::json::object> parse_fields(const std::vector<std::string>& fields) {
  boost::json::object extra;
  for (const auto& field : fields) {
    const auto eq = field.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error::invalid_request("-o " + field + ": write key=value (e.g. -o ttl=600)");
    }
    const std::string value = field.substr(eq + 1);
    boost::system::error_code ec;
    boost::json::value json = boost::json::parse(value, ec);
    extra[field.substr(0, eq)] = ec ? boost::json::value(value) : std::move(json);
  }
  return extra;
}

}  // namespace

Result<ProviderRequest> make_request(const ChatOptions& options, std::vector<ModelMessage> messages,
                                     std::string model) {
  auto extra = parse_fields(options.options);
  if (!extra) return extra.error();
  ProviderRequest request;
  if (!options.system.empty()) request.messages.push_back(ModelMessage::system(options.system));
  for (auto& m : messages) request.messages.push_back(std::move(m));
  request.settings.temperature = options.temperature;
  request.settings.top_p = options.top_p;
  request.settings.max_tokens = options.max_tokens;
  request.settings.extra = std::move(*extra);
  if (options.json) request.response_format = ResponseFormat::json_object();
  request.model = std::move(model);
  return request;
}

Answer stream_answer(Provider& provider, const ProviderRequest& request, std::stop_token stop) {
  auto stream = provider.stream_text(request, std::move(stop));
  if (!stream) return Answer{{}, stream.error()};
  std::string shown;
  bool reasoning_open = false;
  while (auto delta = stream->next()) {
    if (delta->choice != 0) continue;  // n > 1: the first choice is shown
    if (!delta->reasoning.empty()) {
      print_dim(delta->reasoning);
      reasoning_open = true;
    }
    if (!delta->text.empty()) {
      if (reasoning_open) print_dim("\n");
      reasoning_open = false;
      std::cout << delta->text << std::flush;
      shown += delta->text;
    }
    if (delta->tool_call) {
      if (!delta->tool_call->name.empty())
        std::cerr << "\n[tool call " << delta->tool_call->name << "] ";
      std::cerr << delta->tool_call->arguments << std::flush;
    }
  }
  if (!shown.empty() || reasoning_open) std::cout << "\n" << std::flush;
  Answer answer{std::move(shown), stream->result()};
  if (answer.result) print_stats(*answer.result);
  return answer;
}

Answer whole_answer(Provider& provider, const ProviderRequest& request) {
  auto result = generate_text(provider, request);
  if (!result) return Answer{{}, result.error()};
  if (!result->reasoning.empty()) print_dim(result->reasoning + "\n");
  std::cout << result->text << "\n" << std::flush;
  for (const auto& call : result->tool_calls) {
    std::cerr << "[tool call " << call.name << "(" << call.arguments << ")]\n";
  }
  print_stats(*result);
  return Answer{result->text, std::move(result)};
}

int report(const Error& error) {
  std::cerr << "roci: " << error.message << "\n" << std::flush;
  return error.kind == ErrorKind::kCancelled ? kExitInterrupted : kExitError;
}

}  // namespace roci::cli
