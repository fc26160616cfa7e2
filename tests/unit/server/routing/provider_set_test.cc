// ProviderSet: the primary built from config.inference through the registry, lazy selector
// providers, the gateway's HTTP options on every provider.
#include "server/routing/provider_set.h"

#include "config/gateway_config.h"
#include "server/routing/model_catalog.h"
#include "unit/server/handler_test_util.h"

#include <roci/provider/llamacpp_provider.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace roci::server {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::RecordingProvider;

// Sets (or unsets, with nullptr) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (saved_) {
      ::setenv(name_, saved_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

TEST(ProviderSet, MockPrimaryListsTheConfiguredModels) {
  config::GatewayConfig config;  // defaults: mock
  config.inference.default_model = "local-model";
  config.inference.allowed_models = {"local-model", "other-model"};
  auto set = ProviderSet::create(config);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->primary().name(), "mock");
  EXPECT_EQ(set->primary().model_id(), "local-model");
  asio::io_context ioc;
  std::optional<Result<std::vector<ModelInfo>>> out;
  asio::co_spawn(
      ioc,
      [](Provider* p, std::optional<Result<std::vector<ModelInfo>>>* o) -> asio::awaitable<void> {
        o->emplace(co_await p->list_models());
      }(&set->primary(), &out),
      asio::detached);
  ioc.run();
  ASSERT_TRUE(out && *out);
  // inference.mock.models (the seed's names by default), then the allowed ids it lacks.
  EXPECT_EQ(model_ids(**out),
            (std::vector<std::string>{"local-model", "TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
                                      "TheBloke/Llama-2-7B-Chat-GGUF", "other-model"}));
}

TEST(ProviderSet, LmStudioPrimaryUsesTheConfiguredUrlAndHttpOptions) {
  config::GatewayConfig config;
  config.inference.provider = "lmstudio";
  config.inference.base_url = "http://127.0.0.1:4321";
  config.inference.http.connect_timeout_secs = 3;
  config.inference.http.timeout_secs = 90;
  auto set = ProviderSet::create(config);
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->primary().name(), "lmstudio");
  EXPECT_NE(set->primary().base_url().find("127.0.0.1:4321"), std::string::npos);
  ASSERT_NE(set->primary().http_options(), nullptr);
  EXPECT_EQ(set->primary().http_options()->connect_timeout, 3s);
  EXPECT_EQ(set->primary().http_options()->request_timeout, 90s);
  EXPECT_EQ(set->primary().http_options()->first_byte_timeout, 90s);  // 0 -> timeout
}

TEST(ProviderSet, LmStudioDefaultUrl) {
  config::GatewayConfig config;
  config.inference.provider = "lmstudio";
  auto set = ProviderSet::create(config);
  ASSERT_TRUE(set);
  EXPECT_NE(set->primary().base_url().find("localhost:1234"), std::string::npos);
}

TEST(ProviderSet, OpenAiNeedsAKey) {
  const char* saved = std::getenv("OPENAI_API_KEY");
  std::string saved_value = saved ? saved : "";
  ::unsetenv("OPENAI_API_KEY");
  config::GatewayConfig config;
  config.inference.provider = "openai";
  auto set = ProviderSet::create(config);
  EXPECT_FALSE(set);
  config.inference.api_key = "sk-test";
  auto with_key = ProviderSet::create(config);
  ASSERT_TRUE(with_key);
  EXPECT_EQ(with_key->primary().name(), "openai");
  if (saved) ::setenv("OPENAI_API_KEY", saved_value.c_str(), 1);
}

TEST(ProviderSet, SelectorsReachOnlyConfiguredProviders) {
  RociConfig env;  // an OpenAI key in the environment must not make openai reachable
  env.openai_api_key = "sk-owner";
  ProviderSet set(std::make_unique<RecordingProvider>("lmstudio"), env);
  auto primary = set.for_selector("lmstudio");
  ASSERT_TRUE(primary);
  EXPECT_EQ(*primary, &set.primary());
  for (const char* other : {"openai", "mock", "llamacpp", "ollama"}) {
    auto refused = set.for_selector(other);
    ASSERT_FALSE(refused) << other;
    EXPECT_EQ(refused.error().kind, ErrorKind::kModelNotFound);
    EXPECT_EQ(refused.error().param, "model");
    EXPECT_THAT(refused.error().message, HasSubstr("is not configured on this gateway"));
  }
  set.add("mock", std::make_unique<RecordingProvider>("mock"));  // configured by the embedder
  auto added = set.for_selector("mock");
  ASSERT_TRUE(added);
  EXPECT_EQ((*added)->name(), "mock");
}

