// Every endpoint of the real inference-server binary in front of the fake LM Studio.
#include "integration/gateway_fixture.h"

namespace roci::testing {
namespace {

namespace json = boost::json;

FakeOptions two_models() {
  FakeOptions o;
  o.models = {{.id = "TheBloke/Mistral-7B-Instruct-v0.2-GGUF", .capabilities = {"tool_use"}},
              {.id = "qwen2.5-7b-instruct", .loaded = false}};
  return o;
}

TEST(GatewayEndpoints, ChatCompletionNonStreaming) {
  GatewayUnderTest gw({.fake = two_models()});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("TheBloke/Mistral-7B-Instruct-v0.2-GGUF", "hello there"));
  ASSERT_EQ(res.status, 200) << res.body;
  auto j = res.json().as_object();
  EXPECT_EQ(j.at("object"), "chat.completion");
  EXPECT_EQ(j.at("model"), "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  auto& choice = j.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("message").at("role"), "assistant");
  EXPECT_NE(json::value_to<std::string>(choice.at("message").at("content")).find("hello"),
            std::string::npos);
  EXPECT_TRUE(j.at("usage").at("total_tokens").as_int64() > 0);
  EXPECT_FALSE(res.header("x-request-id").empty());

  // Seed defaults reach the upstream: max_tokens 100, temperature 0.7.
  auto sent = gw.fake->requests().back().json->as_object();
  EXPECT_EQ(sent.at("max_tokens").as_int64(), 100);
  EXPECT_DOUBLE_EQ(sent.at("temperature").as_double(), 0.7);
}

TEST(GatewayEndpoints, UnknownFieldsAreForwardedToLmStudio) {
  GatewayUnderTest gw({.fake = two_models()});
  auto res = http_call(
      gw.port, "POST", "/v1/chat/completions",
      chat_body(
          "mistral", "hi", false,
          R"("ttl":600,"draft_model":"tiny","repeat_penalty":1.1,"min_p":0.05,"cache_prompt":true)"));
  ASSERT_EQ(res.status, 200) << res.body;
  auto sent = gw.fake->requests().back().json->as_object();
  EXPECT_EQ(sent.at("ttl").as_int64(), 600);
  EXPECT_EQ(sent.at("draft_model"), "tiny");
  EXPECT_DOUBLE_EQ(sent.at("repeat_penalty").as_double(), 1.1);
  EXPECT_EQ(sent.at("cache_prompt"), true);
}

TEST(GatewayEndpoints, JsonObjectIsTranslatedForLmStudio) {
  GatewayUnderTest gw({.fake = two_models()});
  auto res = http_call(
      gw.port, "POST", "/v1/chat/completions",
      chat_body("mistral", "give json", false, R"("response_format":{"type":"json_object"})"));
  ASSERT_EQ(res.status, 200) << res.body;
  auto sent = gw.fake->requests().back().json->as_object();
  EXPECT_EQ(sent.at("response_format").at("type"), "json_schema");
}

TEST(GatewayEndpoints, DeveloperRoleIsSentAsSystem) {
  GatewayUnderTest gw({.fake = two_models()});
  std::string body =
      R"({"model":"mistral","messages":[{"role":"developer","content":"be terse"},{"role":"user","content":"hi"}]})";
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", body);
  ASSERT_EQ(res.status, 200) << res.body;
  auto sent = gw.fake->requests().back().json->as_object();
  EXPECT_EQ(sent.at("messages").as_array().at(0).at("role"), "system");
}

TEST(GatewayEndpoints, ModelsListCarriesLoadedState) {
  GatewayUnderTest gw({.fake = two_models()});
  auto res = http_call(gw.port, "GET", "/v1/models");
  ASSERT_EQ(res.status, 200) << res.body;
  auto data = res.json().at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].at("id"), "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  EXPECT_EQ(data[0].at("object"), "model");
  EXPECT_EQ(data[0].at("state"), "loaded");
  EXPECT_EQ(data[1].at("state"), "not-loaded");
}

TEST(GatewayEndpoints, ModelByIdWithSlash) {
  GatewayUnderTest gw({.fake = two_models()});
  auto res = http_call(gw.port, "GET", "/v1/models/TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json().at("id"), "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  auto missing = http_call(gw.port, "GET", "/v1/models/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json().at("error").at("code"), "model_not_found");
}

TEST(GatewayEndpoints, HealthReportsUpstreamAndHttpConfigWithoutCompletionCalls) {
  GatewayUnderTest gw({.fake = two_models()});
  auto res = http_call(gw.port, "GET", "/health");
  ASSERT_EQ(res.status, 200) << res.body;
  auto j = res.json().as_object();
  EXPECT_EQ(j.at("provider"), "lmstudio");
  EXPECT_EQ(json::value_to<std::string>(j.at("base_url")), gw.fake->base_url());
  EXPECT_EQ(j.at("upstream").at("reachable"), true);
  EXPECT_TRUE(j.contains("http"));
  EXPECT_TRUE(j.at("http").as_object().contains("timeout_secs"));
  for (const auto& r : gw.fake->requests()) {
    EXPECT_EQ(r.path().find("completions"), std::string::npos) << r.target;
  }
  bool greeted = false;
  for (const auto& r : gw.fake->requests()) greeted = greeted || r.path() == "/lmstudio-greeting";
  EXPECT_TRUE(greeted);
}

TEST(GatewayEndpoints, HealthIs503WhenLmStudioIsDown) {
  unsigned short dead_port;
  {
    FakeUpstream probe;
    dead_port = probe.port();
  }
  GatewayUnderTest gw(
      {.fake = std::nullopt,
       .env = {{"INFERENCE_INFERENCE_BASE_URL", "http://127.0.0.1:" + std::to_string(dead_port)}}});
  auto res = http_call(gw.port, "GET", "/health");
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(res.json().at("upstream").at("reachable"), false);
}

TEST(GatewayEndpoints, UnknownRouteIs404AndWrongMethodIs405) {
  GatewayUnderTest gw({.fake = two_models()});
  auto res = http_call(gw.port, "GET", "/v1/nothing");
  EXPECT_EQ(res.status, 404);
  EXPECT_TRUE(res.json().at("error").as_object().contains("message"));
  auto wrong = http_call(gw.port, "GET", "/v1/chat/completions");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_FALSE(wrong.header("allow").empty());
  // LM Studio would answer both with 200: nothing of it may reach the upstream.
  for (const auto& r : gw.fake->requests()) EXPECT_NE(r.path(), "/v1/nothing");
}

TEST(GatewayEndpoints, RequestIdIsHonouredAndEchoed) {
  GatewayUnderTest gw({.fake = two_models()});
  auto res = http_call(gw.port, "GET", "/v1/models", {}, {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(res.header("x-request-id"), "abc-123");
  EXPECT_TRUE(gw.process->wait_for_output("abc-123"));
}

TEST(GatewayEndpoints, EmbeddingsAndCompletionsAreForwarded) {
  FakeOptions o = two_models();
  o.models.push_back({.id = "text-embedding-nomic-embed-text-v1.5", .type = "embeddings"});
  GatewayUnderTest gw({.fake = o});
  auto emb = http_call(gw.port, "POST", "/v1/embeddings",
                       R"({"model":"text-embedding-nomic-embed-text-v1.5","input":["a","b"]})");
  ASSERT_EQ(emb.status, 200) << emb.body;
  EXPECT_EQ(emb.json().at("data").as_array().size(), 2u);
  auto cmp = http_call(gw.port, "POST", "/v1/completions",
                       R"({"model":"mistral","prompt":"Once upon","max_tokens":5})");
  ASSERT_EQ(cmp.status, 200) << cmp.body;
  EXPECT_EQ(cmp.json().at("object"), "text_completion");
}

TEST(GatewayEndpoints, MetricsExposePrometheusSeries) {
  GatewayUnderTest gw({.fake = two_models()});
  ASSERT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("mistral", "hi")).status,
            200);
  auto res = http_call(gw.port, "GET", "/metrics");
  ASSERT_EQ(res.status, 200);
  for (std::string series :
       {"roci_requests_total", "roci_request_duration_seconds_bucket",
        "roci_gateway_overhead_seconds_bucket", "roci_time_to_first_token_seconds",
        "roci_tokens_total", "roci_in_flight_requests", "roci_queue_length",
        "roci_upstream_errors_total", "roci_cancellations_total"}) {
    EXPECT_NE(res.body.find(series), std::string::npos) << series;
  }
  EXPECT_NE(res.body.find("model=\"TheBloke/Mistral-7B-Instruct-v0.2-GGUF\""), std::string::npos);
}

}  // namespace
}  // namespace roci::testing
