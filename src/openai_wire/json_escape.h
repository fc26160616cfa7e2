// The pieces of a JSON string (RFC 8259 §7) that the hand-written scanners (request_fast_path.cc,
// fast_path_decode.cc) share: finding the next byte a string scan must look at, and decoding an
// escape. UTF-8 sequences are checked by json_util.h's utf8_sequence_length.
//
//   const char* q = find_string_special(p, end);            // '"', '\', control or non-ASCII
//   const char* p = after_backslash;
//   if (!decode_json_escape(p, end, out)) return decline();  // p is past the escape on success
#pragma once

#include <cstdint>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace roci::openai_wire::detail {

// The first byte of [p, end) that a string cannot hold as it is: '"', '\\', a control character
// or a byte >= 0x80 (the caller checks it as UTF-8); `end` when there is none. 16 bytes at a time
// where SSE2 exists (every x86-64). Inline: it is the scanners' inner loop.
inline const char* find_string_special(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed: bytes >= 0x80 are negative, so "< 0x20" also finds them.
    const __m128i hit =
        _mm_or_si128(_mm_cmplt_epi8(v, space),
                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
  }
  return end;
}

// Appends the UTF-8 encoding of the code point `cp` (<= U+10FFFF, not a surrogate).
void append_utf8(std::string& out, std::uint32_t cp);

// `p` points just past a backslash. On success appends what the escape stands for to `out`
// (a \uD83D\uDE00 surrogate pair as one code point), moves `p` past it and returns true. False,
// with `p` somewhere inside the escape, for an unknown escape letter, bad hex digits, a lone or
// unpaired surrogate, or input that ends first.
bool decode_json_escape(const char*& p, const char* end, std::string& out);

}  // namespace roci::openai_wire::detail
