#include "openai_wire/json_util.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace roci::openai_wire::detail {
namespace {

TEST(JsonUtilTest, SerializesValuesCompactly) {
  auto v = boost::json::parse(R"({"a":[1,-2,3.5,true,null,"x"],"b":{"c":18446744073709551615}})");
  EXPECT_EQ(to_json(v), R"({"a":[1,-2,3.5,true,null,"x"],"b":{"c":18446744073709551615}})");
}

TEST(JsonUtilTest, SnippetTruncatesOnUtf8BoundariesAndFlattensControls) {
  EXPECT_EQ(snippet("  <html>\n<body>502</body>\n"), "<html> <body>502</body>");
  std::string long_text(150, 'a');
  long_text += "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé";
  const std::string s = snippet(long_text, 200);
  EXPECT_TRUE(s.ends_with("..."));
  EXPECT_LE(s.size(), 203u);
  EXPECT_NO_THROW(boost::json::parse("\"" + s + "\""));  // still valid UTF-8
}

TEST(StrictJsonTest, ParsesOrdinaryJson) {
  auto v = parse_strict_json(R"({"a":[1,{"b":"c"}],"d":-1.5e2})", {});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->at("d").as_double(), -150.0);
  EXPECT_EQ(v->at("a").at(1).at("b").as_string(), "c");
}

TEST(StrictJsonTest, RejectsDuplicateKeysNamingThePath) {
  auto top = parse_strict_json(R"({"model":"a","stream":true,"model":"b"})", {});
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error().kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(top.error().param, "model");
  EXPECT_NE(top.error().message.find("duplicate key \"model\""), std::string::npos);

  auto nested = parse_strict_json(
      R"({"messages":[{"role":"user","content":"a"},{"role":"user","role":"system"}]})", {});
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().param, "messages[1].role");

  // Large objects use the sorted check.
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  big += "\"k17\":0}";
  auto many = parse_strict_json(big, {});
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().param, "k17");

  // Same key in sibling objects is fine.
  EXPECT_TRUE(parse_strict_json(R"([{"a":1},{"a":2},{"x":{"a":3}}])", {}));
}

TEST(StrictJsonTest, RejectsNanInfinityAndOverflowingNumbers) {
  for (std::string_view body : {R"({"t":NaN})", R"({"t":Infinity})", R"({"t":-Infinity})"}) {
    auto v = parse_strict_json(body, {});
    ASSERT_FALSE(v) << body;
    EXPECT_NE(v.error().message.find("NaN and Infinity"), std::string::npos) << v.error().message;
    EXPECT_NE(v.error().message.find("at byte "), std::string::npos) << v.error().message;
  }
  auto huge = parse_strict_json(R"({"temperature":1e400})", {});
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().param, "temperature");
}

TEST(StrictJsonTest, RejectsInvalidUtf8WithItsPosition) {
  auto v = parse_strict_json("{\"a\":\"ab\xff\"}", {});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "invalid JSON: invalid UTF-8 at byte 8");
  EXPECT_FALSE(parse_strict_json("{\"a\":\"\xc3\"}", {}));          // truncated sequence
  EXPECT_FALSE(parse_strict_json("{\"a\":\"\xed\xa0\x80\"}", {}));  // encoded surrogate
}

TEST(StrictJsonTest, EnforcesDepthAndStringLimits) {
  StrictJsonOptions opts{.max_depth = 4, .max_string_bytes = 8};
  EXPECT_TRUE(parse_strict_json(R"({"a":[[["x"]]]})", opts));
  auto deep = parse_strict_json(R"({"a":[[[["x"]]]]})", opts);
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("nesting deeper than 4"), std::string::npos);

  auto longs = parse_strict_json(R"({"messages":[{"content":"123456789"}]})", opts);
  ASSERT_FALSE(longs);
  EXPECT_EQ(longs.error().param, "messages[0].content");
  EXPECT_NE(longs.error().message.find("longer than 8 bytes"), std::string::npos);

  auto long_key = parse_strict_json(R"({"123456789":1})", opts);
  ASSERT_FALSE(long_key);
}

TEST(StrictJsonTest, ReportsSyntaxErrorsWithPositions) {
  auto empty = parse_strict_json("  ", {});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);

  auto truncated = parse_strict_json(R"({"a":)", {});
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("ends before"), std::string::npos);

  auto trailing = parse_strict_json(R"({"a":1} {"b":2})", {});
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error().message.find("after the JSON value at byte 8"), std::string::npos);

  auto comma = parse_strict_json(R"({"a":1,})", {});
  ASSERT_FALSE(comma);
  EXPECT_NE(comma.error().message.find("invalid JSON"), std::string::npos);
}

}  // namespace
}  // namespace roci::openai_wire::detail

namespace roci::openai_wire::detail {
namespace {

// Found by the chat_request and upstream_decode fuzzers (fuzz/regressions): bytes that are not
// UTF-8 must not reach a JSON error body.
TEST(JsonUtilSnippetTest, ReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(snippet(std::string("\0\x8d", 2)), " ?");  // NUL is a control: a space
  EXPECT_EQ(snippet("Bad Gateway \xff\xfe"), "Bad Gateway ??");
  EXPECT_EQ(snippet("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");  // kept as is
  EXPECT_EQ(snippet("\xed\xa0\x80x"), "???x");                                 // a surrogate
  EXPECT_EQ(snippet("\xc0\xafx"), "??x");                                      // an overlong '/'
}

}  // namespace
}  // namespace roci::openai_wire::detail
