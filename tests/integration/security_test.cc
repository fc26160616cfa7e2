// Gateway API keys, CORS and the start-up warning, end to end with the real binary.
#include "integration/gateway_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace roci::testing {
namespace {

namespace json = boost::json;
using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kKey = "sk-roci-test-7f3a9c";
constexpr const char* kOtherKey = "sk-roci-other-21b4";
constexpr const char* kOrigin = "https://app.example.test";

GatewaySetup keyed(std::map<std::string, std::string> env = {}) {
  env.emplace("INFERENCE_AUTH_API_KEYS", std::string(kKey) + "," + kOtherKey);
  return {.env = std::move(env)};
}

Fields bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

json::object error_of(const TestResponse& res) { return res.json().at("error").as_object(); }

TEST(GatewayAuth, MissingKeyIs401InTheOpenAiEnvelope) {
  GatewayUnderTest gw(keyed());
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi"));
  EXPECT_EQ(res.status, 401) << res.body;
  EXPECT_EQ(res.header("www-authenticate"), "Bearer");
  auto err = error_of(res);
  EXPECT_EQ(err.at("type"), "invalid_request_error");
  EXPECT_TRUE(err.at("code").is_null());
  EXPECT_TRUE(err.at("param").is_null());
  EXPECT_TRUE(json::value_to<std::string>(err.at("message")).starts_with("You didn't provide"));
  for (const auto& r : gw.fake->requests()) {
    EXPECT_NE(r.path(), "/v1/chat/completions") << "an unauthenticated request reached LM Studio";
  }
  // Every route, known or not, needs the key.
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models").status, 401);
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models/llama3.3").status, 401);
  EXPECT_EQ(http_call(gw.port, "GET", "/no/such/path").status, 401);
}

TEST(GatewayAuth, WrongKeyIs401AndNeverLogged) {
  GatewayUnderTest gw(keyed());
  const std::string wrong = "sk-wrong-key-5e6d";
  for (const Fields& fields : {bearer(wrong), Fields{{"x-api-key", wrong}}}) {
    auto res = http_call(gw.port, "GET", "/v1/models", {}, fields);
    EXPECT_EQ(res.status, 401) << res.body;
    EXPECT_EQ(res.header("www-authenticate"), "Bearer");
    EXPECT_EQ(error_of(res).at("code"), "invalid_api_key");
    EXPECT_EQ(error_of(res).at("type"), "invalid_request_error");
    EXPECT_EQ(res.body.find(wrong), std::string::npos) << res.body;
  }
  // A prefix of a real key is still wrong.
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models", {}, bearer("sk-roci-test")).status, 401);
  ASSERT_TRUE(gw.process->wait_for_output("status=401")) << gw.log();
  const std::string log = gw.log();
  EXPECT_NE(log.find("error=unauthenticated"), std::string::npos) << log;
  EXPECT_EQ(log.find(wrong), std::string::npos) << log;
  EXPECT_EQ(log.find(kKey), std::string::npos) << log;
  EXPECT_EQ(log.find(kOtherKey), std::string::npos) << log;
}

TEST(GatewayAuth, BearerAndXApiKeyAreAccepted) {
  GatewayUnderTest gw(keyed());
  auto chat =
      http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "hi"), bearer(kKey));
  EXPECT_EQ(chat.status, 200) << chat.body;
  auto models = http_call(gw.port, "GET", "/v1/models", {}, {{"x-api-key", kOtherKey}});
  EXPECT_EQ(models.status, 200) << models.body;
  auto lower = http_call(gw.port, "GET", "/v1/models", {},
                         {{"authorization", "bearer " + std::string(kKey)}});
  EXPECT_EQ(lower.status, 200) << lower.body;
  // The access log records the request, never the key.
  ASSERT_TRUE(gw.process->wait_for_output("path=/v1/models model=- status=200")) << gw.log();
  EXPECT_EQ(gw.log().find(kKey), std::string::npos);
  EXPECT_EQ(gw.log().find(kOtherKey), std::string::npos);
}

