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
#include "server/admission_queue.h"
#include "server/handler_support.h"
#include "server/handlers.h"
#include "server/model_catalog.h"
#include "server/provider_set.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <charconv>
#include <string>
#include <utility>

namespace roci::server {
namespace {

namespace json = boost::json;

// A flat JSON writer: Boost 1.81 prints every double in exponent form ("1.5E0", "0E0"), which is
// valid but unfriendly in a body people read; numbers here are plain decimals.
class JsonWriter {
 public:
  void open(char c) {
    separate();
    out_ += c;
    comma_ = false;
  }
  void close(char c) {
    out_ += c;
    comma_ = true;
  }
  JsonWriter& key(std::string_view k) {
    separate();
    out_ += json::serialize(json::string(k));
    out_ += ':';
    comma_ = false;
    return *this;
  }
  void str(std::string_view v) {
    separate();
    out_ += json::serialize(json::string(v));
  }
  void boolean(bool v) {
    separate();
    out_ += v ? "true" : "false";
  }
  void integer(std::int64_t v) {
    separate();
    out_ += std::to_string(v);
  }
  void number(double v) {
    separate();
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, ec == std::errc() ? end : buf);
  }
  // Whole seconds as an integer, anything finer as a fraction (LM Studio's clamped keep-alive).
  void seconds(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return integer(d.count() / 1000);
    number(static_cast<double>(d.count()) / 1000.0);
  }
  std::string take() { return std::move(out_); }

 private:
  void separate() {
    if (comma_) out_ += ',';
    comma_ = true;
  }
  std::string out_;
  bool comma_ = false;
};

void write_http_section(JsonWriter& w, const Provider& provider,
                        const config::HttpSection& configured) {
  // The provider's effective options when it has an upstream (LM Studio clamps keep-alive below
  // its 5-second server keep-alive), else the configured ones.
  const HttpOptions fallback = config::to_http_options(configured);
  const HttpOptions& http =
      provider.http_options() != nullptr ? *provider.http_options() : fallback;
  w.open('{');
  w.key("timeout_secs").seconds(http.request_timeout);
  w.key("connect_timeout_secs").seconds(http.connect_timeout);
  w.key("first_byte_timeout_secs").seconds(http.first_byte_timeout);
  w.key("stream_idle_timeout_secs").seconds(http.idle_timeout);
  w.key("stream_timeout_secs").seconds(http.stream_timeout);
  w.key("keep_alive_secs").seconds(http.keep_alive);
  w.key("max_idle_connections").integer(static_cast<std::int64_t>(http.max_idle_connections));
  w.close('}');
}

}  // namespace

asio::awaitable<void> handle_health(RequestContext& ctx) {
  Provider& provider = ctx.worker.providers.primary();
  UpstreamTimer timer(ctx.log);
  auto probed = co_await provider.health();
  timer.stop();
  ProviderHealth health;
  if (probed) {
    health = std::move(*probed);
  } else if (probed.error().kind == ErrorKind::kCancelled) {
    co_return co_await fail(ctx, probed.error());
  } else {
    health.reachable = false;
    health.detail = probed.error().message;
  }
  if (health.reachable && health.loaded_models.empty()) {
    // Some providers only know loaded state from their model list (cached, so cheap).
    UpstreamTimer list_timer(ctx.log);
    auto loaded = co_await ctx.worker.catalog.loaded_models(provider);
    list_timer.stop();
    if (loaded) health.loaded_models = std::move(*loaded);
  }

  const auto& admission = ctx.worker.admission;
  JsonWriter w;
  w.open('{');
  w.key("status").str(health.reachable ? "ok" : "unavailable");
  w.key("provider").str(provider.name());
  w.key("base_url").str(health.base_url.empty() ? provider.base_url() : health.base_url);
  w.key("upstream").open('{');
  w.key("reachable").boolean(health.reachable);
  w.key("latency_ms").number(static_cast<double>(health.latency.count()) / 1000.0);
  w.key("detail").str(health.detail);
  w.close('}');
  w.key("loaded_models").open('[');
  for (const auto& id : health.loaded_models) w.str(id);
  w.close(']');
  w.key("http");
  write_http_section(w, provider, ctx.worker.config.inference.http);
  w.key("queue").open('{');
  w.key("length").integer(static_cast<std::int64_t>(admission.queue_length()));
  w.key("in_flight").integer(static_cast<std::int64_t>(admission.in_flight()));
  w.key("max_concurrent").integer(admission.max_concurrent());
  w.key("max_queue").integer(admission.max_queue());
  w.close('}');
  w.close('}');

  auto sent = co_await ctx.writer.send(health.reachable ? 200 : 503, "application/json", w.take());
  if (!sent) co_await fail(ctx, sent.error());
}

}  // namespace roci::server