TEST(ProviderSet, OpenAiWithoutAKeyNamesBothWaysToSetIt) {
  ScopedEnv no_key("OPENAI_API_KEY", nullptr);
  config::GatewayConfig config;
  config.inference.provider = "openai";
  auto set = ProviderSet::create(config);
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(set.error().message,
              HasSubstr("needs an API key: set OPENAI_API_KEY or inference.api_key"));
}

TEST(ProviderSet, LlamaCppPrimaryHasItsDefaultUrlAndNoDefaultModel) {
  ScopedEnv env_url("LLAMACPP_BASE_URL", "http://elsewhere:9999");  // only for selectors
  config::GatewayConfig config;
  config.inference.provider = "llamacpp";
  auto set = ProviderSet::create(config);
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_NE(dynamic_cast<LlamaCppProvider*>(&set->primary()), nullptr);
  EXPECT_EQ(set->primary().name(), "llamacpp");
  EXPECT_EQ(set->primary().base_url(), "http://localhost:8080");
  EXPECT_EQ(set->primary().model_id(), "");
  auto same = set->for_selector("llamacpp");
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, &set->primary());
}

TEST(ProviderSet, PrimaryKeyFallsBackToTheKindsVariable) {
  ScopedEnv key("LLAMACPP_API_KEY", "sk-from-env");
  config::GatewayConfig config;
  config.inference.provider = "llamacpp";
  config.inference.base_url = "http://127.0.0.1:8081";
  auto spec = ProviderSet::primary_spec(config, ProviderRegistry());
  ASSERT_TRUE(spec) << spec.error();
  EXPECT_EQ(spec->kind, "llamacpp");
  EXPECT_EQ(spec->base_url, "http://127.0.0.1:8081");
  EXPECT_EQ(spec->api_key, "sk-from-env");
  EXPECT_EQ(spec->origin.api_key, "LLAMACPP_API_KEY or inference.api_key");
  config.inference.api_key = "sk-from-config";
  spec = ProviderSet::primary_spec(config, ProviderRegistry());
  ASSERT_TRUE(spec) << spec.error();
  EXPECT_EQ(spec->api_key, "sk-from-config");
  EXPECT_EQ(spec->origin.api_key, "inference.api_key");
}

TEST(ProviderSet, UnknownPrimaryKindNamesTheKey) {
  config::GatewayConfig config;
  config.inference.provider = "ollama";
  auto set = ProviderSet::create(config);
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().param, "inference.provider");
  EXPECT_THAT(set.error().message, HasSubstr("llamacpp, lmstudio, mock, openai"));
}

TEST(ProviderSet, ThePrimaryGetsTheGatewaysHttpOptions) {
  config::GatewayConfig config;
  config.inference.provider = "lmstudio";
  config.inference.http.connect_timeout_secs = 7;
  int retries = 0;
  auto set = ProviderSet::create(config, [&retries] { ++retries; });
  ASSERT_TRUE(set) << set.error().message;
  const Provider& p = set->primary();
  ASSERT_NE(p.http_options(), nullptr);
  EXPECT_EQ(p.http_options()->connect_timeout, 7s);
  EXPECT_TRUE(p.http_options()->close_idle_on_timer);
  ASSERT_TRUE(p.http_options()->on_retry);
  p.http_options()->on_retry(HttpRetry{.attempt = 1, .max_retries = 2, .cause = "refused"});
  EXPECT_EQ(retries, 1) << "the provider reports its retries to the counter";
  HttpRetry stale{.stale_connection = true};
  p.http_options()->on_retry(stale);
  EXPECT_EQ(retries, 1) << "a stale keep-alive resend is not a retry";
}

}  // namespace
}  // namespace roci::server
