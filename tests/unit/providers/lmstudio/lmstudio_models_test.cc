// LmStudioProvider::list_models and capabilities: /v1/models refined by /api/v0/models.
#include "unit/providers/lmstudio/lmstudio_fixture.h"

#include <gmock/gmock.h>

namespace roci::test {
namespace {

using ::testing::ElementsAre;

const ModelInfo* find(const std::vector<ModelInfo>& models, std::string_view id) {
  for (const auto& m : models) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

class LmStudioModelsTest : public LmStudioFixture {};

TEST_F(LmStudioModelsTest, ListIsMergedWithApiV0AndRefinesCapabilities) {
  start({.models = {{.id = "qwen3", .max_context_length = 40960, .capabilities = {"tool_use"}},
                    {.id = "qwen2-vl", .type = "vlm", .loaded = false, .max_context_length = 32768},
                    {.id = "plain",
                     .loaded = true,
                     .max_context_length = 8192,
                     .loaded_context_length = 2048,
                     .capabilities = {"other"}},
                    {.id = "nomic-embed", .type = "embeddings", .loaded = false}}},
        {}, "qwen3");
  auto models = run(provider_->list_models());
  ASSERT_TRUE(models) << models.error();
  ASSERT_EQ(models->size(), 4u);
  EXPECT_EQ(count("/v1/models"), 1u);
  EXPECT_EQ(count("/api/v0/models"), 1u);

  const ModelInfo* qwen = find(*models, "qwen3");
  ASSERT_NE(qwen, nullptr);
  EXPECT_EQ(qwen->state, "loaded");
  EXPECT_EQ(qwen->type, "llm");
  EXPECT_EQ(qwen->max_context_length, 40960);
  EXPECT_EQ(qwen->loaded_context_length, 4096);
  EXPECT_THAT(qwen->capabilities, ElementsAre("tool_use"));
  const ModelInfo* vl = find(*models, "qwen2-vl");
  ASSERT_NE(vl, nullptr);
  EXPECT_EQ(vl->state, "not-loaded");
  EXPECT_EQ(vl->type, "vlm");

  const Capabilities qwen_caps = provider_->capabilities("qwen3");
  EXPECT_TRUE(qwen_caps.tools);
  EXPECT_EQ(qwen_caps.context_length, 4096) << "the loaded n_ctx wins over the trained maximum";
  EXPECT_EQ(provider_->capabilities(""), qwen_caps) << "empty: the provider's model";

  const Capabilities vl_caps = provider_->capabilities("qwen2-vl");
  EXPECT_TRUE(vl_caps.vision);
  EXPECT_EQ(vl_caps.context_length, 32768);

  const Capabilities plain = provider_->capabilities("plain");
  EXPECT_FALSE(plain.tools) << "a capability list without tool_use";
  EXPECT_EQ(plain.context_length, 2048);

  EXPECT_FALSE(provider_->capabilities("nomic-embed").streaming);
  EXPECT_EQ(provider_->capabilities("never-listed"), lmstudio_default_capabilities());
}

TEST_F(LmStudioModelsTest, ThePlaceholderAndPartialNamesGetTheServedContextLength) {
  // The seed's "local-model" means the loaded model: after list_models its context length (2048
  // here) replaces the seed table's 32,768; so does a unique substring.
  start({.models = {{.id = "nomic-embed", .type = "embeddings", .loaded = true},
                    {.id = "gemma-3-1b-it",
                     .loaded = true,
                     .max_context_length = 32768,
                     .loaded_context_length = 2048}}},
        {}, "local-model");
  EXPECT_EQ(provider_->capabilities("").context_length, 32768);
  ASSERT_TRUE(run(provider_->list_models()));
  EXPECT_EQ(provider_->capabilities("").context_length, 2048);
  EXPECT_EQ(provider_->capabilities("local-model").context_length, 2048);
  EXPECT_EQ(provider_->capabilities("gemma-3").context_length, 2048);
  EXPECT_EQ(provider_->capabilities("never-listed"), lmstudio_default_capabilities());
}

TEST_F(LmStudioModelsTest, CapabilitiesBeforeListingAreTheSeedTable) {
  start();
  const Capabilities caps = provider_->capabilities("llama3.3");
  EXPECT_EQ(caps, lmstudio_default_capabilities());
  EXPECT_TRUE(caps.tools);
  EXPECT_TRUE(caps.streaming);
  EXPECT_TRUE(caps.json_mode);
  EXPECT_FALSE(caps.json_schema);
  EXPECT_FALSE(caps.vision);
  EXPECT_TRUE(caps.system_messages);
  EXPECT_EQ(caps.context_length, 32768);
}

TEST_F(LmStudioModelsTest, ApiV0FailureKeepsTheV1List) {
  start({.models = {{"qwen3"}, {"gemma-3"}}}, {}, "qwen3");
  fake_->script(Fault::respond(500, R"({"error":"internal"})", "/api/v0/models"));
  auto models = run(provider_->list_models());
  ASSERT_TRUE(models) << models.error();
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].state, "");
  EXPECT_EQ(provider_->capabilities("qwen3"), lmstudio_default_capabilities());
}

TEST_F(LmStudioModelsTest, ApiV0ErrorBodyWith200KeepsTheV1List) {
  start();
  fake_->script(
      Fault::respond(200, R"j({"error":"Unexpected endpoint or method. (GET /api/v0/models)"})j",
                     "/api/v0/models"));
  auto models = run(provider_->list_models());
  ASSERT_TRUE(models) << models.error();
  ASSERT_EQ(models->size(), 1u);
  EXPECT_EQ(models->front().id, "llama3.3");
}

TEST_F(LmStudioModelsTest, V1FailureIsAnError) {
  start();
  fake_->script(Fault::respond(500, R"({"error":{"message":"down"}})", "/v1/models"));
  auto models = run(provider_->list_models());
  ASSERT_FALSE(models);
  EXPECT_EQ(models.error().kind, ErrorKind::kUpstreamError);
}

}  // namespace
}  // namespace roci::test
