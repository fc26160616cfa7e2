#include "server/observability/metrics.h"

#include "server/api/handlers.h"
#include "server/observability/process_metrics.h"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace roci::server {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr char kSep = '\x1f';

// Single-writer increment: a plain load + store, no locked read-modify-write.
template <class T, class U>
void bump(std::atomic<T>& a, U n) {
  a.store(a.load(kRelaxed) + static_cast<T>(n), kRelaxed);
}

constexpr ErrorKind kUpstreamErrorKinds[] = {ErrorKind::kUpstreamError,
                                             ErrorKind::kUpstreamUnreachable, ErrorKind::kTimeout,
                                             ErrorKind::kRateLimited};

std::size_t route_index(std::string_view route) {
  for (std::size_t i = 0; i + 1 < kRouteCount; ++i) {
    if (kRouteLabels[i] == route) return i;
  }
  return kRouteCount - 1;  // "other"
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

void append_number(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_number(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// `labels` is either empty or `key="value",...` without braces.
void histogram_series(std::string& out, std::string_view name, std::string_view labels,
                      std::span<const double> bounds, const Histogram::Snapshot& s) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += s.buckets[i];
    out.append(name).append("_bucket{");
    if (!labels.empty()) out.append(labels).append(",");
    out.append("le=\"");
    if (i < bounds.size()) {
      append_number(out, bounds[i]);
    } else {
      out.append("+Inf");
    }
    out.append("\"} ");
    append_number(out, cumulative);
    out.append("\n");
  }
  const std::string braces = labels.empty() ? std::string() : "{" + std::string(labels) + "}";
  out.append(name).append("_sum").append(braces).append(" ");
  append_number(out, s.sum);
  out.append("\n").append(name).append("_count").append(braces).append(" ");
  append_number(out, s.count);
  out.append("\n");
}

Histogram::Snapshot empty_snapshot(std::span<const double> bounds) {
  Histogram::Snapshot s;
  s.buckets.assign(bounds.size() + 1, 0);
  return s;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ---- Histogram ----

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) buckets_[i].store(0, kRelaxed);
}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);  // le: value <= bound
  bump(buckets_[static_cast<std::size_t>(it - bounds_.begin())], 1);
  sum_.store(sum_.load(kRelaxed) + value, kRelaxed);
  bump(count_, 1);
}

void Histogram::add_to(Snapshot& s) const {
  if (s.buckets.size() != bounds_.size() + 1) s.buckets.assign(bounds_.size() + 1, 0);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) s.buckets[i] += buckets_[i].load(kRelaxed);
  s.sum += sum_.load(kRelaxed);
  s.count += count_.load(kRelaxed);
}

// ---- MetricsShard ----

MetricsShard::MetricsShard() {
  for (auto& h : duration_) h = std::make_unique<Histogram>(kDurationBuckets);
}

void MetricsShard::request_started() { bump(in_flight_, 1); }

std::atomic<std::uint64_t>& MetricsShard::request_counter(std::string_view route, int status,
                                                          std::string_view model) {
  if (!model.empty() &&
      std::find(models_seen_.begin(), models_seen_.end(), model) == models_seen_.end()) {
    if (models_seen_.size() < kMaxModelLabels) {
      models_seen_.emplace_back(model);
    } else {
      model = "other";
    }
  }
  key_scratch_.assign(route);
  key_scratch_.push_back(kSep);
  char buf[12];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, status);
  key_scratch_.append(buf, end);
  key_scratch_.push_back(kSep);
  key_scratch_.append(model);
  if (auto it = requests_.find(key_scratch_); it != requests_.end()) return it->second;
  std::lock_guard lock(labels_mutex_);  // only when a label set appears for the first time
  return requests_.try_emplace(key_scratch_).first->second;
}

void MetricsShard::record(const RequestLog& log) {
  using namespace std::chrono;
  const std::size_t route = route_index(log.route);
  const auto total = steady_clock::now() - log.start;
  bump(in_flight_, -1);
  bump(request_counter(kRouteLabels[route], log.status, log.model), 1);
  duration_[route]->observe(seconds(total));
  overhead_.observe(seconds(std::max<nanoseconds>(total - log.upstream_wait, nanoseconds(0))));
  if (log.time_to_first_token) ttft_.observe(seconds(*log.time_to_first_token));
  if (log.usage) {
    bump(prompt_tokens_, std::max(log.usage->prompt_tokens, 0));
    bump(completion_tokens_, std::max(log.usage->completion_tokens, 0));
    // Generation time: after the first token when streaming, else the upstream wait.
    nanoseconds gen = log.time_to_first_token         ? total - *log.time_to_first_token
                      : log.upstream_wait.count() > 0 ? log.upstream_wait
                                                      : nanoseconds(total);
    if (log.usage->completion_tokens > 0 && gen.count() > 0) {
      tokens_per_second_.observe(log.usage->completion_tokens / seconds(gen));
    }
  }
  // A reader leaving the console's event feed is how that feed ends, not a cancelled request.
  if (log.status == 499 && log.route != "/admin/events") bump(cancellations_, 1);
  if (log.error_kind == ErrorKind::kUnauthenticated) bump(auth_failures_, 1);
  if (log.error_kind) {
    for (std::size_t i = 0; i < std::size(kUpstreamErrorKinds); ++i) {
      if (*log.error_kind == kUpstreamErrorKinds[i]) bump(upstream_errors_[i], 1);
    }
  }
}

// ---- MetricsRegistry ----

MetricsRegistry::MetricsRegistry(std::size_t shards, GaugeSources gauges)
    : gauges_(std::move(gauges)) {
  shards_.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<MetricsShard>());
    shards_.back()->registry_ = this;
  }
}

