// TextStream: the synchronous pull face of a ChatStream (the seed's `provider.stream_text`).
//
//   auto stream = provider.stream_text(request);         // Result<TextStream>
//   if (!stream) return fail(stream.error());
//   while (auto d = stream->next()) std::cout << d->text << std::flush;
//   if (stream->error()) std::cerr << stream->error()->message << "\n";
//   auto result = stream->result();                      // Result<GenerationResult>, as generate
//
// The final result: result() reads whatever is left of the stream (all of it when next() was never
// called) and returns the GenerationResult generate_text() would have: text, reasoning, assembled
// tool calls, finish reason, usage, the served model (StreamResultBuilder, stream_result.h). Deltas
// already pulled by next() count; calling it again returns the same result. On a failed stream it
// returns the stream's error (error() holds it too).
//
// Stopping from another thread: give stream_text a std::stop_token. request_stop() on its source,
// from any thread (not from a signal handler: use a thread that waits for the signal), ends a
// blocking stream_text(), next() or result() at once: the upstream connection is closed (LM Studio
// stops generating), next() returns nullopt, error() and result() are ErrorKind::kCancelled.
//
//   std::stop_source stop;                               // e.g. a Ctrl-C thread:
//   stop.request_stop() auto stream = provider.stream_text(request, stop.get_token());
//
// next() blocks the calling thread while the sync runtime thread reads the upstream. Destroying the
// TextStream early closes the upstream connection; so does an error or a stop, at once. Not
// thread-safe: one reader at a time (only the stop token may be used from other threads).
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/chat_stream.h>
#include <roci/provider/stream_result.h>

#include <memory>
#include <optional>
#include <stop_token>

namespace roci {

// One step of a stream, flattened for simple consumers: at most one of the fields is set.
struct StreamDelta {
  std::string text;
  std::string reasoning;
  std::optional<ToolCallDelta> tool_call;
  std::optional<Finish> finish;
  int choice = 0;  // the choice text / reasoning / tool_call belong to (n > 1), else 0
};

class TextStream {
 public:
  // `stop`: see "Stopping from another thread" above; the default token never stops.
  explicit TextStream(std::unique_ptr<ChatStream> stream, std::stop_token stop = {});
  TextStream(TextStream&&) noexcept;
  TextStream& operator=(TextStream&&) noexcept;
  ~TextStream();

  // The next delta; nullopt at the end of the stream or after an error (see error()).
  std::optional<StreamDelta> next();
  const std::optional<Error>& error() const { return error_; }
  // What the upstream said when the stream opened: id, served model, created.
  const StreamInfo& info() const { return info_; }
  // The whole answer (see "The final result" above).
  Result<GenerationResult> result();

 private:
  void close();

  std::unique_ptr<ChatStream> stream_;
  StreamInfo info_;
  std::stop_token stop_;
  StreamResultBuilder builder_;
  std::optional<Error> error_;
  bool done_ = false;
};

}  // namespace roci
