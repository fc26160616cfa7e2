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
#include "openai_wire/downstream_codec.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/routing/model_resolver.h"
#include "server/routing/provider_set.h"

#include <roci/provider/chat_stream.h>

#include <chrono>
#include <memory>
#include <utility>
#include <variant>

namespace roci::server {
namespace {

using Clock = std::chrono::steady_clock;

// What the setup of a chat completion leaves for the answer: the validated request bound to its
// model, and the admission slot (in `admitted`), held until the response ended.
struct PreparedChat {
  Admitted admitted;
  ProviderRequest request;
  bool stream = false;
  bool include_usage = false;
};

// Parse and validate -> seed defaults -> resolve the model -> admission slot. A coroutine of its
// own so that its temporaries (errors, the parse result) are gone before the answer starts: the
// frames alive for a whole stream stay small. On failure it answered and returns nullopt.
asio::awaitable<std::optional<PreparedChat>> prepare_chat(RequestContext& ctx) {
  const auto& config = ctx.worker.config;
  auto parsed = openai_wire::parse_chat_request(ctx.request.body(), request_limits(config.limits));
  // What the answer needs was copied out: a long conversation's body is not held for the minutes
  // a stream can last.
  std::string().swap(ctx.request.body());
  if (!parsed) {
    co_await fail(ctx, parsed.error());
    co_return std::nullopt;
  }
  ctx.log.stream = parsed->stream;
  apply_generation_defaults(parsed->request.settings, config.inference);
  auto admitted =
      co_await resolve_and_admit(ctx, std::move(parsed->request.model), ModelPurpose::kChat);
  if (!admitted) co_return std::nullopt;
  parsed->request.model = admitted->resolved.request_model();
  co_return PreparedChat{.admitted = std::move(*admitted),
                         .request = std::move(parsed->request),
                         .stream = parsed->stream,
                         .include_usage = parsed->include_usage};
}

asio::awaitable<void> answer_once(RequestContext& ctx, PreparedChat& chat) {
  const ResolvedModel& resolved = chat.admitted.resolved;
  UpstreamTimer timer(ctx.log);
  auto result = co_await resolved.provider->generate(std::move(chat.request));
  timer.stop();
  if (!result) co_return co_await fail_upstream(ctx, resolved, result.error());
  if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
    co_return co_await fail(ctx, Error::cancelled());
  }
  if (auto mismatch = check_served_model(resolved, result->model, ctx.worker.config.inference)) {
    co_return co_await fail(ctx, std::move(*mismatch));
  }
  ctx.log.usage = result->usage;
  const std::string id = result->id.empty() ? openai_wire::new_completion_id() : result->id;
  const std::string_view model = result->model.empty() ? resolved.model : result->model;
  const std::int64_t created = result->created != 0 ? result->created : unix_seconds();
  auto sent = co_await ctx.writer.send(
      200, "application/json", openai_wire::encode_chat_completion(*result, id, model, created),
      backend_header(served_backend(ctx, resolved, result->backend)));
  if (!sent) co_await fail(ctx, sent.error());
}

// Setup (§4.1): opens the upstream stream (its first event is in) and checks the served model.
// On failure it has answered with the error (nothing was sent before) and returns null.
asio::awaitable<std::unique_ptr<ChatStream>> open_stream(RequestContext& ctx, PreparedChat& chat) {
  const ResolvedModel& resolved = chat.admitted.resolved;
  UpstreamTimer timer(ctx.log);
  auto opened = co_await resolved.provider->stream(std::move(chat.request));
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

// Finish, the usage chunk (when the client asked for it) and [DONE], queued: they go out with
// the end of the body, in its one write.
asio::awaitable<Result<void>> queue_stream_end(RequestContext& ctx,
                                               openai_wire::ChunkEncoder& encoder,
                                               const Finish& finish, bool include_usage) {
  ctx.log.usage = finish.usage;
  Result<void> sent = co_await ctx.writer.queue_event(encoder.encode(StreamPart(finish)));
  if (sent && include_usage && finish.usage) {
    sent = co_await ctx.writer.queue_event(encoder.usage_chunk(*finish.usage));
  }
  if (sent) sent = co_await ctx.writer.queue_event(openai_wire::ChunkEncoder::done());
  co_return sent;
}

// Forwards the parts of an open stream, up to and including [DONE], queued for the final write.
// Returns the first failure (upstream or client) for the caller to report. Its frame is alive for
// the whole stream, so it is kept apart from the setup and has few awaits: each await's result
// takes a slot of its own in the frame.
asio::awaitable<Result<void>> pump_events(RequestContext& ctx, ChatStream& stream,
                                          openai_wire::ChunkEncoder& encoder, bool include_usage) {
  using Write = asio::awaitable<Result<void>> (ResponseWriter::*)(std::string_view);
  // The headers go out with the first event, or now when that event still needs the network (a
  // role-only first chunk is dropped as empty): the client learns the status without waiting.
  if (!stream.ready()) {
    if (auto flushed = co_await ctx.writer.flush(); !flushed) co_return flushed;
  }
  Write write = nullptr;  // how `event` leaves: queued, or written with what is queued
  std::string event;
  while (true) {
    if (write != nullptr) {
      auto sent = co_await (ctx.writer.*write)(event);
      if (!sent) co_return sent;
      std::string().swap(event);  // not held while the upstream is awaited
    }
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
      co_return co_await queue_stream_end(ctx, encoder, *finish, include_usage);
    }
    if (!ctx.log.time_to_first_token) ctx.log.time_to_first_token = Clock::now() - ctx.log.start;
    // Parts that arrived together share one write; otherwise the part is written now, and the
    // next is read only once the kernel took it (backpressure, §4).
    event = encoder.encode(**part);
    write = stream.ready() ? &ResponseWriter::queue_event : &ResponseWriter::send_event;
  }
}

asio::awaitable<void> answer_streamed(RequestContext& ctx, PreparedChat& chat) {
  std::unique_ptr<ChatStream> stream = co_await open_stream(ctx, chat);
  if (!stream) co_return;
  const StreamInfo& info = stream->info();
  openai_wire::ChunkEncoder encoder(info.id.empty() ? openai_wire::new_completion_id() : info.id,
                                    info.model.empty() ? chat.admitted.resolved.model : info.model,
                                    info.created != 0 ? info.created : unix_seconds());
  Result<void> streamed = co_await ctx.writer.start_event_stream(
      backend_header(served_backend(ctx, chat.admitted.resolved, info.backend)));
  if (streamed) streamed = co_await pump_events(ctx, *stream, encoder, chat.include_usage);
  stream.reset();  // done or failed: the upstream connection is pooled or closed
  if (streamed) streamed = co_await ctx.writer.end_event_stream();
  if (!streamed) co_await fail(ctx, streamed.error());
}

}  // namespace

asio::awaitable<void> handle_chat_completions(RequestContext& ctx) {
  std::optional<PreparedChat> chat = co_await prepare_chat(ctx);
  if (!chat) co_return;
  if (chat->stream) {
    co_await answer_streamed(ctx, *chat);
  } else {
    co_await answer_once(ctx, *chat);
  }
}

}  // namespace roci::server
