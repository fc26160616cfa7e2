// ProviderRegistry, register_builtin_providers, RociConfig::from_env and Provider's defaults.
#include "unit/providers/provider_test_util.h"

#include <roci/provider/lmstudio_provider.h>
#include <roci/provider/mock_provider.h>
#include <roci/provider/openai_provider.h>
#include <roci/provider/registry.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace roci::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

RociConfig config_without_env() {
  return RociConfig::from_env([](const char*) -> const char* { return nullptr; });
}

TEST(ProviderRegistryTest, BuiltinNames) {
  ProviderRegistry registry(config_without_env());
  EXPECT_THAT(registry.names(), ElementsAre("lmstudio", "mock", "openai"));
}

TEST(ProviderRegistryTest, LmStudioSelectorSplitsOnTheFirstColon) {
  RociConfig config = config_without_env();
  config.lmstudio_base_url = "http://192.168.1.100:1234";
  ProviderRegistry registry(config);
  auto provider = registry.create("lmstudio:qwen3:8b");
  ASSERT_TRUE(provider) << provider.error();
  EXPECT_NE(dynamic_cast<LmStudioProvider*>(provider->get()), nullptr);
  EXPECT_EQ((*provider)->name(), "lmstudio");
  EXPECT_EQ((*provider)->model_id(), "qwen3:8b");
  EXPECT_EQ((*provider)->base_url(), "http://192.168.1.100:1234");
}

TEST(ProviderRegistryTest, LmStudioTakesHttpOptionsFromTheConfig) {
  RociConfig config = config_without_env();
  config.http.connect_timeout = std::chrono::seconds(3);
  ProviderRegistry registry(config);
  auto provider = registry.create("lmstudio:m");
  ASSERT_TRUE(provider);
  ASSERT_NE((*provider)->http_options(), nullptr);
  EXPECT_EQ((*provider)->http_options()->connect_timeout, std::chrono::seconds(3));
}

