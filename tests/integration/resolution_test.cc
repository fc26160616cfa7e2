// Model resolution (seed "Model Naming"): exact id, unique substring, default_model, allow-lists,
// provider:model selectors.
#include "integration/gateway_fixture.h"

namespace roci::testing {
namespace {

namespace json = boost::json;

FakeOptions seed_models() {
  FakeOptions o;
  o.models = {{"TheBloke/Mistral-7B-Instruct-v0.2-GGUF"}, {"TheBloke/Llama-2-7B-Chat-GGUF"}};
  return o;
}

std::string served_request_model(GatewayUnderTest& gw) {
  return json::value_to<std::string>(gw.fake->requests().back().json->at("model"));
}

TEST(GatewayResolution, UniqueSubstringResolvesToTheFullId) {
  GatewayUnderTest gw({.fake = seed_models()});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("mistral", "x"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(served_request_model(gw), "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  EXPECT_EQ(res.json().at("model"), "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
}

TEST(GatewayResolution, AmbiguousSubstringIs404ListingTheMatches) {
  GatewayUnderTest gw({.fake = seed_models()});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("TheBloke", "x"));
  EXPECT_EQ(res.status, 404) << res.body;
  EXPECT_NE(res.body.find("Mistral-7B"), std::string::npos);
  EXPECT_NE(res.body.find("Llama-2-7B"), std::string::npos);
}

TEST(GatewayResolution, DefaultModelWhenTheRequestNamesNone) {
  GatewayUnderTest gw(
      {.fake = seed_models(),
       .env = {{"INFERENCE_INFERENCE_DEFAULT_MODEL", "TheBloke/Llama-2-7B-Chat-GGUF"}}});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions",
                       R"({"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(served_request_model(gw), "TheBloke/Llama-2-7B-Chat-GGUF");
}

TEST(GatewayResolution, DefaultModelAliasMeansTheLoadedModel) {
  // The seed's minimal config: default_model "local-model", the model loaded in LM Studio.
  FakeOptions o = seed_models();
  o.models[0].loaded = false;
  GatewayUnderTest gw({.fake = o, .env = {{"INFERENCE_INFERENCE_DEFAULT_MODEL", "local-model"}}});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("local-model", "x"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(served_request_model(gw), "TheBloke/Llama-2-7B-Chat-GGUF");
}

TEST(GatewayResolution, AllowedModelsRestrictEverything) {
  GatewayUnderTest gw(
      {.fake = seed_models(),
       .env = {{"INFERENCE_INFERENCE_ALLOWED_MODELS", "TheBloke/Mistral-7B-Instruct-v0.2-GGUF"}}});
  auto models = http_call(gw.port, "GET", "/v1/models");
  ASSERT_EQ(models.status, 200);
  ASSERT_EQ(models.json().at("data").as_array().size(), 1u);
  auto denied = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("llama-2", "x"));
  EXPECT_EQ(denied.status, 404) << denied.body;
  EXPECT_NE(denied.body.find("TheBloke/Mistral-7B-Instruct-v0.2-GGUF"), std::string::npos);
  for (const auto& r : gw.fake->requests()) EXPECT_EQ(r.path().find("chat"), std::string::npos);
  EXPECT_EQ(http_call(gw.port, "POST", "/v1/chat/completions", chat_body("mistral", "x")).status,
            200);
}

TEST(GatewayResolution, SelectorsOfProvidersNotConfiguredAre404) {
  GatewayUnderTest gw({.fake = seed_models()});
  // The mock is reachable only on a gateway configured with it.
  for (const char* selector : {"mock:mock-model", "mock:local-model", "llamacpp:llama3.3"}) {
    auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body(selector, "hello"));
    EXPECT_EQ(res.status, 404) << selector << ": " << res.body;
    EXPECT_EQ(res.json().at("error").at("code"), "model_not_found");
    EXPECT_NE(res.body.find("is not configured on this gateway"), std::string::npos) << res.body;
  }
  for (const auto& r : gw.fake->requests()) EXPECT_EQ(r.path().find("chat"), std::string::npos);
  // The configured provider's own kind is a selector for it.
  auto own = http_call(gw.port, "POST", "/v1/chat/completions",
                       chat_body("lmstudio:TheBloke/Mistral-7B-Instruct-v0.2-GGUF", "hello"));
  EXPECT_EQ(own.status, 200) << own.body;
}

TEST(GatewayResolution, LocalModelIsTheLoadedModelInFrontOfLmStudio) {
  // The README's env-only LM Studio command and its curl: no default_model configured.
  FakeOptions o;
  o.models = {{.id = "qwen2.5-7b-instruct", .loaded = false}, {.id = "llama-3.2-3b-instruct"}};
  GatewayUnderTest gw({.fake = o});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("local-model", "hello"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json().at("model"), "llama-3.2-3b-instruct");
  EXPECT_EQ(gw.fake->requests().back().json->at("model"), "llama-3.2-3b-instruct");
}

TEST(GatewayResolution, LocalModelHonoursTheAllowList) {
  FakeOptions o;
  o.models = {{.id = "llama-3.2-3b-instruct"}, {.id = "qwen2.5-7b-instruct", .loaded = false}};
  GatewayUnderTest gw(
      {.fake = o, .env = {{"INFERENCE_INFERENCE_ALLOWED_MODELS", "qwen2.5-7b-instruct"}}});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("local-model", "hello"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json().at("model"), "qwen2.5-7b-instruct");  // never the loaded, unallowed one
}

TEST(GatewayResolution, TheEmbeddedMockServesItsModelsAnd404sOthers) {
  GatewayUnderTest gw({.fake = std::nullopt, .provider = "mock"});
  ASSERT_NE(gw.port, 0);
  for (const char* name : {"local-model", "TheBloke/Llama-2-7B-Chat-GGUF", "mistral"}) {
    auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body(name, "hello"));
    EXPECT_EQ(res.status, 200) << name << ": " << res.body;
  }
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("no-such-model", "hi"));
  EXPECT_EQ(res.status, 404) << res.body;
  const json::value body = res.json();
  const auto& error = body.at("error");
  EXPECT_EQ(error.at("code"), "model_not_found");
  EXPECT_EQ(error.at("message"),
            "Model \"no-such-model\" not found. Available models: local-model, "
            "TheBloke/Mistral-7B-Instruct-v0.2-GGUF, TheBloke/Llama-2-7B-Chat-GGUF.");
  auto streamed = http_call(gw.port, "POST", "/v1/chat/completions",
                            chat_body("no-such-model", "hi", /*stream=*/true));
  EXPECT_EQ(streamed.status, 404) << streamed.body;
}

