// TextStream and Provider::stream_text: the seed's pull stream over an awaitable ChatStream.
//
// The ChatStream (and the upstream socket it owns) lives on the sync runtime thread: it is
// opened, read and destroyed there, so its I/O objects are never touched by the caller's thread.
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

TextStream::TextStream(std::unique_ptr<ChatStream> stream) : stream_(std::move(stream)) {}

TextStream::TextStream(TextStream&& other) noexcept
    : stream_(std::move(other.stream_)),
      error_(std::move(other.error_)),
      done_(std::exchange(other.done_, true)) {}

TextStream& TextStream::operator=(TextStream&& other) noexcept {
  if (this != &other) {
    destroy_on_runtime(std::move(stream_));
    stream_ = std::move(other.stream_);
    error_ = std::move(other.error_);
    done_ = std::exchange(other.done_, true);
  }
  return *this;
}

TextStream::~TextStream() { destroy_on_runtime(std::move(stream_)); }

std::optional<StreamDelta> TextStream::next() {
  if (done_ || !stream_) return std::nullopt;
  Result<std::optional<StreamPart>> part = Error::internal("stream not read");
  try {
    part = run_sync(stream_->next());
  } catch (const std::exception& e) {
    part = Error::internal(std::string("stream read failed: ") + e.what());
  }
  if (!part) {
    error_ = part.error();
    done_ = true;
    return std::nullopt;
  }
  if (!*part) {
    done_ = true;
    return std::nullopt;
  }
  return to_delta(std::move(**part));
}

const StreamInfo& TextStream::info() const {
  static const StreamInfo kEmpty;
  return stream_ ? stream_->info() : kEmpty;
}

Result<TextStream> Provider::stream_text(const ProviderRequest& request) {
  Result<std::unique_ptr<ChatStream>> opened = Error::internal("stream not opened");
  try {
    opened = run_sync(stream(request));
  } catch (const std::exception& e) {
    return Error::internal(std::string("stream_text failed: ") + e.what());
  }
  if (!opened) return opened.error();
  return TextStream(std::move(*opened));
}

}  // namespace roci
