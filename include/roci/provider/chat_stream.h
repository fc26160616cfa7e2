// ChatStream: one open streamed generation, read part by part.
//
//   auto stream = co_await provider.stream(request);           // Result<unique_ptr<ChatStream>>
//   if (!stream) co_return stream.error();
//   while (true) {
//     auto part = co_await (*stream)->next();                   // Result<optional<StreamPart>>
//     if (!part) { /* error mid-stream */ break; }
//     if (!*part) break;                                        // after Finish
//     if (auto* t = std::get_if<roci::TextDelta>(&**part)) std::cout << t->text;
//   }
//
// Ownership and cancellation: the stream owns its upstream exchange (socket or timer). Destroying
// it before the end closes the upstream connection at once, which makes LM Studio stop
// generating. Cancelling the coroutine that awaits next() (per-operation cancellation, e.g. via
// asio's `||`) completes next() with ErrorKind::kCancelled and leaves the stream unusable.
#pragma once

#include <roci/asio_settings.h>
#include <roci/export.h>

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <boost/asio/awaitable.hpp>
#include <optional>

namespace roci {

namespace asio = boost::asio;

class ROCI_EXPORT ChatStream {
 public:
  virtual ~ChatStream() = default;

  // Known once the stream is open: upstream id, served model, created.
  virtual const StreamInfo& info() const = 0;

  // The next part, or nullopt after Finish was returned. Errors: kTimeout (idle gap),
  // kUpstreamError (malformed event, connection cut, error event from the upstream), kCancelled.
  // Must not be called again after it returned an error or nullopt.
  virtual asio::awaitable<Result<std::optional<StreamPart>>> next() = 0;
  // True when the next call to next() completes without waiting for the upstream: a part (or an
  // error) is already decoded, or decodable from bytes already received. A hint that lets a
  // caller batch what arrived together (the gateway writes such events in one socket write);
  // false is always a correct answer. May decode buffered bytes; performs no I/O.
  virtual bool ready() { return false; }
  // When ready() is true: the part next() would give, taken without a coroutine (a caller that
  // batches saves a frame per part). nullopt when the caller must call next() instead: nothing is
  // decoded yet, an error or the end of the stream comes next, or the stream does not implement it
  // (the default). Like next(), must not be called after next() returned an error or nullopt.
  virtual std::optional<StreamPart> next_ready() { return std::nullopt; }
};

}  // namespace roci
