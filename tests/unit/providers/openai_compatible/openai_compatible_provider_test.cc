// The OpenAI-compatible core's pure parts: capabilities refined from a model entry, and /v1
// model lists completed with LM Studio's /api/v0 details.
#include "providers/openai_compatible/openai_compatible_provider.h"

#include <gtest/gtest.h>

#include <vector>

namespace roci::test {
namespace {

TEST(RefineFromV0Test, ContextToolsVisionEmbeddings) {
  const Capabilities base = lmstudio_default_capabilities();
  ModelInfo m{.id = "x", .type = "llm", .max_context_length = 131072};
  EXPECT_EQ(refine_from_v0(base, m).context_length, 131072);
  m.loaded_context_length = 8192;
  EXPECT_EQ(refine_from_v0(base, m).context_length, 8192);
  m.capabilities = {"vision"};
  EXPECT_TRUE(refine_from_v0(base, m).vision);
  EXPECT_FALSE(refine_from_v0(base, m).tools);
  m.capabilities = {};
  EXPECT_TRUE(refine_from_v0(base, m).tools) << "no list (LM Studio < 0.3.16): keep the default";
  m.type = "vlm";
  EXPECT_TRUE(refine_from_v0(base, m).vision);
  m.type = "embeddings";
  const Capabilities embed = refine_from_v0(base, m);
  EXPECT_FALSE(embed.tools);
  EXPECT_FALSE(embed.streaming);
}

TEST(MergeModelListsTest, V1OrderAndSetWithV0Details) {
  std::vector<ModelInfo> v1{{.id = "b", .owned_by = "organization_owner"}, {.id = "a"}};
  std::vector<ModelInfo> v0{{.id = "a", .type = "llm", .state = "loaded"},
                            {.id = "c", .state = "not-loaded"}};
  auto merged = merge_model_lists(v1, v0);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].id, "b");
  EXPECT_EQ(merged[0].owned_by, "organization_owner");
  EXPECT_EQ(merged[0].state, "");
  EXPECT_EQ(merged[1].state, "loaded");
  EXPECT_EQ(merged[1].type, "llm");
}

}  // namespace
}  // namespace roci::test
