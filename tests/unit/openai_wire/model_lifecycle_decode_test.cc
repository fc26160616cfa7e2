// Host state and model lifecycle shapes: llama.cpp router mode (tests/support/fixtures/
// llamacpp_router, from llama.cpp's tools/server/README.md) and LM Studio /api/v1 instances.
#include <gtest/gtest.h>

#include "openai_wire/upstream_codec.h"
#include "test_util.h"

namespace roci::openai_wire {
namespace {

using testing::read_fixture;

TEST(ModelLifecycleDecode, LlamaCppRouterStatusValues) {
  auto models = decode_model_list(read_fixture("llamacpp_router/models.json"), "llama.cpp");
  ASSERT_TRUE(models) << models.error();
  ASSERT_EQ(models->size(), 5u);
  EXPECT_EQ((*models)[0].id, "ggml-org/gemma-3-4b-it-GGUF:Q4_K_M");
  EXPECT_EQ((*models)[0].state, "loaded");
  EXPECT_EQ((*models)[1].state, "loading");
  EXPECT_EQ((*models)[2].state, "not-loaded");
  EXPECT_EQ((*models)[3].state, "not-loaded");  // failed to load: on disk, not running
  EXPECT_EQ((*models)[4].state, "sleeping");
  for (const auto& m : *models) EXPECT_TRUE(m.loadable) << m.id;
}

TEST(ModelLifecycleDecode, LoadAnswers) {
  auto router = decode_model_load(read_fixture("llamacpp_router/load_response.json"), "llama.cpp");
  ASSERT_TRUE(router) << router.error();
  EXPECT_EQ(router->instance_id, "");
  auto refused = decode_model_load(R"({"success":false})", "llama.cpp");
  ASSERT_FALSE(refused);
  auto lmstudio = decode_model_load(
      R"({"type":"llm","instance_id":"m1:2","load_time_seconds":9.1,"status":"loaded"})",
      "LM Studio");
  ASSERT_TRUE(lmstudio) << lmstudio.error();
  EXPECT_EQ(lmstudio->instance_id, "m1:2");
  EXPECT_EQ(encode_model_action("model", "a\"b"), R"({"model":"a\"b"})");
}

TEST(ModelLifecycleDecode, LmStudioV1InstancesAndLoadable) {
  auto models = decode_model_list(
      R"({"models":[{"type":"llm","key":"m1","loaded_instances":[{"id":"m1","config":{}},)"
      R"({"id":"m1:2","config":{}}]},{"type":"llm","key":"m2","loaded_instances":[]}]})",
      "LM Studio");
  ASSERT_TRUE(models) << models.error();
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[0].instances, (std::vector<std::string>{"m1", "m1:2"}));
  EXPECT_TRUE((*models)[0].loaded());
  EXPECT_TRUE((*models)[0].loadable);
  EXPECT_EQ((*models)[1].state, "not-loaded");
  // A plain /v1/models entry is neither loadable nor in a known state.
  auto plain = decode_model_list(R"({"data":[{"id":"x"}]})", "OpenAI");
  ASSERT_TRUE(plain);
  EXPECT_FALSE((*plain)[0].loadable);
  EXPECT_EQ((*plain)[0].state, "");
}

}  // namespace
}  // namespace roci::openai_wire
