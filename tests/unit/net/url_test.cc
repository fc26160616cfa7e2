#include "net/url.h"

#include <gtest/gtest.h>

namespace roci::net {
namespace {

TEST(ParseBaseUrl, HttpWithPortAndPath) {
  auto o = parse_base_url("http://localhost:1234/v1");
  ASSERT_TRUE(o) << o.error();
  EXPECT_FALSE(o->tls);
  EXPECT_EQ(o->host, "localhost");
  EXPECT_EQ(o->port, "1234");
  EXPECT_EQ(o->base_path, "/v1");
  EXPECT_EQ(o->to_string(), "http://localhost:1234/v1");
}

TEST(ParseBaseUrl, DefaultPorts) {
  auto http = parse_base_url("http://example.com");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->port, "80");
  EXPECT_EQ(http->base_path, "");
  auto https = parse_base_url("HTTPS://api.openai.com/v1/");
  ASSERT_TRUE(https);
  EXPECT_TRUE(https->tls);
  EXPECT_EQ(https->port, "443");
  EXPECT_EQ(https->base_path, "/v1");
  EXPECT_EQ(https->to_string(), "https://api.openai.com:443/v1");
  auto empty_port = parse_base_url("http://h:/");
  ASSERT_TRUE(empty_port);
  EXPECT_EQ(empty_port->port, "80");
}

TEST(ParseBaseUrl, StripsTrailingSlashes) {
  EXPECT_EQ(parse_base_url("http://h/")->base_path, "");
  EXPECT_EQ(parse_base_url("http://h/a/b//")->base_path, "/a/b");
}

TEST(ParseBaseUrl, Ipv6WithoutBrackets) {
  auto o = parse_base_url("http://[::1]:8080/x");
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, "8080");
  EXPECT_EQ(o->to_string(), "http://[::1]:8080/x");
  auto v4 = parse_base_url("http://127.0.0.1:1234");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
}

TEST(ParseBaseUrl, Rejects) {
  for (const char* bad : {"ftp://h/", "ws://h", "http://user:pw@h/", "http://h/?a=1", "http://h/#f",
                          "http://", "localhost:1234", "", "http://h:0", "http://h:99999",
                          "http://h:12ab", "/v1", "not a url"}) {
    auto o = parse_base_url(bad);
    ASSERT_FALSE(o) << bad;
    EXPECT_EQ(o.error().kind, ErrorKind::kInvalidRequest) << bad;
    EXPECT_NE(o.error().message.find("invalid base URL"), std::string::npos) << o.error().message;
  }
  EXPECT_NE(parse_base_url("http://u@h").error().message.find("credentials"), std::string::npos);
  EXPECT_NE(parse_base_url("http://h?x").error().message.find("query"), std::string::npos);
}

}  // namespace
}  // namespace roci::net
