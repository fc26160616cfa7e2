// The key table's primitives: lookup by path and by environment name, parsing text of each type,
// checks, secrets, rendering and the "did you mean" suggestion.
#include "config/config_keys.h"

#include <gtest/gtest.h>

#include <set>

namespace roci::config::detail {
namespace {

const ConfigKey& key(std::string_view path) {
  const ConfigKey* k = find_key(path);
  if (k == nullptr) throw std::runtime_error("no key " + std::string(path));
  return *k;
}

TEST(ConfigKeys, PathsAndEnvironmentNamesAreUniqueAndDerived) {
  std::set<std::string> paths, envs;
  for (const auto& k : config_keys()) {
    EXPECT_TRUE(paths.insert(k.path).second) << k.path;
    EXPECT_TRUE(envs.insert(k.env).second) << k.env;
    EXPECT_EQ(k.env, env_name_for(k.path));
    EXPECT_EQ(find_key_by_env(k.env), &k);
    EXPECT_EQ(find_key(k.path), &k);
  }
  EXPECT_EQ(env_name_for("inference.http.timeout_secs"), "INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS");
  EXPECT_EQ(find_key("server.nope"), nullptr);
  EXPECT_EQ(find_key_by_env("INFERENCE_SERVER_NOPE"), nullptr);
}

TEST(ConfigKeys, SectionsAreProperPrefixesOfKeys) {
  EXPECT_TRUE(is_section("server"));
  EXPECT_TRUE(is_section("inference"));
  EXPECT_TRUE(is_section("inference.http"));
  EXPECT_FALSE(is_section("server.port"));  // a key, not a section
  EXPECT_FALSE(is_section("serv"));         // a prefix of a name, not of a path
  EXPECT_FALSE(is_section("nothing"));
}

TEST(ConfigKeys, ParsesEachTypeFromTrimmedText) {
  auto port = parse_value(key("server.port"), " 8080 ");
  ASSERT_TRUE(port.value) << port.error;
  EXPECT_EQ(std::get<long long>(*port.value), 8080);
  EXPECT_EQ(type_name(key("server.port")), "an integer");

  for (std::string_view yes : {"true", "YES", "on", "1"}) {
    auto v = parse_value(key("auth.public_health"), yes);
    ASSERT_TRUE(v.value) << yes;
    EXPECT_TRUE(std::get<bool>(*v.value)) << yes;
  }
  for (std::string_view no : {"false", "No", "off", "0"}) {
    auto v = parse_value(key("auth.public_health"), no);
    ASSERT_TRUE(v.value) << no;
    EXPECT_FALSE(std::get<bool>(*v.value)) << no;
  }

  auto temperature = parse_value(key("inference.default_temperature"), "0.7");
  ASSERT_TRUE(temperature.value);
  EXPECT_DOUBLE_EQ(std::get<double>(*temperature.value), 0.7);

  auto list = parse_value(key("inference.allowed_models"), " a , b,, c ");
  ASSERT_TRUE(list.value);
  EXPECT_EQ(std::get<std::vector<std::string>>(*list.value),
            (std::vector<std::string>{"a", "b", "c"}));

  auto text = parse_value(key("inference.default_model"), "  qwen3  ");
  ASSERT_TRUE(text.value);
  EXPECT_EQ(std::get<std::string>(*text.value), "qwen3");
}

TEST(ConfigKeys, BadTextNamesTheExpectedType) {
  auto port = parse_value(key("server.port"), "80a");
  EXPECT_FALSE(port.value);
  EXPECT_EQ(port.error, "expected an integer, got \"80a\"");
  auto flag = parse_value(key("auth.public_health"), "maybe");
  EXPECT_EQ(flag.error, "expected a boolean (true or false), got \"maybe\"");
  auto real = parse_value(key("inference.default_temperature"), "warm");
  EXPECT_EQ(real.error, "expected a number, got \"warm\"");
  auto huge = parse_value(key("server.port"), "99999999999");
  EXPECT_FALSE(huge.value);
  EXPECT_NE(huge.error.find("out of range"), std::string::npos) << huge.error;
}

TEST(ConfigKeys, ChecksExplainWhatIsAccepted) {
  const ConfigKey& port = key("server.port");
  EXPECT_EQ(port.check(Value(70000LL)), "must be between 0 and 65535, got 70000");
  EXPECT_EQ(port.check(Value(8080LL)), "");
  const ConfigKey& provider = key("inference.provider");
  EXPECT_EQ(provider.check(Value(std::string("mock"))), "");
  EXPECT_NE(provider.check(Value(std::string("ollama"))), "");
  const ConfigKey& max_tokens = key("inference.default_max_tokens");
  EXPECT_EQ(max_tokens.check(Value(-1LL)), "");
  EXPECT_EQ(max_tokens.check(Value(0LL)), "must be at least 1, or -1 for no limit, got 0");
}

TEST(ConfigKeys, SecretsAreNeverQuotedOrPrinted) {
  const ConfigKey& api_key = key("inference.api_key");
  EXPECT_TRUE(api_key.secret);
  EXPECT_EQ(quote(api_key, "sk-secret"), "(hidden)");
  EXPECT_EQ(quote(key("server.host"), "0.0.0.0"), "\"0.0.0.0\"");
  EXPECT_NE(api_key.check(Value(std::string("(set)"))), "");  // the dump's placeholder

  EXPECT_EQ(secret_placeholder(Value(std::string())), "(not set)");
  EXPECT_EQ(secret_placeholder(Value(std::string("sk-1"))), "(set)");
  EXPECT_EQ(secret_placeholder(Value(std::vector<std::string>{})), "(not set)");
  EXPECT_EQ(secret_placeholder(Value(std::vector<std::string>{"a"})), "(1 key)");
  EXPECT_EQ(secret_placeholder(Value(std::vector<std::string>{"a", "b"})), "(2 keys)");
  for (std::string_view printed : {"(set)", "(not set)", "(1 key)", "(2 keys)", "(12 keys)"}) {
    EXPECT_TRUE(is_secret_placeholder(printed)) << printed;
  }
  for (std::string_view text : {"(x keys)", "( keys)", "sk-1", "(1 keys"}) {
    EXPECT_FALSE(is_secret_placeholder(text)) << text;
  }
}

TEST(ConfigKeys, NullIsEmptyForTextAndListsOnly) {
  auto text = null_value(key("inference.default_model"));
  ASSERT_TRUE(text.value);
  EXPECT_EQ(std::get<std::string>(*text.value), "");
  auto list = null_value(key("inference.allowed_models"));
  ASSERT_TRUE(list.value);
  EXPECT_TRUE(std::get<std::vector<std::string>>(*list.value).empty());
  auto port = null_value(key("server.port"));
  EXPECT_FALSE(port.value);
  EXPECT_EQ(port.error, "expected an integer, got nothing");
}

TEST(ConfigKeys, AssignAndReadRoundTrip) {
  GatewayConfig config;
  assign(config, key("server.port"), Value(9090LL));
  assign(config, key("limits.max_body_bytes"), Value(1024LL));
  assign(config, key("inference.allowed_models"), Value(std::vector<std::string>{"x"}));
  EXPECT_EQ(config.server.port, 9090);
  EXPECT_EQ(config.limits.max_body_bytes, 1024u);
  EXPECT_EQ(std::get<long long>(read(config, key("server.port"))), 9090);
  EXPECT_EQ(render(read(config, key("inference.allowed_models"))), "x");
}

TEST(ConfigKeys, RenderIsCanonical) {
  EXPECT_EQ(render(Value(true)), "true");
  EXPECT_EQ(render(Value(42LL)), "42");
  EXPECT_EQ(render(Value(0.7)), "0.7");
  EXPECT_EQ(render(Value(std::string("x"))), "x");
  EXPECT_EQ(render(Value(std::vector<std::string>{"a", "b"})), "a,b");
}

TEST(ConfigKeys, ClosestSuggestsATruncatedNameOrATypo) {
  const std::vector<std::string> names = {"INFERENCE_SERVER_PORT",
                                          "INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS"};
  EXPECT_EQ(closest("INFERENCE_INFERENCE_HTTP_TIMEOUT", names),
            "INFERENCE_INFERENCE_HTTP_TIMEOUT_SECS");
  EXPECT_EQ(closest("INFERENCE_SERVER_PROT", names), "INFERENCE_SERVER_PORT");
  EXPECT_EQ(closest("SOMETHING_ELSE", names), "");
}

}  // namespace
}  // namespace roci::config::detail
