#include "server/observability/metrics.h"

#include "server/api/handlers.h"
#include "server/observability/process_metrics.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <tuple>

namespace roci::server {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;
// roci_requests_total's label set as one integer: route index, status, label slot.
std::uint64_t request_key(std::size_t route, int status, std::size_t slot) {
  return (std::uint64_t{route} << 48) | (std::uint64_t{static_cast<std::uint32_t>(status)} << 16) |
         std::uint64_t{slot};
}

struct RequestKey {
  std::size_t route;
  int status;
  std::size_t slot;
};

RequestKey split_request_key(std::uint64_t key) {
  return {static_cast<std::size_t>(key >> 48), static_cast<int>((key >> 16) & 0xffffffffu),
          static_cast<std::size_t>(key & 0xffffu)};
}

// Single-writer increment: a plain load + store, no locked read-modify-write.
template <class T, class U>
void bump(std::atomic<T>& a, U n) {
  a.store(a.load(kRelaxed) + static_cast<T>(n), kRelaxed);
}

constexpr ErrorKind kUpstreamErrorKinds[] = {ErrorKind::kUpstreamError,
                                             ErrorKind::kUpstreamUnreachable, ErrorKind::kTimeout,
                                             ErrorKind::kRateLimited};

constexpr std::size_t route_index(std::string_view route) {
  for (std::size_t i = 0; i + 1 < kRouteCount; ++i) {
    if (kRouteLabels[i] == route) return i;
  }
  return kRouteCount - 1;  // "other"
}

// Routes whose usage has generated (output) tokens; embeddings and count_tokens report input only.
constexpr auto kGeneratesTokens = [] {
  std::array<bool, kRouteCount> out{};
  for (std::string_view r :
       {"/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages"}) {
    out[route_index(r)] = true;
  }
  return out;
}();

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
  const std::string braces =
      labels.empty() ? std::string() : std::string("{").append(labels).append("}");
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

// ---- SeriesLabels ----

SeriesLabels::SeriesLabels() {
  std::lock_guard lock(mutex_);
  publish("", "");
  publish("other", "other");
}

std::size_t SeriesLabels::publish(std::string_view model, std::string_view provider) {
  const std::size_t slot = size_.load(kRelaxed);
  std::string rendered;
  if (slot != kNone) {
    rendered = "model=\"" + escape_label_value(model) + "\",provider=\"" +
               escape_label_value(provider) + "\"";
  }
  pairs_[slot] = std::make_unique<const Pair>(
      Pair{std::string(model), std::string(provider), std::move(rendered)});
  size_.store(slot + 1, std::memory_order_release);
  return slot;
}

std::size_t SeriesLabels::intern(std::string_view model, std::string_view provider) {
  std::lock_guard lock(mutex_);
  const std::size_t n = size_.load(kRelaxed);
  for (std::size_t i = 0; i < n; ++i) {
    if (pairs_[i]->model == model && pairs_[i]->provider == provider) return i;
  }
  if (n == kCapacity) return kOverflow;
  return publish(model, provider);
}

// ---- MetricsShard ----

SeriesSlot::SeriesSlot() {
  for (auto& h : duration) h = std::make_unique<Histogram>(kDurationBuckets);
}

MetricsShard::MetricsShard()
    : own_labels_(std::make_unique<SeriesLabels>()), labels_(*own_labels_) {}

MetricsShard::MetricsShard(SeriesLabels& labels) : labels_(labels) {}

MetricsShard::~MetricsShard() {
  for (auto& s : slots_) delete s.load(kRelaxed);
}

void MetricsShard::request_started() { bump(in_flight_, 1); }

std::pair<std::size_t, SeriesSlot*> MetricsShard::find_series(std::string_view model,
                                                              std::string_view provider) {
  std::size_t slot = SeriesLabels::kCapacity;
  auto matches = [&](const Known& k) {
    return k.pair->model == model && k.pair->provider == provider;
  };
  if (last_known_ < known_.size() && matches(known_[last_known_])) {
    slot = known_[last_known_].slot;
  } else {
    for (std::size_t i = 0; i < known_.size(); ++i) {
      if (!matches(known_[i])) continue;
      last_known_ = i;
      slot = known_[i].slot;
      break;
    }
  }
  if (slot == SeriesLabels::kCapacity) {
    // First meeting in this shard: intern (a lock); an overflowed pair is not remembered (the
    // shard's list stays bounded), it takes the lock each time, which only a full table sees.
    slot = labels_.intern(model, provider);
    if (slot != SeriesLabels::kOverflow || (model == "other" && provider == "other")) {
      known_.push_back({&labels_.pair(slot), slot});
      last_known_ = known_.size() - 1;
    }
  }
  SeriesSlot* entry = slots_[slot].load(kRelaxed);
  if (entry == nullptr) {
    entry = new SeriesSlot();
    slots_[slot].store(entry, std::memory_order_release);
  }
  return {slot, entry};
}

std::atomic<std::uint64_t>& MetricsShard::request_counter(std::size_t route, int status,
                                                          std::size_t slot) {
  const std::uint64_t key = request_key(route, status, slot);
  if (auto it = requests_.find(key); it != requests_.end()) return it->second;
  std::lock_guard lock(labels_mutex_);  // only when a label set appears for the first time
  return requests_.try_emplace(key).first->second;
}

void MetricsShard::record(const RequestLog& log) {
  using namespace std::chrono;
  const std::size_t route = route_index(log.route);
  const auto total = steady_clock::now() - log.start;
  bump(in_flight_, -1);
  const std::string_view model = log.model_listed    ? std::string_view(log.model)
                                 : log.model.empty() ? std::string_view()
                                                     : std::string_view("other");
  const auto [slot, series] = find_series(model, log.backend);
  bump(request_counter(route, log.status, slot), 1);
  series->duration[route]->observe(seconds(total));
  overhead_.observe(seconds(std::max<nanoseconds>(total - log.upstream_wait, nanoseconds(0))));
  if (log.time_to_first_token) series->ttft.observe(seconds(*log.time_to_first_token));
  if (log.usage) {
    const int input = std::max(log.usage->prompt_tokens, 0);
    const int output = std::max(log.usage->completion_tokens, 0);
    bump(series->prompt_tokens, input);
    bump(series->completion_tokens, output);
    series->input_tokens.observe(input);
    if (kGeneratesTokens[route]) series->output_tokens.observe(output);
    // Streams: the time between output tokens after the first one.
    if (log.stream && log.time_to_first_token && output >= 2 && total > *log.time_to_first_token) {
      series->time_per_output_token.observe(seconds(total - *log.time_to_first_token) /
                                            (output - 1));
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
    : labels_(std::make_unique<SeriesLabels>()), gauges_(std::move(gauges)) {
  shards_.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<MetricsShard>(*labels_));
    shards_.back()->registry_ = this;
  }
}

std::string MetricsRegistry::render() const {
  std::string out;
  out.reserve(16 << 10);

  // requests_total: merged across shards (and across providers of one model), sorted by labels.
  std::map<std::tuple<std::string_view, int, std::string_view>, std::uint64_t> requests;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->labels_mutex_);
    for (const auto& [key, count] : shard->requests_) {
      const auto [route, status, slot] = split_request_key(key);
      requests[{kRouteLabels[route], status, labels_->pair(slot).model}] += count.load(kRelaxed);
    }
  }
  header(out, "roci_requests_total", "counter", "Requests answered, by route, status and model.");
  for (const auto& [labels, count] : requests) {
    const auto& [route, status, model] = labels;
    out.append("roci_requests_total{route=\"")
        .append(escape_label_value(route))
        .append("\",status=\"");
    append_number(out, static_cast<std::int64_t>(status));
    out.append("\",model=\"").append(escape_label_value(model)).append("\"} ");
    append_number(out, count);
    out.append("\n");
  }

