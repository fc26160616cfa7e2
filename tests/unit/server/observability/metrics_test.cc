#include "server/observability/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
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

// A request resolved to `model` (listed: found in the provider's model list) on `provider`.
RequestLog make_log(std::string_view route, int status, std::string model,
                    std::string provider = "lmstudio") {
  RequestLog log;
  log.route = route;
  log.status = status;
  log.model_listed = !model.empty();
  log.model = std::move(model);
  if (log.model_listed) log.backend = std::move(provider);
  log.start = std::chrono::steady_clock::now() - 20ms;
  return log;
}

// The value of the sample with exactly these labels; fails the test when there is none.
double value(const Parsed& p, const std::string& name,
             const std::map<std::string, std::string>& labels) {
  for (const auto& s : p.samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  ADD_FAILURE() << "no sample " << name;
  return -1.0;
}

// The label values of `label` over the samples of `name`.
std::set<std::string> label_values(const Parsed& p, const std::string& name,
                                   const std::string& label) {
  std::set<std::string> out;
  for (const auto& s : p.samples) {
    if (s.name == name && s.labels.count(label)) out.insert(s.labels.at(label));
  }
  return out;
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
  EXPECT_EQ(p.types.at("roci_time_per_output_token_seconds"), "histogram");
  EXPECT_EQ(p.types.at("roci_token_usage_tokens"), "histogram");
  EXPECT_FALSE(p.types.count("roci_tokens_per_second"));
  EXPECT_EQ(p.types.at("roci_tokens_total"), "counter");
  EXPECT_EQ(p.types.at("roci_in_flight_requests"), "gauge");
  EXPECT_EQ(p.types.at("roci_queue_length"), "gauge");
  EXPECT_EQ(p.types.at("roci_upstream_errors_total"), "counter");
  EXPECT_EQ(p.types.at("roci_cancellations_total"), "counter");
  EXPECT_EQ(p.types.at("roci_connections_open"), "gauge");

  const std::map<std::string, std::string> mistral = {{"model", "TheBloke/Mistral"},
                                                      {"provider", "lmstudio"}};
  auto with = [&](std::map<std::string, std::string> labels) {
    labels.insert(mistral.begin(), mistral.end());
    return labels;
  };
  EXPECT_EQ(
      value(p, "roci_requests_total",
            {{"route", "/v1/chat/completions"}, {"status", "200"}, {"model", "TheBloke/Mistral"}}),
      2);  // summed over shards
  EXPECT_EQ(value(p, "roci_requests_total",
                  {{"route", "/v1/chat/completions"}, {"status", "499"}, {"model", "m\"x"}}),
            1);  // escaped and parsed back
  EXPECT_EQ(value(p, "roci_tokens_total", with({{"kind", "prompt"}})), 20);
  EXPECT_EQ(value(p, "roci_tokens_total", with({{"kind", "completion"}})), 100);
  EXPECT_EQ(value(p, "roci_in_flight_requests", {}), 1);
  EXPECT_EQ(value(p, "roci_queue_length", {}), 3);
  EXPECT_EQ(value(p, "roci_connections_open", {}), 7);
  EXPECT_EQ(value(p, "roci_cancellations_total", {}), 1);
  EXPECT_EQ(value(p, "roci_upstream_errors_total", {{"kind", "upstream_unreachable"}}), 1);
  EXPECT_EQ(value(p, "roci_upstream_errors_total", {{"kind", "timeout"}}), 0);
  EXPECT_EQ(value(p, "roci_time_to_first_token_seconds_count", mistral), 2);
  EXPECT_EQ(value(p, "roci_token_usage_tokens_count", with({{"type", "input"}})), 2);
  EXPECT_EQ(value(p, "roci_token_usage_tokens_sum", with({{"type", "output"}})), 100);
  EXPECT_EQ(
      value(p, "roci_request_duration_seconds_count", with({{"route", "/v1/chat/completions"}})),
      3);
  EXPECT_EQ(value(p, "roci_request_duration_seconds_count",
                  {{"route", "/v1/chat/completions"}, {"model", "m\"x"}, {"provider", "lmstudio"}}),
            1);
  // 20 ms total - 15 ms upstream: overhead ~5 ms, never the full duration.
  EXPECT_LT(value(p, "roci_gateway_overhead_seconds_sum", {}), 4 * 0.02);
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

TEST(Metrics, UnknownRoutesAreOtherAndModelLabelsAreCappedPerRegistry) {
  MetricsRegistry registry(2);
  for (std::size_t i = 0; i < kMaxModelLabels + 10; ++i) {
    auto& shard = registry.shard(i % 2);  // the cap holds for the registry, not per shard
    shard.request_started();
    auto log = make_log("/v1/chat/completions", 200, "model-" + std::to_string(i));
    log.usage = Usage{3, 4, 7};
    shard.record(log);
  }
  registry.shard(0).request_started();
  registry.shard(0).record(make_log("/weird/path", 404, ""));
  const Parsed p = parse(registry.render());
  bool other_route = false;
  for (const auto& s : p.samples) {
    if (s.name == "roci_requests_total" && s.labels.at("route") == "other") other_route = true;
  }
  EXPECT_TRUE(other_route);
  for (const char* family : {"roci_requests_total", "roci_request_duration_seconds_count",
                             "roci_tokens_total", "roci_token_usage_tokens_count"}) {
    const auto models = label_values(p, family, "model");
    EXPECT_TRUE(models.count("other")) << family;
    EXPECT_TRUE(models.count("model-0")) << family;
    EXPECT_FALSE(models.count("model-" + std::to_string(kMaxModelLabels))) << family;
    EXPECT_LE(models.size(), kMaxModelLabels + 2) << family;  // + "other" + ""
  }
  // Everything past the cap is in one overflow series.
  EXPECT_EQ(value(p, "roci_request_duration_seconds_count",
                  {{"route", "/v1/chat/completions"}, {"model", "other"}, {"provider", "other"}}),
            10);
  // A request that named no model has no model or provider label.
  EXPECT_EQ(value(p, "roci_request_duration_seconds_count", {{"route", "other"}}), 1);
}

TEST(Metrics, ModelsNotResolvedAgainstTheListAreOther) {
  MetricsRegistry registry(1);
  auto& shard = registry.shard(0);
  auto passed = make_log("/v1/chat/completions", 502, "whatever-the-client-wrote", "lmstudio");
  passed.model_listed = false;  // the model list was unavailable: passed through as written
  shard.request_started();
  shard.record(passed);
  const Parsed p = parse(registry.render());
  for (const char* family : {"roci_requests_total", "roci_request_duration_seconds_count"}) {
    EXPECT_EQ(label_values(p, family, "model"), std::set<std::string>{"other"}) << family;
  }
  EXPECT_EQ(
      value(p, "roci_request_duration_seconds_count",
            {{"route", "/v1/chat/completions"}, {"model", "other"}, {"provider", "lmstudio"}}),
      1);
}

TEST(Metrics, ModelAndProviderLabelsAreEscaped) {
  MetricsRegistry registry(1);
  auto& shard = registry.shard(0);
  shard.request_started();
  shard.record(make_log("/v1/chat/completions", 200, "a\"b\\c\nd", "my \"lab\""));
  const std::string text = registry.render();
  EXPECT_NE(text.find(R"(model="a\"b\\c\nd",provider="my \"lab\"")"), std::string::npos) << text;
  const Parsed p = parse(text);
  EXPECT_EQ(label_values(p, "roci_request_duration_seconds_count", "model"),
            std::set<std::string>{"a\"b\\c\nd"});
  EXPECT_EQ(label_values(p, "roci_request_duration_seconds_count", "provider"),
            std::set<std::string>{"my \"lab\""});
}

TEST(Metrics, TokenUsageBucketsArePowersOfFourPerType) {
  ASSERT_EQ(std::size(kTokenUsageBuckets), 12u);
  for (std::size_t i = 0; i < std::size(kTokenUsageBuckets); ++i) {
    EXPECT_EQ(kTokenUsageBuckets[i], std::pow(4.0, static_cast<double>(i)));
  }
  MetricsRegistry registry(1);
  auto& shard = registry.shard(0);
  auto log = make_log("/v1/chat/completions", 200, "qwen3");
  log.usage = Usage{10, 300, 310};
  shard.request_started();
  shard.record(log);
  auto embed = make_log("/v1/embeddings", 200, "nomic");
  embed.usage = Usage{5, 0, 5};
  shard.request_started();
  shard.record(embed);
  const Parsed p = parse(registry.render());
  auto bucket = [&](std::string model, std::string type, std::string le) {
    return value(p, "roci_token_usage_tokens_bucket",
                 {{"model", model}, {"provider", "lmstudio"}, {"type", type}, {"le", le}});
  };
  EXPECT_EQ(bucket("qwen3", "input", "4"), 0);
  EXPECT_EQ(bucket("qwen3", "input", "16"), 1);  // 10 tokens
  EXPECT_EQ(bucket("qwen3", "output", "256"), 0);
  EXPECT_EQ(bucket("qwen3", "output", "1024"), 1);  // 300 tokens
  EXPECT_EQ(bucket("qwen3", "output", "4194304"), 1);
  EXPECT_EQ(bucket("qwen3", "output", "+Inf"), 1);
  EXPECT_EQ(bucket("nomic", "input", "16"), 1);
  // Embeddings generate nothing: no output observation.
  EXPECT_FALSE(label_values(p, "roci_token_usage_tokens_count", "model").empty());
  for (const auto& s : p.samples) {
    if (s.name == "roci_token_usage_tokens_count" && s.labels.at("model") == "nomic") {
      EXPECT_EQ(s.labels.at("type"), "input");
    }
  }
}

TEST(Metrics, TimePerOutputTokenIsMeasuredAfterTheFirstTokenOfAStream) {
  MetricsRegistry registry(1);
  auto& shard = registry.shard(0);
  auto stream = make_log("/v1/chat/completions", 200, "qwen3");
  stream.stream = true;
  stream.start = std::chrono::steady_clock::now() - 1100ms;
  stream.time_to_first_token = 100ms;
  stream.usage = Usage{5, 11, 16};  // 10 tokens after the first in ~1 s: ~0.1 s each
  shard.request_started();
  shard.record(stream);
  auto single = stream;  // one output token: no interval to measure
  single.usage = Usage{5, 1, 6};
  shard.request_started();
  shard.record(single);
  auto plain = make_log("/v1/chat/completions", 200, "qwen3");  // not streamed
  plain.usage = Usage{5, 11, 16};
  shard.request_started();
  shard.record(plain);
  const Parsed p = parse(registry.render());
  const std::map<std::string, std::string> qwen = {{"model", "qwen3"}, {"provider", "lmstudio"}};
  EXPECT_EQ(value(p, "roci_time_per_output_token_seconds_count", qwen), 1);
  const double sum = value(p, "roci_time_per_output_token_seconds_sum", qwen);
  EXPECT_GE(sum, 0.1);
  EXPECT_LT(sum, 0.2);
  auto with_le = qwen;
  with_le["le"] = "0.075";
  EXPECT_EQ(value(p, "roci_time_per_output_token_seconds_bucket", with_le), 0);
  with_le["le"] = "0.15";
  EXPECT_EQ(value(p, "roci_time_per_output_token_seconds_bucket", with_le), 1);
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace roci::server