TEST(GatewayAuth, KeysFromAFile) {
  const auto path = std::filesystem::path(::testing::TempDir()) /
                    ("roci_keys_" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << "# keys for the test\n\nsk-from-file-1\n  sk-from-file-2\n";
  GatewayUnderTest gw({.env = {{"INFERENCE_AUTH_API_KEYS_FILE", path.string()}}});
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models").status, 401);
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models", {}, bearer("sk-from-file-1")).status, 200);
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models", {}, bearer("sk-from-file-2")).status, 200);
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models", {}, bearer("# keys for the test")).status, 401);
  std::filesystem::remove(path);
}

TEST(GatewayAuth, UnreadableKeysFileStopsTheStartWithAConfigProblem) {
  ChildProcess process(gateway_binary(), {},
                       {{"INFERENCE_SERVER_PORT", "0"},
                        {"INFERENCE_AUTH_API_KEYS_FILE", "/nonexistent/roci-keys.txt"}});
  EXPECT_EQ(process.wait(std::chrono::seconds(10)), 2) << process.output();
  EXPECT_NE(process.output().find("auth.api_keys_file: cannot read"), std::string::npos)
      << process.output();
}

TEST(GatewayAuth, HealthIsPublicAndMetricsProtectedByDefault) {
  GatewayUnderTest gw(keyed());
  auto health = http_call(gw.port, "GET", "/health");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.body.find(kKey), std::string::npos);
  EXPECT_EQ(http_call(gw.port, "GET", "/metrics").status, 401);
  auto metrics = http_call(gw.port, "GET", "/metrics", {}, bearer(kKey));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("roci_auth_failures_total 1"), std::string::npos) << metrics.body;
}

TEST(GatewayAuth, PublicFlagsAreConfigurable) {
  GatewayUnderTest gw(keyed(
      {{"INFERENCE_AUTH_PUBLIC_HEALTH", "false"}, {"INFERENCE_AUTH_PUBLIC_METRICS", "true"}}));
  EXPECT_EQ(http_call(gw.port, "GET", "/health").status, 401);
  EXPECT_EQ(http_call(gw.port, "GET", "/health", {}, bearer(kKey)).status, 200);
  EXPECT_EQ(http_call(gw.port, "GET", "/metrics").status, 200);
}

TEST(GatewayAuth, NetworkListenerWithoutKeysWarnsAtStartUp) {
  const std::string warning = "reachable from the network without authentication";
  {
    GatewayUnderTest gw({.env = {{"INFERENCE_SERVER_HOST", "0.0.0.0"}}});
    EXPECT_NE(gw.log().find(warning), std::string::npos) << gw.log();
    EXPECT_NE(gw.log().find("auth.api_keys"), std::string::npos) << gw.log();
    EXPECT_EQ(http_call(gw.port, "GET", "/v1/models").status, 200);
  }
  {
    GatewayUnderTest gw(keyed({{"INFERENCE_SERVER_HOST", "0.0.0.0"}}));
    EXPECT_EQ(gw.log().find(warning), std::string::npos) << gw.log();
    EXPECT_EQ(http_call(gw.port, "GET", "/v1/models").status, 401);
  }
  {
    GatewayUnderTest gw({});  // loopback: no warning
    EXPECT_EQ(gw.log().find(warning), std::string::npos) << gw.log();
  }
}

// ---- CORS

Fields preflight_fields(const std::string& origin, const std::string& method = "POST") {
  return {{"Origin", origin},
          {"Access-Control-Request-Method", method},
          {"Access-Control-Request-Headers", "authorization,content-type"}};
}

