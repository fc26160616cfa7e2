#include "server/http/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace roci::server {
namespace {

TEST(RequestId, HonoursSaneIds) {
  EXPECT_EQ(request_id_for("abc-123_XYZ"), "abc-123_XYZ");
  EXPECT_EQ(request_id_for(std::string(128, 'a')), std::string(128, 'a'));
}

TEST(RequestId, ReplacesInsaneIds) {
  EXPECT_FALSE(sanitize_request_id(""));
  EXPECT_FALSE(sanitize_request_id(std::string(129, 'a')));
  EXPECT_FALSE(sanitize_request_id("has space"));
  EXPECT_FALSE(sanitize_request_id("line\nbreak"));
  EXPECT_FALSE(sanitize_request_id("\x7f"));
  EXPECT_FALSE(sanitize_request_id("caf\xc3\xa9"));
  EXPECT_NE(request_id_for("bad id"), "bad id");
}

TEST(RequestId, GeneratedIdsAreUniqueAndSane) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_request_id();
    EXPECT_TRUE(sanitize_request_id(id)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace roci::server
