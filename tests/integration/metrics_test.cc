// /metrics of the real inference-server binary in front of the fake LM Studio: the model and
// provider labels, the token-usage histogram, time per output token, the bounded model label set,
// and the accepted-model-mismatch warning written once per model pair.
#include "integration/gateway_fixture.h"

#include <chrono>
#include <set>
#include <string>
#include <thread>

namespace roci::testing {
namespace {

constexpr std::string_view kQwen = "qwen3-8b";
const std::string kLabels = R"(model="qwen3-8b",provider="default")";

// The value of the sample `series` (name and labels exactly as rendered), or -1 when absent.
double sample(const std::string& text, const std::string& series) {
  const std::string line_start = series + " ";
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t end = text.find('\n', pos);
    const std::string_view line(text.data() + pos,
                                (end == std::string::npos ? text.size() : end) - pos);
    if (line.starts_with(line_start)) return std::stod(std::string(line.substr(line_start.size())));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return -1;
}

// Scrapes until `series` is present (the gateway records a request just after its last byte is
// written, so a scrape right after the response may precede it); returns the last scrape.
std::string scrape_until(unsigned short port, const std::string& series) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string text;
  do {
    auto res = http_call(port, "GET", "/metrics");
    EXPECT_EQ(res.status, 200);
    text = res.body;
    if (sample(text, series) >= 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (std::chrono::steady_clock::now() < deadline);
  return text;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// Every value of the `model` label in a scrape.
std::set<std::string> model_values(const std::string& text) {
  std::set<std::string> out;
  for (auto pos = text.find("model=\""); pos != std::string::npos;
       pos = text.find("model=\"", pos + 1)) {
    const auto start = pos + 7;
    out.insert(text.substr(start, text.find('"', start) - start));
  }
  return out;
}

TEST(GatewayMetrics, AChatRequestAddsSeriesLabelledWithTheResolvedModelAndProvider) {
  FakeOptions o;
  o.models = {{std::string(kQwen)}};
  GatewayUnderTest gw({.fake = o});
  // "qwen3" resolves to qwen3-8b: the label is the resolved id, not what the client wrote.
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("qwen3", "one two three four five", /*stream=*/true));
  ASSERT_EQ(res.status, 200) << res.body;

  const std::string text =
      scrape_until(gw.port, R"(roci_request_duration_seconds_count{route="/v1/chat/completions",)" +
                                kLabels + "}");
  EXPECT_EQ(sample(text, R"(roci_request_duration_seconds_count{route="/v1/chat/completions",)" +
                             kLabels + "}"),
            1)
      << text;
  EXPECT_EQ(sample(text, "roci_time_to_first_token_seconds_count{" + kLabels + "}"), 1) << text;
  EXPECT_EQ(sample(text, "roci_time_per_output_token_seconds_count{" + kLabels + "}"), 1) << text;
  EXPECT_GT(sample(text, R"(roci_tokens_total{kind="prompt",)" + kLabels + "}"), 0) << text;
  const double output = sample(text, R"(roci_tokens_total{kind="completion",)" + kLabels + "}");
  EXPECT_GE(output, 2) << text;  // "Echo: one two three four five", a word per token
  for (std::string type : {"input", "output"}) {
    const std::string prefix = R"(roci_token_usage_tokens_bucket{type=")" + type + "\"," + kLabels;
    EXPECT_EQ(sample(text, prefix + R"(,le="+Inf"})"), 1) << type << "\n" << text;
    EXPECT_EQ(sample(text, prefix + R"(,le="4194304"})"), 1) << type;
    EXPECT_EQ(sample(text, prefix + R"(,le="1"})"), 0) << type;  // more than one token each
  }
  EXPECT_EQ(sample(text, R"(roci_token_usage_tokens_sum{type="output",)" + kLabels + "}"), output);
  EXPECT_EQ(text.find("roci_tokens_per_second"), std::string::npos);
  EXPECT_EQ(text.find("model=\"qwen3\""), std::string::npos);

  // An unknown model is a 404 that adds no label value.
  auto missing = http_call(gw.port, "POST", "/v1/chat/completions",
                           chat_body("no-such-model", "hi", /*stream=*/true));
  ASSERT_EQ(missing.status, 404) << missing.body;
  const std::string after = scrape_until(
      gw.port, R"(roci_requests_total{route="/v1/chat/completions",status="404",model=""})");
  EXPECT_EQ(
      sample(after, R"(roci_requests_total{route="/v1/chat/completions",status="404",model=""})"),
      1)
      << after;
  EXPECT_EQ(after.find("no-such-model"), std::string::npos) << after;
  EXPECT_EQ(model_values(after), (std::set<std::string>{"", std::string(kQwen)})) << after;
}

TEST(GatewayMetrics, AnAcceptedModelMismatchIsWarnedOncePerModelPair) {
  // LM Studio with one model loaded serves it for any name (BT#619); the configuration accepts it.
  FakeOptions o;
  o.models = {{"gemma-3-1b-it-qat"}, {.id = "mistral-7b", .loaded = false}};
  GatewayUnderTest gw({.fake = o,
                       .env = {{"INFERENCE_INFERENCE_ACCEPT_MODEL_MISMATCH", "true"},
                               {"INFERENCE_LOG_LEVEL", "warn"}}});
  Fault f;
  f.path = "/v1/chat/completions";
  f.model = "gemma-3-1b-it-qat:2";
  f.times = 2;
  gw.fake->script(f);
  for (std::string id : {"mismatch-first", "mismatch-second"}) {
    auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("mistral-7b", "x"),
                         {{"X-Request-Id", id}});
    ASSERT_EQ(res.status, 200) << res.body;
  }
  const std::string log = gw.log();
  EXPECT_EQ(
      occurrences(log, R"(served model "gemma-3-1b-it-qat:2" for the requested "mistral-7b")"), 1u)
      << log;
  EXPECT_NE(log.find("id=mismatch-first"), std::string::npos) << log;
  EXPECT_EQ(log.find("mismatch-second"), std::string::npos) << log;  // nothing per request
}

}  // namespace
}  // namespace roci::testing
