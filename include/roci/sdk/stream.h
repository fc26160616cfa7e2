// clang-format off
// stream_text: the seed's streaming API, as a free function over provider.stream_text.
//
//   roci::MockProvider provider;  // or any roci::Provider, e.g. roci::LmStudioProvider
//   roci::ProviderRequest request;
//   request.messages.push_back(roci::ModelMessage::user("Explain quantum computing"));
//   auto stream = roci::stream_text(provider, request);  // or provider.stream_text(request)
//   if (!stream) return fail(stream.error());
//   while (auto delta = stream->next()) {
//     if (!delta->text.empty()) std::cout << delta->text << std::flush;
//   }
//   if (stream->error()) return fail(*stream->error());  // the stream broke off
//
// TextStream (roci/provider/text_stream.h) says how next() blocks and what ends a stream.
//
// With tools and a step limit (GenerateOptions, roci/sdk/generate.h), stream_text runs the same
// loop as generate_text, streaming every model call: a StepStream hands out each step's deltas
// (text, reasoning, tool-call fragments, the step's finish) tagged with the step, then one delta
// per tool that ran after that step, then the next step's deltas; its result() is the
// GenerateTextResult generate_text returns (every step, usage per step and in total, the messages
// to append).
//
// Continuing the example above (`weather`: a roci::Tool with a handler, roci/sdk/tool.h):
//
//   request.messages = {roci::ModelMessage::user("What is the weather in Paris?")};
//   auto loop = roci::stream_text(provider, request,
//                                 roci::GenerateOptions{.tools = {weather}, .max_steps = 5});
//   if (!loop) return fail(loop.error());
//   while (auto d = loop->next()) {
//     if (d->tool_result) std::cout << "[" << d->tool_result->call.name << "] ";
//     std::cout << d->delta.text << std::flush;
//   }
//   auto result = loop->result();  // Result<GenerateTextResult>: every step, usage, messages
//   if (!result) return fail(result.error());
//   std::cout << "\n" << result->steps.size() << " steps\n";
//
// What the loop checks and how it handles a tool call are generate_text's ("The loop", "What
// every form checks"); the served model is checked when each step's stream opens, before its
// first delta is handed out. stream_text returns the errors of the first step's opening (invalid
// request, refused connection, unknown model); an error later (a later step cannot open, a stream
// breaks off, a stop) ends next() with nullopt, and error() and result() hold it. A stop requested
// through `stop` (from any thread) ends a blocking call at once: the model stream in flight is
// closed, running tools are cancelled, the error is kCancelled. Blocking and threading are
// TextStream's: one reader at a time, tools run on the sync runtime thread (so a sync handler
// must not call a sync SDK function itself).
// (tests/unit/sdk/header_examples_test.cc runs both examples as written.)
// clang-format on
#pragma once

#include <roci/export.h>

#include <roci/core/error.h>
#include <roci/provider/provider.h>
#include <roci/provider/text_stream.h>
#include <roci/sdk/generate.h>

#include <memory>
#include <optional>
#include <stop_token>

namespace roci {

inline Result<TextStream> stream_text(Provider& provider, const ProviderRequest& request) {
  return provider.stream_text(request);
}

// One delta of a tool loop's stream: a part of step `step`'s model stream, or (tool_result set,
// delta empty) a tool that ran after step `step`, in the order of that step's tool calls.
struct StepDelta {
  int step = 1;  // the model call it belongs to, from 1
  StreamDelta delta;
  std::optional<ToolExecution> tool_result;
};

// The pull stream of a tool loop (see above). Not thread-safe: one reader at a time; only the
// stop token may be used from other threads.
class ROCI_EXPORT StepStream {
 public:
  struct State;
  explicit StepStream(std::unique_ptr<State> state);
  StepStream(StepStream&&) noexcept;
  StepStream& operator=(StepStream&&) noexcept;
  ~StepStream();

  // The next delta; nullopt when the loop ended or failed (see error()).
  std::optional<StepDelta> next();
  const std::optional<Error>& error() const;
  // Reads whatever is left and returns the loop's result (the same on every call), or the error
  // that ended it.
  Result<GenerateTextResult> result();

 private:
  std::unique_ptr<State> state_;
};

// The tool loop, streamed (see above). `options.tools` may be empty: one streamed step.
ROCI_EXPORT Result<StepStream> stream_text(Provider& provider, ProviderRequest request,
                                           GenerateOptions options, std::stop_token stop = {});

}  // namespace roci
