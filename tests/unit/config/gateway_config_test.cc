// load_gateway_config: defaults, the seed's YAML, env and flag overlays, precedence, problems.
#include "config/gateway_config.h"

#include "config_test_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roci::config {
namespace {

using ::testing::ElementsAre;
using testing::find_problem;
using ::testing::HasSubstr;
using testing::load_yaml;
using ::testing::Not;
using testing::TempYaml;

constexpr const char* kSeedMinimal = R"(
inference:
  provider: lmstudio
  base_url: "http://localhost:1234"  # LM Studio default
  default_model: "local-model"        # Model loaded in LM Studio
)";

constexpr const char* kSeedFull = R"(
inference:
  provider: lmstudio
  base_url: "http://localhost:1234"
  default_model: "TheBloke/Mistral-7B-Instruct-v0.2-GGUF"
  allowed_models:                    # Optional: restrict to specific models
    - "TheBloke/Mistral-7B-Instruct-v0.2-GGUF"
    - "TheBloke/Llama-2-7B-Chat-GGUF"
  http:                              # Optional - has smart defaults
    timeout_secs: 60                # Longer for local models
    connect_timeout_secs: 10
    keep_alive_secs: 30
    max_idle_connections: 10
)";

TEST(GatewayConfig, DefaultsServeMockOnLoopback3000) {
  auto result = load_gateway_config({});
  ASSERT_TRUE(result) << format_problems(result.problems);
  const auto& c = *result.config;
  EXPECT_EQ(c.inference.provider, "mock");
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 3000);
  EXPECT_EQ(c.inference.http.timeout_secs, 60);
  EXPECT_EQ(c.inference.http.connect_timeout_secs, 10);
  EXPECT_EQ(c.inference.http.keep_alive_secs, 30);
  EXPECT_EQ(c.inference.http.max_idle_connections, 10);
  EXPECT_EQ(c.inference.default_max_tokens, 100);
  EXPECT_DOUBLE_EQ(c.inference.default_temperature, 0.7);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_TRUE(result.problems.empty());
}