TEST(GatewayCors, PreflightFromAnAllowedOriginIs204WithoutAKey) {
  GatewayUnderTest gw(keyed({{"INFERENCE_CORS_ALLOWED_ORIGINS", kOrigin}}));
  auto res = http_call(gw.port, "OPTIONS", "/v1/chat/completions", {}, preflight_fields(kOrigin));
  EXPECT_EQ(res.status, 204) << res.body;
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(res.header("content-length"), "");
  EXPECT_EQ(res.header("access-control-allow-origin"), kOrigin);
  EXPECT_EQ(res.header("vary"), "Origin");
  EXPECT_EQ(res.header("access-control-allow-methods"), "POST");
  EXPECT_NE(res.header("access-control-allow-headers").find("Authorization"), std::string::npos);
  EXPECT_EQ(res.header("access-control-max-age"), "600");

  auto models = http_call(gw.port, "OPTIONS", "/v1/models", {}, preflight_fields(kOrigin, "GET"));
  EXPECT_EQ(models.status, 204);
  EXPECT_EQ(models.header("access-control-allow-methods"), "GET");
  // Unknown paths are still 404 (with the CORS headers, so the page can read the error).
  auto unknown = http_call(gw.port, "OPTIONS", "/v2/nothing", {}, preflight_fields(kOrigin));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.header("access-control-allow-origin"), kOrigin);
}

TEST(GatewayCors, PreflightFromAnotherOriginIs403WithoutCorsHeaders) {
  GatewayUnderTest gw(keyed({{"INFERENCE_CORS_ALLOWED_ORIGINS", kOrigin}}));
  auto res = http_call(gw.port, "OPTIONS", "/v1/chat/completions", {},
                       preflight_fields("https://evil.example.test"));
  EXPECT_EQ(res.status, 403) << res.body;
  EXPECT_EQ(res.header("access-control-allow-origin"), "");
  EXPECT_EQ(error_of(res).at("type"), "invalid_request_error");
  EXPECT_EQ(error_of(res).at("code"), "cors_origin_not_allowed");
}

TEST(GatewayCors, OffMeansOptionsIs405) {
  GatewayUnderTest gw({});
  auto res = http_call(gw.port, "OPTIONS", "/v1/chat/completions", {}, preflight_fields(kOrigin));
  EXPECT_EQ(res.status, 405) << res.body;
  EXPECT_EQ(res.header("allow"), "POST");
  EXPECT_EQ(res.header("access-control-allow-origin"), "");
  auto get = http_call(gw.port, "GET", "/v1/models", {}, {{"Origin", kOrigin}});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.header("access-control-allow-origin"), "");
  EXPECT_EQ(get.header("vary"), "");
}

TEST(GatewayCors, ActualResponsesCarryTheHeadersErrorsAndStreamsIncluded) {
  GatewayUnderTest gw(keyed({{"INFERENCE_CORS_ALLOWED_ORIGINS", "*"}}));
  Fields fields = bearer(kKey);
  fields.emplace_back("Origin", kOrigin);

  auto models = http_call(gw.port, "GET", "/v1/models", {}, fields);
  EXPECT_EQ(models.status, 200);
  EXPECT_EQ(models.header("access-control-allow-origin"), kOrigin);
  EXPECT_EQ(models.header("vary"), "Origin");
  EXPECT_EQ(models.header("access-control-expose-headers"), "X-Request-Id");

  // A 401 is readable by the page too.
  auto denied = http_call(gw.port, "GET", "/v1/models", {}, {{"Origin", kOrigin}});
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.header("access-control-allow-origin"), kOrigin);

  auto missing =
      http_call(gw.port, "POST", "/v1/chat/completions", chat_body("no-such-model", "x"), fields);
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.header("access-control-allow-origin"), kOrigin);

  TestConnection c(gw.port);
  c.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "one two", true),
                  "Authorization: Bearer " + std::string(kKey) + "\r\nOrigin: " + kOrigin +
                      "\r\nConnection: close\r\n"));
  const std::string raw = c.read_to_eof();
  ASSERT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
  const std::string head = raw.substr(0, raw.find("\r\n\r\n"));
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(head.find(std::string("Access-Control-Allow-Origin: ") + kOrigin), std::string::npos)
      << head;
  EXPECT_NE(head.find("Vary: Origin"), std::string::npos) << head;
  EXPECT_NE(raw.find("data: [DONE]"), std::string::npos);
}

