#include <roci/core/error.h>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace roci {
namespace {

TEST(ErrorKindName, EveryKindHasItsOwnName) {
  std::set<std::string> names;
  for (int k = 0; k <= static_cast<int>(ErrorKind::kInternal); ++k) {
    const std::string name(to_string(static_cast<ErrorKind>(k)));
    EXPECT_NE(name, "unknown") << k;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(to_string(ErrorKind::kHeadersTooLarge), "headers_too_large");
  EXPECT_EQ(to_string(ErrorKind::kTooManyConnections), "too_many_connections");
}

}  // namespace
}  // namespace roci
