// TextStream and Provider::stream_text: the seed's pull stream over an awaitable ChatStream.
//
// The ChatStream (and the upstream socket it owns) lives on the sync runtime thread: it is
// opened, read and destroyed there, so its I/O objects are never touched by the caller's thread.
// A stop token reaches the runtime through run_sync(task, stop) (sync_runtime.h).
#include <roci/provider/provider.h>
#include <roci/provider/text_stream.h>

#include "providers/sync_runtime.h"

#include <exception>
#include <type_traits>

namespace roci {
namespace {

// Drops the stream on the runtime thread (closing its upstream connection there).
asio::awaitable<void> destroy_stream(std::unique_ptr<ChatStream> stream) {
  stream.reset();
  co_return;
}

void destroy_on_runtime(std::unique_ptr<ChatStream> stream) {
  if (!stream) return;
  if (!sync_runtime_alive() || on_sync_runtime_thread()) {
    stream.reset();
    return;
  }
  try {
    run_sync(destroy_stream(std::move(stream)));
  } catch (...) {
    // The runtime is shutting down; the stream was destroyed with the coroutine frame.
  }
}

StreamDelta to_delta(StreamPart part) {
  StreamDelta delta;
  std::visit(
      [&delta](auto&& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, TextDelta>) {
          delta.text = std::move(p.text);
          delta.choice = p.choice;
        } else if constexpr (std::is_same_v<T, ReasoningDelta>) {
          delta.reasoning = std::move(p.text);
          delta.choice = p.choice;
        } else if constexpr (std::is_same_v<T, ToolCallDelta>) {
          delta.choice = p.choice;
          delta.tool_call = std::move(p);
        } else {
          delta.finish = std::move(p);
        }
      },
      std::move(part));
  return delta;
}

}  // namespace

TextStream::TextStream(std::unique_ptr<ChatStream> stream, std::stop_token stop)
    : stream_(std::move(stream)),
      info_(stream_ ? stream_->info() : StreamInfo{}),
      stop_(std::move(stop)) {}

TextStream::TextStream(TextStream&& other) noexcept
    : stream_(std::move(other.stream_)),
      info_(std::move(other.info_)),
      stop_(std::move(other.stop_)),
      builder_(std::move(other.builder_)),
      error_(std::move(other.error_)),
      done_(std::exchange(other.done_, true)) {}

TextStream& TextStream::operator=(TextStream&& other) noexcept {
  if (this != &other) {
    destroy_on_runtime(std::move(stream_));
    stream_ = std::move(other.stream_);
    info_ = std::move(other.info_);
    stop_ = std::move(other.stop_);
    builder_ = std::move(other.builder_);
    error_ = std::move(other.error_);
    done_ = std::exchange(other.done_, true);
  }
  return *this;
}

TextStream::~TextStream() { destroy_on_runtime(std::move(stream_)); }

void TextStream::close() {
  done_ = true;
  destroy_on_runtime(std::move(stream_));
}

std::optional<StreamDelta> TextStream::next() {
  if (done_ || !stream_) return std::nullopt;
  Result<std::optional<StreamPart>> part = Error::internal("stream not read");
  try {
    part = run_sync(stream_->next(), stop_);
  } catch (const std::exception& e) {
    part = Error::internal(std::string("stream read failed: ") + e.what());
  }
  if (!part) {
    error_ = part.error();
    close();  // a failed or stopped ChatStream is unusable: close the upstream now
    return std::nullopt;
  }
  if (!*part) {
    close();
    return std::nullopt;
  }
  builder_.add(**part);
  return to_delta(std::move(**part));
}

Result<GenerationResult> TextStream::result() {
  while (next()) {
  }
  if (error_) return *error_;
  return builder_.build(info_);
}

Result<TextStream> Provider::stream_text(const ProviderRequest& request, std::stop_token stop) {
  Result<std::unique_ptr<ChatStream>> opened = Error::internal("stream not opened");
  try {
    opened = run_sync(stream(request), stop);
  } catch (const std::exception& e) {
    return Error::internal(std::string("stream_text failed: ") + e.what());
  }
  if (!opened) return opened.error();
  return TextStream(std::move(*opened), std::move(stop));
}

}  // namespace roci
