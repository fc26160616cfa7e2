// `text == "literal"` and `text.starts_with("literal")` for the request path, inline:
//
//   if (is_literal(key, "messages")) ...
//   if (starts_with_literal(route, "/v1/")) ...
//
// std::string_view's == goes through an out-of-line compare() whenever the sizes agree; here the
// size test and one memcmp of a known length (which the compiler turns into a load or two) are all.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace roci::openai_wire::detail {

template <std::size_t N>
inline bool is_literal(std::string_view text, const char (&literal)[N]) {
  return text.size() == N - 1 && std::memcmp(text.data(), literal, N - 1) == 0;
}

template <std::size_t N>
inline bool starts_with_literal(std::string_view text, const char (&literal)[N]) {
  return text.size() >= N - 1 && std::memcmp(text.data(), literal, N - 1) == 0;
}

}  // namespace roci::openai_wire::detail
