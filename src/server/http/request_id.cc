#include "server/http/request_id.h"

#include <array>
#include <cstdint>
#include <random>

namespace roci::server {
namespace {

constexpr char kHex[] = "0123456789abcdef";

struct IdState {
  std::array<char, 13> prefix{};  // 12 hex digits + '-'
  std::uint64_t counter = 0;
  IdState() {
    std::random_device rd;
    std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    for (int i = 0; i < 12; ++i) prefix[i] = kHex[(r >> (4 * i)) & 0xf];
    prefix[12] = '-';
  }
};

}  // namespace

std::optional<std::string> sanitize_request_id(std::string_view candidate) {
  if (candidate.empty() || candidate.size() > kMaxRequestIdLength) return std::nullopt;
  for (char c : candidate) {
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;  // printable, no spaces, no controls
  }
  return std::string(candidate);
}

std::string new_request_id() {
  thread_local IdState state;
  std::uint64_t n = ++state.counter;
  char digits[16];
  int len = 0;
  do {
    digits[len++] = kHex[n & 0xf];
    n >>= 4;
  } while (n != 0);
  std::string id;
  id.reserve(state.prefix.size() + len);
  id.append(state.prefix.data(), state.prefix.size());
  while (len > 0) id.push_back(digits[--len]);
  return id;
}

std::string request_id_for(std::string_view header) {
  if (auto id = sanitize_request_id(header)) return std::move(*id);
  return new_request_id();
}

}  // namespace roci::server
