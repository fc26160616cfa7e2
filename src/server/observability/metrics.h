// Gateway metrics: one MetricsShard per I/O thread, summed at scrape into Prometheus text 0.0.4.
//
//   shard.request_started();          // session, before dispatch
//   shard.record(log);                // session, after the response (or the client left)
//   std::string text = registry.render();   // GET /metrics, from any thread
//
// Hot path: a shard has exactly one writer, its thread, which updates relaxed atomics with plain
// load+store (no lock, no read-modify-write). A scrape reads them from another thread. The only
// lock is per shard, taken by the writer when a new (route, status, model) label set first
// appears and by a scrape walking the label map. The model label only takes resolved ids and is
// capped per shard (kMaxModelLabels; past it "other") so the series set stays bounded.
#pragma once

#include "server/http/request_context.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace roci::server {

// Route labels (router.h's RouteMatch::label values); anything else is counted as "other".
inline constexpr std::string_view kRouteLabels[] = {"/v1/chat/completions",
                                                    "/v1/completions",
                                                    "/v1/embeddings",
                                                    "/v1/responses",
                                                    "/v1/responses/{id}",
                                                    "/v1/messages",
                                                    "/v1/messages/count_tokens",
                                                    "/v1/models",
                                                    "/v1/models/{id}",
                                                    "/v1/models/{id}/load",
                                                    "/v1/models/{id}/unload",
                                                    "/health",
                                                    "/metrics",
                                                    "/",
                                                    "/ui",
                                                    "/admin/status",
                                                    "/admin/events",
                                                    "/admin/series",
                                                    "other"};
inline constexpr std::size_t kRouteCount = std::size(kRouteLabels);
inline constexpr std::size_t kMaxModelLabels = 64;

// Upper bounds (seconds or tokens/s); +Inf is implicit.
inline constexpr double kDurationBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                              2.5,   5,    10,    30,   60,  120,  300};
inline constexpr double kTtftBuckets[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
inline constexpr double kOverheadBuckets[] = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025,
                                              0.0005,  0.001,    0.0025,  0.005,  0.01,
                                              0.025,   0.05,     0.1};
inline constexpr double kTokensPerSecondBuckets[] = {1,  5,   10,  20,  30,  50,
                                                     75, 100, 150, 200, 500, 1000};

// A fixed-bucket histogram with one writer and any number of concurrent readers.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);
  void observe(double value);  // writer thread only

  struct Snapshot {
    std::vector<std::uint64_t> buckets;  // per bucket, NOT cumulative; the last one is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  void add_to(Snapshot& snapshot) const;  // any thread
  std::span<const double> bounds() const { return bounds_; }

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

class MetricsRegistry;

class MetricsShard {
 public:
  MetricsShard();
  MetricsShard(const MetricsShard&) = delete;
  MetricsShard& operator=(const MetricsShard&) = delete;

  // Writer thread only. request_started() raises the in-flight gauge; record() lowers it and
  // counts the request (log.status 499 also counts a cancellation, a kUnauthenticated error an
  // auth failure).
  void request_started();
  void record(const RequestLog& log);
  // Any thread: an upstream request was sent again after a transient failure
  // (HttpOptions::on_retry; stale keep-alive resends are not counted).
  void upstream_retry() { upstream_retries_.fetch_add(1, std::memory_order_relaxed); }

  // The registry this shard belongs to (nullptr for a standalone shard).
  const MetricsRegistry* registry() const { return registry_; }

 private:
  friend class MetricsRegistry;
  std::atomic<std::uint64_t>& request_counter(std::string_view route, int status,
                                              std::string_view model);

  const MetricsRegistry* registry_ = nullptr;
  mutable std::mutex labels_mutex_;  // writer: inserts only; scrape: whole walk
  // Key: route '\x1f' status '\x1f' model.
  std::map<std::string, std::atomic<std::uint64_t>, std::less<>> requests_;
  std::vector<std::string> models_seen_;  // writer thread only
  std::string key_scratch_;               // writer thread only

  std::unique_ptr<Histogram> duration_[kRouteCount];  // per route (kRouteLabels order)
  Histogram ttft_{kTtftBuckets};
  Histogram overhead_{kOverheadBuckets};
  Histogram tokens_per_second_{kTokensPerSecondBuckets};
  std::atomic<std::uint64_t> prompt_tokens_{0};
  std::atomic<std::uint64_t> completion_tokens_{0};
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::uint64_t> cancellations_{0};
  std::atomic<std::uint64_t> auth_failures_{0};         // 401: missing or wrong gateway API key
  std::atomic<std::uint64_t> upstream_errors_[4] = {};  // kUpstreamErrorKinds order
  std::atomic<std::uint64_t> upstream_retries_{0};
};

// Sources of the gauges that no shard owns.
struct GaugeSources {
  std::function<std::int64_t()> queue_length;      // AdmissionQueue waiters
  std::function<std::int64_t()> connections_open;  // client connections
  // ---- fleet (FLEET.md; fleet_metrics.h): series with a `backend` label, appended as rendered.
  std::function<std::string()> fleet_text;
  // ---- end fleet
};

// Owns the shards (created up front; the set never changes) and renders them.
class MetricsRegistry {
 public:
  explicit MetricsRegistry(std::size_t shards, GaugeSources gauges = {});
  MetricsShard& shard(std::size_t index) { return *shards_[index]; }
  std::size_t size() const { return shards_.size(); }
  void set_gauges(GaugeSources gauges) { gauges_ = std::move(gauges); }

  // Prometheus text format 0.0.4 of every shard summed. Any thread.
  std::string render() const;

 private:
  std::vector<std::unique_ptr<MetricsShard>> shards_;
  GaugeSources gauges_;
};

// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace roci::server
