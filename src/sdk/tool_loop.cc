// The tool loop's step logic (tool_loop.h).
#include "sdk/tool_loop.h"

#include "sdk/request_guard.h"
#include "sdk/tool_runner.h"

#include <boost/asio/this_coro.hpp>

namespace roci::sdk {
namespace {

// Text, finish reason and model are the last step's.
void with_last_step(GenerateTextResult& out) {
  const GenerationResult& last = out.steps.back().response;
  out.text = last.text;
  out.finish_reason = last.finish_reason;
  out.model = last.model;
}

}  // namespace

ToolLoop::ToolLoop(Provider& provider, ProviderRequest request, GenerateOptions options,
                   const char* what)
    : provider_(provider),
      request_(std::move(request)),
      options_(std::move(options)),
      what_(what) {}

std::optional<Error> ToolLoop::start() {
  if (options_.max_steps < 1) {
    return Error::invalid_request(
        "GenerateOptions::max_steps must be at least 1, got " + std::to_string(options_.max_steps),
        "max_steps");
  }
  if (!options_.tools.empty()) {
    if (!request_.tools) request_.tools.emplace();
    for (const auto& tool : options_.tools) request_.tools->push_back(tool.definition());
  }
  return check_request(request_);
}

asio::awaitable<std::optional<Error>> ToolLoop::check_model(const std::string& served) {
  if (served == accepted_) co_return std::nullopt;
  auto mismatch = co_await check_served_model(provider_, request_.model, served,
                                              options_.accept_model_substitution);
  if (!mismatch) accepted_ = served;
  co_return mismatch;
}

asio::awaitable<Result<bool>> ToolLoop::finish_step(GenerationResult answer) {
  co_await asio::this_coro::throw_if_cancelled(false);
  if (answer.usage) result_.usage += *answer.usage;
  GenerationStep& current = result_.steps.emplace_back();
  current.response = std::move(answer);
  for (auto& message : to_messages(current.response)) {
    request_.messages.push_back(message);
    result_.response_messages.push_back(std::move(message));
  }
  const auto& calls = current.response.tool_calls;
  if (!calls.empty() && !options_.tools.empty()) {
    current.tool_results = co_await run_tool_calls(options_.tools, calls);
    auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
      co_return Error::cancelled(std::string(what_) + " was cancelled");
    }
    for (const auto& done : current.tool_results) {
      auto message = ModelMessage::tool(done.call.id, done.output);
      request_.messages.push_back(message);
      result_.response_messages.push_back(std::move(message));
    }
  }
  const bool wants_tools = !current.tool_results.empty();
  const bool more = wants_tools && steps_done() < options_.max_steps;
  result_.step_limit_reached = wants_tools && !more;
  co_return more;
}

GenerateTextResult ToolLoop::result() const {
  GenerateTextResult out = result_;
  with_last_step(out);
  return out;
}

GenerateTextResult ToolLoop::take_result() {
  with_last_step(result_);
  return std::move(result_);
}

}  // namespace roci::sdk
