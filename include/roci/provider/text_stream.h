// TextStream: the synchronous pull face of a ChatStream (the seed's `provider.stream_text`).
//
//   auto stream = provider.stream_text(request);         // Result<TextStream>
//   if (!stream) return fail(stream.error());
//   while (auto d = stream->next()) std::cout << d->text << std::flush;
//   if (stream->error()) std::cerr << stream->error()->message << "\n";
//
// next() blocks the calling thread while the sync runtime thread reads the upstream. Destroying the
// TextStream early closes the upstream connection. Not thread-safe: one reader at a time.
#pragma once

#include <roci/core/error.h>
#include <roci/core/types.h>
#include <roci/provider/chat_stream.h>

#include <memory>
#include <optional>

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
  explicit TextStream(std::unique_ptr<ChatStream> stream);
  TextStream(TextStream&&) noexcept;
  TextStream& operator=(TextStream&&) noexcept;
  ~TextStream();

  // The next delta; nullopt at the end of the stream or after an error (see error()).
  std::optional<StreamDelta> next();
  const std::optional<Error>& error() const { return error_; }
  const StreamInfo& info() const;

 private:
  std::unique_ptr<ChatStream> stream_;
  std::optional<Error> error_;
  bool done_ = false;
};

}  // namespace roci
