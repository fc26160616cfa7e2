// GET /, /ui, /admin/status, /admin/series (admin_handlers.h). /admin/events: admin_events.cc.
//
// /admin/status:
//   {"gateway":{"version":"0.1.0 (git ...)","uptime_secs":12.5,"started_ms":..,
//               "config_file":"config/lmstudio.yaml","threads":2,"connections_open":3,
//               "keys_required":false,"log_content":false,
//               "queue":{"length":0,"in_flight":1,"max_concurrent":4,"max_queue":64}},
//    "backends":[{"name":"default","kind":"lmstudio","base_url":"http://localhost:1234",
//                 "reachable":true,"latency_ms":0.4,"detail":"...","circuit":null,
//                 "loaded_models":["qwen/qwen3-8b"],"in_flight":1,"queued":0}]}
// `backends` has the fields of the fleet's /health entries: with inference.backends one per host
// from the fleet's last probes (circuit "closed" | "open" | "half-open"); without, the one
// upstream as backend "default", probed now (circuit null: it has no circuit breaker).
#include "server/admin/admin_handlers.h"

#include "config/gateway_config.h"
#include "openai_wire/json_writer.h"
#include "server/admin/admin_access.h"
#include "server/admin/admin_state.h"
#include "server/admin/ui_assets.h"
#include "server/api/handler_support.h"
#include "server/routing/admission_queue.h"
#include "server/routing/model_catalog.h"
#include "server/routing/provider_set.h"

#include <chrono>
#include <string>
#include <utility>

