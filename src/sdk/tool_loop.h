// Private: the step logic of the tool loop (roci/sdk/generate.h, "The loop"), shared by
// generate_text (one generate() per step) and stream_text (one stream per step).
//
//   ToolLoop loop(provider, std::move(request), std::move(options), "generate_text");
//   if (auto invalid = loop.start()) co_return *invalid;
//   while (true) {
//     auto answer = co_await provider.generate(loop.request());   // or a stream's result
//     if (!answer) co_return answer.error();
//     if (auto e = co_await loop.check_model(answer->model)) co_return *e;
//     auto more = co_await loop.finish_step(std::move(*answer));  // runs the requested tools
//     if (!more) co_return more.error();                          // cancelled
//     if (!*more) break;
//   }
//   co_return loop.take_result();
//
// The caller makes the model calls; the loop keeps the request as it grows (the assistant message
// and the tool results of every step), the steps, the usage, and decides whether another step
// follows. Not thread-safe; its awaitables run on one executor at a time.
#pragma once

#include <roci/core/error.h>
#include <roci/provider/provider.h>
#include <roci/sdk/generate.h>

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

namespace roci::sdk {

class ToolLoop {
 public:
  // `what` names the facade in errors ("stream_text was cancelled").
  ToolLoop(Provider& provider, ProviderRequest request, GenerateOptions options, const char* what);

  // Checks the options and the request (request_guard.h) and adds the tools' definitions to the
  // request. An Error means: send nothing.
  std::optional<Error> start();
  // The request of the next model call.
  const ProviderRequest& request() const { return request_; }
  // Model calls finished so far.
  int steps_done() const { return static_cast<int>(result_.steps.size()); }
  const GenerationStep& last_step() const { return result_.steps.back(); }

  // Whether `served` is the requested model (or one already accepted); see check_served_model.
  asio::awaitable<std::optional<Error>> check_model(const std::string& served);
  // Records one model answer, runs the tools it asks for and appends its messages. True when
  // another model call follows; kCancelled when the awaiting coroutine was cancelled.
  asio::awaitable<Result<bool>> finish_step(GenerationResult answer);
  // The result so far: text, finish reason and model are the last step's (at least one step).
  GenerateTextResult result() const;
  // result(), moved out: the loop is done with afterwards.
  GenerateTextResult take_result();

 private:
  Provider& provider_;
  ProviderRequest request_;
  GenerateOptions options_;
  const char* what_;
  std::string accepted_;  // a served model already found to be the requested one
  GenerateTextResult result_;
};

}  // namespace roci::sdk