  const std::size_t slots = labels_->size();
  // Sums one histogram of slot `i` over the shards; count 0 when no shard has it.
  auto snapshot = [&](std::size_t i, std::span<const double> bounds, auto histogram_of) {
    auto s = empty_snapshot(bounds);
    for (const auto& shard : shards_) {
      if (const SeriesSlot* slot = shard->slot(i)) histogram_of(*slot).add_to(s);
    }
    return s;
  };
  auto per_slot = [&](std::string_view name, std::string_view prefix,
                      std::span<const double> bounds, auto histogram_of) {
    for (std::size_t i = 0; i < slots; ++i) {
      const auto s = snapshot(i, bounds, histogram_of);
      if (s.count == 0) continue;
      std::string labels(prefix);
      const std::string& pair = labels_->pair(i).rendered;
      if (!labels.empty() && !pair.empty()) labels += ",";
      labels += pair;
      histogram_series(out, name, labels, bounds, s);
    }
  };

  header(out, "roci_request_duration_seconds", "histogram",
         "Time from request headers read to response complete, by route, model and provider.");
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    per_slot("roci_request_duration_seconds",
             "route=\"" + escape_label_value(kRouteLabels[r]) + "\"", kDurationBuckets,
             [r](const SeriesSlot& s) -> const Histogram& { return *s.duration[r]; });
  }
  header(out, "roci_time_to_first_token_seconds", "histogram",
         "Time to the first streamed token, by model and provider.");
  per_slot("roci_time_to_first_token_seconds", {}, kTtftBuckets,
           [](const SeriesSlot& s) -> const Histogram& { return s.ttft; });
  header(out, "roci_time_per_output_token_seconds", "histogram",
         "Streams: time after the first token divided by the output tokens after it.");
  per_slot("roci_time_per_output_token_seconds", {}, kTimePerOutputTokenBuckets,
           [](const SeriesSlot& s) -> const Histogram& { return s.time_per_output_token; });
  header(out, "roci_token_usage_tokens", "histogram",
         "Tokens per request reported by the upstream, by type (input, output), model and "
         "provider.");
  per_slot("roci_token_usage_tokens", "type=\"input\"", kTokenUsageBuckets,
           [](const SeriesSlot& s) -> const Histogram& { return s.input_tokens; });
  per_slot("roci_token_usage_tokens", "type=\"output\"", kTokenUsageBuckets,
           [](const SeriesSlot& s) -> const Histogram& { return s.output_tokens; });

  header(out, "roci_gateway_overhead_seconds", "histogram",
         "Request duration minus time spent waiting on the upstream.");
  {
    auto s = empty_snapshot(kOverheadBuckets);
    for (const auto& shard : shards_) shard->overhead_.add_to(s);
    histogram_series(out, "roci_gateway_overhead_seconds", {}, kOverheadBuckets, s);
  }

  header(out, "roci_tokens_total", "counter",
         "Tokens reported by the upstream, by kind (prompt, completion), model and provider.");
  for (const char* kind : {"prompt", "completion"}) {
    const bool prompt = kind[0] == 'p';
    for (std::size_t i = 0; i < slots; ++i) {
      std::uint64_t sum = 0;
      bool used = false;
      for (const auto& shard : shards_) {
        const SeriesSlot* slot = shard->slot(i);
        if (slot == nullptr) continue;
        used = used || slot->input_tokens.count() > 0;
        sum += (prompt ? slot->prompt_tokens : slot->completion_tokens).load(kRelaxed);
      }
      if (!used) continue;
      out.append("roci_tokens_total{kind=\"").append(kind).append("\"");
      if (!labels_->pair(i).rendered.empty()) out.append(",").append(labels_->pair(i).rendered);
      out.append("} ");
      append_number(out, sum);
      out.append("\n");
    }
  }

  std::uint64_t cancellations = 0, auth_failures = 0;
  std::uint64_t upstream[std::size(kUpstreamErrorKinds)] = {};
  std::int64_t in_flight = 0;
  for (const auto& shard : shards_) {
    cancellations += shard->cancellations_.load(kRelaxed);
    auth_failures += shard->auth_failures_.load(kRelaxed);
    in_flight += shard->in_flight_.load(kRelaxed);
    for (std::size_t i = 0; i < std::size(kUpstreamErrorKinds); ++i) {
      upstream[i] += shard->upstream_errors_[i].load(kRelaxed);
    }
  }

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
