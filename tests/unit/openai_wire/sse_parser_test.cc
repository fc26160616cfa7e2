#include "openai_wire/sse_parser.h"

#include <gtest/gtest.h>

#include <random>

#include "test_util.h"

namespace roci::openai_wire {
namespace {

using testing::parse_bytewise;
using testing::parse_whole;
using testing::parse_with_cuts;

std::vector<std::string> datas(const testing::ParseOutcome& out) {
  std::vector<std::string> d;
  for (const auto& e : out.events) d.push_back(e.data);
  return d;
}

// Every way of cutting `input` once, and byte by byte, gives the same outcome as one feed.
void expect_split_invariant(std::string_view input) {
  const auto whole = parse_whole(input);
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    const auto split = parse_with_cuts(input, {cut});
    ASSERT_EQ(split.events, whole.events) << "cut at " << cut;
    ASSERT_EQ(split.error.has_value(), whole.error.has_value()) << "cut at " << cut;
  }
  const auto bytes = parse_bytewise(input);
  EXPECT_EQ(bytes.events, whole.events);
  EXPECT_EQ(bytes.error.has_value(), whole.error.has_value());
}

TEST(SseParserTest, DispatchesEventsAtBlankLines) {
  auto out = parse_whole("data: a\n\ndata: b\n\n");
  ASSERT_FALSE(out.error);
  EXPECT_EQ(datas(out), (std::vector<std::string>{"a", "b"}));
}

TEST(SseParserTest, NothingIsDispatchedBeforeTheBlankLine) {
  SseParser parser;
  parser.feed("data: a\n");
  auto ev = parser.next_event();
  ASSERT_TRUE(ev);
  EXPECT_FALSE(*ev);
  parser.feed("\n");
  ev = parser.next_event();
  ASSERT_TRUE(ev && *ev);
  EXPECT_EQ((*ev)->data, "a");
}

TEST(SseParserTest, AcceptsLfCrlfAndCrLineEnds) {
  const std::vector<std::string> expected{"one\ntwo", "three"};
  for (std::string input :
       {"data: one\ndata: two\n\ndata: three\n\n",
        "data: one\r\ndata: two\r\n\r\ndata: three\r\n\r\n",
        "data: one\rdata: two\r\rdata: three\r\r", "data: one\r\ndata: two\n\rdata: three\r\n\n"}) {
    auto out = parse_whole(input);
    ASSERT_FALSE(out.error);
    EXPECT_EQ(datas(out), expected) << input;
    expect_split_invariant(input);
  }
}

// Line ends (LF, CRLF, CR) at every offset of the first 40 bytes of a line, in a stream that also
// holds a comment and a second event.
TEST(SseParserTest, FindsLineEndsAtEveryOffset) {
  for (const std::string end : {"\n", "\r\n", "\r"}) {
    for (std::size_t length = 0; length <= 40; ++length) {
      const std::string first(length, 'x');
      const std::string second(40 - length, 'y');
      const std::string input = "data: " + first + end + "data: " + second + end + end + ": c" +
                                end + "data: z" + end + end;
      auto out = parse_whole(input);
      ASSERT_FALSE(out.error) << length;
      ASSERT_EQ(datas(out), (std::vector<std::string>{first + "\n" + second, "z"}))
          << "line of " << length << " ended by "
          << (end == "\n"   ? "LF"
              : end == "\r" ? "CR"
                            : "CRLF");
    }
  }
}

TEST(SseParserTest, CrAtTheEndOfOneFeedAndLfAtTheStartOfTheNextAreOneLineEnd) {
  SseParser parser;
  parser.feed("data: a\r");
  parser.feed("\n");
  parser.feed("\r");
  parser.feed("\ndata: b\r\n\r\n");
  std::vector<std::string> got;
  while (true) {
    auto ev = parser.next_event();
    ASSERT_TRUE(ev);
    if (!*ev) break;
    got.push_back((*ev)->data);
  }
  // Each split CRLF is one line end: "a" is dispatched by the second CRLF, not earlier, and the
  // LF after the split never becomes an extra blank line.
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));

  // A CR at the end of a feed followed by a non-LF byte is a line end by itself.
  auto out = parse_with_cuts("data: x\rdata: y\r\r", {8});
  EXPECT_EQ(datas(out), (std::vector<std::string>{"x\ny"}));
}

// may_have_event() is false exactly when a call would need more bytes: after a call that found
// none, until more is fed (a CR left at the end of a feed included), or the input ends.
TEST(SseParserTest, MayHaveEventIsFalseOnlyWhenACallWouldNeedMoreBytes) {
  SseParser parser;
  EXPECT_FALSE(parser.may_have_event());
  parser.feed("data: a\n\ndata: b\r");
  EXPECT_TRUE(parser.may_have_event());
  auto first = parser.next_data();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ(**first, "a");
  EXPECT_TRUE(parser.may_have_event());  // the rest is not looked at yet
  auto none = parser.next_data();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  EXPECT_FALSE(parser.may_have_event());
  parser.feed("\n");
  EXPECT_TRUE(parser.may_have_event());
  none = parser.next_data();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  EXPECT_FALSE(parser.may_have_event());
  parser.finish();
  EXPECT_TRUE(parser.may_have_event());
  auto last = parser.next_data();
  ASSERT_TRUE(last && *last);
  EXPECT_EQ(**last, "b");
}

