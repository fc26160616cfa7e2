// ProviderRegistry and register_builtin_providers: selectors from the environment, specs, errors.
#include "unit/providers/provider_test_util.h"

#include <roci/provider/llamacpp_provider.h>
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
  EXPECT_THAT(registry.names(), ElementsAre("llamacpp", "lmstudio", "mock", "openai"));
  EXPECT_TRUE(registry.contains("llamacpp"));
  EXPECT_FALSE(registry.contains("ollama"));
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
  EXPECT_THAT(provider.error().message, HasSubstr("llamacpp, lmstudio, mock, openai"));

  auto direct = registry.create(LanguageModel::Known{"ollama", "llama3"});
  ASSERT_FALSE(direct);
  EXPECT_THAT(direct.error().message, HasSubstr("llamacpp, lmstudio, mock, openai"));

  auto spec = registry.create(ProviderSpec{.kind = "ollama"});
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(spec.error().message, HasSubstr("llamacpp, lmstudio, mock, openai"));
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

  registry.add("echo", [](const ProviderSpec& spec) -> Result<std::unique_ptr<Provider>> {
    return std::unique_ptr<Provider>(std::make_unique<MockProvider>(spec.mock, spec.model));
  });
  EXPECT_THAT(registry.names(), ElementsAre("echo", "llamacpp", "lmstudio", "mock", "openai"));
  auto echo = registry.create("echo:x");
  ASSERT_TRUE(echo) << echo.error();
  EXPECT_EQ((*echo)->model_id(), "x");
}

TEST(ProviderRegistryTest, LlamaCppSelectorReadsItsVariables) {
  RociConfig config = config_without_env();
  config.llamacpp_base_url = "http://10.0.0.7:8081";
  config.llamacpp_api_key = "sk-llama";
  config.http.connect_timeout = std::chrono::seconds(4);
  ProviderRegistry registry(config);
  auto spec = registry.spec_from_env("llamacpp", "qwen3");
  ASSERT_TRUE(spec) << spec.error();
  EXPECT_EQ(spec->kind, "llamacpp");
  EXPECT_EQ(spec->model, "qwen3");
  EXPECT_EQ(spec->base_url, "http://10.0.0.7:8081");
  EXPECT_EQ(spec->api_key, "sk-llama");
  EXPECT_EQ(spec->origin.base_url, "LLAMACPP_BASE_URL");
  EXPECT_EQ(spec->http.connect_timeout, std::chrono::seconds(4));

  auto provider = registry.create("llamacpp:qwen3:8b");
  ASSERT_TRUE(provider) << provider.error();
  EXPECT_NE(dynamic_cast<LlamaCppProvider*>(provider->get()), nullptr);
  EXPECT_EQ((*provider)->name(), "llamacpp");
  EXPECT_EQ((*provider)->kind(), "llamacpp");
  EXPECT_EQ((*provider)->model_id(), "qwen3:8b");
  EXPECT_EQ((*provider)->base_url(), "http://10.0.0.7:8081");
  EXPECT_EQ((*provider)->http_options()->connect_timeout, std::chrono::seconds(4));
}

TEST(ProviderRegistryTest, SpecDefaultsAreTheKindsOwn) {
  ProviderRegistry registry(config_without_env());
  auto llamacpp = registry.create(ProviderSpec{.kind = "llamacpp"});
  ASSERT_TRUE(llamacpp) << llamacpp.error();
  EXPECT_EQ((*llamacpp)->base_url(), "http://localhost:8080");
  EXPECT_EQ((*llamacpp)->model_id(), "") << "llama-server serves the model it was started with";
  auto lmstudio = registry.create(ProviderSpec{.kind = "lmstudio"});
  ASSERT_TRUE(lmstudio) << lmstudio.error();
  EXPECT_EQ((*lmstudio)->base_url(), "http://localhost:1234");
  EXPECT_EQ((*lmstudio)->model_id(), "local-model");
  auto openai = registry.create(ProviderSpec{.kind = "openai", .api_key = "sk-x"});
  ASSERT_TRUE(openai) << openai.error();
  EXPECT_EQ((*openai)->base_url(), "https://api.openai.com/v1");
  EXPECT_EQ((*openai)->model_id(), "gpt-4o-mini");
  auto mock = registry.create(ProviderSpec{.kind = "mock", .mock = {.models = {}}});
  ASSERT_TRUE(mock) << mock.error();
  EXPECT_EQ((*mock)->model_id(), "mock-model");
}

TEST(ProviderRegistryTest, SpecNamesTheInstance) {
  ProviderRegistry registry(config_without_env());
  for (std::string_view kind : {"llamacpp", "lmstudio", "mock"}) {
    auto provider = registry.create(ProviderSpec{.kind = std::string(kind), .name = "gpu-1"});
    ASSERT_TRUE(provider) << provider.error();
    EXPECT_EQ((*provider)->name(), "gpu-1");
    EXPECT_EQ((*provider)->kind(), kind);
  }
  auto openai = registry.create(ProviderSpec{.kind = "openai", .name = "cloud", .api_key = "sk"});
  ASSERT_TRUE(openai) << openai.error();
  EXPECT_EQ((*openai)->name(), "cloud");
  EXPECT_EQ((*openai)->kind(), "openai");
}

TEST(ProviderRegistryTest, SpecErrorsNameTheSettingToFix) {
  ProviderRegistry registry(config_without_env());
  auto bad_url = registry.create(ProviderSpec{.kind = "llamacpp",
                                              .name = "gpu-2",
                                              .base_url = "ftp://gpu-2",
                                              .origin = {.base_url = "backends[1].base_url"}});
  ASSERT_FALSE(bad_url);
  EXPECT_EQ(bad_url.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(bad_url.error().message, HasSubstr("backends[1].base_url is invalid"));
  EXPECT_THAT(bad_url.error().message, HasSubstr("the llamacpp provider \"gpu-2\""));

  auto keyless = registry.create(ProviderSpec{.kind = "openai"});
  ASSERT_FALSE(keyless);
  EXPECT_EQ(keyless.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_THAT(keyless.error().message,
              HasSubstr("the openai provider needs an API key: set api_key"));
}

TEST(ProviderRegistryTest, OpenAiCompatibleServerElsewhereNeedsNoKey) {
  ProviderRegistry registry(config_without_env());
  auto provider = registry.create(
      ProviderSpec{.kind = "openai", .base_url = "http://127.0.0.1:8080/v1", .model = "qwen"});
  ASSERT_TRUE(provider) << provider.error();
  EXPECT_EQ((*provider)->base_url(), "http://127.0.0.1:8080/v1");
  auto openai = registry.create(
      ProviderSpec{.kind = "openai", .base_url = "https://api.openai.com/v1", .model = "gpt-4o"});
  ASSERT_FALSE(openai);
  EXPECT_THAT(openai.error().message, HasSubstr("needs an API key"));
}

TEST(ProviderRegistryTest, LlamaCppNeedsNoKey) {
  ProviderRegistry registry(config_without_env());
  EXPECT_TRUE(registry.create("llamacpp:m")) << "no LLAMACPP_API_KEY is fine";
}

}  // namespace
}  // namespace roci::test
