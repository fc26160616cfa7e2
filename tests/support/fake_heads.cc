// Per-mode response heads.
#include "support/fake_heads.h"

#include <boost/beast/http/status.hpp>
#include <cstdio>
#include <ctime>

namespace roci::testing::detail {
namespace {

std::string http_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buffer;
}

// Express's weak ETag shape: W/"<hex length>-<27 base64 characters>" (the hash differs).
std::string express_etag(std::string_view body) {
  static constexpr std::string_view kB64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::uint64_t h1 = 1469598103934665603ull, h2 = 0x9e3779b97f4a7c15ull;
  for (unsigned char c : body) {
    h1 = (h1 ^ c) * 1099511628211ull;
    h2 = (h2 ^ c) * 0x100000001b3ull + (h2 >> 7);
  }
  std::string hash;
  for (int i = 0; i < 27; ++i) {
    const std::uint64_t bits = (i % 2 == 0 ? h1 : h2) >> ((i * 5) % 58);
    hash += kB64[bits % 64];
  }
  char length[32];
  std::snprintf(length, sizeof length, "%zx", body.size());
  return "W/\"" + std::string(length) + "-" + hash + "\"";
}

}  // namespace

std::string render_head(const FakeOptions& options, const HeadSpec& spec) {
  std::string head = "HTTP/1.1 ";
  head += std::to_string(spec.status);
  head += ' ';
  head += boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(spec.status));
  head += "\r\n";
  auto add = [&head](std::string_view name, std::string_view value) {
    head.append(name).append(": ").append(value).append("\r\n");
  };
  const auto length = spec.content_length ? std::to_string(*spec.content_length) : std::string();
  const auto keep_alive_seconds = std::to_string(std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::seconds>(options.keep_alive_timeout).count()));
  switch (options.mode) {
    case FakeMode::kLmStudio:  // Express on Node
      add("X-Powered-By", "Express");
      add("Content-Type", spec.content_type);
      if (spec.stream) add("Cache-Control", "no-cache");
      if (spec.content_length) {
        add("Content-Length", length);
        add("ETag", express_etag(spec.body));
      }
      add("Date", http_date());
      add("Connection", spec.keep_alive ? "keep-alive" : "close");
      if (spec.keep_alive) add("Keep-Alive", "timeout=" + keep_alive_seconds);
      if (!spec.content_length) add("Transfer-Encoding", "chunked");
      break;
    case FakeMode::kOpenAi:
      add("Date", http_date());
      add("Content-Type", spec.content_type);
      if (spec.content_length) add("Content-Length", length);
      if (!spec.content_length) add("Transfer-Encoding", "chunked");
      add("Connection", spec.keep_alive ? "keep-alive" : "close");
      add("openai-version", "2020-10-01");
      add("openai-processing-ms", "42");
      add("access-control-expose-headers", "X-Request-ID");
      break;
    case FakeMode::kLlamaCpp:  // cpp-httplib
      add("Access-Control-Allow-Origin", "");
      if (spec.content_length) add("Content-Length", length);
      add("Content-Type", spec.content_type);
      if (spec.keep_alive) add("Keep-Alive", "timeout=" + keep_alive_seconds + ", max=100");
      if (!spec.keep_alive) add("Connection", "close");
      add("Server", "llama.cpp");
      if (!spec.content_length) add("Transfer-Encoding", "chunked");
      break;
  }
  if (spec.extra_headers) {
    for (const auto& [name, value] : *spec.extra_headers) add(name, value);
  }
  head += "\r\n";
  return head;
}

}  // namespace roci::testing::detail