TEST(SseParserTest, JoinsMultiLineDataWithNewlines) {
  auto out = parse_whole("data: {\"a\":\ndata: 1}\n\n");
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].data, "{\"a\":\n1}");
}

TEST(SseParserTest, StripsExactlyOneSpaceAfterTheColon) {
  auto out = parse_whole("data:x\n\ndata:  y\n\ndata\n\ndata:\n\n");
  EXPECT_EQ(datas(out), (std::vector<std::string>{"x", " y", "", ""}));
}

TEST(SseParserTest, SkipsCommentsAndUnknownFields) {
  auto out = parse_whole(": ping\n\n:\n\nretry: 100\nfoo: bar\ndata: a\n: inside\n\n");
  ASSERT_FALSE(out.error);
  EXPECT_EQ(datas(out), (std::vector<std::string>{"a"}));
}

TEST(SseParserTest, KeepsEventAndIdFields) {
  auto out = parse_whole(
      "event: message.delta\nid: 7\ndata: {\"content\":\"hi\"}\n\n"
      "data: next\n\n"
      "event: chat.end\nid: 8\ndata: done\n\n");
  ASSERT_EQ(out.events.size(), 3u);
  EXPECT_EQ(out.events[0].event, "message.delta");
  EXPECT_EQ(out.events[0].id, "7");
  EXPECT_EQ(out.events[1].event, "");  // the event type resets after each dispatch
  EXPECT_EQ(out.events[1].id, "7");    // the last event id persists (WHATWG)
  EXPECT_EQ(out.events[2].event, "chat.end");
  EXPECT_EQ(out.events[2].id, "8");
}

TEST(SseParserTest, ABlockWithoutDataDispatchesNothing) {
  auto out = parse_whole("event: ping\n\nid: 3\n\ndata: a\n\n");
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].event, "");
  EXPECT_EQ(out.events[0].data, "a");
  EXPECT_EQ(out.events[0].id, "3");
}

TEST(SseParserTest, StripsAByteOrderMarkAtTheStart) {
  auto out = parse_whole(
      "\xEF\xBB\xBF"
      "data: a\n\n");
  EXPECT_EQ(datas(out), (std::vector<std::string>{"a"}));
  expect_split_invariant(
      "\xEF\xBB\xBF"
      "data: a\n\n");
}

TEST(SseParserTest, FinishFlushesALastEventWithoutBlankLine) {
  for (std::string tail :
       {"data: [DONE]", "data: [DONE]\n", "data: [DONE]\r", "data: [DONE]\r\n"}) {
    SseParser parser;
    parser.feed("data: a\n\n" + tail);
    auto first = parser.next_event();
    ASSERT_TRUE(first && *first);
    auto none = parser.next_event();
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none) << "no blank line yet: " << tail;
    parser.finish();
    auto last = parser.next_event();
    ASSERT_TRUE(last && *last) << tail;
    EXPECT_EQ((*last)->data, "[DONE]");
    auto end = parser.next_event();
    ASSERT_TRUE(end);
    EXPECT_FALSE(*end);
  }
}

TEST(SseParserTest, FinishWithoutPendingDataGivesNothing) {
  SseParser parser;
  parser.feed("data: a\n\n: trailing comment\nevent: x\n");
  parser.finish();
  auto ev = parser.next_event();
  ASSERT_TRUE(ev && *ev);
  auto end = parser.next_event();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(SseParserTest, RejectsAnEventOverTheLimit) {
  const std::string big(200, 'x');
  auto out = parse_whole("data: ok\n\ndata: " + big + "\n\ndata: never\n\n", 100);
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, ErrorKind::kUpstreamError);
  EXPECT_NE(out.error->message.find("100 bytes"), std::string::npos) << out.error->message;
  EXPECT_EQ(datas(out), (std::vector<std::string>{"ok"}));

  // Many data lines of one event add up.
  std::string lines;
  for (int i = 0; i < 20; ++i) lines += "data: 0123456789\n";
  out = parse_whole(lines + "\n", 100);
  EXPECT_TRUE(out.error);
}

TEST(SseParserTest, RejectsAnUnterminatedLineGrowingWithoutBound) {
  SseParser parser(1000);
  const std::string chunk(300, 'x');
  parser.feed("data: ");
  Result<std::optional<SseEvent>> ev = std::optional<SseEvent>();
  for (int i = 0; i < 10 && ev && !*ev; ++i) {
    parser.feed(chunk);
    ev = parser.next_event();
  }
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().kind, ErrorKind::kUpstreamError);
  EXPECT_LE(parser.buffered_bytes(), 1400u);
  // The failure is sticky: the stream cannot be resynchronised.
  parser.feed("\n\ndata: a\n\n");
  EXPECT_FALSE(parser.next_event());
}

