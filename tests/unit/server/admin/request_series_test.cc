#include "server/admin/request_series.h"

#include <gtest/gtest.h>

namespace roci::server::admin {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;  // unix ms, on a bucket boundary

RequestEvent finished(int status, std::optional<double> ttft_ms, std::optional<double> tps) {
  RequestEvent e;
  e.status = status;
  e.ttft_ms = ttft_ms;
  e.tokens_per_second = tps;
  return e;
}

TEST(RequestSeries, CountsRequestsAndErrorsPerBucket) {
  RequestSeries series;
  series.record(kNow, finished(200, 100, 50));
  series.record(kNow + 1000, finished(502, std::nullopt, std::nullopt));
  series.record(kNow + 2000, finished(404, std::nullopt, std::nullopt));  // the client's mistake
  series.record(kNow - 5000, finished(200, 10, 20));
  auto points = series.points(kNow + 2000);
  ASSERT_EQ(points.size(), static_cast<std::size_t>(RequestSeries::kBuckets));
  EXPECT_EQ(points.back().start_ms, kNow);
  EXPECT_EQ(points.back().requests, 3u);
  EXPECT_EQ(points.back().errors, 1u);
  EXPECT_EQ(points[points.size() - 2].requests, 1u);
  EXPECT_EQ(points.front().requests, 0u);
  EXPECT_FALSE(points.front().ttft_p50_ms);
}

TEST(RequestSeries, PercentilesAreWithinABin) {
  RequestSeries series;
  for (int i = 1; i <= 100; ++i) series.record(kNow, finished(200, i * 10.0, i * 1.0));
  const auto p = series.points(kNow).back();
  ASSERT_TRUE(p.ttft_p50_ms && p.ttft_p95_ms && p.tps_p50 && p.tps_p95);
  EXPECT_NEAR(*p.ttft_p50_ms, 500, 500 * 0.25);
  EXPECT_NEAR(*p.ttft_p95_ms, 950, 950 * 0.25);
  EXPECT_NEAR(*p.tps_p50, 50, 50 * 0.25);
  EXPECT_NEAR(*p.tps_p95, 95, 95 * 0.25);
  EXPECT_LE(*p.ttft_p50_ms, *p.ttft_p95_ms);
}

TEST(RequestSeries, OldBucketsAreReusedNotMixed) {
  RequestSeries series;
  series.record(kNow, finished(200, 100, std::nullopt));
  const std::int64_t later = kNow + RequestSeries::kBuckets * RequestSeries::kBucketSecs * 1000;
  series.record(later, finished(200, 100, std::nullopt));  // the same slot, ten minutes on
  EXPECT_EQ(series.points(later).back().requests, 1u);
}

TEST(RequestSeries, EncodesJson) {
  RequestSeries series;
  series.record(kNow, finished(200, 12.5, 40));
  const std::string json = series.encode(kNow);
  EXPECT_NE(json.find("\"bucket_secs\":5"), std::string::npos);
  EXPECT_NE(json.find("\"requests\":1"), std::string::npos);
  EXPECT_NE(json.find("\"ttft_p50_ms\":null"), std::string::npos);  // the empty buckets
}

}  // namespace
}  // namespace roci::server::admin
