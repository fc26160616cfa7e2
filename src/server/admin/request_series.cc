#include "server/admin/request_series.h"

#include "openai_wire/json_writer.h"

#include <cmath>

namespace roci::server::admin {
namespace {

using namespace openai_wire::json_literals;  // NOLINT(google-build-using-namespace)

constexpr double kGrowth = 1.25;
constexpr double kTtftMin = 1.0;  // ms; 64 bins reach ~1.6e6 ms
constexpr double kTpsMin = 0.1;   // tokens/s; 64 bins reach ~1.6e5

int bin_of(double value, double min) {
  if (!(value > min)) return 0;
  const int bin = static_cast<int>(std::log(value / min) / std::log(kGrowth));
  return std::min(bin, RequestSeries::kBins - 1);
}

bool counts_as_error(int status) {
  // A client's own mistakes (400, 401, 404, ...) are not the gateway's errors; 429 and 5xx are.
  return status >= 500 || status == 429;
}

void write_optional(openai_wire::JsonWriter& w, const std::optional<double>& v) {
  if (v) {
    w.number(std::round(*v * 100.0) / 100.0);
  } else {
    w.null();
  }
}

}  // namespace

std::optional<double> RequestSeries::percentile(const std::array<std::uint32_t, kBins>& bins,
                                                double min, double q) {
  std::uint64_t total = 0;
  for (auto n : bins) total += n;
  if (total == 0) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  double seen = 0;
  for (int i = 0; i < kBins; ++i) {
    if (bins[i] == 0) continue;
    const double next = seen + bins[i];
    if (next >= rank) {
      // Interpolated inside the bin, geometrically (the bins are log-scale).
      const double lower = i == 0 ? 0.0 : min * std::pow(kGrowth, i);
      const double upper = min * std::pow(kGrowth, i + 1);
      const double f = (rank - seen) / bins[i];
      return i == 0 ? upper * f : lower * std::pow(upper / lower, f);
    }
    seen = next;
  }
  return min * std::pow(kGrowth, kBins);
}

void RequestSeries::record(std::int64_t now_ms, const RequestEvent& event) {
  const std::int64_t index = now_ms / 1000 / kBucketSecs;
  std::lock_guard lock(mutex_);
  Bucket& b = buckets_[static_cast<std::size_t>(index % kBuckets)];
  if (b.index != index) b = Bucket{.index = index};
  ++b.requests;
  if (counts_as_error(event.status)) ++b.errors;
  if (event.ttft_ms) ++b.ttft[static_cast<std::size_t>(bin_of(*event.ttft_ms, kTtftMin))];
  if (event.tokens_per_second) {
    ++b.tps[static_cast<std::size_t>(bin_of(*event.tokens_per_second, kTpsMin))];
  }
}

std::vector<RequestSeries::Point> RequestSeries::points(std::int64_t now_ms) const {
  const std::int64_t newest = now_ms / 1000 / kBucketSecs;
  std::array<Bucket, kBuckets> copy;
  {
    std::lock_guard lock(mutex_);
    copy = buckets_;
  }
  std::vector<Point> out;
  out.reserve(kBuckets);
  for (std::int64_t index = newest - kBuckets + 1; index <= newest; ++index) {
    Point p{.start_ms = index * kBucketSecs * 1000};
    const Bucket& b = copy[static_cast<std::size_t>(index % kBuckets)];
    if (b.index == index) {
      p.requests = b.requests;
      p.errors = b.errors;
      p.ttft_p50_ms = percentile(b.ttft, kTtftMin, 0.5);
      p.ttft_p95_ms = percentile(b.ttft, kTtftMin, 0.95);
      p.tps_p50 = percentile(b.tps, kTpsMin, 0.5);
      p.tps_p95 = percentile(b.tps, kTpsMin, 0.95);
    }
    out.push_back(p);
  }
  return out;
}

std::string RequestSeries::encode(std::int64_t now_ms) const {
  std::string out;
  openai_wire::JsonWriter w(out);
  w.begin_object();
  w.key("bucket_secs"_js).integer(kBucketSecs);
  w.key("now_ms"_js).integer(now_ms);
  w.key("points"_js).begin_array();
  for (const Point& p : points(now_ms)) {
    w.begin_object();
    w.key("t"_js).integer(p.start_ms);
    w.key("requests"_js).unsigned_integer(p.requests);
    w.key("errors"_js).unsigned_integer(p.errors);
    w.key("rps"_js).number(static_cast<double>(p.requests) / kBucketSecs);
    write_optional(w.key("ttft_p50_ms"_js), p.ttft_p50_ms);
    write_optional(w.key("ttft_p95_ms"_js), p.ttft_p95_ms);
    write_optional(w.key("tps_p50"_js), p.tps_p50);
    write_optional(w.key("tps_p95"_js), p.tps_p95);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace roci::server::admin
