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
