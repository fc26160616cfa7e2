// The one request path of every inference dialect (ARCHITECTURE.md §5.2): Chat Completions,
// Responses and Messages run it unchanged; a Dialect (dialect.h) only parses and renders.
//
//   return serve_inference(ctx, std::make_unique<ChatDialect>());  // a handler, not a coroutine
//
// Path: dialect.parse(body, request_limits) -> body freed -> dialect.apply_defaults ->
// resolve_and_admit(kChat) (model, then an admission slot held until the answer ended) ->
// request.model = resolved. Then, not streamed: Provider::generate -> cancelled? ->
// check_served_model -> dialect.render -> 200. Streamed (§4): Provider::stream (its first event is
// in before our 200, so setup errors keep their status) -> cancelled? -> check_served_model ->
// dialect.stream_encoder -> headers queued with encoder.open() -> one encode() per part, parts
// that came in one upstream read leaving in one write, the next part read only after the previous
// write completed -> encoder.finish_into() (its terminator last) -> end of body. A failure after
// the headers is the encoder's error event and no terminator. When the client goes away the session
// cancels this coroutine: every await completes with kCancelled, it returns, and the ChatStream
// (or provider call) is destroyed, which closes the upstream connection. Every failure goes
// through fail() (status from to_http_error, body from the route's ErrorRenderer). Fills ctx.log
// (model, usage, upstream wait, time to first token, stream).
#pragma once

#include "server/api/dialect.h"
#include "server/http/request_context.h"

#include <boost/asio/awaitable.hpp>
#include <memory>

namespace roci::server {

// The coroutine owns the dialect (`owned`) until the answer ended, so a handler returns this
// awaitable itself rather than awaiting it in a frame of its own.
asio::awaitable<void> serve_inference(RequestContext& ctx, std::unique_ptr<Dialect> owned);

}  // namespace roci::server
