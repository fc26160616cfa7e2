// stream_text's tool loop (roci/sdk/stream.h): one TextStream per step, the step logic of
// tool_loop.h between steps. Every awaitable runs on the sync runtime thread (run_sync); the
// State is touched by the reading thread between those blocking calls only.
#include <roci/sdk/stream.h>

#include "providers/sync_runtime.h"
#include "sdk/tool_loop.h"

#include <deque>
#include <exception>

namespace roci {

struct StepStream::State {
  State(Provider& p, ProviderRequest request, GenerateOptions options, std::stop_token s)
      : provider(p),
        loop(p, std::move(request), std::move(options), "stream_text"),
        stop(std::move(s)) {}

  Provider& provider;
  sdk::ToolLoop loop;
  std::stop_token stop;
  std::optional<TextStream> step;      // the open model stream
  std::deque<StepDelta> tool_results;  // to hand out before the next step opens
  std::optional<Error> error;
  bool done = false;  // no more model calls (ended or failed)

  bool fail(Error e) {
    error = std::move(e);
    done = true;
    step.reset();  // closes the upstream connection at once
    return false;
  }

  // Runs `task` on the runtime thread, stoppable; an exception becomes kInternal.
  template <class T>
  Result<T> run(asio::awaitable<Result<T>> task) {
    try {
      return run_sync(std::move(task), stop);
    } catch (const std::exception& e) {
      return Error::internal(std::string("stream_text failed: ") + e.what());
    }
  }

  // Opens the next step's stream and checks the model that serves it.
  bool open_step() {
    auto opened = provider.stream_text(loop.request(), stop);
    if (!opened) return fail(opened.error());
    step.emplace(std::move(*opened));
    auto checked = run(check_model(step->info().model));
    if (!checked) return fail(checked.error());
    return true;
  }

  asio::awaitable<Result<bool>> check_model(std::string served) {
    if (auto mismatch = co_await loop.check_model(served)) co_return *mismatch;
    co_return true;
  }

  // The open step ended: record its answer, run its tools, queue their results.
  bool end_step() {
    auto answer = step->result();
    step.reset();
    if (!answer) return fail(answer.error());
    auto more = run(loop.finish_step(std::move(*answer)));
    if (!more) return fail(more.error());
    for (const auto& done_call : loop.last_step().tool_results) {
      tool_results.push_back(StepDelta{.step = loop.steps_done(), .tool_result = done_call});
    }
    done = !*more;
    return true;
  }
};

StepStream::StepStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
StepStream::StepStream(StepStream&&) noexcept = default;
StepStream& StepStream::operator=(StepStream&&) noexcept = default;
StepStream::~StepStream() = default;

std::optional<StepDelta> StepStream::next() {
  if (!state_) return std::nullopt;
  State& s = *state_;
  while (true) {
    if (!s.tool_results.empty()) {
      StepDelta out = std::move(s.tool_results.front());
      s.tool_results.pop_front();
      return out;
    }
    if (s.done) return std::nullopt;
    if (!s.step && !s.open_step()) return std::nullopt;
    if (auto delta = s.step->next()) {
      return StepDelta{.step = s.loop.steps_done() + 1, .delta = std::move(*delta)};
    }
    if (!s.end_step()) return std::nullopt;
  }
}

const std::optional<Error>& StepStream::error() const {
  static const std::optional<Error> kNone;
  return state_ ? state_->error : kNone;
}

Result<GenerateTextResult> StepStream::result() {
  while (next()) {
  }
  if (!state_) return Error::internal("StepStream was moved from");
  if (state_->error) return *state_->error;
  return state_->loop.result();
}

Result<StepStream> stream_text(Provider& provider, ProviderRequest request, GenerateOptions options,
                               std::stop_token stop) {
  auto state = std::make_unique<StepStream::State>(provider, std::move(request), std::move(options),
                                                   std::move(stop));
  if (auto invalid = state->loop.start()) return *invalid;
  if (!state->open_step()) return *state->error;
  return StepStream(std::move(state));
}

}  // namespace roci