TEST(SseParserTest, ManySmallEventsNeverHitTheLimit) {
  std::string input;
  for (int i = 0; i < 1000; ++i) input += ": ping\n\ndata: 0123456789\n\n";
  auto out = parse_whole(input, 64);
  ASSERT_FALSE(out.error);
  EXPECT_EQ(out.events.size(), 1000u);
}

TEST(SseParserTest, BufferedBytesTracksUnconsumedInput) {
  SseParser parser;
  EXPECT_EQ(parser.buffered_bytes(), 0u);
  parser.feed("data: abc");
  EXPECT_EQ(parser.buffered_bytes(), 9u);
  ASSERT_TRUE(parser.next_event());
  parser.feed("\n\n");
  auto ev = parser.next_event();
  ASSERT_TRUE(ev && *ev);
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(SseParserTest, LargeEventFedByteByByteIsLinear) {
  // 512 KiB in one-byte feeds: quadratic rescanning would take minutes, linear takes milliseconds.
  const std::string payload(512 * 1024, 'a');
  const std::string input = "data: " + payload + "\n\n";
  SseParser parser(1 << 20);
  std::optional<SseEvent> got;
  for (char c : input) {
    parser.feed(std::string_view(&c, 1));
    auto ev = parser.next_event();
    ASSERT_TRUE(ev);
    if (*ev) got = std::move(**ev);
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->data.size(), payload.size());
}

class SseFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SseFixtureTest, EverySplitGivesTheSameEvents) {
  const std::string input = testing::read_fixture(GetParam());
  const auto whole = parse_whole(input);
  ASSERT_FALSE(whole.error) << whole.error->message;
  ASSERT_GE(whole.events.size(), 3u);
  for (const auto& e : whole.events) {
    EXPECT_FALSE(e.data.empty());
    EXPECT_EQ(e.data.find('\r'), std::string::npos);
  }
  expect_split_invariant(input);

  // Random multi-way splits (deterministic seed).
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t pos = 0;;) {
      pos += 1 + rng() % 97;
      if (pos >= input.size()) break;
      cuts.push_back(pos);
    }
    EXPECT_EQ(parse_with_cuts(input, cuts).events, whole.events) << "round " << round;
  }
}

// next_data() over `input` fed in pieces cut at `cuts`: every event's data, copied out.
std::vector<std::string> data_views_with_cuts(std::string_view input,
                                              const std::vector<std::size_t>& cuts) {
  SseParser parser(1u << 20);
  std::vector<std::string> out;
  auto drain = [&] {
    while (true) {
      auto data = parser.next_data();
      if (!data || !*data) return;
      out.emplace_back(**data);
    }
  };
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    parser.feed(input.substr(from, cut - from));
    drain();
    from = cut;
  }
  parser.feed(input.substr(from));
  parser.finish();
  drain();
  return out;
}

TEST_P(SseFixtureTest, NextDataGivesTheDataOfNextEventForEverySplit) {
  const std::string input = testing::read_fixture(GetParam());
  const auto expected = datas(parse_whole(input));
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(data_views_with_cuts(input, {}), expected);
  for (std::size_t cut = 0; cut <= input.size(); cut += 7) {
    ASSERT_EQ(data_views_with_cuts(input, {cut}), expected) << "cut at " << cut;
  }
  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i < input.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(data_views_with_cuts(input, every_byte), expected);
}

TEST(SseParserTest, NextDataJoinsDataLinesAndSkipsCommentsAndOtherFields) {
  SseParser parser;
  parser.feed(": ping\nevent: x\nid: 7\ndata: one\ndata: two\n\ndata: three\n\n");
  auto first = parser.next_data();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ(**first, "one\ntwo");
  auto second = parser.next_data();
  ASSERT_TRUE(second && *second);
  EXPECT_EQ(**second, "three");
  auto none = parser.next_data();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

// A one-line event's data is lent from the fed bytes; when its blank line comes in a later feed
// (which reuses or replaces the storage of those bytes), the data must have been kept.
TEST(SseParserTest, NextDataKeepsALineWhoseEventEndsInALaterFeed) {
  SseParser parser;
  const std::string line(100, 'a');
  parser.feed("data: " + line + "\n");
  auto none = parser.next_data();
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  parser.feed("\n:" + std::string(100, 'z') + "\n");  // the blank line, then a comment as long
  auto data = parser.next_data();
  ASSERT_TRUE(data && *data);
  EXPECT_EQ(**data, line);
}

std::string fixture_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllSseFixtures, SseFixtureTest,
                         ::testing::ValuesIn(testing::fixtures_with_suffix(".sse")), fixture_name);

}  // namespace
}  // namespace roci::openai_wire