TEST(GatewayResolution, ColonInsideLmStudioIdsIsNotASelector) {
  FakeOptions o;
  o.models = {{"qwen3:8b"}, {"gemma:2b"}};
  GatewayUnderTest gw({.fake = o});
  auto res = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("qwen3:8b", "x"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(served_request_model(gw), "qwen3:8b");
}

// The handlers resolve the name once; the provider and the encoder send exactly that model, on
// every path that names one.
TEST(GatewayResolution, TheResolvedModelReachesTheUpstreamOnEveryPath) {
  FakeOptions o = seed_models();
  o.models.push_back({.id = "text-embedding-nomic-embed-text-v1.5", .type = "embeddings"});
  GatewayUnderTest gw({.fake = o});
  auto sent = [&gw](std::string_view path) {
    std::string model = "<none>";
    for (const auto& r : gw.fake->requests()) {
      if (r.path() == path && r.json) model = json::value_to<std::string>(r.json->at("model"));
    }
    return model;
  };
  auto streamed = http_call(gw.port, "POST", "/v1/chat/completions",
                            chat_body("mistral", "x", /*stream=*/true));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_EQ(sent("/v1/chat/completions"), "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");

  auto embedded = http_call(gw.port, "POST", "/v1/embeddings", R"({"model":"nomic","input":"hi"})");
  ASSERT_EQ(embedded.status, 200) << embedded.body;
  EXPECT_EQ(sent("/v1/embeddings"), "text-embedding-nomic-embed-text-v1.5");

  auto completed =
      http_call(gw.port, "POST", "/v1/completions", R"({"model":"llama-2","prompt":"Once"})");
  ASSERT_EQ(completed.status, 200) << completed.body;
  EXPECT_EQ(sent("/v1/completions"), "TheBloke/Llama-2-7B-Chat-GGUF");
}

// The model list is cached for 2 s; the request that finds it expired is answered from it while
// the gateway lists the models again in the background (an LM Studio listing is three requests
// in a row). Once that refresh ended, a model listed only now resolves.
TEST(GatewayResolution, AnExpiredModelListIsRefreshedWithoutARequestWaitingForIt) {
  using namespace std::chrono_literals;
  GatewayUnderTest gw({.fake = seed_models()});
  auto first = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("mistral", "x"));
  ASSERT_EQ(first.status, 200) << first.body;
  std::this_thread::sleep_for(2100ms);
  auto models = seed_models().models;
  models.push_back({"Qwen/Qwen3-8B-GGUF"});
  gw.fake->set_models(models);
  gw.fake->script({.method = "GET", .path = "/v1/models", .header_delay = 1500ms});
  const auto start = std::chrono::steady_clock::now();
  auto stale = http_call(gw.port, "POST", "/v1/chat/completions", chat_body("mistral", "x"));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(stale.status, 200) << stale.body;
  EXPECT_LT(took, 1000ms) << "the request waited for the model list";
  bool listed = false;
  for (int i = 0; i < 50 && !listed; ++i) {
    std::this_thread::sleep_for(100ms);
    listed =
        http_call(gw.port, "POST", "/v1/chat/completions", chat_body("qwen3", "x")).status == 200;
  }
  ASSERT_TRUE(listed) << "the model listed after the refresh never resolved";
  EXPECT_EQ(served_request_model(gw), "Qwen/Qwen3-8B-GGUF");
  std::size_t listings = 0;
  for (const auto& r : gw.fake->requests()) listings += r.path() == "/v1/models" ? 1 : 0;
  EXPECT_EQ(listings, 2u) << "one listing at the first request, one refresh";
}

}  // namespace
}  // namespace roci::testing