namespace roci::server::admin {
namespace {

using namespace openai_wire::json_literals;  // NOLINT(google-build-using-namespace)

Error not_found(std::string_view path) {
  return Error{.kind = ErrorKind::kNotFound,
               .message = "No console file at " + std::string(path.substr(0, 200)) + ".",
               .code = "unknown_route"};
}

Error console_unavailable() {
  return Error::internal("The web console's state is missing (the gateway was built without it).");
}

void write_gateway(openai_wire::JsonWriter& w, const AdminState& admin,
                   const AdmissionQueue& admission) {
  const AdminOptions& o = admin.options();
  w.begin_object();
  w.key("version"_js).string(o.version);
  w.key("uptime_secs"_js).number(std::chrono::duration<double>(admin.uptime()).count());
  w.key("started_ms"_js).integer(admin.started_unix_ms());
  w.key("config_file"_js).string(o.config_file);
  w.key("threads"_js).integer(o.threads);
  w.key("connections_open"_js).integer(admin.connections());
  w.key("keys_required"_js).boolean(o.keys_required);
  w.key("log_content"_js).boolean(o.log_content);
  w.key("queue"_js).begin_object();
  w.key("length"_js).integer(static_cast<std::int64_t>(admission.queue_length()));
  w.key("in_flight"_js).integer(static_cast<std::int64_t>(admission.in_flight()));
  w.key("max_concurrent"_js).integer(admission.max_concurrent());
  w.key("max_queue"_js).integer(admission.max_queue());
  w.end_object();
  w.end_object();
}

void write_backend(openai_wire::JsonWriter& w, const Provider& provider,
                   const ProviderHealth& health, const AdmissionQueue& admission) {
  w.begin_object();
  w.key("name"_js).string(config::kDefaultBackendName);
  w.key("kind"_js).string(provider.kind());
  w.key("base_url"_js).string(health.base_url.empty() ? provider.base_url() : health.base_url);
  w.key("reachable"_js).boolean(health.reachable);
  w.key("latency_ms"_js).number(static_cast<double>(health.latency.count()) / 1000.0);
  w.key("detail"_js).string(health.detail);
  w.key("circuit"_js).null();
  w.key("loaded_models"_js).begin_array();
  for (const auto& id : health.loaded_models) w.string(id);
  w.end_array();
  w.key("in_flight"_js).integer(static_cast<std::int64_t>(admission.in_flight()));
  w.key("queued"_js).integer(static_cast<std::int64_t>(admission.queue_length()));
  w.end_object();
}

void write_fleet_backend(openai_wire::JsonWriter& w, const fleet::BackendSnapshot& b) {
  w.begin_object();
  w.key("name"_js).string(b.name);
  w.key("kind"_js).string(b.kind);
  w.key("base_url"_js).string(b.base_url);
  w.key("reachable"_js).boolean(b.reachable);
  w.key("latency_ms"_js).number(static_cast<double>(b.latency.count()) / 1000.0);
  w.key("detail"_js).string(b.detail);
  w.key("circuit"_js).string(fleet::to_string(b.circuit));
  w.key("loaded_models"_js).begin_array();
  for (const auto& id : b.loaded_models) w.string(id);
  w.end_array();
  w.key("in_flight"_js).integer(b.in_flight);
  w.key("queued"_js).integer(b.queued);
  w.end_object();
}

Headers no_store() {
  Headers h;
  h.emplace_back("Cache-Control", "no-store");
  return h;
}

}  // namespace

asio::awaitable<bool> admit_console_request(RequestContext& ctx) {
  if (ctx.worker.admin == nullptr) {
    co_await fail(ctx, console_unavailable());
    co_return false;
  }
  if (auto refused = console_access(ctx.worker.admin->options().keys_required, ctx.peer)) {
    co_await fail(ctx, std::move(*refused));
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> handle_root(RequestContext& ctx) {
  const std::string_view accept = ctx.request[http::field::accept];
  if (accept.find("text/html") == std::string_view::npos) {
    co_return co_await fail(
        ctx, Error{.kind = ErrorKind::kNotFound,
                   .message = "Unknown route: GET /. The gateway serves /v1/chat/completions, "
                              "/v1/completions, /v1/embeddings, /v1/models, /health, /metrics, "
                              "and the web console at /ui.",
                   .code = "unknown_route"});
  }
  Headers location;
  location.emplace_back("Location", "/ui/");
  auto sent = co_await ctx.writer.send(302, "text/plain; charset=utf-8",
                                       "The web console is at /ui/.\n", std::move(location));
  if (!sent) co_await fail(ctx, sent.error());
}

asio::awaitable<void> handle_ui(RequestContext& ctx) {
  if (!co_await admit_console_request(ctx)) co_return;
  const std::string_view target = ctx.request.target();
  auto answer =
      serve_ui_asset(embedded_ui_files(), target, ctx.request[http::field::if_none_match]);
  if (!answer) co_return co_await fail(ctx, not_found(target.substr(0, target.find('?'))));
  auto sent = co_await ctx.writer.send(answer->status, answer->content_type,
                                       std::string(answer->body), std::move(answer->headers));
  if (!sent) co_await fail(ctx, sent.error());
}

asio::awaitable<void> handle_admin_status(RequestContext& ctx) {
  if (!co_await admit_console_request(ctx)) co_return;
  if (const fleet::FleetProvider* fleet = ctx.worker.providers.fleet()) {
    const fleet::FleetSnapshot snapshot = fleet->fleet().snapshot();
    std::string body;
    openai_wire::JsonWriter w(body);
    w.begin_object();
    w.key("gateway"_js);
    write_gateway(w, *ctx.worker.admin, ctx.worker.admission);
    w.key("backends"_js).begin_array();
    for (const auto& b : snapshot.backends) write_fleet_backend(w, b);
    w.end_array();
    w.end_object();
    auto sent = co_await ctx.writer.send(200, "application/json", std::move(body), no_store());
    if (!sent) co_await fail(ctx, sent.error());
    co_return;
  }
  Provider& provider = ctx.worker.providers.primary();
  auto probed = co_await probe_health(ctx, provider);
  if (!probed || is_cancelled(co_await asio::this_coro::cancellation_state)) {
    co_return co_await fail_cancelled(ctx);
  }
  const ProviderHealth& health = *probed;
  std::string body;
  openai_wire::JsonWriter w(body);
  w.begin_object();
  w.key("gateway"_js);
  write_gateway(w, *ctx.worker.admin, ctx.worker.admission);
  w.key("backends"_js).begin_array();
  write_backend(w, provider, health, ctx.worker.admission);
  w.end_array();
  w.end_object();
  auto sent = co_await ctx.writer.send(200, "application/json", std::move(body), no_store());
  if (!sent) co_await fail(ctx, sent.error());
}

asio::awaitable<void> handle_admin_series(RequestContext& ctx) {
  if (!co_await admit_console_request(ctx)) co_return;
  std::string body = ctx.worker.admin->series().encode(unix_ms_now());
  auto sent = co_await ctx.writer.send(200, "application/json", std::move(body), no_store());
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace roci::server::admin
