// The console's charts (GET /admin/series): requests/s, errors, p50/p95 time to first token and
// p50/p95 tokens/s per time bucket over the last minutes, from counters the gateway keeps.
//
//   RequestSeries series;                         // kBuckets buckets of kBucketSecs seconds
//   series.record(now_ms, event);                 // any thread, after a request ended
//   std::string json = series.encode(now_ms);     // oldest bucket first
//
// Each bucket counts requests and errors and keeps two fixed log-scale histograms (bounds grow
// by 25 % per bin), so a percentile is exact to within a bin. Memory is fixed. Thread-safe: one
// mutex held for a few increments or for one copy-out.
#pragma once

#include "server/admin/request_event.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace roci::server::admin {

class RequestSeries {
 public:
  static constexpr int kBucketSecs = 5;
  static constexpr int kBuckets = 120;  // ten minutes
  static constexpr int kBins = 64;      // histogram bins, 25 % apart

  void record(std::int64_t now_ms, const RequestEvent& event);

  struct Point {
    std::int64_t start_ms = 0;  // the bucket's start (unix ms)
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;  // status >= 500, or a 4xx other than the client's own mistakes
    std::optional<double> ttft_p50_ms, ttft_p95_ms;
    std::optional<double> tps_p50, tps_p95;
  };
  // Every bucket of the window ending now, oldest first (empty buckets included).
  std::vector<Point> points(std::int64_t now_ms) const;
  std::string encode(std::int64_t now_ms) const;

  // The histogram's percentile estimate (bins start at `min`, ×1.25 each), for tests.
  static std::optional<double> percentile(const std::array<std::uint32_t, kBins>& bins, double min,
                                          double q);

 private:
  struct Bucket {
    std::int64_t index = -1;  // unix seconds / kBucketSecs; -1: never used
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::array<std::uint32_t, kBins> ttft{};  // milliseconds from kTtftMin
    std::array<std::uint32_t, kBins> tps{};   // tokens/s from kTpsMin
  };
  mutable std::mutex mutex_;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace roci::server::admin
