// GET /health: is the upstream reachable, how fast, which models are loaded, and the effective
// upstream HTTP configuration and queue state. 200 when the upstream answered, 503 when not.
// Never a completion call (LM Studio: /lmstudio-greeting, which loads no model) and never the key.
//
//   {"status":"ok","provider":"lmstudio","base_url":"http://localhost:1234",
//    "upstream":{"reachable":true,"latency_ms":0.41,"detail":"..."},
//    "loaded_models":["qwen/qwen3-8b"],
//    "http":{"timeout_secs":60,"connect_timeout_secs":10,"first_byte_timeout_secs":60,
//            "stream_idle_timeout_secs":60,"keep_alive_secs":4,"max_idle_connections":10},
//    "queue":{"length":0,"in_flight":1,"max_concurrent":4,"max_queue":64}}
//
// With a fleet (inference.backends) the state is the fleet's last probes (no upstream call here):
// "backends" lists every backend in config order (name, kind, base_url, reachable, usable,
// latency_ms, loaded_models, loading_models, in_flight, queued, max_concurrent, max_queue,
// circuit: closed | open | half-open, detail); 200 while at least one backend is usable, 503 when
// none is; "loaded_models" is the union, "queue" the sums.
#include "config/gateway_config.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/routing/admission_queue.h"
#include "server/routing/model_catalog.h"
#include "server/routing/provider_set.h"

#include "openai_wire/json_writer.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

namespace roci::server {

using namespace openai_wire::json_literals;  // NOLINT(google-build-using-namespace): "key"_js

namespace {

// Whole seconds as an integer, anything finer as a fraction (LM Studio's clamped keep-alive).
void write_seconds(openai_wire::JsonWriter& w, std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) {
    w.integer(d.count() / 1000);
  } else {
    w.number(static_cast<double>(d.count()) / 1000.0);
  }
}

void write_http_section(openai_wire::JsonWriter& w, const Provider& provider,
                        const config::HttpSection& configured) {
  // The provider's effective options when it has an upstream (LM Studio clamps keep-alive below
  // its 5-second server keep-alive), else the configured ones.
  const HttpOptions fallback = config::to_http_options(configured);
  const HttpOptions& http =
      provider.http_options() != nullptr ? *provider.http_options() : fallback;
  w.begin_object();
  write_seconds(w.key("timeout_secs"_js), http.request_timeout);
  write_seconds(w.key("connect_timeout_secs"_js), http.connect_timeout);
  write_seconds(w.key("first_byte_timeout_secs"_js), http.first_byte_timeout);
  write_seconds(w.key("stream_idle_timeout_secs"_js), http.idle_timeout);
  write_seconds(w.key("stream_timeout_secs"_js), http.stream_timeout);
  write_seconds(w.key("keep_alive_secs"_js), http.keep_alive);
  w.key("max_idle_connections"_js).integer(static_cast<std::int64_t>(http.max_idle_connections));
  w.end_object();
}

double milliseconds(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1000.0; }

void write_strings(openai_wire::JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& s : items) w.string(s);
  w.end_array();
}

void write_backend(openai_wire::JsonWriter& w, const fleet::BackendSnapshot& b) {
  w.begin_object();
  w.key("name"_js).string(b.name);
  w.key("kind"_js).string(b.kind);
  w.key("base_url"_js).string(b.base_url);
  w.key("reachable"_js).boolean(b.reachable);
  w.key("usable"_js).boolean(b.usable);
  w.key("latency_ms"_js).number(milliseconds(b.latency));
  write_strings(w.key("loaded_models"_js), b.loaded_models);
  write_strings(w.key("loading_models"_js), b.loading_models);
  w.key("in_flight"_js).integer(b.in_flight);
  w.key("queued"_js).integer(b.queued);
  w.key("max_concurrent"_js).integer(b.max_concurrent);
  w.key("max_queue"_js).integer(b.max_queue);
  w.key("circuit"_js).string(fleet::to_string(b.circuit));
  w.key("detail"_js).string(b.detail);
  w.end_object();
}