std::string MetricsRegistry::render() const {
  std::string out;
  out.reserve(16 << 10);

  // requests_total: merged across shards, sorted by label set.
  std::map<std::string, std::uint64_t, std::less<>> requests;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->labels_mutex_);
    for (const auto& [key, count] : shard->requests_) requests[key] += count.load(kRelaxed);
  }
  header(out, "roci_requests_total", "counter", "Requests answered, by route, status and model.");
  for (const auto& [key, count] : requests) {
    const auto a = key.find(kSep);
    const auto b = key.find(kSep, a + 1);
    out.append("roci_requests_total{route=\"")
        .append(escape_label_value(std::string_view(key).substr(0, a)))
        .append("\",status=\"")
        .append(std::string_view(key).substr(a + 1, b - a - 1))
        .append("\",model=\"")
        .append(escape_label_value(std::string_view(key).substr(b + 1)))
        .append("\"} ");
    append_number(out, count);
    out.append("\n");
  }

  header(out, "roci_request_duration_seconds", "histogram",
         "Time from request headers read to response complete, by route.");
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    auto s = empty_snapshot(kDurationBuckets);
    for (const auto& shard : shards_) shard->duration_[r]->add_to(s);
    if (s.count == 0) continue;
    histogram_series(out, "roci_request_duration_seconds",
                     "route=\"" + escape_label_value(kRouteLabels[r]) + "\"", kDurationBuckets, s);
  }

  auto single = [&](std::string_view name, std::string_view help, std::span<const double> bounds,
                    const Histogram MetricsShard::*member) {
    header(out, name, "histogram", help);
    auto s = empty_snapshot(bounds);
    for (const auto& shard : shards_) ((*shard).*member).add_to(s);
    histogram_series(out, name, {}, bounds, s);
  };
  single("roci_time_to_first_token_seconds", "Time to the first streamed token.", kTtftBuckets,
         &MetricsShard::ttft_);
  single("roci_gateway_overhead_seconds",
         "Request duration minus time spent waiting on the upstream.", kOverheadBuckets,
         &MetricsShard::overhead_);
  single("roci_tokens_per_second", "Completion tokens per second of generation.",
         kTokensPerSecondBuckets, &MetricsShard::tokens_per_second_);

  std::uint64_t prompt = 0, completion = 0, cancellations = 0, auth_failures = 0;
  std::uint64_t upstream[std::size(kUpstreamErrorKinds)] = {};
  std::int64_t in_flight = 0;
  for (const auto& shard : shards_) {
    prompt += shard->prompt_tokens_.load(kRelaxed);
    completion += shard->completion_tokens_.load(kRelaxed);
    cancellations += shard->cancellations_.load(kRelaxed);
    auth_failures += shard->auth_failures_.load(kRelaxed);
    in_flight += shard->in_flight_.load(kRelaxed);
    for (std::size_t i = 0; i < std::size(kUpstreamErrorKinds); ++i) {
      upstream[i] += shard->upstream_errors_[i].load(kRelaxed);
    }
  }
  header(out, "roci_tokens_total", "counter", "Tokens reported by the upstream, by kind.");
  out.append("roci_tokens_total{kind=\"prompt\"} ");
  append_number(out, prompt);
  out.append("\nroci_tokens_total{kind=\"completion\"} ");
  append_number(out, completion);
  out.append("\n");

  header(out, "roci_in_flight_requests", "gauge", "Requests being handled.");
  out.append("roci_in_flight_requests ");
  append_number(out, in_flight);
  out.append("\n");

  header(out, "roci_queue_length", "gauge", "Requests waiting for an upstream slot.");
  out.append("roci_queue_length ");
  append_number(out, gauges_.queue_length ? gauges_.queue_length() : std::int64_t{0});
  out.append("\n");

  header(out, "roci_upstream_errors_total", "counter", "Failed upstream exchanges, by kind.");
  for (std::size_t i = 0; i < std::size(kUpstreamErrorKinds); ++i) {
    out.append("roci_upstream_errors_total{kind=\"").append(to_string(kUpstreamErrorKinds[i]));
    out.append("\"} ");
    append_number(out, upstream[i]);
    out.append("\n");
  }

  std::uint64_t retries = 0;
  for (const auto& shard : shards_) retries += shard->upstream_retries_.load(kRelaxed);
  header(out, "roci_upstream_retries_total", "counter",
         "Upstream requests sent again after a transient failure (refused, 502, 503, ...).");
  out.append("roci_upstream_retries_total ");
  append_number(out, retries);
  out.append("\n");

  header(out, "roci_cancellations_total", "counter",
         "Requests abandoned by their client (logged as 499).");
  out.append("roci_cancellations_total ");
  append_number(out, cancellations);
  out.append("\n");

  header(out, "roci_auth_failures_total", "counter",
         "Requests refused for a missing or wrong gateway API key (401).");
  out.append("roci_auth_failures_total ");
  append_number(out, auth_failures);
  out.append("\n");

  header(out, "roci_connections_open", "gauge", "Open client connections.");
  out.append("roci_connections_open ");
  append_number(out, gauges_.connections_open ? gauges_.connections_open() : std::int64_t{0});
  out.append("\n");
  // ---- fleet: the per-backend series (fleet_metrics.cc), when the gateway fronts a fleet.
  if (gauges_.fleet_text) out.append(gauges_.fleet_text());
  // ---- end fleet
  append_process_metrics(out);
  return out;
}

asio::awaitable<void> handle_metrics(RequestContext& ctx) {
  const MetricsRegistry* registry = ctx.worker.metrics.registry();
  std::string body = registry ? registry->render() : std::string();
  auto sent = co_await ctx.writer.send(200, kPrometheusContentType, std::move(body));
  ctx.log.status = sent ? 200 : 499;
}

}  // namespace roci::server