TEST(GatewayConfig, IgnoresEnvironmentOutsideThePrefix) {
  auto result =
      load_gateway_config({.env = {{"PATH", "/bin"}, {"INFERENCEX", "1"}, {"HOME", "/"}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
}

TEST(GatewayConfig, SeedMinimalYaml) {
  auto result = load_yaml(kSeedMinimal);
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_EQ(result.config->inference.provider, "lmstudio");
  EXPECT_EQ(result.config->inference.base_url, "http://localhost:1234");
  EXPECT_EQ(result.config->inference.default_model, "local-model");
  EXPECT_EQ(result.config->server.port, 3000);  // untouched keys keep their defaults
}

TEST(GatewayConfig, SeedFullYaml) {
  auto result = load_yaml(kSeedFull);
  ASSERT_TRUE(result) << format_problems(result.problems);
  const auto& inference = result.config->inference;
  EXPECT_EQ(inference.default_model, "TheBloke/Mistral-7B-Instruct-v0.2-GGUF");
  EXPECT_THAT(inference.allowed_models, ElementsAre("TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
                                                    "TheBloke/Llama-2-7B-Chat-GGUF"));
  EXPECT_EQ(inference.http.timeout_secs, 60);
  EXPECT_EQ(inference.http.connect_timeout_secs, 10);
  EXPECT_EQ(inference.http.keep_alive_secs, 30);
  EXPECT_EQ(inference.http.max_idle_connections, 10);
}

TEST(GatewayConfig, EmptyFileAndEmptySectionsMeanDefaults) {
  EXPECT_TRUE(load_yaml(""));
  EXPECT_TRUE(load_yaml("server:\ninference:\n  http:\n"));
}

TEST(GatewayConfig, SeedEnvironmentVariablesOverride) {
  auto result = load_gateway_config({.env = {
                                         {"INFERENCE_INFERENCE_PROVIDER", "lmstudio"},
                                         {"INFERENCE_INFERENCE_BASE_URL", "http://localhost:1234"},
                                         {"INFERENCE_INFERENCE_DEFAULT_MODEL", "local-model"},
                                         {"INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS", "120"},
                                         {"INFERENCE_INFERENCE_HTTP_CONNECT_TIMEOUT_SECS", "15"},
                                     }});
  ASSERT_TRUE(result) << format_problems(result.problems);
  const auto& inference = result.config->inference;
  EXPECT_EQ(inference.provider, "lmstudio");
  EXPECT_EQ(inference.base_url, "http://localhost:1234");
  EXPECT_EQ(inference.default_model, "local-model");
  EXPECT_EQ(inference.http.timeout_secs, 120);
  EXPECT_EQ(inference.http.connect_timeout_secs, 15);
}

TEST(GatewayConfig, OtherEnvironmentVariablesOverride) {
  auto result =
      load_gateway_config({.env = {
                               {"INFERENCE_SERVER_HOST", "0.0.0.0"},
                               {"INFERENCE_SERVER_PORT", "8080"},
                               {"INFERENCE_LIMITS_MAX_BODY_BYTES", "1048576"},
                               {"INFERENCE_LOG_LEVEL", "debug"},
                               {"INFERENCE_INFERENCE_ACCEPT_MODEL_MISMATCH", "yes"},
                               {"INFERENCE_INFERENCE_DEFAULT_TEMPERATURE", "0.2"},
                               {"INFERENCE_INFERENCE_DEFAULT_MAX_TOKENS", "-1"},
                               {"INFERENCE_INFERENCE_HTTP_FIRST_BYTE_TIMEOUT_SECS", "600"},
                           }});
  ASSERT_TRUE(result) << format_problems(result.problems);
  const auto& c = *result.config;
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.limits.max_body_bytes, 1048576u);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_TRUE(c.inference.accept_model_mismatch);
  EXPECT_DOUBLE_EQ(c.inference.default_temperature, 0.2);
  EXPECT_EQ(c.inference.default_max_tokens, -1);
  EXPECT_EQ(c.inference.http.first_byte_timeout_secs, 600);
}

TEST(GatewayConfig, ListsFromEnvAreCommaSeparatedAndTrimmed) {
  auto result =
      load_gateway_config({.env = {{"INFERENCE_INFERENCE_ALLOWED_MODELS", " a , b/c:7b ,, d "}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_THAT(result.config->inference.allowed_models, ElementsAre("a", "b/c:7b", "d"));

  auto cleared =
      load_yaml("inference: {allowed_models: [x]}", {{"INFERENCE_INFERENCE_ALLOWED_MODELS", ""}});
  ASSERT_TRUE(cleared);
  EXPECT_TRUE(cleared.config->inference.allowed_models.empty());
}

TEST(GatewayConfig, PrecedenceDefaultsFileEnvFlags) {
  const std::string yaml = "inference:\n  http:\n    timeout_secs: 70\n";
  const std::map<std::string, std::string> env = {{"INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS", "80"}};
  const std::map<std::string, std::string> flags = {{"inference.http.timeout_secs", "90"}};
  auto timeout = [](const ConfigResult& r) { return r.config->inference.http.timeout_secs; };

  EXPECT_EQ(timeout(load_gateway_config({})), 60);
  EXPECT_EQ(timeout(load_yaml(yaml)), 70);
  EXPECT_EQ(timeout(load_yaml(yaml, env)), 80);
  EXPECT_EQ(timeout(load_yaml(yaml, env, flags)), 90);
  EXPECT_EQ(timeout(load_gateway_config({.flags = flags})), 90);
}

TEST(GatewayConfig, UnknownEnvironmentVariableIsNamed) {
  auto result = load_gateway_config({.env = {{"INFERENCE_INFERENCE_HTTP_TIMEOUT", "5"}}});
  ASSERT_FALSE(result);
  const auto* p = find_problem(result, "INFERENCE_INFERENCE_HTTP_TIMEOUT");
  ASSERT_NE(p, nullptr) << format_problems(result.problems);
  EXPECT_THAT(p->why, HasSubstr("unknown variable"));
  EXPECT_THAT(p->why, HasSubstr("did you mean INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS?"));
  EXPECT_THAT(p->why, HasSubstr("known: INFERENCE_SERVER_HOST"));
}

TEST(GatewayConfig, UnparsableEnvValuesNameTheVariableAndValue) {
  auto result = load_gateway_config({.env = {
                                         {"INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS", "abc"},
                                         {"INFERENCE_INFERENCE_HTTP_CONNECT_TIMEOUT_SECS", "1.5"},
                                         {"INFERENCE_INFERENCE_HTTP_KEEP_ALIVE_SECS", "-5"},
                                         {"INFERENCE_SERVER_PORT", "70000"},
                                         {"INFERENCE_INFERENCE_ACCEPT_MODEL_MISMATCH", "maybe"},
                                         {"INFERENCE_INFERENCE_DEFAULT_TEMPERATURE", "warm"},
                                         {"INFERENCE_LIMITS_MAX_QUEUE", "99999999999"},
                                     }});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.problems.size(), 7u) << format_problems(result.problems);
  auto why = [&](const std::string& key) {
    const auto* p = find_problem(result, key);
    return p ? p->why : "(no problem for " + key + ")";
  };
  EXPECT_EQ(why("INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS"), "expected an integer, got \"abc\"");
  EXPECT_EQ(why("INFERENCE_INFERENCE_HTTP_CONNECT_TIMEOUT_SECS"),
            "expected an integer, got \"1.5\"");
  EXPECT_EQ(why("INFERENCE_INFERENCE_HTTP_KEEP_ALIVE_SECS"), "must be at least 1, got -5");
  EXPECT_EQ(why("INFERENCE_SERVER_PORT"), "must be between 0 and 65535, got 70000");
  EXPECT_THAT(why("INFERENCE_INFERENCE_ACCEPT_MODEL_MISMATCH"), HasSubstr("\"maybe\""));
  EXPECT_THAT(why("INFERENCE_INFERENCE_DEFAULT_TEMPERATURE"), HasSubstr("\"warm\""));
  EXPECT_THAT(why("INFERENCE_LIMITS_MAX_QUEUE"), HasSubstr("out of range"));
}

TEST(GatewayConfig, EveryProblemIsReportedAtOnce) {
  auto result = load_yaml(
      "server: {port: -1, threads: -2}\n"
      "inference: {provider: ollama, base_url: 'ftp://x', default_temperature: 3}\n"
      "log: {level: loud}\n"
      "limits: {max_queue: 0}\n",
      {{"INFERENCE_BOGUS", "1"}}, {{"server.bogus", "1"}});
  ASSERT_FALSE(result);
  for (const char* key : {"server.port", "server.threads", "inference.provider",
                          "inference.base_url", "inference.default_temperature", "log.level",
                          "limits.max_queue", "INFERENCE_BOGUS", "server.bogus"}) {
    EXPECT_NE(find_problem(result, key), nullptr) << key << "\n"
                                                  << format_problems(result.problems);
  }
}

TEST(GatewayConfig, ProviderIsOneOfTheRegisteredKinds) {
  auto llamacpp = load_yaml("inference: {provider: llamacpp}\n");
  ASSERT_TRUE(llamacpp) << format_problems(llamacpp.problems);
  EXPECT_EQ(llamacpp.config->inference.provider, "llamacpp");
  EXPECT_EQ(llamacpp.config->inference.base_url, "") << "the provider's default";
  EXPECT_TRUE(load_gateway_config({.env = {{"INFERENCE_INFERENCE_PROVIDER", "llamacpp"}}}));

  auto unknown = load_yaml("inference: {provider: ollama}\n");
  ASSERT_FALSE(unknown);
  const auto* p = find_problem(unknown, "inference.provider");
  ASSERT_NE(p, nullptr) << format_problems(unknown.problems);
  EXPECT_THAT(p->why, HasSubstr("must be one of llamacpp|lmstudio|mock|openai, got \"ollama\""));
}

TEST(GatewayConfig, UnknownYamlKeyNamesThePathAndLine) {
  auto result = load_yaml("inference:\n  http:\n    timeout: 5\n");
  ASSERT_FALSE(result);
  const auto* p = find_problem(result, "inference.http.timeout");
  ASSERT_NE(p, nullptr) << format_problems(result.problems);
  EXPECT_THAT(p->why, HasSubstr("unknown key"));
  EXPECT_THAT(p->why, HasSubstr("did you mean inference.http.timeout_secs?"));
  EXPECT_THAT(p->why, HasSubstr(".yaml:3)"));
  EXPECT_NE(find_problem(load_yaml("telemetry: {on: true}\n"), "telemetry"), nullptr);
  EXPECT_NE(find_problem(load_yaml("server.port: 1\n"), "server.port"), nullptr);
}

TEST(GatewayConfig, YamlTypeErrorsNameThePathAndLine) {
  auto result = load_yaml(
      "server:\n"
      "  port: [1, 2]\n"
      "  host: {a: b}\n"
      "inference:\n"
      "  allowed_models: one-model\n"
      "  http: 5\n"
      "  default_max_tokens: lots\n");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.problems.size(), 5u) << format_problems(result.problems);
  auto why = [&](const std::string& key) {
    const auto* p = find_problem(result, key);
    return p ? p->why : "";
  };
  EXPECT_THAT(why("server.port"), HasSubstr("expected an integer, got a list"));
  EXPECT_THAT(why("server.port"), HasSubstr(":2)"));
  EXPECT_THAT(why("server.host"), HasSubstr("expected a string, got a mapping"));
  EXPECT_THAT(why("inference.allowed_models"), HasSubstr("expected a list of strings"));
  EXPECT_THAT(why("inference.http"), HasSubstr("expected a mapping"));
  EXPECT_THAT(why("inference.default_max_tokens"), HasSubstr("\"lots\""));
  EXPECT_THAT(why("inference.default_max_tokens"), HasSubstr(":7)"));
}

TEST(GatewayConfig, DuplicateYamlKey) {
  auto result = load_yaml("server:\n  port: 1\n  port: 2\n");
  ASSERT_FALSE(result);
  ASSERT_NE(find_problem(result, "server.port"), nullptr);
  EXPECT_THAT(find_problem(result, "server.port")->why, HasSubstr("duplicate key"));
}

TEST(GatewayConfig, TopLevelMustBeAMapping) {
  TempYaml file("- a\n- b\n");
  auto result = load_gateway_config({.file = file.path()});
  ASSERT_FALSE(result);
  EXPECT_NE(find_problem(result, file.path()), nullptr);
}

TEST(GatewayConfig, InvalidYamlSyntax) {
  TempYaml file("server: {port: 1\n");
  auto result = load_gateway_config({.file = file.path()});
  ASSERT_FALSE(result);
  const auto* p = find_problem(result, file.path());
  ASSERT_NE(p, nullptr) << format_problems(result.problems);
  EXPECT_THAT(p->why, HasSubstr("invalid YAML"));
}

TEST(GatewayConfig, MissingFile) {
  const std::string path = "/nonexistent/roci/inference-server.yaml";
  auto result = load_gateway_config({.file = path});
  ASSERT_FALSE(result);
  const auto* p = find_problem(result, path);
  ASSERT_NE(p, nullptr) << format_problems(result.problems);
  EXPECT_THAT(p->why, HasSubstr("cannot read"));
}

TEST(GatewayConfig, UnknownFlagKey) {
  auto result = load_gateway_config({.flags = {{"server.prot", "1"}}});
  ASSERT_FALSE(result);
  ASSERT_NE(find_problem(result, "server.prot"), nullptr);
  EXPECT_THAT(find_problem(result, "server.prot")->why, HasSubstr("did you mean server.port?"));
}

TEST(GatewayConfig, UnparsableFlagNamesTheKey) {
  auto result = load_gateway_config({.flags = {{"server.port", "http"}}});
  ASSERT_FALSE(result);
  ASSERT_NE(find_problem(result, "server.port"), nullptr);
  EXPECT_THAT(find_problem(result, "server.port")->why, HasSubstr("\"http\""));
}

TEST(GatewayConfig, PortZeroAndZeroFirstByteTimeoutAreValid) {
  auto result = load_gateway_config({.flags = {{"server.port", "0"},
                                               {"inference.http.first_byte_timeout_secs", "0"},
                                               {"inference.http.stream_idle_timeout_secs", "0"},
                                               {"inference.http.max_idle_connections", "0"}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_EQ(result.config->server.port, 0);
}

TEST(GatewayConfig, TimeoutsMustBePositive) {
  auto result = load_yaml("inference: {http: {timeout_secs: 0, max_idle_connections: -1}}\n");
  ASSERT_FALSE(result);
  EXPECT_NE(find_problem(result, "inference.http.timeout_secs"), nullptr);
  EXPECT_NE(find_problem(result, "inference.http.max_idle_connections"), nullptr);
}

TEST(GatewayConfig, BaseUrlMustBeHttp) {
  for (const char* url : {"localhost:1234", "ftp://host", "http://", "http://u:p@h:1234",
                          "http://h/?q=1", "not a url"}) {
    auto result = load_gateway_config({.env = {{"INFERENCE_INFERENCE_BASE_URL", url}}});
    EXPECT_FALSE(result) << url;
    EXPECT_NE(find_problem(result, "INFERENCE_INFERENCE_BASE_URL"), nullptr) << url;
  }
  for (const char* url : {"http://localhost:1234", "https://api.openai.com/v1", "http://[::1]:1234",
                          "HTTP://Example.com"}) {
    EXPECT_TRUE(load_gateway_config({.env = {{"INFERENCE_INFERENCE_BASE_URL", url}}})) << url;
  }
}

TEST(GatewayConfig, DefaultModelMustBeAllowed) {
  auto result = load_yaml("inference: {default_model: c, allowed_models: [a, b]}\n");
  ASSERT_FALSE(result);
  EXPECT_NE(find_problem(result, "inference.default_model"), nullptr);
  EXPECT_TRUE(load_yaml("inference: {default_model: a, allowed_models: [a, b]}\n"));
  EXPECT_TRUE(load_yaml("inference: {default_model: c}\n"));
}

TEST(GatewayConfig, DefaultMaxTokensRules) {
  EXPECT_FALSE(load_gateway_config({.flags = {{"inference.default_max_tokens", "0"}}}));
  EXPECT_FALSE(load_gateway_config({.flags = {{"inference.default_max_tokens", "-2"}}}));
  EXPECT_TRUE(load_gateway_config({.flags = {{"inference.default_max_tokens", "-1"}}}));
  auto over = load_gateway_config(
      {.flags = {{"inference.default_max_tokens", "500"}, {"limits.max_tokens_ceiling", "100"}}});
  ASSERT_FALSE(over);
  EXPECT_NE(find_problem(over, "inference.default_max_tokens"), nullptr);
}

TEST(GatewayConfig, ValidateConfigBuiltInCode) {
  GatewayConfig config;
  EXPECT_TRUE(validate_gateway_config(config).empty());
  config.server.port = 65536;
  config.inference.provider = "openai";
  config.log.level = "verbose";
  const auto problems = validate_gateway_config(config);
  EXPECT_EQ(problems.size(), 3u) << format_problems(problems);
}

// ---- auth.* and cors.*

TEST(GatewayConfigAuth, DefaultsNoKeysPublicHealthProtectedMetricsNoCors) {
  auto result = load_gateway_config({});
  ASSERT_TRUE(result);
  const auto& c = *result.config;
  EXPECT_TRUE(c.auth.api_keys.empty());
  EXPECT_TRUE(c.auth.public_health);
  EXPECT_FALSE(c.auth.public_metrics);
  EXPECT_TRUE(c.cors.allowed_origins.empty());
  EXPECT_THAT(c.cors.allowed_headers, ::testing::Contains("Authorization"));
  EXPECT_EQ(c.cors.max_age_secs, 600);
}

TEST(GatewayConfigAuth, KeysFromEnvAreCommaSeparatedAndNeverPrinted) {
  auto result =
      load_gateway_config({.env = {{"INFERENCE_AUTH_API_KEYS", " sk-env-one , sk-env-two "},
                                   {"INFERENCE_AUTH_PUBLIC_METRICS", "true"}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_THAT(result.config->auth.api_keys, ElementsAre("sk-env-one", "sk-env-two"));
  EXPECT_TRUE(result.config->auth.public_metrics);
  const std::string described = describe_effective_config(*result.config);
  EXPECT_THAT(described, HasSubstr("api_keys: (2 keys)"));
  EXPECT_THAT(described, Not(HasSubstr("sk-env")));
  EXPECT_THAT(describe_effective_config(GatewayConfig{}), HasSubstr("api_keys: (not set)"));
}

TEST(GatewayConfigAuth, KeysFromYamlAndTheirProblemsNeverQuoteThem) {
  auto ok = load_yaml("auth:\n  api_keys: [sk-yaml-1]\n  public_health: false\n");
  ASSERT_TRUE(ok) << format_problems(ok.problems);
  EXPECT_THAT(ok.config->auth.api_keys, ElementsAre("sk-yaml-1"));
  EXPECT_FALSE(ok.config->auth.public_health);
  EXPECT_THAT(describe_effective_config(*ok.config), HasSubstr("api_keys: (1 key)"));

  auto spaced = load_yaml("auth:\n  api_keys: [\"sk-has space\"]\n");
  ASSERT_FALSE(spaced);
  const auto* p = find_problem(spaced, "auth.api_keys");
  ASSERT_NE(p, nullptr) << format_problems(spaced.problems);
  EXPECT_THAT(p->why, HasSubstr("must not contain spaces"));
  EXPECT_THAT(format_problems(spaced.problems), Not(HasSubstr("sk-has")));

  // The describe_effective_config placeholder is not a key.
  auto placeholder = load_gateway_config({.env = {{"INFERENCE_AUTH_API_KEYS", "(2 keys)"}}});
  ASSERT_FALSE(placeholder);
  EXPECT_NE(find_problem(placeholder, "INFERENCE_AUTH_API_KEYS"), nullptr);
}

TEST(GatewayConfigAuth, KeysFileSkipsBlankLinesAndCommentsAndAddsToTheList) {
  TempYaml keys_file("# gateway keys\n\nsk-file-one\n  sk-file-two  \r\n   # old: sk-revoked\n");
  auto result = load_gateway_config({.env = {{"INFERENCE_AUTH_API_KEYS_FILE", keys_file.path()},
                                             {"INFERENCE_AUTH_API_KEYS", "sk-env"}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_THAT(result.config->auth.api_keys, ElementsAre("sk-env", "sk-file-one", "sk-file-two"));
  EXPECT_THAT(describe_effective_config(*result.config), HasSubstr("api_keys: (3 keys)"));
}

TEST(GatewayConfigAuth, UnreadableOrEmptyKeysFileIsAProblemNamingTheKey) {
  auto missing = load_yaml("auth: {api_keys_file: /nonexistent/roci/keys.txt}\n");
  ASSERT_FALSE(missing);
  const auto* p = find_problem(missing, "auth.api_keys_file");
  ASSERT_NE(p, nullptr) << format_problems(missing.problems);
  EXPECT_THAT(p->why, HasSubstr("cannot read \"/nonexistent/roci/keys.txt\""));

  TempYaml empty("# no keys yet\n\n");
  auto keyless = load_gateway_config({.env = {{"INFERENCE_AUTH_API_KEYS_FILE", empty.path()}}});
  ASSERT_FALSE(keyless);
  p = find_problem(keyless, "auth.api_keys_file");
  ASSERT_NE(p, nullptr) << format_problems(keyless.problems);
  EXPECT_THAT(p->why, HasSubstr("contains no keys"));

  TempYaml bad("sk-good\nsk-bad key\n");
  auto spaced = load_gateway_config({.env = {{"INFERENCE_AUTH_API_KEYS_FILE", bad.path()}}});
  ASSERT_FALSE(spaced);
  p = find_problem(spaced, "auth.api_keys_file");
  ASSERT_NE(p, nullptr) << format_problems(spaced.problems);
  EXPECT_THAT(p->why, HasSubstr("line 2"));
  EXPECT_THAT(format_problems(spaced.problems), Not(HasSubstr("sk-")));
}

TEST(GatewayConfigCors, OriginsHeadersAndMaxAge) {
  auto result = load_gateway_config(
      {.env = {{"INFERENCE_CORS_ALLOWED_ORIGINS", "https://app.example.com, http://localhost:5173"},
               {"INFERENCE_CORS_ALLOWED_HEADERS", "Authorization,Content-Type"},
               {"INFERENCE_CORS_MAX_AGE_SECS", "60"}}});
  ASSERT_TRUE(result) << format_problems(result.problems);
  EXPECT_THAT(result.config->cors.allowed_origins,
              ElementsAre("https://app.example.com", "http://localhost:5173"));
  EXPECT_THAT(result.config->cors.allowed_headers, ElementsAre("Authorization", "Content-Type"));
  EXPECT_EQ(result.config->cors.max_age_secs, 60);

  auto any = load_yaml("cors: {allowed_origins: ['*']}\n");
  ASSERT_TRUE(any) << format_problems(any.problems);
  EXPECT_THAT(any.config->cors.allowed_origins, ElementsAre("*"));

  for (const char* bad : {"https://app.example.com/", "app.example.com", "https://a.test/path",
                          "https://user@a.test"}) {
    auto r = load_gateway_config({.env = {{"INFERENCE_CORS_ALLOWED_ORIGINS", bad}}});
    ASSERT_FALSE(r) << bad;
    const auto* p = find_problem(r, "INFERENCE_CORS_ALLOWED_ORIGINS");
    ASSERT_NE(p, nullptr) << format_problems(r.problems);
    EXPECT_THAT(p->why, HasSubstr("is not an origin")) << bad;
  }
  auto header = load_yaml("cors: {allowed_headers: [\"X Bad\"]}\n");
  EXPECT_NE(find_problem(header, "cors.allowed_headers"), nullptr);
  auto age = load_yaml("cors: {max_age_secs: -1}\n");
  EXPECT_NE(find_problem(age, "cors.max_age_secs"), nullptr);
}

}  // namespace
}  // namespace roci::config
