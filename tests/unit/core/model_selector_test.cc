#include <roci/core/model_selector.h>

#include <gtest/gtest.h>

namespace roci {
namespace {

TEST(LanguageModelTest, ParsesProviderAndModel) {
  auto model = LanguageModel::parse("lmstudio:llama3.3");
  ASSERT_TRUE(model) << model.error();
  EXPECT_EQ(model->provider_name(), "lmstudio");
  EXPECT_EQ(model->model_id(), "llama3.3");
}

TEST(LanguageModelTest, SplitsOnFirstColonOnly) {
  auto model = LanguageModel::parse("lmstudio:qwen3:8b");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->provider_name(), "lmstudio");
  EXPECT_EQ(model->model_id(), "qwen3:8b");
  EXPECT_EQ(model->to_string(), "lmstudio:qwen3:8b");
}

TEST(LanguageModelTest, KnownConstructionMatchesParse) {
  LanguageModel known = LanguageModel::Known{.provider_key = "lmstudio", .model_id = "mistral"};
  EXPECT_EQ(known, LanguageModel::parse("lmstudio:mistral").value());
}

TEST(LanguageModelTest, RejectsEmptyAndMalformedSelectors) {
  for (std::string_view bad : {"", "llama3.3", ":llama3.3", "lmstudio:"}) {
    auto model = LanguageModel::parse(bad);
    ASSERT_FALSE(model) << bad;
    EXPECT_EQ(model.error().kind, ErrorKind::kInvalidRequest);
    EXPECT_EQ(model.error().param, "model");
    EXPECT_NE(model.error().message.find("provider:model"), std::string::npos) << bad;
  }
}

TEST(LanguageModelTest, RejectsUnknownProviderNamingTheKnownOnes) {
  const std::string_view known[] = {"lmstudio", "openai", "mock"};
  auto model = LanguageModel::parse("ollama:llama3", known);
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("Unknown provider \"ollama\""), std::string::npos);
  EXPECT_NE(model.error().message.find("lmstudio, openai, mock"), std::string::npos);
  EXPECT_TRUE(LanguageModel::parse("mock:x", known));
}

TEST(ModelSelectorTest, SamePairForm) {
  auto sel = ModelSelector::parse("openai:gpt-4o-mini");
  ASSERT_TRUE(sel);
  EXPECT_EQ(sel->provider, "openai");
  EXPECT_EQ(sel->model, "gpt-4o-mini");
}

}  // namespace
}  // namespace roci
