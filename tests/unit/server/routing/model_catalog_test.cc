// ModelCatalog: TTL cache of list_models(), refreshes in the background, invalidation, remembered
// failures, loaded models.
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

// The gateway's BackgroundRefresh, minus the keep-alive: refresh() spawned on the harness's
// io_context, which runs only when the test says so.
void refresh_in_background(CatalogHarness& h, int& starts) {
  h.catalog.set_background_refresh([&h, &starts](Provider& p) {
    ++starts;
    asio::co_spawn(
        h.ioc,
        [](ModelCatalog* c, Provider* p) -> asio::awaitable<void> {
          (void)co_await c->refresh(*p);
        }(&h.catalog, &p),
        asio::detached);
    return true;
  });
}

TEST(ModelCatalog, AnExpiredListIsServedStaleWhileItIsRefreshedInTheBackground) {
  CatalogHarness h;
  int starts = 0;
  refresh_in_background(h, starts);
  ASSERT_TRUE(h.fetch());  // never listed: the caller waits
  EXPECT_EQ(starts, 0);
  h.provider.set_models({model("c", "loaded")});
  h.now += 2100ms;
  auto stale = h.catalog.cached(h.provider);  // no waiting: the old list, a refresh started
  ASSERT_TRUE(stale && *stale);
  EXPECT_EQ((**stale)->front().id, "a");
  EXPECT_EQ(starts, 1);
  auto again = h.catalog.cached(h.provider);  // the same expiry: no second refresh
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((**again)->front().id, "a");
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(h.provider.list_calls, 1);
  h.ioc.restart();
  h.ioc.run();  // the refresh runs
  EXPECT_EQ(h.provider.list_calls, 2);
  auto fresh = h.catalog.cached(h.provider);
  ASSERT_TRUE(fresh && *fresh);
  EXPECT_EQ((**fresh)->front().id, "c");
  EXPECT_EQ(starts, 1);
}

TEST(ModelCatalog, ABackgroundRefreshThatFailsIsRememberedAsAFetchIs) {
  CatalogHarness h;
  int starts = 0;
  refresh_in_background(h, starts);
  ASSERT_TRUE(h.fetch());
  h.now += 2100ms;
  h.provider.list_error = Error::unreachable("down");
  ASSERT_TRUE(h.catalog.cached(h.provider));  // stale, refresh started
  h.ioc.restart();
  h.ioc.run();
  auto failed = h.catalog.cached(h.provider);
  ASSERT_TRUE(failed);
  EXPECT_FALSE(*failed);
  EXPECT_EQ(starts, 1);
}

TEST(ModelCatalog, ARefreshThatCannotStartLeavesTheFetchToTheCaller) {
  CatalogHarness h;
  int declined = 0;
  h.catalog.set_background_refresh([&declined](Provider&) { return ++declined, false; });
  ASSERT_TRUE(h.fetch());
  h.now += 2100ms;
  EXPECT_FALSE(h.catalog.cached(h.provider));  // as without a BackgroundRefresh
  EXPECT_FALSE(h.catalog.cached(h.provider));  // not marked as refreshing: asked again
  EXPECT_EQ(declined, 2);
  ASSERT_TRUE(h.fetch());
  EXPECT_EQ(h.provider.list_calls, 2);
}

TEST(ModelCatalog, AnInvalidatedListIsFetchedByItsCallerEvenWithBackgroundRefreshes) {
  CatalogHarness h;
  int starts = 0;
  refresh_in_background(h, starts);
  ASSERT_TRUE(h.fetch());
  h.provider.set_models({model("c", "loaded")});
  h.catalog.invalidate("lmstudio");  // "model not found": the next caller needs the new list
  EXPECT_FALSE(h.catalog.cached(h.provider));
  auto list = h.fetch();
  ASSERT_TRUE(list);
  EXPECT_EQ((*list)->front().id, "c");
  EXPECT_EQ(starts, 0);
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
