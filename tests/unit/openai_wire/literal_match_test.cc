#include "openai_wire/literal_match.h"

#include <gtest/gtest.h>

#include <string>

namespace roci::openai_wire::detail {
namespace {

TEST(LiteralMatch, IsLiteralComparesTheWholeText) {
  EXPECT_TRUE(is_literal("messages", "messages"));
  EXPECT_TRUE(is_literal("", ""));
  EXPECT_FALSE(is_literal("message", "messages"));
  EXPECT_FALSE(is_literal("messagesx", "messages"));
  EXPECT_FALSE(is_literal("Messages", "messages"));
  const std::string with_nul("a\0b", 3);
  EXPECT_FALSE(is_literal(with_nul, "a"));
}

TEST(LiteralMatch, StartsWithLiteralComparesThePrefixOnly) {
  EXPECT_TRUE(starts_with_literal("/v1/chat/completions", "/v1/"));
  EXPECT_TRUE(starts_with_literal("/v1/", "/v1/"));
  EXPECT_TRUE(starts_with_literal("anything", ""));
  EXPECT_FALSE(starts_with_literal("/v1", "/v1/"));  // shorter than the prefix: no read past it
  EXPECT_FALSE(starts_with_literal("/v2/models", "/v1/"));
  EXPECT_FALSE(starts_with_literal("", "/"));
}

}  // namespace
}  // namespace roci::openai_wire::detail