TEST(GatewayCors, DisallowedOriginGetsNoAllowOriginOnActualRequests) {
  GatewayUnderTest gw({.env = {{"INFERENCE_CORS_ALLOWED_ORIGINS", kOrigin}}});
  auto res = http_call(gw.port, "GET", "/v1/models", {}, {{"Origin", "https://evil.example.test"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("access-control-allow-origin"), "");
  EXPECT_EQ(res.header("vary"), "Origin");
}

}  // namespace
}  // namespace roci::testing

namespace roci::testing {
namespace {

// The upstream comes from the configuration only: nothing in a request (model names that look like
// URLs or selectors, Host / forwarding headers, body fields) makes the gateway connect elsewhere.
TEST(GatewaySsrf, NoRequestCanPointTheGatewayAtAnotherHost) {
  GatewayUnderTest gw({.fake = FakeOptions{.models = {{"llama3.3"}}}});
  FakeUpstream victim(FakeOptions{.models = {{"llama3.3"}}});
  const std::string elsewhere = victim.base_url();  // http://127.0.0.1:PORT
  const std::string host = elsewhere.substr(elsewhere.find("//") + 2);
  const Fields forwarding{{"Host", host},
                          {"X-Forwarded-Host", host},
                          {"Forwarded", "host=" + host},
                          {"X-Forwarded-Proto", "http"}};
  for (const std::string& model :
       {elsewhere + "/v1", elsewhere, "lmstudio:" + elsewhere, "openai:" + elsewhere,
        "llama3.3@" + host, std::string("llama3.3")}) {
    SCOPED_TRACE(model);
    auto res = http_call(
        gw.port, "POST", "/v1/chat/completions",
        chat_body(model, "hi", false,
                  R"("base_url":")" + elsewhere + R"(","api_base":")" + elsewhere + R"(")"),
        forwarding);
    EXPECT_TRUE(res.status == 200 || res.status == 400 || res.status == 404)
        << res.status << " " << res.body;
  }
  EXPECT_EQ(http_call(gw.port, "GET", "/v1/models", {}, forwarding).status, 200);
  EXPECT_EQ(http_call(gw.port, "GET", "/health", {}, forwarding).status, 200);
  EXPECT_TRUE(victim.requests().empty())
      << victim.requests().size() << " request(s) reached a host the config never named";
  EXPECT_FALSE(gw.fake->requests().empty());  // the configured upstream served them
}

// OPENAI_API_KEY in the gateway's environment (the systemd unit's comment once suggested it)
// must not let a client of an LM Studio gateway spend the owner's OpenAI credit.
TEST(GatewaySelectors, AnOpenAiKeyInTheEnvironmentIsNotReachable) {
  FakeUpstream openai_listener(FakeOptions{.mode = FakeMode::kOpenAi, .models = {{"gpt-4o"}}});
  GatewayUnderTest gw({.fake = FakeOptions{.models = {{"llama3.3"}}},
                       .env = {{"OPENAI_API_KEY", "sk-owner-credit"},
                               {"OPENAI_BASE_URL", openai_listener.base_url() + "/v1"}}});
  for (const char* model : {"openai:gpt-4o", "openai:gpt-4o-mini"}) {
    for (bool stream : {false, true}) {
      auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body(model, "hi", stream));
      EXPECT_EQ(res.status, 404) << model << ": " << res.body;
      EXPECT_EQ(res.body.find("sk-owner"), std::string::npos);
    }
  }
  auto embed = http_call(gw.port, "POST", "/v1/embeddings",
                         R"({"model":"openai:text-embedding-3-small","input":"x"})");
  EXPECT_EQ(embed.status, 404) << embed.body;
  EXPECT_EQ(openai_listener.connections_accepted(), 0u);
}

}  // namespace
}  // namespace roci::testing