asio::awaitable<void> fleet_health(RequestContext& ctx, const fleet::Fleet& fleet) {
  const fleet::FleetSnapshot snapshot = fleet.snapshot();
  const bool usable = snapshot.usable();
  std::vector<std::string> loaded;
  std::int64_t queued = 0, in_flight = 0, capacity = 0;
  for (const auto& b : snapshot.backends) {
    for (const auto& id : b.loaded_models) {
      if (std::find(loaded.begin(), loaded.end(), id) == loaded.end()) loaded.push_back(id);
    }
    queued += b.queued;
    in_flight += b.in_flight;
    capacity += b.max_concurrent;
  }
  std::string body;
  openai_wire::JsonWriter w(body);
  w.begin_object();
  w.key("status"_js).string(usable ? "ok" : "unavailable");
  w.key("provider"_js).string("fleet"_js);
  w.key("upstream"_js).begin_object();
  w.key("reachable"_js).boolean(usable);
  w.key("detail"_js).string(usable ? "at least one backend is usable" : "no backend is usable");
  w.end_object();
  write_strings(w.key("loaded_models"_js), loaded);
  w.key("backends"_js).begin_array();
  for (const auto& b : snapshot.backends) write_backend(w, b);
  w.end_array();
  w.key("http"_js);
  write_http_section(w, ctx.worker.providers.primary(), ctx.worker.config.inference.http);
  w.key("queue"_js).begin_object();
  w.key("length"_js).integer(queued);
  w.key("in_flight"_js).integer(in_flight);
  w.key("max_concurrent"_js).integer(capacity);
  w.key("max_queue"_js).integer(ctx.worker.config.limits.max_queue);
  w.end_object();
  w.end_object();
  auto sent = co_await ctx.writer.send(usable ? 200 : 503, "application/json", std::move(body));
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace

asio::awaitable<void> handle_health(RequestContext& ctx) {
  if (const fleet::FleetProvider* fleet = ctx.worker.providers.fleet()) {
    co_return co_await fleet_health(ctx, fleet->fleet());
  }
  Provider& provider = ctx.worker.providers.primary();
  auto probed = co_await probe_health(ctx, provider);
  if (!probed) co_return co_await fail(ctx, probed.error());
  const ProviderHealth& health = *probed;

  const auto& admission = ctx.worker.admission;
  std::string body;
  openai_wire::JsonWriter w(body);
  w.begin_object();
  w.key("status"_js).string(health.reachable ? "ok" : "unavailable");
  w.key("provider"_js).string(provider.name());
  w.key("base_url"_js).string(health.base_url.empty() ? provider.base_url() : health.base_url);
  w.key("upstream"_js).begin_object();
  w.key("reachable"_js).boolean(health.reachable);
  w.key("latency_ms"_js).number(static_cast<double>(health.latency.count()) / 1000.0);
  w.key("detail"_js).string(health.detail);
  w.end_object();
  w.key("loaded_models"_js).begin_array();
  for (const auto& id : health.loaded_models) w.string(id);
  w.end_array();
  w.key("http"_js);
  write_http_section(w, provider, ctx.worker.config.inference.http);
  w.key("queue"_js).begin_object();
  w.key("length"_js).integer(static_cast<std::int64_t>(admission.queue_length()));
  w.key("in_flight"_js).integer(static_cast<std::int64_t>(admission.in_flight()));
  w.key("max_concurrent"_js).integer(admission.max_concurrent());
  w.key("max_queue"_js).integer(admission.max_queue());
  w.end_object();
  // The one upstream as the fleet's shape: backend "default" (FLEET.md).
  fleet::BackendSnapshot one;
  one.name = std::string(config::kDefaultBackendName);
  one.kind = std::string(provider.kind());
  one.base_url = health.base_url.empty() ? std::string(provider.base_url()) : health.base_url;
  one.reachable = one.usable = health.reachable;
  one.latency = health.latency;
  one.detail = health.detail;
  one.loaded_models = health.loaded_models;
  one.in_flight = static_cast<int>(admission.in_flight());
  one.queued = static_cast<int>(admission.queue_length());
  one.max_concurrent = admission.max_concurrent();
  one.max_queue = admission.max_queue();
  w.key("backends"_js).begin_array();
  write_backend(w, one);
  w.end_array();
  w.end_object();

  auto sent =
      co_await ctx.writer.send(health.reachable ? 200 : 503, "application/json", std::move(body));
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace roci::server
