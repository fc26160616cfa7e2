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
#include "config/gateway_config.h"
#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/routing/admission_queue.h"
#include "server/routing/model_catalog.h"
#include "server/routing/provider_set.h"

#include "openai_wire/json_writer.h"

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

}  // namespace

asio::awaitable<void> handle_health(RequestContext& ctx) {
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
  w.end_object();

  auto sent =
      co_await ctx.writer.send(health.reachable ? 200 : 503, "application/json", std::move(body));
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace roci::server
