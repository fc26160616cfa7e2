// Gateway metrics: one MetricsShard per I/O thread, summed at scrape into Prometheus text 0.0.4.
//
//   shard.request_started();          // session, before dispatch
//   shard.record(log);                // session, after the response (or the client left)
//   std::string text = registry.render();   // GET /metrics, from any thread
//
// Hot path: a shard has exactly one writer, its thread, which updates relaxed atomics with plain
// load+store (no lock, no read-modify-write). A scrape reads them from another thread.
//
// Labels `model` and `provider` (duration, time to first token, time per output token, tokens):
// `model` is the resolved id only when RequestLog::model_listed (resolved against the provider's
// model list), "other" for any other named model, "" when the request named none; `provider` is
// RequestLog::backend (a configured name). A (model, provider) pair is interned once per registry
// in SeriesLabels (a lock, only the first time a shard meets the pair); past kMaxModelLabels pairs
// every new pair is ("other", "other"), so the series set stays bounded whatever clients send. A
// shard finds a pair's SeriesSlot by comparing the two strings against the pairs it has met (the
// last one first): no allocation per request.
//
// The other lock is per shard, taken by the writer when a new (route, status, model) label set of
// roci_requests_total first appears and by a scrape walking that map.
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
#include <utility>
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
// Distinct (model, provider) label pairs per registry, besides ("", "") and ("other", "other").
inline constexpr std::size_t kMaxModelLabels = 64;

// Upper bounds (seconds or tokens); +Inf is implicit.
inline constexpr double kDurationBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                              2.5,   5,    10,    30,   60,  120,  300};
inline constexpr double kTtftBuckets[] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
inline constexpr double kOverheadBuckets[] = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025,
                                              0.0005,  0.001,    0.0025,  0.005,  0.01,
                                              0.025,   0.05,     0.1};
// Seconds per output token after the first (a 1000 tokens/s model is 0.001, a 10 tokens/s one 0.1).
inline constexpr double kTimePerOutputTokenBuckets[] = {
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5};
// Tokens of one request: powers of 4 from 1 to 4^11 (OpenTelemetry's gen_ai.client.token.usage).
inline constexpr double kTokenUsageBuckets[] = {1,    4,     16,    64,     256,     1024,
                                                4096, 16384, 65536, 262144, 1048576, 4194304};

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
  void add_to(Snapshot& snapshot) const;                                          // any thread
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }  // any thread
  std::span<const double> bounds() const { return bounds_; }

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

// The (model, provider) label pairs of one registry. Slot 0 is ("", ""), slot 1 ("other",
// "other"), the overflow; at most kMaxModelLabels more. A pair, once published, never changes or
// moves, so readers use it without the lock.
class SeriesLabels {
 public:
  static constexpr std::size_t kNone = 0;
  static constexpr std::size_t kOverflow = 1;
  static constexpr std::size_t kCapacity = kMaxModelLabels + 2;

  struct Pair {
    std::string model;
    std::string provider;
    std::string rendered;  // `model="...",provider="..."` escaped; "" for slot 0
  };

  SeriesLabels();
  // The slot of the pair: its own, or kOverflow when kMaxModelLabels pairs exist. Any thread.
  std::size_t intern(std::string_view model, std::string_view provider);
  std::size_t size() const { return size_.load(std::memory_order_acquire); }  // any thread
  const Pair& pair(std::size_t slot) const { return *pairs_[slot]; }          // slot < size()

 private:
  std::size_t publish(std::string_view model, std::string_view provider);  // under mutex_

  std::mutex mutex_;
  std::unique_ptr<const Pair> pairs_[kCapacity];
  std::atomic<std::size_t> size_{0};
};

// One label pair's series in one shard (single writer).
struct SeriesSlot {
  SeriesSlot();
  std::unique_ptr<Histogram> duration[kRouteCount];  // per route (kRouteLabels order)
  Histogram ttft{kTtftBuckets};
  Histogram time_per_output_token{kTimePerOutputTokenBuckets};
  Histogram input_tokens{kTokenUsageBuckets};
  Histogram output_tokens{kTokenUsageBuckets};
  std::atomic<std::uint64_t> prompt_tokens{0};
  std::atomic<std::uint64_t> completion_tokens{0};
};

class MetricsRegistry;

class MetricsShard {
 public:
  MetricsShard();  // standalone (tests): its own SeriesLabels
  explicit MetricsShard(SeriesLabels& labels);
  ~MetricsShard();
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
  std::atomic<std::uint64_t>& request_counter(std::size_t route, int status, std::size_t slot);
  // The slot of (model, provider) label values, created on first use. Writer thread only.
  std::pair<std::size_t, SeriesSlot*> find_series(std::string_view model,
                                                  std::string_view provider);
  // Any thread: the slot's series in this shard, or null when this shard never used it.
  const SeriesSlot* slot(std::size_t index) const {
    return slots_[index].load(std::memory_order_acquire);
  }

  const MetricsRegistry* registry_ = nullptr;
  std::unique_ptr<SeriesLabels> own_labels_;  // standalone shards only
  SeriesLabels& labels_;
  std::atomic<SeriesSlot*> slots_[SeriesLabels::kCapacity] = {};  // owned; published once
  struct Known {
    const SeriesLabels::Pair* pair;
    std::size_t slot;
  };
  std::vector<Known> known_;  // writer thread only: the pairs this shard has met
  std::size_t last_known_ = 0;

  mutable std::mutex labels_mutex_;  // writer: inserts only; scrape: whole walk
  // Key: request_key(route index, status, label slot) (metrics.cc).
  std::map<std::uint64_t, std::atomic<std::uint64_t>> requests_;

  Histogram overhead_{kOverheadBuckets};
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
  std::unique_ptr<SeriesLabels> labels_;
  std::vector<std::unique_ptr<MetricsShard>> shards_;
  GaugeSources gauges_;
};

// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace roci::server
