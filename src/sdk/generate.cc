// generate_text: one checked generation, and the tool loop (roci/sdk/generate.h), sync (on the
// sync runtime thread) and awaitable.
#include <roci/sdk/generate.h>

#include "providers/sync_runtime.h"
#include "sdk/request_guard.h"
#include "sdk/tool_runner.h"

#include <boost/asio/this_coro.hpp>
#include <exception>

namespace roci {
namespace {

bool cancelled(const asio::cancellation_state& state) {
  return state.cancelled() != asio::cancellation_type::none;
}

Error cancelled_loop() { return Error::cancelled("generate_text was cancelled"); }

void add_usage(Usage& total, const std::optional<Usage>& step) {
  if (!step) return;
  total.prompt_tokens += step->prompt_tokens;
  total.completion_tokens += step->completion_tokens;
  total.total_tokens += step->total_tokens;
}

// One checked model call: the request was checked by the caller; the served model is checked
// here (`accepted` remembers a served model already found to be the requested one).
asio::awaitable<Result<GenerationResult>> call_model(Provider& provider,
                                                     const ProviderRequest& request,
                                                     bool accept_substitution,
                                                     std::string& accepted) {
  auto result = co_await provider.generate(request);
  if (!result) co_return result.error();
  if (result->model != accepted) {
    auto mismatch = co_await sdk::check_served_model(provider, request.model, result->model,
                                                     accept_substitution);
    if (mismatch) co_return *mismatch;
    accepted = result->model;
  }
  co_return result;
}

template <class T>
Result<T> run_blocking(asio::awaitable<Result<T>> task, const char* what) {
  try {
    return run_sync(std::move(task));
  } catch (const std::exception& e) {
    return Error::internal(std::string(what) + " failed: " + e.what());
  }
}

}  // namespace

std::vector<ModelMessage> to_messages(const GenerationResult& result) {
  ModelMessage message = ModelMessage::assistant(result.text);
  if (!result.tool_calls.empty()) {
    message.tool_calls = result.tool_calls;
    message.content_is_null = result.text.empty();
  }
  return {std::move(message)};
}

Result<GenerationResult> generate_text(Provider& provider, std::vector<ModelMessage> messages,
                                       GenerationSettings settings,
                                       std::vector<ToolDefinition> tools) {
  ProviderRequest request;
  request.messages = std::move(messages);
  request.settings = std::move(settings);
  if (!tools.empty()) request.tools = std::move(tools);
  return generate_text(provider, std::move(request));
}

Result<GenerationResult> generate_text(Provider& provider, ProviderRequest request) {
  return run_blocking(generate_text_async(provider, std::move(request)), "generate_text");
}

asio::awaitable<Result<GenerationResult>> generate_text_async(Provider& provider,
                                                              ProviderRequest request) {
  if (auto invalid = sdk::check_request(request)) co_return *invalid;
  std::string accepted;
  co_return co_await call_model(provider, request, false, accepted);
}

Result<GenerateTextResult> generate_text(Provider& provider, ProviderRequest request,
                                         GenerateOptions options) {
  return run_blocking(generate_text_async(provider, std::move(request), std::move(options)),
                      "generate_text");
}

asio::awaitable<Result<GenerateTextResult>> generate_text_async(Provider& provider,
                                                                ProviderRequest request,
                                                                GenerateOptions options) {
  co_await asio::this_coro::throw_if_cancelled(false);
  if (options.max_steps < 1) {
    co_return Error::invalid_request(
        "GenerateOptions::max_steps must be at least 1, got " + std::to_string(options.max_steps),
        "max_steps");
  }
  if (!options.tools.empty()) {
    if (!request.tools) request.tools.emplace();
    for (const auto& tool : options.tools) request.tools->push_back(tool.definition());
  }
  if (auto invalid = sdk::check_request(request)) co_return *invalid;

  GenerateTextResult out;
  std::string accepted;
  for (int step = 1;; ++step) {
    auto response =
        co_await call_model(provider, request, options.accept_model_substitution, accepted);
    if (cancelled(co_await asio::this_coro::cancellation_state)) co_return cancelled_loop();
    if (!response) co_return response.error();
    add_usage(out.usage, response->usage);
    GenerationStep& current = out.steps.emplace_back();
    current.response = std::move(*response);
    for (auto& message : to_messages(current.response)) {
      request.messages.push_back(message);
      out.response_messages.push_back(std::move(message));
    }
    const auto& calls = current.response.tool_calls;
    if (!calls.empty() && !options.tools.empty()) {
      current.tool_results = co_await sdk::run_tool_calls(options.tools, calls);
      if (cancelled(co_await asio::this_coro::cancellation_state)) co_return cancelled_loop();
      for (const auto& done : current.tool_results) {
        auto message = ModelMessage::tool(done.call.id, done.output);
        request.messages.push_back(message);
        out.response_messages.push_back(std::move(message));
      }
    }
    const bool wants_tools = !current.tool_results.empty();
    if (!wants_tools || step >= options.max_steps) {
      out.step_limit_reached = wants_tools;
      break;
    }
  }
  const GenerationResult& last = out.steps.back().response;
  out.text = last.text;
  out.finish_reason = last.finish_reason;
  out.model = last.model;
  co_return out;
}

}  // namespace roci
