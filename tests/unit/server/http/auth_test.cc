// ApiKeyCheck: which requests carry an acceptable gateway API key, and the 401 they get otherwise.
#include "server/http/auth.h"

#include "config/gateway_config.h"
#include "server/api/http_error.h"
#include "server/observability/metrics.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>

namespace roci::server {
namespace {

ClientHeader request(std::string authorization = {}, std::string api_key = {}) {
  ClientHeader req;
  req.method(http::verb::post);
  req.target("/v1/chat/completions");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  if (!api_key.empty()) req.set("x-api-key", api_key);
  return req;
}

config::AuthSection keys(std::vector<std::string> api_keys) {
  config::AuthSection auth;
  auth.api_keys = std::move(api_keys);
  return auth;
}

TEST(ApiKeyCheck, WithoutKeysNothingIsRequired) {
  const ApiKeyCheck check(config::AuthSection{});
  EXPECT_FALSE(check.enabled());
  EXPECT_FALSE(check.required(Route::kChatCompletions));
  EXPECT_FALSE(check.required(Route::kMetrics));
  EXPECT_EQ(check.check(request()), AuthOutcome::kAllowed);
  EXPECT_EQ(check.check(request("Bearer anything")), AuthOutcome::kAllowed);
}

TEST(ApiKeyCheck, BearerAndXApiKeyAreAccepted) {
  const ApiKeyCheck check(keys({"sk-first-key", "sk-second-key"}));
  EXPECT_TRUE(check.enabled());
  EXPECT_EQ(check.key_count(), 2u);
  EXPECT_EQ(check.check(request("Bearer sk-first-key")), AuthOutcome::kAllowed);
  EXPECT_EQ(check.check(request("Bearer sk-second-key")), AuthOutcome::kAllowed);
  EXPECT_EQ(check.check(request("bearer   sk-first-key  ")), AuthOutcome::kAllowed);
  EXPECT_EQ(check.check(request({}, "sk-second-key")), AuthOutcome::kAllowed);
  // A client that sends a placeholder Bearer and the real key in x-api-key (or the reverse).
  EXPECT_EQ(check.check(request("Bearer lm-studio", "sk-first-key")), AuthOutcome::kAllowed);
  EXPECT_EQ(check.check(request("Bearer sk-first-key", "nope")), AuthOutcome::kAllowed);
}

TEST(ApiKeyCheck, MissingKey) {
  const ApiKeyCheck check(keys({"sk-first-key"}));
  EXPECT_EQ(check.check(request()), AuthOutcome::kMissingKey);
  EXPECT_EQ(check.check(request("Bearer")), AuthOutcome::kMissingKey);
  EXPECT_EQ(check.check(request("Bearer    ")), AuthOutcome::kMissingKey);
  EXPECT_EQ(check.check(request("Basic dXNlcjpzay1maXJzdC1rZXk=")), AuthOutcome::kMissingKey);
  EXPECT_EQ(check.check(request("Bearersk-first-key")), AuthOutcome::kMissingKey);
}

TEST(ApiKeyCheck, WrongKeysIncludingPrefixesAndExtensions) {
  const ApiKeyCheck check(keys({"sk-first-key"}));
  for (const char* wrong : {"sk-first-ke", "sk-first-key2", "SK-FIRST-KEY", "x", "sk-second-key"}) {
    EXPECT_EQ(check.check(request(std::string("Bearer ") + wrong)), AuthOutcome::kWrongKey)
        << wrong;
    EXPECT_EQ(check.check(request({}, wrong)), AuthOutcome::kWrongKey) << wrong;
  }
  EXPECT_EQ(check.check(request("Bearer sk-first-key sk-first-key")), AuthOutcome::kWrongKey);
}

TEST(ApiKeyCheck, HealthIsPublicAndMetricsProtectedByDefault) {
  config::AuthSection auth = keys({"k"});
  {
    const ApiKeyCheck check(auth);
    EXPECT_FALSE(check.required(Route::kHealth));
    EXPECT_TRUE(check.required(Route::kMetrics));
    EXPECT_TRUE(check.required(Route::kModels));
    EXPECT_TRUE(check.required(Route::kModel));
    EXPECT_TRUE(check.required(Route::kEmbeddings));
    EXPECT_TRUE(check.required(Route::kNotFound));  // unknown paths reveal nothing without a key
  }
  auth.public_health = false;
  auth.public_metrics = true;
  const ApiKeyCheck check(auth);
  EXPECT_TRUE(check.required(Route::kHealth));
  EXPECT_FALSE(check.required(Route::kMetrics));
}

TEST(AuthError, MatchesOpenAiAndNeverQuotesTheKey) {
  const Error missing = auth_error(AuthOutcome::kMissingKey);
  EXPECT_EQ(missing.kind, ErrorKind::kUnauthenticated);
  EXPECT_TRUE(missing.message.starts_with("You didn't provide an API key."));
  auto body = boost::json::parse(error_body(missing));
  EXPECT_EQ(body.at("error").at("type").as_string(), "invalid_request_error");
  EXPECT_TRUE(body.at("error").at("code").is_null());
  EXPECT_TRUE(body.at("error").at("param").is_null());
  EXPECT_EQ(to_http_error(missing).status, 401);

  const Error wrong = auth_error(AuthOutcome::kWrongKey);
  EXPECT_TRUE(wrong.message.starts_with("Incorrect API key provided"));
  body = boost::json::parse(error_body(wrong));
  EXPECT_EQ(body.at("error").at("type").as_string(), "invalid_request_error");
  EXPECT_EQ(body.at("error").at("code").as_string(), "invalid_api_key");
  EXPECT_EQ(to_http_error(wrong).status, 401);
}

TEST(AuthMetrics, FailuresAreCounted) {
  MetricsRegistry registry(1);
  RequestLog log;
  log.route = "/v1/models";
  log.status = 401;
  log.error_kind = ErrorKind::kUnauthenticated;
  registry.shard(0).request_started();
  registry.shard(0).record(log);
  const std::string text = registry.render();
  EXPECT_NE(text.find("# TYPE roci_auth_failures_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("\nroci_auth_failures_total 1\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace roci::server
