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

#if defined(__SSE2__)
namespace sse2 {
// The bytes of the 16 at `p` that find_string_special stops at, as a vector of 0x00 / 0xFF.
inline __m128i string_special_bytes(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  // Signed: bytes >= 0x80 are negative, so "< 0x20" also finds them.
  return _mm_or_si128(
      _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}
inline unsigned mask_of(__m128i bytes) { return static_cast<unsigned>(_mm_movemask_epi8(bytes)); }
}  // namespace sse2
#endif

// find_string_special past its first 16 bytes: 16 bytes per test up to 64, then 64 per test,
// then 16, then one byte at a time.
const char* find_string_special_run(const char* p, const char* end);

// The first byte of [p, end) that a string cannot hold as it is: '"', '\\', a control character
// or a byte >= 0x80 (the caller checks it as UTF-8); `end` when there is none. Where SSE2 exists
// (every x86-64) the first 16 bytes are tested inline, since most strings (keys, ids, short
// values) end there; a longer one goes on out of line.
inline const char* find_string_special(const char* p, const char* end) {
#if defined(__SSE2__)
  if (end - p >= 16) {
    const unsigned m = sse2::mask_of(sse2::string_special_bytes(p));
    return m != 0 ? p + __builtin_ctz(m) : find_string_special_run(p + 16, end);
  }
#endif
  return find_string_special_run(p, end);
}

// Appends the UTF-8 encoding of the code point `cp` (<= U+10FFFF, not a surrogate).
void append_utf8(std::string& out, std::uint32_t cp);

// `p` points just past a backslash. On success appends what the escape stands for to `out`
// (a \uD83D\uDE00 surrogate pair as one code point), moves `p` past it and returns true. False,
// with `p` somewhere inside the escape, for an unknown escape letter, bad hex digits, a lone or
// unpaired surrogate, or input that ends first.
bool decode_json_escape(const char*& p, const char* end, std::string& out);

}  // namespace roci::openai_wire::detail
