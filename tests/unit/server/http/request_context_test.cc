#include "server/http/request_context.h"

#include <gtest/gtest.h>

namespace roci::server {
namespace {

ClientHeader sample_head() {
  ClientHeader h;
  h.method(http::verb::post);
  h.target("/v1/chat/completions");
  h.insert(http::field::host, "gateway");
  h.insert(http::field::content_type, "application/json");
  h.insert("x-request-id", "first-id");
  h.insert(http::field::content_type, "text/plain");
  h.insert("X-Request-Id", "second-id");
  return h;
}

TEST(FieldValue, FindsAFieldByItsEnumAndTakesTheFirstOfSeveral) {
  const ClientHeader h = sample_head();
  EXPECT_EQ(field_value(h, http::field::host), "gateway");
  EXPECT_EQ(field_value(h, http::field::content_type), "application/json");
  EXPECT_EQ(field_value(h, http::field::content_type), h[http::field::content_type]);
}

TEST(FieldValue, FindsAFieldByNameInAnyCase) {
  const ClientHeader h = sample_head();
  EXPECT_EQ(field_value(h, "X-REQUEST-ID"), "first-id");
  EXPECT_EQ(field_value(h, "x-request-id"), h["X-Request-Id"]);
  EXPECT_EQ(field_value(h, "content-TYPE"), "application/json");
}

TEST(FieldValue, AnAbsentFieldIsEmpty) {
  const ClientHeader h = sample_head();
  EXPECT_EQ(field_value(h, http::field::origin), "");
  EXPECT_EQ(field_value(h, "x-api-key"), "");
  EXPECT_EQ(field_value(ClientHeader{}, http::field::host), "");
}

}  // namespace
}  // namespace roci::server
