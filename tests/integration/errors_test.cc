// Every error status of the seed's "Error Handling" section, produced by the real binary.
#include "integration/gateway_fixture.h"

namespace roci::testing {
namespace {

namespace json = boost::json;

json::object error_of(const TestResponse& res) { return res.json().at("error").as_object(); }

TEST(GatewayErrors, InvalidParametersAre400NamingTheField) {
  GatewayUnderTest gw({});
  struct Case {
    std::string extra, param;
  } cases[] = {{R"("temperature":3)", "temperature"},
               {R"("top_p":1.5)", "top_p"},
               {R"("frequency_penalty":-3)", "frequency_penalty"},
               {R"("presence_penalty":"x")", "presence_penalty"},
               {R"("max_tokens":0)", "max_tokens"},
               {R"("stop":5)", "stop"},
               {R"("seed":1.5)", "seed"},
               {R"("stream":"yes")", "stream"}};
  for (auto& c : cases) {
    auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                         chat_body("llama3.3", "x", false, c.extra));
    EXPECT_EQ(res.status, 400) << c.extra << " " << res.body;
    EXPECT_EQ(error_of(res).at("param"), c.param.c_str()) << res.body;
    EXPECT_EQ(error_of(res).at("type"), "invalid_request_error");
  }
  auto bad_json = http_call(gw.port, "POST", "/v1/chat/completions", "{\"model\":");
  EXPECT_EQ(bad_json.status, 400);
  for (const auto& r : gw.fake->requests()) {  // the start-up probe and model lists only
    EXPECT_EQ(r.path().find("chat"), std::string::npos)
        << "invalid requests must not reach LM Studio";
  }
}

TEST(GatewayErrors, LmStudioIsAcceptedAsMinusOneMaxTokens) {
  GatewayUnderTest gw({});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("llama3.3", "x", false, R"("max_tokens":-1)"));
  EXPECT_EQ(res.status, 200) << res.body;
}

TEST(GatewayErrors, ModelNotFoundIs404ListingModels) {
  FakeOptions o;
  o.models = {{"qwen2.5-7b-instruct"}, {"gemma-3-27b-it-qat"}};
  GatewayUnderTest gw({.fake = o});
  auto res =
      http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama-nonexistent", "x"));
  EXPECT_EQ(res.status, 404) << res.body;
  auto err = error_of(res);
  EXPECT_EQ(err.at("code"), "model_not_found");
  const std::string msg = json::value_to<std::string>(err.at("message"));
  EXPECT_NE(msg.find("qwen2.5-7b-instruct"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gemma-3-27b-it-qat"), std::string::npos) << msg;
}

TEST(GatewayErrors, UpstreamServerErrorIs500) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::respond(500, R"({"error":"Compute error."})", "/v1/chat/completions"));
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x"));
  EXPECT_EQ(res.status, 500) << res.body;
  EXPECT_EQ(error_of(res).at("type"), "api_error");
  EXPECT_NE(res.body.find("Compute error."), std::string::npos);
}

TEST(GatewayErrors, Http200WithErrorBodyIsAnError) {
  GatewayUnderTest gw({});
  gw.fake->script(Fault::respond(
      200,
      R"({"error":"The number of tokens to keep from the initial prompt is greater than the context length"})",
      "/v1/chat/completions"));
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x"));
  EXPECT_GE(res.status, 400) << res.body;
  EXPECT_NE(res.body.find("context length"), std::string::npos);
}

TEST(GatewayErrors, MalformedUpstreamJsonIs502) {
  GatewayUnderTest gw({});
  Fault f;
  f.path = "/v1/chat/completions";
  f.kind = Fault::Kind::kMalformedJson;
  gw.fake->script(f);
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x"));
  EXPECT_EQ(res.status, 502) << res.body;
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x")).status,
            200);
}

