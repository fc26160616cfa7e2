// Helpers shared by the fuzz targets (private to fuzz/).
//
//   FUZZ_CHECK(reparsed.has_value(), "encode_chat_completion gave invalid JSON");
//   if (!is_json(text, /*strict_utf8=*/true)) ...
//
// FUZZ_CHECK aborts with a message on stderr: under libFuzzer that is a crash with the input saved;
// under the gtest replay it fails the test binary.
#pragma once

#include <roci/core/error.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, what)                                                          \
  do {                                                                                  \
    if (!(cond)) ::roci::fuzz::detail::check_failed(#cond, (what), __FILE__, __LINE__); \
  } while (false)

namespace roci::fuzz::detail {

[[noreturn]] void check_failed(const char* cond, std::string_view what, const char* file, int line);

// True when `text` is one JSON document. With strict_utf8 false, invalid UTF-8 inside strings is
// tolerated (structure only).
bool is_json(std::string_view text, bool strict_utf8);

// A parser's rejection: kInvalidRequest with a message, and the dialect's 400 body for it
// (`render_body`) is UTF-8 JSON. `parser` names the parser in the failure message.
void check_rejection(const Error& e, std::string_view parser,
                     std::string (*render_body)(const Error&));

// The OpenAI dialect's 400 body for a rejection.
std::string openai_error_body(const Error& e);

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A small deterministic generator seeded from the input (split positions, modes).
class InputRng {
 public:
  explicit InputRng(std::string_view input);
  std::uint64_t next();
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

}  // namespace roci::fuzz::detail
