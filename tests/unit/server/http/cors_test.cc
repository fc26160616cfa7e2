// CorsPolicy: preflight detection, allowed origins, and the headers of preflight and actual
// responses.
#include "server/http/cors.h"

#include "config/gateway_config.h"
#include "server/api/http_error.h"

#include <gtest/gtest.h>

#include <string>

namespace roci::server {
namespace {

std::string find(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "(absent)";
}

config::CorsSection origins(std::vector<std::string> allowed) {
  config::CorsSection cors;
  cors.allowed_origins = std::move(allowed);
  return cors;
}

TEST(CorsPolicy, OffByDefault) {
  const CorsPolicy cors(config::CorsSection{});
  EXPECT_FALSE(cors.enabled());
  EXPECT_FALSE(cors.origin_allowed("https://app.example.com"));
  EXPECT_TRUE(cors.response_headers("https://app.example.com").empty());
  EXPECT_TRUE(cors.response_headers("").empty());
}

TEST(CorsPolicy, ListedOriginsOnlyCaseInsensitive) {
  const CorsPolicy cors(origins({"https://app.example.com", "http://localhost:5173"}));
  EXPECT_TRUE(cors.enabled());
  EXPECT_TRUE(cors.origin_allowed("https://app.example.com"));
  EXPECT_TRUE(cors.origin_allowed("HTTPS://APP.EXAMPLE.COM"));
  EXPECT_TRUE(cors.origin_allowed("http://localhost:5173"));
  EXPECT_FALSE(cors.origin_allowed("http://localhost:5174"));
  EXPECT_FALSE(cors.origin_allowed("https://app.example.com.evil.test"));
  EXPECT_FALSE(cors.origin_allowed("https://evil.test"));
  EXPECT_FALSE(cors.origin_allowed("null"));
  EXPECT_FALSE(cors.origin_allowed(""));
}

TEST(CorsPolicy, StarAllowsAnyOrigin) {
  const CorsPolicy cors(origins({"*"}));
  EXPECT_TRUE(cors.enabled());
  EXPECT_TRUE(cors.origin_allowed("https://anything.test"));
  EXPECT_FALSE(cors.origin_allowed(""));
  // The origin is echoed (not "*"), with Vary: Origin.
  EXPECT_EQ(find(cors.response_headers("https://anything.test"), "Access-Control-Allow-Origin"),
            "https://anything.test");
}

TEST(CorsPolicy, PreflightIsOptionsWithOriginAndRequestMethod) {
  ClientHeader req;
  req.method(http::verb::options);
  req.target("/v1/chat/completions");
  EXPECT_FALSE(CorsPolicy::is_preflight(req));
  req.set(http::field::origin, "https://app.example.com");
  EXPECT_FALSE(CorsPolicy::is_preflight(req));  // a plain OPTIONS with Origin
  req.set(http::field::access_control_request_method, "POST");
  EXPECT_TRUE(CorsPolicy::is_preflight(req));
  req.method(http::verb::post);
  EXPECT_FALSE(CorsPolicy::is_preflight(req));
}

TEST(CorsPolicy, PreflightHeaders) {
  config::CorsSection config = origins({"https://app.example.com"});
  config.max_age_secs = 120;
  const CorsPolicy cors(config);
  const Headers h = cors.preflight_headers("https://app.example.com", "POST");
  EXPECT_EQ(find(h, "Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(find(h, "Vary"), "Origin");
  EXPECT_EQ(find(h, "Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(find(h, "Access-Control-Max-Age"), "120");
  const std::string allow = find(h, "Access-Control-Allow-Headers");
  for (const char* name : {"Authorization", "Content-Type", "X-Api-Key", "X-Request-Id",
                           "OpenAI-Organization", "X-Stainless-OS"}) {
    EXPECT_NE(allow.find(name), std::string::npos) << name << " in " << allow;
  }
}

TEST(CorsPolicy, ConfiguredAllowedHeadersReplaceTheDefaults) {
  config::CorsSection config = origins({"*"});
  config.allowed_headers = {"Authorization", "Content-Type"};
  const CorsPolicy cors(config);
  EXPECT_EQ(find(cors.preflight_headers("https://a.test", "GET"), "Access-Control-Allow-Headers"),
            "Authorization, Content-Type");
  config.allowed_headers.clear();
  const CorsPolicy none(config);
  EXPECT_EQ(find(none.preflight_headers("https://a.test", "GET"), "Access-Control-Allow-Headers"),
            "(absent)");
}

TEST(CorsPolicy, ResponseHeadersForAllowedAndOtherOrigins) {
  const CorsPolicy cors(origins({"https://app.example.com"}));
  const Headers allowed = cors.response_headers("https://app.example.com");
  EXPECT_EQ(find(allowed, "Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(find(allowed, "Vary"), "Origin");
  EXPECT_EQ(find(allowed, "Access-Control-Expose-Headers"), "X-Request-Id");
  EXPECT_EQ(find(allowed, "Access-Control-Allow-Credentials"), "(absent)");

  const Headers other = cors.response_headers("https://evil.test");
  EXPECT_EQ(find(other, "Access-Control-Allow-Origin"), "(absent)");
  EXPECT_EQ(find(other, "Vary"), "Origin");
  EXPECT_EQ(find(cors.response_headers(""), "Access-Control-Allow-Origin"), "(absent)");
}

TEST(CorsForbidden, Is403InTheOpenAiEnvelope) {
  const Error e = cors_forbidden("https://evil.test");
  EXPECT_EQ(e.kind, ErrorKind::kPermissionDenied);
  EXPECT_EQ(to_http_error(e).status, 403);
  EXPECT_EQ(to_http_error(e).code, "cors_origin_not_allowed");
  EXPECT_NE(e.message.find("https://evil.test"), std::string::npos);
  EXPECT_NE(e.message.find("cors.allowed_origins"), std::string::npos);
}

}  // namespace
}  // namespace roci::server
