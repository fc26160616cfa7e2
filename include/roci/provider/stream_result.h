// StreamResultBuilder: folds a stream's parts into the GenerationResult that generate() returns for
// the same answer (text, reasoning, assembled tool calls, finish reason, usage, stats, the served
// model, n > 1 choices).
//
//   roci::StreamResultBuilder builder;
//   while (auto part = co_await stream->next()) {      // Result<optional<StreamPart>>
//     if (!*part) break;
//     builder.add(**part);                             // print it too, if you like
//   }
//   roci::GenerationResult result = builder.build(stream->info());
//
// TextStream::result() (text_stream.h) is this for the synchronous pull stream. Tool calls are
// assembled per (choice, index): the first fragment brings id and name, the later ones append to
// `arguments` (an id or name that arrives late fills an empty one). Choices past 0 become
// `other_choices`, in index order. Without a Finish, finish_reason stays kStop and usage empty.
#pragma once

#include <roci/core/types.h>

#include <map>
#include <utility>

namespace roci {

class StreamResultBuilder {
 public:
  void add(const StreamPart& part);
  // True once a Finish was added.
  bool finished() const { return finished_; }
  // The result so far; `info` gives id, model, created and system_fingerprint.
  GenerationResult build(const StreamInfo& info) const;

 private:
  struct Choice {
    std::string text;
    std::string reasoning;
    std::map<int, ToolCall> tool_calls;  // by the stream's tool-call index
    FinishReason finish_reason = FinishReason::kStop;
  };
  Choice& choice(int index) { return choices_[index]; }

  std::map<int, Choice> choices_;
  std::optional<Usage> usage_;
  std::optional<ProviderStats> stats_;
  bool finished_ = false;
};

}  // namespace roci
