// generate_text: one checked generation, and the tool loop (roci/sdk/generate.h), sync (on the
// sync runtime thread) and awaitable.
#include <roci/sdk/generate.h>

#include "providers/sync_runtime.h"
#include "sdk/request_guard.h"
#include "sdk/tool_loop.h"

#include <boost/asio/this_coro.hpp>
#include <exception>

namespace roci {
namespace {

bool cancelled(const asio::cancellation_state& state) {
  return state.cancelled() != asio::cancellation_type::none;
}

Error cancelled_loop() { return Error::cancelled("generate_text was cancelled"); }

// One checked model call (the request was checked by the caller).
asio::awaitable<Result<GenerationResult>> call_model(Provider& provider,
                                                     const ProviderRequest& request) {
  auto result = co_await provider.generate(request);
  if (!result) co_return result.error();
  if (auto mismatch =
          co_await sdk::check_served_model(provider, request.model, result->model, false)) {
    co_return *mismatch;
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
  co_return co_await call_model(provider, request);
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
  sdk::ToolLoop loop(provider, std::move(request), std::move(options), "generate_text");
  if (auto invalid = loop.start()) co_return *invalid;
  while (true) {
    auto answer = co_await provider.generate(loop.request());
    if (cancelled(co_await asio::this_coro::cancellation_state)) co_return cancelled_loop();
    if (!answer) co_return answer.error();
    if (auto mismatch = co_await loop.check_model(answer->model)) co_return *mismatch;
    auto more = co_await loop.finish_step(std::move(*answer));
    if (!more) co_return more.error();
    if (!*more) break;
  }
  co_return loop.take_result();
}

}  // namespace roci
