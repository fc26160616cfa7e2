// The model a request reaches the upstream with (roci/provider/provider.h, "The model"): an SDK
// request that names none runs the provider's model, one that names a model runs that one. Seed:
//   LmStudioProvider provider(LmStudioModel::custom("llama3.3"), url);
//   generate_text(provider, messages, settings, {});
#include <roci/provider/lmstudio_provider.h>
#include <roci/sdk/generate.h>
#include <roci/sdk/stream.h>

#include "providers/sync_runtime.h"
#include "support/fake_upstream.h"

#include <gtest/gtest.h>

#include <string>

namespace roci {
namespace {

using roci::testing::FakeUpstream;

class ModelDefaultTest : public ::testing::Test {
 protected:
  // The model of the last request the fake received at `path`.
  std::string sent_model(std::string_view path) const {
    std::string model = "<none>";
    for (const auto& r : fake_.requests()) {
      if (r.path() != path) continue;
      const auto* obj = r.json ? r.json->if_object() : nullptr;
      const auto* m = obj ? obj->if_contains("model") : nullptr;
      model = m && m->is_string() ? std::string(m->get_string()) : "<none>";
    }
    return model;
  }

  // Declaration order: the fake outlives the provider's pooled sockets.
  FakeUpstream fake_{
      {.models = {{"llama3.3"}, {"qwen3-8b"}, {.id = "nomic-embed-text", .type = "embeddings"}},
       .single_model_serves_any_name = false}};
  LmStudioProvider provider_{LmStudioModel::custom("llama3.3"), fake_.base_url()};
};

TEST_F(ModelDefaultTest, GenerateWithoutAModelRunsTheProvidersModel) {
  auto result = generate_text(provider_, {ModelMessage::user("hi")}, {}, {});
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(sent_model("/v1/chat/completions"), "llama3.3");
}

TEST_F(ModelDefaultTest, StreamWithoutAModelRunsTheProvidersModel) {
  auto stream = stream_text(provider_, ProviderRequest{.messages = {ModelMessage::user("hi")}});
  ASSERT_TRUE(stream) << stream.error();
  while (stream->next()) {
  }
  EXPECT_FALSE(stream->error());
  EXPECT_EQ(sent_model("/v1/chat/completions"), "llama3.3");
}

TEST_F(ModelDefaultTest, ANamedModelIsSentAsNamed) {
  ProviderRequest request{.messages = {ModelMessage::user("hi")}};
  request.model = "qwen3-8b";
  auto result = generate_text(provider_, request);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(sent_model("/v1/chat/completions"), "qwen3-8b");
}

TEST_F(ModelDefaultTest, EmbeddingsAndCompletionsDefaultTheSameWay) {
  (void)run_sync(provider_.embed(EmbeddingRequest{.input = {"hello"}}));  // not an embedder
  EXPECT_EQ(sent_model("/v1/embeddings"), "llama3.3");
  EmbeddingRequest named{.model = "nomic-embed-text", .input = {"hello"}};
  ASSERT_TRUE(run_sync(provider_.embed(named)));
  EXPECT_EQ(sent_model("/v1/embeddings"), "nomic-embed-text");

  auto completed = run_sync(provider_.complete(CompletionRequest{.prompt = {"Once"}}));
  ASSERT_TRUE(completed) << completed.error();
  EXPECT_EQ(sent_model("/v1/completions"), "llama3.3");
}

}  // namespace
}  // namespace roci
