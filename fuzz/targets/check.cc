#include "targets/check.h"

#include "openai_wire/downstream_codec.h"

#include <boost/json/parser.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace roci::fuzz::detail {

void check_failed(const char* cond, std::string_view what, const char* file, int line) {
  std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %.*s\n", file, line, cond,
               static_cast<int>(what.size()), what.data());
  std::abort();
}

bool is_json(std::string_view text, bool strict_utf8) {
  try {
    boost::json::parse_options opts;
    opts.max_depth = 1024;
    opts.allow_invalid_utf8 = !strict_utf8;
    boost::json::parser p({}, opts);
    boost::json::error_code ec;
    p.write(text.data(), text.size(), ec);  // the whole input: one complete document or an error
    return !ec;
  } catch (const std::exception&) {
    return false;
  }
}

InputRng::InputRng(std::string_view input) : state_(0xcbf29ce484222325ull) {
  for (unsigned char c : input) state_ = (state_ ^ c) * 0x100000001b3ull;  // FNV-1a
}

std::uint64_t InputRng::next() {  // splitmix64
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void check_rejection(const Error& e, std::string_view parser,
                     std::string (*render_body)(const Error&)) {
  FUZZ_CHECK(e.kind == ErrorKind::kInvalidRequest, std::string(parser) + " rejected with kind " +
                                                       std::string(to_string(e.kind)) + ": " +
                                                       e.message);
  FUZZ_CHECK(!e.message.empty(), std::string(parser) + " rejected without a message");
  const std::string body = render_body(e);
  FUZZ_CHECK(is_json(body, /*strict_utf8=*/true), "400 body is not UTF-8 JSON: " + body);
}

std::string openai_error_body(const Error& e) {
  return openai_wire::encode_error_body(e.message, "invalid_request_error", e.param, e.code);
}

}  // namespace roci::fuzz::detail
