#include "server/observability/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace roci::server {
namespace {

using namespace std::chrono_literals;

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Parsed {
  std::map<std::string, std::string> types;  // family -> type
  std::set<std::string> helps;
  std::vector<Sample> samples;
};

// A strict-enough parser of the text format: HELP/TYPE before samples, quoted label values with
// escapes, one sample per line.
Parsed parse(const std::string& text) {
  Parsed p;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_FALSE(line.empty());
    if (line.starts_with("# HELP ")) {
      std::string rest = line.substr(7);
      p.helps.insert(rest.substr(0, rest.find(' ')));
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      std::string rest = line.substr(7);
      auto sp = rest.find(' ');
      p.types[rest.substr(0, sp)] = rest.substr(sp + 1);
      continue;
    }
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') s.name += line[i++];
    if (line[i] == '{') {
      ++i;
      while (line[i] != '}') {
        std::string key;
        while (line[i] != '=') key += line[i++];
        i += 2;  // ="
        std::string value;
        while (line[i] != '"') {
          if (line[i] == '\\') {
            ++i;
            value += line[i] == 'n' ? '\n' : line[i];
          } else {
            value += line[i];
          }
          ++i;
        }
        ++i;  // closing quote
        if (line[i] == ',') ++i;
        s.labels[key] = value;
      }
      ++i;
    }
    EXPECT_EQ(line[i], ' ') << line;
    s.value = std::stod(line.substr(i + 1));
    p.samples.push_back(std::move(s));
  }
  return p;
}

std::string family_of(const std::string& name, const Parsed& p) {
  if (p.types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (name.ends_with(suffix)) return name.substr(0, name.size() - std::string(suffix).size());
  }
  return name;
}

RequestLog make_log(std::string route, int status, std::string model) {
  RequestLog log;
  log.route = std::move(route);
  log.status = status;
  log.model = std::move(model);
  log.start = std::chrono::steady_clock::now() - 20ms;
  return log;
}

