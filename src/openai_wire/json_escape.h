// JSON string escapes (RFC 8259 §7), decoded: the one implementation the hand-written scanners
// (request_fast_path.cc, fast_path_decode.cc) share.
//
//   const char* p = after_backslash;
//   if (!decode_json_escape(p, end, out)) return decline();  // p is past the escape on success
#pragma once

#include <cstdint>
#include <string>

namespace roci::openai_wire::detail {

// Appends the UTF-8 encoding of the code point `cp` (<= U+10FFFF, not a surrogate).
void append_utf8(std::string& out, std::uint32_t cp);

// `p` points just past a backslash. On success appends what the escape stands for to `out`
// (a \uD83D\uDE00 surrogate pair as one code point), moves `p` past it and returns true. False,
// with `p` somewhere inside the escape, for an unknown escape letter, bad hex digits, a lone or
// unpaired surrogate, or input that ends first.
bool decode_json_escape(const char*& p, const char* end, std::string& out);

}  // namespace roci::openai_wire::detail
