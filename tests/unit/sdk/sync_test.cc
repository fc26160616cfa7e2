// The blocking Provider operations (roci/sdk/sync.h) against the mock.
#include <roci/provider/mock_provider.h>
#include <roci/sdk/sync.h>

#include <gtest/gtest.h>

namespace roci {
namespace {

TEST(SyncFacades, ListHealthEmbedAndCompleteBlockUntilDone) {
  MockProvider provider({.models = {"local-model", "nomic-embed"}});
  auto models = list_models(provider);
  ASSERT_TRUE(models) << models.error();
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ(models->at(0).id, "local-model");

  auto up = health(provider);
  ASSERT_TRUE(up) << up.error();
  EXPECT_TRUE(up->reachable);

  auto vectors = embed(provider, {.model = "nomic-embed", .input = {"a", "b"}});
  ASSERT_TRUE(vectors) << vectors.error();
  EXPECT_EQ(vectors->embeddings.size(), 2u);

  auto legacy = complete(provider, {.prompt = {"Once upon a time"}});
  ASSERT_TRUE(legacy) << legacy.error();
  ASSERT_EQ(legacy->choices.size(), 1u);
  EXPECT_FALSE(legacy->choices[0].text.empty());
}

TEST(SyncFacades, ReturnTheOperationsError) {
  MockProvider broken({.fail_with = Error::upstream("boom", 500)});
  auto legacy = complete(broken, {.prompt = {"x"}});
  EXPECT_FALSE(legacy);
  EXPECT_EQ(legacy.error().message, "boom");
}

}  // namespace
}  // namespace roci