TEST(GatewayErrors, UnreachableLmStudioIs502SayingWhereAndWhatToCheck) {
  unsigned short dead_port;
  {
    FakeUpstream probe;
    dead_port = probe.port();
  }
  const std::string dead = "http://127.0.0.1:" + std::to_string(dead_port);
  GatewayUnderTest gw({.fake = std::nullopt,
                       .env = {{"INFERENCE_INFERENCE_BASE_URL", dead},
                               {"INFERENCE_INFERENCE_DEFAULT_MODEL", "llama3.3"}}});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x"));
  EXPECT_EQ(res.status, 502) << res.body;
  const std::string msg = json::value_to<std::string>(error_of(res).at("message"));
  EXPECT_NE(msg.find(dead), std::string::npos) << msg;
  EXPECT_NE(msg.find("LM Studio"), std::string::npos) << msg;
}

TEST(GatewayErrors, SlowFirstByteIs504) {
  GatewayUnderTest gw({.env = {{"INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS", "1"}}});
  Fault f;
  f.path = "/v1/chat/completions";
  f.header_delay = std::chrono::milliseconds(2500);
  gw.fake->script(f);
  const auto start = std::chrono::steady_clock::now();
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "x"));
  EXPECT_EQ(res.status, 504) << res.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2400));
  EXPECT_EQ(error_of(res).at("type"), "api_error");
}

TEST(GatewayErrors, BodyTooLargeIs413) {
  GatewayUnderTest gw({.env = {{"INFERENCE_LIMITS_MAX_BODY_BYTES", "1024"}}});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("llama3.3", std::string(4096, 'x')));
  EXPECT_EQ(res.status, 413) << res.body;
  EXPECT_TRUE(res.json().as_object().contains("error"));
}

TEST(GatewayErrors, QueueFullIs429WithRetryAfter) {
  FakeOptions o;
  GatewayUnderTest gw({.fake = o,
                       .env = {{"INFERENCE_LIMITS_MAX_CONCURRENT_UPSTREAM", "1"},
                               {"INFERENCE_LIMITS_MAX_QUEUE", "1"}}});
  Fault hang = Fault::hang("/v1/chat/completions");
  gw.fake->script(hang);
  TestConnection busy(gw.port);  // holds the only upstream slot
  busy.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "a")));
  ASSERT_TRUE(wait_for_chat(*gw.fake));
  TestConnection queued(gw.port);  // waits in the queue
  queued.send(raw_post("/v1/chat/completions", chat_body("llama3.3", "b")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama3.3", "c"));
  EXPECT_EQ(res.status, 429) << res.body;
  EXPECT_FALSE(res.header("retry-after").empty());
  EXPECT_EQ(error_of(res).at("type"), "rate_limit_error");
}

TEST(GatewayErrors, ServedModelMismatchIsAnErrorListingModelsUnlessAccepted) {
  // LM Studio with JIT lists every downloaded model, but with exactly one loaded it silently
  // serves that one for any name (BT#619).
  FakeOptions o;
  o.models = {{"gemma-3-1b-it-qat"}, {.id = "mistral-7b", .loaded = false}};
  {
    GatewayUnderTest gw({.fake = o});
    Fault f;
    f.path = "/v1/chat/completions";
    f.model = "gemma-3-1b-it-qat:2";
    gw.fake->script(f);
    auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("mistral-7b", "x"));
    EXPECT_GE(res.status, 400) << res.body;
    EXPECT_NE(res.body.find("gemma-3-1b-it-qat"), std::string::npos) << res.body;
  }
  {
    GatewayUnderTest gw(
        {.fake = o, .env = {{"INFERENCE_INFERENCE_ACCEPT_MODEL_MISMATCH", "true"}}});
    Fault f;
    f.path = "/v1/chat/completions";
    f.model = "gemma-3-1b-it-qat:2";
    gw.fake->script(f);
    auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("mistral-7b", "x"));
    EXPECT_EQ(res.status, 200) << res.body;
  }
}

}  // namespace
}  // namespace roci::testing
