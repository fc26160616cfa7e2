#include "openai_wire/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>

namespace roci::openai_wire {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  JsonWriter(out).string(s);
  return out;
}

TEST(JsonWriterTest, SeparatorsFollowTheStructure) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a"_js).integer(1);
  w.key("b"_js).begin_array().integer(2).string("x"_js).begin_object().end_object();
  w.begin_array().end_array().null().end_array();
  w.key("c"_js).begin_object().key("d"_js).boolean(true).key("e"_js).boolean(false).end_object();
  w.key(std::string("runtime \"key\"")).string(std::string_view("v"));
  w.key("empty"_js).begin_object().end_object();
  w.end_object();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(out, R"({"a":1,"b":[2,"x",{},[],null],"c":{"d":true,"e":false},"runtime \"key\"":"v",)"
                 R"("empty":{}})");
  EXPECT_NO_THROW(boost::json::parse(out));
}

TEST(JsonWriterTest, AppendsAfterWhatTheStringHolds) {
  std::string out = "data: ";
  JsonWriter w(out);
  EXPECT_FALSE(w.complete());
  w.begin_array().string("one"_js).string("two"_js).end_array();
  EXPECT_TRUE(w.complete());
  out += "\n\n";
  EXPECT_EQ(out, "data: [\"one\",\"two\"]\n\n");
}

TEST(JsonWriterTest, ScalarsAtTopLevel) {
  auto one = [](auto write) {
    std::string out;
    JsonWriter w(out);
    write(w);
    EXPECT_TRUE(w.complete());
    return out;
  };
  EXPECT_EQ(one([](JsonWriter& w) { w.integer(0); }), "0");
  EXPECT_EQ(one([](JsonWriter& w) { w.integer(9); }), "9");
  EXPECT_EQ(one([](JsonWriter& w) { w.integer(10); }), "10");
  EXPECT_EQ(one([](JsonWriter& w) { w.integer(-1); }), "-1");
  EXPECT_EQ(one([](JsonWriter& w) { w.integer(std::numeric_limits<std::int64_t>::min()); }),
            "-9223372036854775808");
  EXPECT_EQ(one([](JsonWriter& w) { w.unsigned_integer(18446744073709551615u); }),
            "18446744073709551615");
  EXPECT_EQ(one([](JsonWriter& w) { w.string("lit"_js); }), "\"lit\"");
  EXPECT_EQ(one([](JsonWriter& w) { w.string_or_null(""); }), "null");
  EXPECT_EQ(one([](JsonWriter& w) { w.string_or_null("x"); }), "\"x\"");
  EXPECT_EQ(one([](JsonWriter& w) { w.raw(R"({"pre":"encoded"})"); }), R"({"pre":"encoded"})");
}

TEST(JsonWriterTest, MembersEncodedEarlierJoinTheObject) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().members(R"("id":"x","n":1)").key("more"_js).integer(2).members(R"("z":0)");
  w.end_object();
  EXPECT_EQ(out, R"({"id":"x","n":1,"more":2,"z":0})");
}

TEST(JsonWriterTest, LiteralsKnowTheirName) {
  constexpr JsonLiteral k = "max_tokens"_js;
  static_assert(k.name() == "max_tokens");
}

TEST(JsonWriterTest, EscapesStringsSoTheyRoundTrip) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  all += "é ☃ 👋 \"quoted\" back\\slash";
  const std::string out = escaped(all);
  EXPECT_EQ(boost::json::parse(out).as_string(), all);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_EQ(escaped("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
}

// The escape scan skips 16 (SSE2) and then 8 clean bytes at a time: every byte value must be
// caught at every offset within and across those blocks, with clean bytes of every kind around it.
TEST(JsonWriterTest, EscapesEveryByteAtEveryOffsetOfTheWordScan) {
  // Bytes written for one input byte: \" \\ \n \r \t \b \f take 2, other controls \u00XX 6.
  const auto written = [](int c) -> std::size_t {
    if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      return 2;
    }
    return c < 0x20 ? 6 : 1;
  };
  for (const char filler : {'a', '~', ' ', '\x7f', '\x80', '\xff', '!', '#', '['}) {
    for (int c = 0; c < 256; ++c) {
      for (std::size_t at = 0; at < 43; ++at) {
        std::string text(43, filler);
        text[at] = static_cast<char>(c);
        const std::string out = escaped(text);
        EXPECT_EQ(out.size(), text.size() + 1 + written(c))
            << "byte " << c << " at " << at << " among " << int(filler);
        if (filler > 0 && c < 0x80) {
          EXPECT_EQ(boost::json::parse(out).as_string(), text) << "byte " << c << " at " << at;
        }
      }
    }
  }
}

TEST(JsonWriterTest, PrintsDoublesInShortestForm) {
  auto num = [](double d) {
    std::string out;
    JsonWriter(out).number(d);
    return out;
  };
  EXPECT_EQ(num(0.7), "0.7");
  EXPECT_EQ(num(1.0), "1.0");
  EXPECT_EQ(num(-2.0), "-2.0");
  EXPECT_EQ(num(0.0123), "0.0123");
  EXPECT_EQ(num(1e300), "1e+300");
  EXPECT_EQ(num(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(num(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(boost::json::parse(num(0.1)).as_double(), 0.1);
}

TEST(JsonWriterTest, WritesBoostValuesWithTheSameRules) {
  auto v = boost::json::parse(
      R"({"a":[1,-2,3.5,true,null,"x\n"],"b":{"c":18446744073709551615,"d":7E-1,"e":{}}})");
  std::string out;
  JsonWriter w(out);
  w.begin_array().value(v).value(boost::json::value(2.0)).end_array();
  EXPECT_EQ(out,
            R"([{"a":[1,-2,3.5,true,null,"x\n"],"b":{"c":18446744073709551615,"d":0.7,"e":{}}},)"
            R"(2.0])");
}

#ifndef NDEBUG
// The writer is driven by code: a call that would make invalid JSON is a bug, caught in debug
// builds.
TEST(JsonWriterDeathTest, MisuseIsCaughtInDebugBuilds) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::string out;
  EXPECT_DEATH(
      {
        JsonWriter w(out);
        w.begin_array().key("k"_js);
      },
      "");
  EXPECT_DEATH(
      {
        JsonWriter w(out);
        w.begin_object().integer(1);
      },
      "");
  EXPECT_DEATH(
      {
        JsonWriter w(out);
        w.begin_object().end_array();
      },
      "");
  EXPECT_DEATH(
      {
        JsonWriter w(out);
        w.begin_object().key("k"_js).end_object();
      },
      "");
  EXPECT_DEATH(
      {
        JsonWriter w(out);
        w.integer(1).integer(2);
      },
      "");
  EXPECT_DEATH(
      {
        JsonWriter w(out);
        for (int i = 0; i <= JsonWriter::kMaxDepth; ++i) w.begin_array();
      },
      "");
}
#endif

}  // namespace
}  // namespace roci::openai_wire
