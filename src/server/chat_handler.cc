// POST /v1/chat/completions, streaming and not.
//
// Request path (ARCHITECTURE.md §5): parse and validate -> seed defaults -> resolve the model ->
// admission slot (held until the response ends) -> Provider::generate or Provider::stream ->
// served-model check (BT#619) -> response. Streaming follows §4 exactly: the first upstream event
// is awaited before our 200, so setup errors keep their real status; one SSE event per part, parts
// that came in one upstream read leaving in one write (headers with the first), the next part
// read only after the previous write completed; finish chunk with usage, the trailing
// `choices: []` usage chunk only when the client asked for it, then [DONE]; a failure after the
// headers is an SSE error event and no [DONE]. When the client goes away the session cancels this
// coroutine: every await completes with kCancelled, we return, and the ChatStream (or provider
// call) is destroyed, which closes the upstream connection.
#include "config/gateway_config.h"
#include "openai_wire/client_codec.h"
#include "server/handler_support.h"
#include "server/handlers.h"
#include "server/model_resolver.h"
#include "server/provider_set.h"

#include <roci/provider/chat_stream.h>

#include <chrono>
#include <memory>
#include <utility>
#include <variant>

namespace roci::server {
namespace {

using Clock = std::chrono::steady_clock;

asio::awaitable<void> answer_once(RequestContext& ctx, ResolvedModel resolved,
                                  ProviderRequest request) {
  const auto& inference = ctx.worker.config.inference;
  UpstreamTimer timer(ctx.log);
  auto result = co_await resolved.provider->generate(std::move(request));
  timer.stop();
  if (!result) co_return co_await fail_upstream(ctx, resolved, result.error());
  if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
    co_return co_await fail(ctx, Error::cancelled());
  }
  if (auto mismatch = check_served_model(resolved, result->model, inference)) {
    co_return co_await fail(ctx, std::move(*mismatch));
  }
  ctx.log.usage = result->usage;
  const std::string id = result->id.empty() ? openai_wire::new_completion_id() : result->id;
  const std::string_view model = result->model.empty() ? resolved.model : result->model;
  const std::int64_t created = result->created != 0 ? result->created : unix_seconds();
  auto sent = co_await ctx.writer.send(
      200, "application/json", openai_wire::encode_chat_completion(*result, id, model, created));
  if (!sent) co_await fail(ctx, sent.error());
}

// Setup (§4.1): opens the upstream stream (its first event is in) and checks the served model.
// On failure it has answered with the error (nothing was sent before) and returns null.
asio::awaitable<std::unique_ptr<ChatStream>> open_stream(RequestContext& ctx,
                                                         const ResolvedModel& resolved,
                                                         ProviderRequest request) {
  UpstreamTimer timer(ctx.log);
  auto opened = co_await resolved.provider->stream(std::move(request));
  timer.stop();
  // Nothing was sent yet: a setup failure keeps its real status (404, 502, 504, ...).
  if (!opened) {
    co_await fail_upstream(ctx, resolved, opened.error());
    co_return nullptr;
  }
  std::optional<Error> refused;
  if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
    refused = Error::cancelled();
  } else {
    refused = check_served_model(resolved, (*opened)->info().model, ctx.worker.config.inference);
  }
  if (!refused) co_return std::move(*opened);
  opened->reset();  // closes the upstream before we answer
  co_await fail(ctx, std::move(*refused));
  co_return nullptr;
}

