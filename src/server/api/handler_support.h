// Small pieces every request handler shares: request limits and generation defaults from the
// config, upstream-wait timing, admission, and the one way a handler fails.
//
//   auto parsed = openai_wire::parse_chat_request(body, request_limits(config.limits));
//   apply_generation_defaults(parsed->request.settings, config.inference);   // 100 / 0.7
//   auto admitted = co_await resolve_and_admit(ctx, model, ModelPurpose::kChat);  // or nullopt
//   UpstreamTimer timer(ctx.log);  ... co_await provider.generate(...) ...  timer.stop();
//   co_return co_await fail(ctx, error);  // the dialect's body, SSE error event, or nothing
//                                         // (client gone)
#pragma once

#include "openai_wire/downstream_codec.h"
#include "server/api/http_error.h"
#include "server/http/request_context.h"
#include "server/routing/admission_queue.h"
#include "server/routing/model_resolver.h"

#include <roci/core/error.h>
#include <roci/core/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace roci::config {
struct InferenceSection;
struct LimitsSection;
}  // namespace roci::config

namespace roci::server {

openai_wire::RequestLimits request_limits(const config::LimitsSection& limits);

// The seed's defaults for fields the client left out: max_tokens (inference.default_max_tokens,
// 100; 0 disables) and temperature (inference.default_temperature, 0.7; negative disables).
void apply_generation_defaults(GenerationSettings& settings,
                               const config::InferenceSection& inference);

// Sends the request id upstream as X-Request-Id (TransportOptions::headers): the upstream's logs
// and the gateway's retry lines carry it. Every handler that calls a provider does this.
void forward_request_id(const RequestContext& ctx, std::optional<TransportOptions>& transport);

// Adds the time between construction and stop() (or destruction) to log.upstream_wait.
class UpstreamTimer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit UpstreamTimer(RequestLog& log) : log_(&log), start_(Clock::now()) {}
  ~UpstreamTimer() { stop(); }
  UpstreamTimer(const UpstreamTimer&) = delete;
  UpstreamTimer& operator=(const UpstreamTimer&) = delete;
  void stop() {
    if (log_ != nullptr) log_->upstream_wait += Clock::now() - start_;
    log_ = nullptr;
  }

 private:
  RequestLog* log_;
  Clock::time_point start_;
};

// What resolve_and_admit() leaves: the model and the admission slot, held until the response
// ended (the slot is released with this object).
struct Admitted {
  ResolvedModel resolved;
  AdmissionQueue::Slot slot;
};

// resolve_model (recorded in ctx.log: requested_model, model, backend), then a slot of the shared
// AdmissionQueue; time spent queued counts as upstream wait (the gateway waits for upstream
// capacity, it does not work). Shared by every inference endpoint. A fleet admits per backend
// instead (each backend's max_concurrent and bounded queue, inside the FleetProvider call: the
// same kQueueFull, 429 + Retry-After), so with a fleet the slot is empty. On failure (kQueueFull:
// 429 + Retry-After; kCancelled; resolution errors) the error was answered and it returns nullopt.
asio::awaitable<std::optional<Admitted>> resolve_and_admit(RequestContext& ctx,
                                                           std::string requested,
                                                           ModelPurpose purpose);

// resolve_and_admit() without a coroutine frame when it needs none (the model list cached and a
// slot free, the usual case): nullopt, with the admission in `out`; otherwise the coroutine that
// does the rest (waits for the model list or a slot, or answers the failure), with
// resolve_and_admit()'s result, and `out` holds nothing to use. Cancellation: an admission in `out`
// is not checked for it (nothing was awaited); the caller's next await sees it.
std::optional<asio::awaitable<std::optional<Admitted>>> resolve_and_admit_now(RequestContext& ctx,
                                                                              std::string requested,
                                                                              ModelPurpose purpose,
                                                                              Admitted& out);

// `provider`'s health for /health and the console: its probe (never a completion), with the
// loaded models from the catalog when the probe names none. A failed probe is an unreachable
// health carrying the error's message; only kCancelled is an error. Waits count as upstream wait.
asio::awaitable<Result<ProviderHealth>> probe_health(RequestContext& ctx, Provider& provider);

// True when the session cancelled this handler (client gone). A cancellation that arrives after an
// operation completed but before its handler ran is lost for that operation (and later ones are not
// cancelled either), so handlers check this after each upstream await:
//   if (is_cancelled(co_await asio::this_coro::cancellation_state)) ...   // no allocation
bool is_cancelled(const asio::cancellation_state& state);

// Answers with `e` through send_error (the envelope, or an SSE error event once streaming) and
// records it; for kCancelled only records (499). When the upstream says the model is unknown,
// forgets the cached model list so the next resolution sees the upstream's current models.
// fail_upstream names the backend the error came from (served_backend), so the error carries
// X-Roci-Backend. `stream`: the dialect's stream encoder once an event stream is open (its error
// event). Not coroutines themselves: `e` is copied into the frame of the one they return, so an
// awaiting coroutine's frame holds no Error for the call (its frame is allocated per request;
// Asio recycles frames only up to about 1 KiB). fail_cancelled is fail with Error::cancelled().
asio::awaitable<void> fail(RequestContext& ctx, const Error& e, StreamEncoder* stream = nullptr);
asio::awaitable<void> fail_cancelled(RequestContext& ctx);
asio::awaitable<void> fail_upstream(RequestContext& ctx, const ResolvedModel& resolved,
                                    const Error& e);

// Who answered (FLEET.md rule 6): `reported` (the fleet's backend), else "default" when the one
// configured upstream did (no inference.backends: the primary is the backend "default"), else the
// provider's name; "" when none is known. Recorded in ctx.log.backend.
std::string_view served_backend(RequestContext& ctx, const ResolvedModel& resolved,
                                std::string_view reported);
// {X-Roci-Backend: backend}, or nothing for "". The list is the worker's own
// (WorkerContext::backend_field), rebuilt only when `backend` differs from the one it holds: valid
// until the next call on this worker's thread, so hand it straight to the writer (send_now reads
// it before returning; send and start_event_stream take their own copy).
const Headers& backend_header(RequestContext& ctx, std::string_view backend);

// Unix seconds now (`created` when the upstream did not say).
std::int64_t unix_seconds();

}  // namespace roci::server
