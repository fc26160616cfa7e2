// The request-field validators: every failure is kInvalidRequest naming the field path, the
// expectation and what came; SettingsParser takes the sampling fields and leaves the rest.
#include "openai_wire/downstream_fields.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace roci::openai_wire::detail {
namespace {

namespace json = boost::json;

TEST(DownstreamFields, TypedFieldsAcceptTheirTypeOnly) {
  EXPECT_EQ(string_field(json::value("x"), "model").value(), "x");
  const Error not_string = string_field(json::value(3), "model").error();
  EXPECT_EQ(not_string.kind, ErrorKind::kInvalidRequest);
  EXPECT_EQ(not_string.param, "model");
  EXPECT_EQ(not_string.message.rfind("model must be a string, got ", 0), 0u) << not_string.message;

  EXPECT_TRUE(bool_field(json::value(true), "stream").value());
  EXPECT_EQ(bool_field(json::value("true"), "stream").error().param, "stream");

  EXPECT_EQ(integer_field(json::value(42), "seed").value(), 42);
  EXPECT_EQ(integer_field(json::value(42.0), "seed").value(), 42);  // integral double
  EXPECT_FALSE(integer_field(json::value(4.5), "seed"));

  const json::value obj = json::parse(R"({"a":1})");
  EXPECT_EQ(object_field(obj, "response_format").value(), &obj.get_object());
  EXPECT_NE(object_field(json::value(json::array{}), "response_format")
                .error()
                .message.find("must be an object"),
            std::string::npos);
}

TEST(DownstreamFields, NumberRangesPrintIntegralBoundsWithoutDecimals) {
  EXPECT_DOUBLE_EQ(number_in(json::value(1.5), "temperature", 0, 2).value(), 1.5);
  EXPECT_DOUBLE_EQ(number_in(json::value(2), "temperature", 0, 2).value(), 2.0);
  const Error e = number_in(json::value(3.5), "temperature", 0, 2).error();
  EXPECT_EQ(e.message, "temperature must be a number between 0 and 2, got 3.5");
  EXPECT_EQ(e.param, "temperature");
  EXPECT_FALSE(number_in(json::value("1"), "temperature", 0, 2));
}

TEST(DownstreamFields, BodyMustBeAStrictJsonObject) {
  const RequestLimits limits;
  auto ok = parse_body_object(R"({"model":"m"})", limits);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->at("model"), "m");
  auto array = parse_body_object("[1]", limits);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().message.rfind("request body must be a JSON object, got ", 0), 0u)
      << array.error().message;
  EXPECT_FALSE(parse_body_object(R"({"a":1,"a":2})", limits));  // duplicate key
  RequestLimits shallow;
  shallow.max_depth = 1;
  EXPECT_FALSE(parse_body_object(R"({"a":{"b":1}})", shallow));
}

TEST(DownstreamFields, SettingsParserTakesOnlySamplingFields) {
  const RequestLimits limits;
  SettingsParser parser(limits);
  GenerationSettings out;
  EXPECT_FALSE(parser.parse("model", json::value("m"), out).value());
  EXPECT_TRUE(parser.parse("temperature", json::value(0.3), out).value());
  EXPECT_TRUE(parser.parse("top_p", json::value(1), out).value());
  EXPECT_TRUE(parser.parse("top_k", json::value(-1), out).value());
  EXPECT_TRUE(parser.parse("frequency_penalty", json::value(-2), out).value());
  EXPECT_TRUE(parser.parse("presence_penalty", json::value(2), out).value());
  EXPECT_TRUE(parser.parse("seed", json::value(7), out).value());
  EXPECT_TRUE(parser.parse("stop", json::value("END"), out).value());
  EXPECT_TRUE(parser.parse("max_tokens", json::value(nullptr), out).value());  // null: absent
  EXPECT_EQ(out.temperature, 0.3);
  EXPECT_EQ(out.top_p, 1.0);
  EXPECT_EQ(out.top_k, -1);
  EXPECT_EQ(out.frequency_penalty, -2.0);
  EXPECT_EQ(out.presence_penalty, 2.0);
  EXPECT_EQ(out.seed, 7);
  EXPECT_EQ(out.stop_sequences, std::vector<std::string>{"END"});
  EXPECT_FALSE(out.max_tokens);
}

TEST(DownstreamFields, MaxCompletionTokensWinsInEitherOrder) {
  const RequestLimits limits;
  {
    SettingsParser parser(limits);
    GenerationSettings out;
    ASSERT_TRUE(parser.parse("max_completion_tokens", json::value(20), out));
    ASSERT_TRUE(parser.parse("max_tokens", json::value(10), out));
    EXPECT_EQ(out.max_tokens, 20);
  }
  {
    SettingsParser parser(limits);
    GenerationSettings out;
    ASSERT_TRUE(parser.parse("max_tokens", json::value(10), out));
    ASSERT_TRUE(parser.parse("max_completion_tokens", json::value(20), out));
    EXPECT_EQ(out.max_tokens, 20);
  }
  SettingsParser parser(limits);
  GenerationSettings out;
  EXPECT_TRUE(parser.parse("max_tokens", json::value(-1), out).value());  // no limit
  EXPECT_EQ(out.max_tokens, -1);
  for (const json::value& bad : {json::value(0), json::value(-2), json::value(1.5)}) {
    auto e = parser.parse("max_tokens", bad, out);
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().param, "max_tokens");
  }
  RequestLimits capped;
  capped.max_tokens_ceiling = 100;
  SettingsParser capped_parser(capped);
  auto over = capped_parser.parse("max_tokens", json::value(101), out);
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("between 1 and 100 (or -1 for no limit)"), std::string::npos)
      << over.error().message;
}

TEST(DownstreamFields, StopIsAStringOrABoundedListOfStrings) {
  RequestLimits limits;
  limits.max_stop_sequences = 2;
  SettingsParser parser(limits);
  GenerationSettings out;
  ASSERT_TRUE(parser.parse("stop", json::parse(R"(["a","b"])"), out));
  EXPECT_EQ(out.stop_sequences, (std::vector<std::string>{"a", "b"}));
  auto too_many = parser.parse("stop", json::parse(R"(["a","b","c"])"), out);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().message, "stop must hold at most 2 sequences, got 3");
  auto not_string = parser.parse("stop", json::parse(R"(["a",1])"), out);
  ASSERT_FALSE(not_string);
  EXPECT_EQ(not_string.error().param, "stop[1]");
  auto number = parser.parse("stop", json::value(1), out);
  ASSERT_FALSE(number);
  EXPECT_NE(number.error().message.find("a string or an array of strings"), std::string::npos);
}

}  // namespace
}  // namespace roci::openai_wire::detail
