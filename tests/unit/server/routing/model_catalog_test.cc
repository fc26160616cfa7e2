// ModelCatalog: TTL cache of list_models(), invalidation, remembered failures, loaded models.
#include "server/routing/model_catalog.h"

#include "unit/server/handler_test_util.h"

#include <roci/provider/mock_provider.h>

#include <gtest/gtest.h>

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

TEST(ModelCatalog, CachedAnswersWhatModelsWouldWithoutFetching) {
  CatalogHarness h;
  EXPECT_FALSE(h.catalog.cached(h.provider));  // never fetched
  ASSERT_TRUE(h.fetch());
  auto hit = h.catalog.cached(h.provider);
  ASSERT_TRUE(hit);
  ASSERT_TRUE(*hit);
  EXPECT_EQ((**hit)->size(), 2u);
  h.now += 2100ms;  // stale: models() would fetch
  EXPECT_FALSE(h.catalog.cached(h.provider));
  h.provider.list_error = Error::unreachable("down");
  EXPECT_FALSE(h.fetch());
  auto failed = h.catalog.cached(h.provider);  // the remembered failure
  ASSERT_TRUE(failed);
  EXPECT_FALSE(*failed);
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

}  // namespace
}  // namespace roci::server