TEST(Metrics, RendersEveryFamilyWithHelpAndType) {
  MetricsRegistry registry(2, GaugeSources{.queue_length = [] { return std::int64_t{3}; },
                                           .connections_open = [] { return std::int64_t{7}; }});
  auto& a = registry.shard(0);
  auto& b = registry.shard(1);

  a.request_started();
  auto ok = make_log("/v1/chat/completions", 200, "TheBloke/Mistral");
  ok.usage = Usage{10, 50, 60};
  ok.upstream_wait = 15ms;
  ok.time_to_first_token = 5ms;
  a.record(ok);
  b.request_started();
  b.record(ok);
  b.request_started();
  auto failed = make_log("/v1/chat/completions", 502, "TheBloke/Mistral");
  failed.error_kind = ErrorKind::kUpstreamUnreachable;
  b.record(failed);
  a.request_started();
  a.record(make_log("/v1/chat/completions", 499, "m\"x"));
  a.request_started();  // still in flight

  const Parsed p = parse(registry.render());
  for (const auto& s : p.samples) {
    const std::string family = family_of(s.name, p);
    EXPECT_TRUE(p.types.count(family)) << s.name;
    EXPECT_TRUE(p.helps.count(family)) << s.name;
  }
  EXPECT_EQ(p.types.at("roci_requests_total"), "counter");
  EXPECT_EQ(p.types.at("roci_request_duration_seconds"), "histogram");
  EXPECT_EQ(p.types.at("roci_time_to_first_token_seconds"), "histogram");
  EXPECT_EQ(p.types.at("roci_gateway_overhead_seconds"), "histogram");
  EXPECT_EQ(p.types.at("roci_tokens_per_second"), "histogram");
  EXPECT_EQ(p.types.at("roci_tokens_total"), "counter");
  EXPECT_EQ(p.types.at("roci_in_flight_requests"), "gauge");
  EXPECT_EQ(p.types.at("roci_queue_length"), "gauge");
  EXPECT_EQ(p.types.at("roci_upstream_errors_total"), "counter");
  EXPECT_EQ(p.types.at("roci_cancellations_total"), "counter");
  EXPECT_EQ(p.types.at("roci_connections_open"), "gauge");

  auto value = [&](const std::string& name, std::map<std::string, std::string> labels) {
    for (const auto& s : p.samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    ADD_FAILURE() << "no sample " << name;
    return -1.0;
  };
  EXPECT_EQ(
      value("roci_requests_total",
            {{"route", "/v1/chat/completions"}, {"status", "200"}, {"model", "TheBloke/Mistral"}}),
      2);  // summed over shards
  EXPECT_EQ(value("roci_requests_total",
                  {{"route", "/v1/chat/completions"}, {"status", "499"}, {"model", "m\"x"}}),
            1);  // escaped and parsed back
  EXPECT_EQ(value("roci_tokens_total", {{"kind", "prompt"}}), 20);
  EXPECT_EQ(value("roci_tokens_total", {{"kind", "completion"}}), 100);
  EXPECT_EQ(value("roci_in_flight_requests", {}), 1);
  EXPECT_EQ(value("roci_queue_length", {}), 3);
  EXPECT_EQ(value("roci_connections_open", {}), 7);
  EXPECT_EQ(value("roci_cancellations_total", {}), 1);
  EXPECT_EQ(value("roci_upstream_errors_total", {{"kind", "upstream_unreachable"}}), 1);
  EXPECT_EQ(value("roci_upstream_errors_total", {{"kind", "timeout"}}), 0);
  EXPECT_EQ(value("roci_time_to_first_token_seconds_count", {}), 2);
  EXPECT_EQ(value("roci_tokens_per_second_count", {}), 2);
  EXPECT_EQ(value("roci_request_duration_seconds_count", {{"route", "/v1/chat/completions"}}), 4);
  // 20 ms total - 15 ms upstream: overhead ~5 ms, never the full duration.
  EXPECT_LT(value("roci_gateway_overhead_seconds_sum", {}), 4 * 0.02);
}

TEST(Metrics, HistogramBucketsAreCumulativeAndEndWithInf) {
  MetricsRegistry registry(1);
  auto& shard = registry.shard(0);
  for (auto d : {1ms, 7ms, 30ms, 2000ms, 400000ms}) {
    shard.request_started();
    RequestLog log = make_log("/health", 200, "");
    log.start = std::chrono::steady_clock::now() - d;
    shard.record(log);
  }
  const Parsed p = parse(registry.render());
  std::vector<std::pair<std::string, double>> buckets;
  double count = -1, sum = -1;
  for (const auto& s : p.samples) {
    if (s.name == "roci_request_duration_seconds_bucket") {
      EXPECT_EQ(s.labels.at("route"), "/health");
      buckets.emplace_back(s.labels.at("le"), s.value);
    }
    if (s.name == "roci_request_duration_seconds_count") count = s.value;
    if (s.name == "roci_request_duration_seconds_sum") sum = s.value;
  }
  ASSERT_EQ(buckets.size(), std::size(kDurationBuckets) + 1);
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    EXPECT_GE(buckets[i].second, buckets[i - 1].second);
    if (i + 1 < buckets.size()) {
      EXPECT_LT(std::stod(buckets[i - 1].first), std::stod(buckets[i].first));
    }
  }
  EXPECT_EQ(buckets.back().first, "+Inf");
  EXPECT_EQ(buckets.back().second, 5);
  EXPECT_EQ(count, 5);
  EXPECT_GT(sum, 402.0);
  EXPECT_EQ(buckets[0].second, 1);  // le=0.005: the 1 ms request
  // The 400 s request is above the last finite bound.
  EXPECT_EQ(buckets[buckets.size() - 2].second, 4);
}

TEST(Metrics, UnknownRoutesAreOtherAndModelLabelsAreCapped) {
  MetricsRegistry registry(1);
  auto& shard = registry.shard(0);
  for (std::size_t i = 0; i < kMaxModelLabels + 10; ++i) {
    shard.request_started();
    shard.record(make_log("/v1/chat/completions", 200, "model-" + std::to_string(i)));
  }
  shard.request_started();
  shard.record(make_log("/weird/path", 404, ""));
  const Parsed p = parse(registry.render());
  std::set<std::string> models;
  bool other_route = false;
  for (const auto& s : p.samples) {
    if (s.name != "roci_requests_total") continue;
    models.insert(s.labels.at("model"));
    if (s.labels.at("route") == "other") other_route = true;
  }
  EXPECT_TRUE(other_route);
  EXPECT_TRUE(models.count("other"));
  EXPECT_LE(models.size(), kMaxModelLabels + 2);  // + "other" + ""
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace roci::server
