// GET /admin/events: the console's live request feed, as server-sent events.
//
//   event: hello    data: {"last_seq":41,"capacity":500,"log_content":false}
//   id: 42          data: {"seq":42,"time_ms":..,"route":"/v1/chat/completions",...}
//   event: dropped  data: {"count":7}        (the reader fell more than the ring behind)
//   : keep-alive                              (every 15 s without events)
//
// First the ring's backlog after `?since=N` (or Last-Event-ID; by default the whole ring), then
// each request as it ends. The handler polls the shared ring (event_ring.h) every 200 ms on its
// own thread: request threads never wait for a reader, and a reader needs no wake-up from
// another thread. Every write has the session's write deadline (server.write_timeout_secs), so a
// reader that stops reading is dropped; a reader that leaves cancels the handler (close watch).
// The feed ends cleanly when the gateway shuts down.
#include "config/gateway_config.h"
#include "server/admin/admin_handlers.h"
#include "server/admin/admin_state.h"
#include "server/api/handler_support.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <chrono>
#include <string>

namespace roci::server::admin {
namespace {

constexpr std::chrono::milliseconds kPollInterval{200};
constexpr std::chrono::seconds kKeepAliveInterval{15};
constexpr std::size_t kBatch = 64;

// The value of `name=` in the query of `target`, or "".
std::string_view query_value(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::uint64_t parse_seq(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return ec == std::errc{} && end == text.data() + text.size() ? n : 0;
}

std::string hello_event(const AdminState& admin, std::uint64_t last_seq) {
  return "event: hello\ndata: {\"last_seq\":" + std::to_string(last_seq) +
         ",\"capacity\":" + std::to_string(kEventRingCapacity) +
         ",\"log_content\":" + (admin.options().log_content ? "true" : "false") + "}\n\n";
}

// Queues one batch of events; false when the client is gone.
asio::awaitable<bool> queue_batch(RequestContext& ctx, const EventRing::Batch& batch) {
  if (batch.dropped > 0) {
    const std::string dropped =
        "event: dropped\ndata: {\"count\":" + std::to_string(batch.dropped) + "}\n\n";
    if (!co_await ctx.writer.queue_event(dropped)) co_return false;
  }
  for (const RequestEvent& event : batch.events) {
    std::string text = "id: " + std::to_string(event.seq) + "\ndata: ";
    text += encode_request_event(event);
    text += "\n\n";
    if (!co_await ctx.writer.queue_event(text)) co_return false;
  }
  co_return true;
}

}  // namespace

asio::awaitable<void> handle_admin_events(RequestContext& ctx) {
  if (!co_await admit_console_request(ctx)) co_return;
  AdminState& admin = *ctx.worker.admin;
  std::uint64_t last = parse_seq(query_value(ctx.request.target(), "since"));
  if (last == 0) last = parse_seq(ctx.request["Last-Event-ID"]);
  std::string().swap(ctx.request.body());

  Headers headers;
  headers.emplace_back("Cache-Control", "no-store");
  headers.emplace_back("X-Accel-Buffering", "no");
  if (auto started = co_await ctx.writer.start_event_stream(std::move(headers)); !started) {
    co_return co_await fail(ctx, started.error());
  }
  if (!co_await ctx.writer.send_event(hello_event(admin, admin.events().last_seq()))) {
    co_return co_await fail_cancelled(ctx);
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto quiet_since = std::chrono::steady_clock::now();
  while (!admin.stopping()) {
    EventRing::Batch batch = admin.events().since(last, kBatch);
    if (!batch.events.empty() || batch.dropped > 0) {
      last = batch.last_seq;
      if (!co_await queue_batch(ctx, batch) || !co_await ctx.writer.flush()) {
        co_return co_await fail_cancelled(ctx);
      }
      quiet_since = std::chrono::steady_clock::now();
      if (batch.events.size() == kBatch) continue;  // more waiting: no pause
    } else if (std::chrono::steady_clock::now() - quiet_since >= kKeepAliveInterval) {
      if (!co_await ctx.writer.send_event(": keep-alive\n\n")) {
        co_return co_await fail_cancelled(ctx);
      }
      quiet_since = std::chrono::steady_clock::now();
    }
    timer.expires_after(kPollInterval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || is_cancelled(co_await asio::this_coro::cancellation_state)) {
      co_return co_await fail_cancelled(ctx);
    }
  }
  (void)co_await ctx.writer.end_event_stream();  // shutting down: the reader reconnects later
}

}  // namespace roci::server::admin