// Forwards the parts of an open stream, up to and including [DONE], queued for the final write.
// Returns the first failure (upstream or client) for the caller to report. Kept apart from the
// setup so that the coroutine frame alive for the whole stream stays small.
asio::awaitable<Result<void>> pump_events(RequestContext& ctx, ChatStream& stream,
                                          openai_wire::ChunkEncoder& encoder, bool include_usage) {
  // The headers go out with the first event, or now when that event still needs the network (a
  // role-only first chunk is dropped as empty): the client learns the status without waiting.
  if (!stream.ready()) {
    if (auto flushed = co_await ctx.writer.flush(); !flushed) co_return flushed;
  }
  while (true) {
    UpstreamTimer timer(ctx.log);
    auto part = co_await stream.next();
    timer.stop();
    if (part && is_cancelled(co_await asio::this_coro::cancellation_state)) {
      part = Error::cancelled();  // the signal raced with next()'s completion
    }
    if (!part) co_return part.error();  // SSE error event, no [DONE]
    if (!*part) {
      // The contract says Finish comes first; an upstream that just stops is a cut stream.
      co_return Error::upstream("the upstream ended the stream without a finish_reason");
    }
    if (const auto* finish = std::get_if<Finish>(&**part)) {
      // Finish, the usage chunk and [DONE] go out with the end of the body, in its one write.
      ctx.log.usage = finish->usage;
      Result<void> sent = co_await ctx.writer.queue_event(encoder.encode(**part));
      if (sent && include_usage && finish->usage) {
        sent = co_await ctx.writer.queue_event(encoder.usage_chunk(*finish->usage));
      }
      if (sent) sent = co_await ctx.writer.queue_event(openai_wire::ChunkEncoder::done());
      co_return sent;
    }
    if (!ctx.log.time_to_first_token) ctx.log.time_to_first_token = Clock::now() - ctx.log.start;
    // Parts that arrived together share one write; otherwise the part is written now, and the
    // next is read only once the kernel took it (backpressure, §4).
    // (No co_await inside ?: here: GCC 12 destroys such temporaries twice.)
    const std::string event = encoder.encode(**part);
    Result<void> sent;
    if (stream.ready()) {
      sent = co_await ctx.writer.queue_event(event);
    } else {
      sent = co_await ctx.writer.send_event(event);
    }
    if (!sent) co_return sent;
  }
}

asio::awaitable<void> answer_streamed(RequestContext& ctx, ResolvedModel resolved,
                                      ProviderRequest request, bool include_usage) {
  std::unique_ptr<ChatStream> stream = co_await open_stream(ctx, resolved, std::move(request));
  if (!stream) co_return;
  const StreamInfo& info = stream->info();
  openai_wire::ChunkEncoder encoder(info.id.empty() ? openai_wire::new_completion_id() : info.id,
                                    info.model.empty() ? resolved.model : info.model,
                                    info.created != 0 ? info.created : unix_seconds());
  Result<void> streamed = co_await ctx.writer.start_event_stream();
  if (streamed) streamed = co_await pump_events(ctx, *stream, encoder, include_usage);
  stream.reset();  // done or failed: the upstream connection is pooled or closed
  if (streamed) streamed = co_await ctx.writer.end_event_stream();
  if (!streamed) co_await fail(ctx, streamed.error());
}

}  // namespace

asio::awaitable<void> handle_chat_completions(RequestContext& ctx) {
  const auto& config = ctx.worker.config;
  auto parsed = openai_wire::parse_chat_request(ctx.request.body(), request_limits(config.limits));
  if (!parsed) co_return co_await fail(ctx, parsed.error());
  ctx.log.stream = parsed->stream;
  apply_generation_defaults(parsed->request.settings, config.inference);

  auto resolved =
      co_await resolve_model(std::move(parsed->request.model), ModelPurpose::kChat,
                             config.inference, ctx.worker.providers, ctx.worker.catalog);
  if (!resolved) co_return co_await fail(ctx, resolved.error());
  ctx.log.upstream_wait += resolved->upstream_wait;
  ctx.log.model = resolved->model;
  parsed->request.model = resolved->model;

  auto slot = co_await admit(ctx);  // released when this frame ends, i.e. with the response
  if (!slot) co_return co_await fail(ctx, slot.error());
  if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
    co_return co_await fail(ctx, Error::cancelled());  // the slot is released on return
  }

  if (parsed->stream) {
    co_await answer_streamed(ctx, std::move(*resolved), std::move(parsed->request),
                             parsed->include_usage);
  } else {
    co_await answer_once(ctx, std::move(*resolved), std::move(parsed->request));
  }
}

}  // namespace roci::server
