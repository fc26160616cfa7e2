// ModelCatalog: TTL cache of list_models(), invalidation, remembered failures, loaded models;
// ProviderSet: primary from the config, lazy selector providers.
#include "server/model_catalog.h"

#include "handler_test_util.h"

#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>

#include <cstdlib>

namespace roci::server {
namespace {

using namespace std::chrono_literals;
using testing::model;
using testing::RecordingProvider;

struct CatalogHarness {
  asio::io_context ioc;
  RecordingProvider provider{"lmstudio", {model("a", "loaded"), model("b", "not-loaded")}};
  ModelCatalog catalog;
  ModelCatalog::Clock::time_point now = ModelCatalog::Clock::now();

  CatalogHarness() {
    catalog.set_clock([this] { return now; });
  }
  Result<ModelList> fetch() {
    std::optional<Result<ModelList>> out;
    asio::co_spawn(
        ioc,
        [](ModelCatalog* c, Provider* p,
           std::optional<Result<ModelList>>* o) -> asio::awaitable<void> {
          o->emplace(co_await c->models(*p));
        }(&catalog, &provider, &out),
        asio::detached);
    ioc.restart();
    ioc.run();
    return std::move(*out);
  }
};

TEST(ModelCatalog, CachesForTheTtl) {
  CatalogHarness h;
  auto first = h.fetch();
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->size(), 2u);
  h.now += 1900ms;
  ASSERT_TRUE(h.fetch());
  EXPECT_EQ(h.provider.list_calls, 1);
  h.now += 200ms;  // past 2 s
  ASSERT_TRUE(h.fetch());
  EXPECT_EQ(h.provider.list_calls, 2);
}

TEST(ModelCatalog, InvalidateForcesARefetch) {
  CatalogHarness h;
  ASSERT_TRUE(h.fetch());
  h.provider.set_models({model("c", "loaded")});
  h.catalog.invalidate("lmstudio");
  auto list = h.fetch();
  ASSERT_TRUE(list);
  EXPECT_EQ(h.provider.list_calls, 2);
  EXPECT_EQ((*list)->front().id, "c");
  h.catalog.invalidate_all();
  ASSERT_TRUE(h.fetch());
  EXPECT_EQ(h.provider.list_calls, 3);
}

TEST(ModelCatalog, FailureIsRememberedBriefly) {
  CatalogHarness h;
  h.provider.list_error = Error::unreachable("down");
  EXPECT_FALSE(h.fetch());
  EXPECT_FALSE(h.fetch());
  EXPECT_EQ(h.provider.list_calls, 1);
  h.now += 1100ms;
  h.provider.list_error.reset();
  EXPECT_TRUE(h.fetch());
  EXPECT_EQ(h.provider.list_calls, 2);
}

TEST(ModelCatalog, CancellationIsNotCached) {
  CatalogHarness h;
  h.provider.list_error = Error::cancelled();
  EXPECT_FALSE(h.fetch());
  h.provider.list_error.reset();
  EXPECT_TRUE(h.fetch());
  EXPECT_EQ(h.provider.list_calls, 2);
}

TEST(ModelCatalog, HeldListSurvivesARefresh) {
  CatalogHarness h;
  auto held = h.fetch();
  ASSERT_TRUE(held);
  h.provider.set_models({model("z")});
  h.catalog.invalidate_all();
  ASSERT_TRUE(h.fetch());
  EXPECT_EQ((*held)->front().id, "a");  // immutable snapshot
}

TEST(ModelCatalog, LoadedModels) {
  CatalogHarness h;
  std::optional<Result<std::vector<std::string>>> out;
  asio::co_spawn(
      h.ioc,
      [](ModelCatalog* c, Provider* p,
         std::optional<Result<std::vector<std::string>>>* o) -> asio::awaitable<void> {
        o->emplace(co_await c->loaded_models(*p));
      }(&h.catalog, &h.provider, &out),
      asio::detached);
  h.ioc.run();
  ASSERT_TRUE(out && *out);
  EXPECT_EQ(**out, std::vector<std::string>{"a"});
}

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

TEST(ProviderSet, SelectorsCreateProvidersLazilyAndCacheThem) {
  ProviderSet set(std::make_unique<RecordingProvider>("lmstudio"));
  auto primary = set.for_selector("lmstudio");
  ASSERT_TRUE(primary);
  EXPECT_EQ(*primary, &set.primary());
  auto mock = set.for_selector("mock");
  ASSERT_TRUE(mock);
  EXPECT_EQ((*mock)->name(), "mock");
  auto again = set.for_selector("mock");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *mock);
  auto unknown = set.for_selector("ollama");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kInvalidRequest);
  RociConfig no_key;  // openai without OPENAI_API_KEY
  ProviderSet keyless(std::make_unique<RecordingProvider>("lmstudio"), no_key);
  EXPECT_FALSE(keyless.for_selector("openai"));
}

TEST(ProviderSet, KnownProviders) {
  EXPECT_TRUE(ProviderSet::is_known_provider("lmstudio"));
  EXPECT_TRUE(ProviderSet::is_known_provider("openai"));
  EXPECT_TRUE(ProviderSet::is_known_provider("mock"));
  EXPECT_FALSE(ProviderSet::is_known_provider("qwen3"));
}

}  // namespace
}  // namespace roci::server
