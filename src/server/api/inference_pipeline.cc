#include "server/api/inference_pipeline.h"

#include "config/gateway_config.h"
#include "openai_wire/client_body.h"
#include "server/admin/request_event.h"
#include "server/api/handler_support.h"
#include "server/routing/model_resolver.h"
#include "server/routing/provider_set.h"

#include <roci/provider/chat_stream.h>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

namespace roci::server {
namespace {

using Clock = std::chrono::steady_clock;

// What the setup of an answer leaves: the validated request (parsed in place) bound to its model,
// and the admission slot (in `admitted`), held until the response ended.
struct Prepared : DialectRequest {
  Admitted admitted;
};

// Parse and validate -> defaults, into `out`; the error to answer with otherwise. Not a coroutine:
// the parse's temporaries stay off the frames.
std::optional<Error> parse_into(RequestContext& ctx, Dialect& dialect, Prepared& out) {
  const auto& config = ctx.worker.config;
  std::optional<Error> refused =
      dialect.parse(ctx.request.body(), request_limits(config.limits), out);
  // A body the upstream can be sent as it is, edited (openai_wire/client_body.h), moves into the
  // request; the provider takes it again to build the upstream body before any answer starts.
  // Otherwise what the answer needs was copied out: a long conversation's body is not held for
  // the minutes a stream can last.
  if (!refused) openai_wire::keep_client_body(out.request, std::move(ctx.request.body()));
  std::string().swap(ctx.request.body());
  if (refused) return refused;
  ctx.log.stream = out.stream;
  if (config.ui.log_content) admin::note_prompt(ctx.log, out.request.messages);
  dialect.apply_defaults(out.request.settings, config.inference);
  return std::nullopt;
}

// The request bound to its admitted model.
void bind(RequestContext& ctx, Prepared& out) {
  out.request.model = out.admitted.resolved.request_model();
  forward_request_id(ctx, out.request.transport);
}

asio::awaitable<bool> refuse(RequestContext& ctx, Error e) {
  co_await fail(ctx, e);
  co_return false;
}

// The admission that had to wait (or answered a failure).
asio::awaitable<bool> admit_later(RequestContext& ctx, Prepared& out,
                                  asio::awaitable<std::optional<Admitted>> admission) {
  std::optional<Admitted> admitted = co_await std::move(admission);
  if (!admitted) co_return false;
  out.admitted = std::move(*admitted);
  bind(ctx, out);
  co_return true;
}

// parse_into -> resolve the model -> admission slot, into `out`. Not a coroutine: nullopt when
// `out` is ready without a wait (the usual case); else the coroutine that is left, which answers
// a failure (false) or waits for the model list or a slot (true when `out` is then ready).
std::optional<asio::awaitable<bool>> prepare(RequestContext& ctx, Dialect& dialect, Prepared& out) {
  if (std::optional<Error> refused = parse_into(ctx, dialect, out)) {
    return refuse(ctx, std::move(*refused));
  }
  auto rest =
      resolve_and_admit_now(ctx, std::move(out.request.model), ModelPurpose::kChat, out.admitted);
  if (rest) return admit_later(ctx, out, std::move(*rest));
  bind(ctx, out);
  return std::nullopt;
}

// The provider call, with the request moved out here rather than in the awaiting frame.
asio::awaitable<Result<GenerationResult>> generate(Prepared& prepared) {
  return prepared.admitted.resolved.provider->generate(std::move(prepared.request));
}

// The rest of an answer the socket did not take at once.
asio::awaitable<void> finish_send(RequestContext& ctx) {
  auto sent = co_await ctx.writer.flush();
  if (!sent) co_await fail(ctx, sent.error());
}

// What follows the upstream's answer: the failure answered, or the answer checked, rendered and
// sent. Not a coroutine: nullopt when the answer left at once (the usual case), else the
// coroutine that is left (a failure's answer, or the rest of the write).
std::optional<asio::awaitable<void>> finish_once(RequestContext& ctx, Dialect& dialect,
                                                 const ResolvedModel& resolved,
                                                 Result<GenerationResult>& result, bool cancelled) {
  if (!result) return fail_upstream(ctx, resolved, result.error());
  if (cancelled) return fail_cancelled(ctx);
  if (auto mismatch = check_served_model(resolved, result->model, ctx.worker.config.inference,
                                         ctx.log.request_id)) {
    return fail(ctx, *mismatch);
  }
  ctx.log.usage = result->usage;
  if (ctx.worker.config.ui.log_content) admin::note_answer(ctx.log, result->text);
  const AnswerMeta meta{.id = result->id,
                        .model = result->model.empty() ? resolved.model : result->model,
                        .created = result->created != 0 ? result->created : unix_seconds()};
  auto sent =
      ctx.writer.send_now(200, "application/json", dialect.render(*result, meta),
                          backend_header(ctx, served_backend(ctx, resolved, result->backend)));
  if (!sent) return finish_send(ctx);
  if (!*sent) return fail(ctx, sent->error());
  return std::nullopt;
}

asio::awaitable<void> answer_once(RequestContext& ctx, Dialect& dialect, Prepared& prepared) {
  UpstreamTimer timer(ctx.log);
  Result<GenerationResult> result = co_await generate(prepared);
  timer.stop();
  const bool cancelled = is_cancelled(co_await asio::this_coro::cancellation_state);
  auto rest = finish_once(ctx, dialect, prepared.admitted.resolved, result, cancelled);
  if (rest) co_await std::move(*rest);
}

// The provider's stream call, as generate() for answer_once: the request's temporary stays off
// open_stream()'s frame, which would otherwise pass the size Asio recycles (about 1 KiB).
asio::awaitable<Result<std::unique_ptr<ChatStream>>> start_stream(Prepared& prepared) {
  return prepared.admitted.resolved.provider->stream(std::move(prepared.request));
}

// Setup (§4.1): opens the upstream stream (its first event is in) and checks the served model.
// On failure it has answered with the error (nothing was sent before) and returns null.
asio::awaitable<std::unique_ptr<ChatStream>> open_stream(RequestContext& ctx, Prepared& prepared) {
  const ResolvedModel& resolved = prepared.admitted.resolved;
  UpstreamTimer timer(ctx.log);
  auto opened = co_await start_stream(prepared);
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
    refused = check_served_model(resolved, (*opened)->info().model, ctx.worker.config.inference,
                                 ctx.log.request_id);
  }
  if (!refused) co_return std::move(*opened);
  opened->reset();  // closes the upstream before we answer
  co_await fail(ctx, std::move(*refused));
  co_return nullptr;
}

// Encoded events of parts that arrived together, handed to the writer in one call: past this many
// bytes they are queued at once (the writer itself writes past 64 KiB queued).
constexpr std::size_t kMaxBatchedEventBytes = 16u << 10;
// The encoded-events buffer is kept while the upstream is awaited up to this capacity (one event
// of the usual size, re-used by the next one); a larger one, from a burst, is let go.
constexpr std::size_t kKeptEventBytes = 1024;
// Room taken at once when a second part joins a batch (a burst: usually more follow), instead of
// growing the buffer by doubling from one event's size.
constexpr std::size_t kBatchRoomBytes = 8u << 10;

// The events batched so far, then the encoder's closing events, its terminator last, and the end
// of the body, in one write. Then the upstream's rest: the Finish may come from its usage chunk,
// before [DONE] and the chunked terminator; the stream reads them (next() after Finish, bounded by
// its drain budget) so that the upstream connection goes back to the pool instead of being closed.
// The client has its whole answer by then, and the session reads this client's next request only
// after this returns, so that request finds the connection idle.
asio::awaitable<Result<void>> end_stream(RequestContext& ctx, StreamEncoder& encoder,
                                         const Finish& finish, std::string& events,
                                         std::unique_ptr<ChatStream>& stream) {
  ctx.log.usage = finish.usage;
  encoder.finish_into(finish, events);
  auto ended = co_await ctx.writer.queue_event(events);
  if (ended) ended = co_await ctx.writer.end_event_stream();
  if (ended) (void)co_await stream->next();  // its end or its failure: either way, let go
  stream.reset();
  co_return ended;
}

// Forwards the parts of an open stream, up to and including the terminator, and ends the body
// (end_stream, which resets `stream`). Returns the first failure (upstream or client) for the
// caller to report; `stream` may then still be open. Its frame is alive for the whole stream, so
// it is kept apart from the setup and has few awaits: each await's result takes a slot of its own
// in the frame. Parts that arrived together (ChatStream::ready()) are encoded into one buffer and
// leave in one write; a part that needs the upstream is awaited only after what is encoded was
// written.
asio::awaitable<Result<void>> pump_events(RequestContext& ctx, std::unique_ptr<ChatStream>& stream,
                                          StreamEncoder& encoder) {
  // The headers (and the dialect's opening events) go out with the first event, or now when that
  // event still needs the network: the client learns the status without waiting.
  if (!stream->ready()) {
    if (auto flushed = co_await ctx.writer.flush(); !flushed) co_return flushed;
  }
  std::string events;  // encoded, not yet handed to the writer
  while (true) {
    // The next part: taken at once when it is already decoded (no coroutine, no upstream wait),
    // else awaited after what is encoded was written (the write completes when the kernel took
    // the bytes: the next upstream read starts only then).
    std::optional<StreamPart> part = stream->next_ready();
    if (!part) {
      // A stream without next_ready() may still be ready(): then the events stay batched.
      if (!events.empty() && !stream->ready()) {
        // Without a write coroutine when the socket takes the events at once (the usual case).
        if (auto sent = ctx.writer.send_event_now(events); !sent) {
          if (auto flushed = co_await ctx.writer.flush(); !flushed) co_return flushed;
        } else if (!*sent) {
          co_return std::move(*sent);
        }
        events.clear();
        if (events.capacity() > kKeptEventBytes) std::string().swap(events);
      }
      UpstreamTimer timer(ctx.log);
      auto next = co_await stream->next();
      timer.stop();
      if (!next || !*next) {
        // The parts before the failure go out first, then the caller's error event (no
        // terminator). The contract says Finish comes first: an upstream that just stops is a
        // cut stream.
        if (!events.empty()) {
          if (auto queued = co_await ctx.writer.queue_event(events); !queued) co_return queued;
        }
        if (!next) co_return next.error();
        co_return Error::upstream("the upstream ended the stream without a finish_reason");
      }
      part = std::move(**next);
    }
    if (is_cancelled(co_await asio::this_coro::cancellation_state)) {
      co_return Error::cancelled();  // the signal raced with the part's arrival
    }
    if (const auto* finish = std::get_if<Finish>(&*part)) {
      co_return co_await end_stream(ctx, encoder, *finish, events, stream);
    }
    if (!ctx.log.time_to_first_token) ctx.log.time_to_first_token = Clock::now() - ctx.log.start;
    if (const auto* text = std::get_if<TextDelta>(&*part);
        text != nullptr && ctx.worker.config.ui.log_content) {
      admin::note_answer(ctx.log, text->text);
    }
    if (!events.empty() && events.capacity() < kBatchRoomBytes) events.reserve(kBatchRoomBytes);
    encoder.encode_into(*part, events);
    if (events.size() >= kMaxBatchedEventBytes) {
      if (auto queued = co_await ctx.writer.queue_event(events); !queued) co_return queued;
      events.clear();
    }
  }
}

// The event stream's head and the dialect's opening events, queued. Its own frame: with these
// two awaits answer_streamed()'s passed the size Asio recycles (about 1 KiB).
asio::awaitable<Result<void>> start_events(RequestContext& ctx, const ResolvedModel& resolved,
                                           const StreamInfo& info, StreamEncoder& encoder) {
  auto started = co_await ctx.writer.start_event_stream(
      backend_header(ctx, served_backend(ctx, resolved, info.backend)));
  if (!started) co_return started;
  std::string opening = encoder.open();
  if (opening.empty()) co_return started;
  co_return co_await ctx.writer.queue_event(opening);
}

asio::awaitable<void> answer_streamed(RequestContext& ctx, Dialect& dialect, Prepared& prepared) {
  std::unique_ptr<ChatStream> stream = co_await open_stream(ctx, prepared);
  if (!stream) co_return;
  const StreamInfo& info = stream->info();
  std::unique_ptr<StreamEncoder> encoder = dialect.stream_encoder(
      AnswerMeta{.id = info.id,
                 .model = info.model.empty() ? prepared.admitted.resolved.model : info.model,
                 .created = info.created != 0 ? info.created : unix_seconds()});
  Result<void> streamed = co_await start_events(ctx, prepared.admitted.resolved, info, *encoder);
  if (streamed) streamed = co_await pump_events(ctx, stream, *encoder);  // ends the body
  stream.reset();  // failed: the upstream connection is closed
  if (!streamed) co_await fail(ctx, streamed.error(), encoder.get());
}

}  // namespace

asio::awaitable<void> serve_inference(RequestContext& ctx, std::unique_ptr<Dialect> owned) {
  Dialect& dialect = *owned;
  Prepared prepared;
  if (auto rest = prepare(ctx, dialect, prepared); rest && !co_await std::move(*rest)) co_return;
  if (prepared.stream) {
    co_await answer_streamed(ctx, dialect, prepared);
  } else {
    co_await answer_once(ctx, dialect, prepared);
  }
}

}  // namespace roci::server
