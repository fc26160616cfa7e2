// RociConfig::from_env: every variable, defaults, empty values.
#include "unit/providers/provider_test_util.h"

#include <roci/provider/roci_config.h>

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace roci::test {
namespace {

TEST(RociConfigTest, DefaultsWithoutEnvironment) {
  const RociConfig config = config_without_env();
  EXPECT_EQ(config.lmstudio_base_url, "http://localhost:1234");
  EXPECT_EQ(config.openai_base_url, "https://api.openai.com/v1");
  EXPECT_EQ(config.lmstudio_api_key, "");
  EXPECT_EQ(config.openai_api_key, "");
  EXPECT_EQ(config.llamacpp_base_url, "http://localhost:8080");
  EXPECT_EQ(config.llamacpp_api_key, "");
}

TEST(RociConfigTest, ReadsEveryVariable) {
  const std::map<std::string, std::string> env{{"LMSTUDIO_BASE_URL", "http://10.0.0.2:1234"},
                                               {"LMSTUDIO_API_KEY", "sk-lm"},
                                               {"OPENAI_API_KEY", "sk-oa"},
                                               {"OPENAI_BASE_URL", "http://proxy/v1"},
                                               {"OPENAI_ORG_ID", "org-9"},
                                               {"OPENAI_PROJECT_ID", "proj-9"},
                                               {"LLAMACPP_BASE_URL", "http://gpu-1:8081"},
                                               {"LLAMACPP_API_KEY", "sk-ll"},
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
  EXPECT_EQ(config.llamacpp_base_url, "http://gpu-1:8081");
  EXPECT_EQ(config.llamacpp_api_key, "sk-ll");
}

TEST(RociConfigTest, EmptyVariablesKeepDefaults) {
  const RociConfig config = RociConfig::from_env([](const char*) -> const char* { return ""; });
  EXPECT_EQ(config.lmstudio_base_url, "http://localhost:1234");
}

}  // namespace
}  // namespace roci::test
