#include "openai_wire/json_escape.h"

namespace roci::openai_wire::detail {
namespace {

// Four hex digits at `p` into `cp`; false (p anywhere) when there are fewer or one is not hex.
bool read_hex4(const char*& p, const char* end, std::uint32_t& cp) {
  if (end - p < 4) return false;
  cp = 0;
  for (int i = 0; i < 4; ++i) {
    const char h = *p++;
    std::uint32_t digit = 0;
    if (h >= '0' && h <= '9') {
      digit = static_cast<std::uint32_t>(h - '0');
    } else if (h >= 'a' && h <= 'f') {
      digit = static_cast<std::uint32_t>(h - 'a' + 10);
    } else if (h >= 'A' && h <= 'F') {
      digit = static_cast<std::uint32_t>(h - 'A' + 10);
    } else {
      return false;
    }
    cp = cp << 4 | digit;
  }
  return true;
}

}  // namespace

const char* find_string_special_run(const char* p, const char* end) {
#if defined(__SSE2__)
  using sse2::mask_of;
  using sse2::string_special_bytes;
  // Up to 48 more bytes 16 at a time (ids, names, short texts), then 64 per test.
  for (int block = 0; block < 3 && end - p >= 16; ++block, p += 16) {
    if (const unsigned m = mask_of(string_special_bytes(p)); m != 0) return p + __builtin_ctz(m);
  }
  while (end - p >= 64) {
    const __m128i a = string_special_bytes(p);
    const __m128i b = string_special_bytes(p + 16);
    const __m128i c = string_special_bytes(p + 32);
    const __m128i d = string_special_bytes(p + 48);
    if (mask_of(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) != 0) {
      const std::uint64_t m = std::uint64_t{mask_of(a)} | std::uint64_t{mask_of(b)} << 16 |
                              std::uint64_t{mask_of(c)} << 32 | std::uint64_t{mask_of(d)} << 48;
      return p + __builtin_ctzll(m);
    }
    p += 64;
  }
  while (end - p >= 16) {
    if (const unsigned m = mask_of(string_special_bytes(p)); m != 0) return p + __builtin_ctz(m);
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
  }
  return end;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool decode_json_escape(const char*& p, const char* end, std::string& out) {
  if (p == end) return false;
  const char c = *p++;
  switch (c) {
    case '"':
    case '\\':
    case '/':
      out.push_back(c);
      return true;
    case 'b':
      out.push_back('\b');
      return true;
    case 'f':
      out.push_back('\f');
      return true;
    case 'n':
      out.push_back('\n');
      return true;
    case 'r':
      out.push_back('\r');
      return true;
    case 't':
      out.push_back('\t');
      return true;
    case 'u':
      break;
    default:
      return false;
  }
  std::uint32_t cp = 0;
  if (!read_hex4(p, end, cp)) return false;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone trailing surrogate
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    std::uint32_t low = 0;
    if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return false;
    p += 2;
    if (!read_hex4(p, end, low) || low < 0xDC00 || low > 0xDFFF) return false;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  append_utf8(out, cp);
  return true;
}

}  // namespace roci::openai_wire::detail
