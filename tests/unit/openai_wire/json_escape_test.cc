#include "openai_wire/json_escape.h"

#include <gtest/gtest.h>

#include <string>

namespace roci::openai_wire::detail {
namespace {

// The definition find_string_special must agree with, one byte at a time.
const char* first_special_byte(const char* p, const char* end) {
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
  }
  return end;
}

// Every length up to 170, with the special byte at every offset (and none): the inline first 16
// bytes, the 16-byte tests up to 64, a 64-byte block, the 16-byte tests after it and the byte loop
// each find it where it is.
TEST(FindStringSpecial, FindsTheFirstSpecialByteAtEveryOffsetOfEveryLength) {
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f', '\x80', '\xff'}) {
    for (std::size_t length = 0; length <= 170; ++length) {
      for (std::size_t at = 0; at <= length; ++at) {  // at == length: no special byte
        std::string text(length, 'a');
        if (at < length) text[at] = special;
        const char* begin = text.data();
        const char* end = begin + text.size();
        ASSERT_EQ(find_string_special(begin, end) - begin, first_special_byte(begin, end) - begin)
            << "special " << int(static_cast<unsigned char>(special)) << " at " << at << " of "
            << length;
      }
    }
  }
}

TEST(FindStringSpecial, TheFirstOfSeveralWinsInsideOneBlock) {
  std::string text(200, 'x');
  text[150] = '"';
  text[131] = '\\';
  text[140] = '\x80';
  EXPECT_EQ(find_string_special(text.data(), text.data() + text.size()) - text.data(), 131);
  text[17] = '\t';
  EXPECT_EQ(find_string_special(text.data(), text.data() + text.size()) - text.data(), 17);
}

TEST(FindStringSpecial, AllowsEveryPrintableAsciiByteButQuoteAndBackslash) {
  std::string text;
  for (int c = 0x20; c < 0x7f; ++c) {
    if (c != '"' && c != '\\') text.push_back(static_cast<char>(c));
  }
  text += text;  // 186 bytes: every block size
  const char* end = text.data() + text.size();
  EXPECT_EQ(find_string_special(text.data(), end), end);
}

}  // namespace
}  // namespace roci::openai_wire::detail