TEST(ProviderRegistryTest, UnknownProviderListsTheKnownOnes) {
  ProviderRegistry registry(config_without_env());
  auto provider = registry.create("ollama:llama3");
  ASSERT_FALSE(provider);
  EXPECT_EQ(provider.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(provider.error().message, HasSubstr("ollama"));
  EXPECT_THAT(provider.error().message, HasSubstr("lmstudio, mock, openai"));

  auto direct = registry.create(LanguageModel::Known{"ollama", "llama3"});
  ASSERT_FALSE(direct);
  EXPECT_THAT(direct.error().message, HasSubstr("lmstudio, mock, openai"));
}

TEST(ProviderRegistryTest, MalformedSelectorsAreInvalidRequests) {
  ProviderRegistry registry(config_without_env());
  for (std::string_view bad : {"", "lmstudio", ":model", "lmstudio:"}) {
    auto provider = registry.create(bad);
    ASSERT_FALSE(provider) << bad;
    EXPECT_EQ(provider.error().kind, ErrorKind::kInvalidRequest) << bad;
  }
}

TEST(ProviderRegistryTest, OpenAiWithoutKeySaysWhichVariableToSet) {
  ProviderRegistry registry(config_without_env());
  auto provider = registry.create("openai:gpt-4o-mini");
  ASSERT_FALSE(provider);
  EXPECT_THAT(provider.error().message, HasSubstr("OPENAI_API_KEY"));
  EXPECT_THAT(provider.error().message, HasSubstr("needs an API key"));
}

TEST(ProviderRegistryTest, OpenAiWithKeyOrgAndProject) {
  RociConfig config = config_without_env();
  config.openai_api_key = "sk-x";
  config.openai_organization = "org";
  ProviderRegistry registry(config);
  auto provider = registry.create("openai:gpt-4o-mini");
  ASSERT_TRUE(provider) << provider.error();
  EXPECT_NE(dynamic_cast<OpenAiProvider*>(provider->get()), nullptr);
  EXPECT_EQ((*provider)->model_id(), "gpt-4o-mini");
  EXPECT_EQ((*provider)->base_url(), "https://api.openai.com/v1");
}

TEST(ProviderRegistryTest, InvalidBaseUrlIsAnErrorAtCreation) {
  RociConfig config = config_without_env();
  config.lmstudio_base_url = "not a url";
  ProviderRegistry registry(config);
  auto provider = registry.create("lmstudio:m");
  ASSERT_FALSE(provider);
  EXPECT_THAT(provider.error().message, HasSubstr("LMSTUDIO_BASE_URL"));
}

TEST(ProviderRegistryTest, MockAndCustomProviders) {
  ProviderRegistry registry(config_without_env());
  auto mock = registry.create("mock:my-model");
  ASSERT_TRUE(mock) << mock.error();
  EXPECT_EQ((*mock)->name(), "mock");
  EXPECT_EQ((*mock)->model_id(), "my-model");

  registry.add(
      "echo",
      [](const RociConfig& config, std::string_view model) -> Result<std::unique_ptr<Provider>> {
        return std::unique_ptr<Provider>(
            std::make_unique<MockProvider>(config.mock, std::string(model)));
      });
  EXPECT_THAT(registry.names(), ElementsAre("echo", "lmstudio", "mock", "openai"));
  auto echo = registry.create("echo:x");
  ASSERT_TRUE(echo) << echo.error();
  EXPECT_EQ((*echo)->model_id(), "x");
}

TEST(RociConfigTest, DefaultsWithoutEnvironment) {
  const RociConfig config = config_without_env();
  EXPECT_EQ(config.lmstudio_base_url, "http://localhost:1234");
  EXPECT_EQ(config.openai_base_url, "https://api.openai.com/v1");
  EXPECT_EQ(config.lmstudio_api_key, "");
  EXPECT_EQ(config.openai_api_key, "");
}

TEST(RociConfigTest, ReadsEveryVariable) {
  const std::map<std::string, std::string> env{{"LMSTUDIO_BASE_URL", "http://10.0.0.2:1234"},
                                               {"LMSTUDIO_API_KEY", "sk-lm"},
                                               {"OPENAI_API_KEY", "sk-oa"},
                                               {"OPENAI_BASE_URL", "http://proxy/v1"},
                                               {"OPENAI_ORG_ID", "org-9"},
                                               {"OPENAI_PROJECT_ID", "proj-9"},
                                               {"UNRELATED", "x"}};
  const RociConfig config = RociConfig::from_env([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  EXPECT_EQ(config.lmstudio_base_url, "http://10.0.0.2:1234");
  EXPECT_EQ(config.lmstudio_api_key, "sk-lm");
  EXPECT_EQ(config.openai_api_key, "sk-oa");
  EXPECT_EQ(config.openai_base_url, "http://proxy/v1");
  EXPECT_EQ(config.openai_organization, "org-9");
  EXPECT_EQ(config.openai_project, "proj-9");
}

TEST(RociConfigTest, EmptyVariablesKeepDefaults) {
  const RociConfig config = RociConfig::from_env([](const char*) -> const char* { return ""; });
  EXPECT_EQ(config.lmstudio_base_url, "http://localhost:1234");
}

// A provider with only the required methods: embed() and complete() fall back to kUnsupported.
class MinimalProvider final : public Provider {
 public:
  std::string_view name() const override { return "minimal"; }
  const std::string& model_id() const override { return model_; }
  asio::awaitable<Result<GenerationResult>> generate(ProviderRequest) override {
    co_return GenerationResult{};
  }
  asio::awaitable<Result<std::unique_ptr<ChatStream>>> stream(ProviderRequest) override {
    co_return Error::unsupported("no");
  }
  asio::awaitable<Result<std::vector<ModelInfo>>> list_models() override {
    co_return std::vector<ModelInfo>{};
  }
  asio::awaitable<Result<ProviderHealth>> health() override { co_return ProviderHealth{}; }
  Capabilities capabilities(std::string_view) const override { return {}; }

 private:
  std::string model_ = "m";
};

TEST(ProviderDefaultsTest, EmbedAndCompleteAreUnsupported) {
  asio::io_context io;
  MinimalProvider provider;
  auto embedded = run(io, provider.embed({.input = {"x"}}));
  ASSERT_FALSE(embedded);
  EXPECT_EQ(embedded.error().kind, ErrorKind::kUnsupported);
  EXPECT_EQ(embedded.error().message, "minimal has no embeddings endpoint");
  auto completed = run(io, provider.complete({.prompt = {"x"}}));
  ASSERT_FALSE(completed);
  EXPECT_EQ(completed.error().kind, ErrorKind::kUnsupported);
  EXPECT_THAT(completed.error().message, HasSubstr("minimal has no text completions endpoint"));
  EXPECT_EQ(provider.base_url(), "");
  EXPECT_EQ(provider.http_options(), nullptr);
}

}  // namespace
}  // namespace roci::test
