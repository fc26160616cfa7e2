// Socket helpers (peer-close detection, writes, closes) and per-mode response heads.
#include "support/fake_io.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace roci::testing::detail {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

enum class PeekResult { kClosed, kData, kNothing };

PeekResult peek(Tcp::socket& socket) {
  char byte = 0;
  const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return PeekResult::kData;
  if (n == 0) return PeekResult::kClosed;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return PeekResult::kNothing;
  return PeekResult::kClosed;  // ECONNRESET and friends
}

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

asio::awaitable<bool> sleep_unless_closed(Tcp::socket& socket,
                                          std::chrono::steady_clock::duration duration) {
  if (duration <= std::chrono::steady_clock::duration::zero()) co_return false;
  asio::steady_timer timer(socket.get_executor(), duration);
  for (;;) {
    auto result =
        co_await (timer.async_wait(kTuple) || socket.async_wait(Tcp::socket::wait_read, kTuple));
    if (result.index() == 0) co_return false;
    auto [ec] = std::get<1>(result);
    if (ec) co_return true;
    switch (peek(socket)) {
      case PeekResult::kClosed:
        co_return true;
      case PeekResult::kData: {  // a pipelined request: stop watching, just sleep
        co_await timer.async_wait(kTuple);
        co_return false;
      }
      case PeekResult::kNothing:
        break;
    }
  }
}

asio::awaitable<void> wait_until_closed(Tcp::socket& socket) {
  for (;;) {
    auto [ec] = co_await socket.async_wait(Tcp::socket::wait_read, kTuple);
    if (ec) co_return;
    const PeekResult peeked = peek(socket);
    if (peeked == PeekResult::kClosed) co_return;
    if (peeked == PeekResult::kData) {
      // Bytes we will never read: drain them so wait_read does not spin.
      char sink[4096];
      while (::recv(socket.native_handle(), sink, sizeof sink, MSG_DONTWAIT) > 0) {
      }
    }
  }
}

asio::awaitable<bool> wait_readable(Tcp::socket& socket,
                                    std::chrono::steady_clock::duration duration) {
  asio::steady_timer timer(socket.get_executor(), duration);
  auto result =
      co_await (timer.async_wait(kTuple) || socket.async_wait(Tcp::socket::wait_read, kTuple));
  co_return result.index() == 1;
}

asio::awaitable<bool> write_all(Tcp::socket& socket, std::string_view bytes) {
  auto [ec, n] =
      co_await asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()), kTuple);
  co_return !ec;
}

void close_socket(Tcp::socket& socket, bool reset) {
  boost::system::error_code ignored;
  if (!socket.is_open()) return;
  if (reset) {
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
  } else {
    socket.shutdown(Tcp::socket::shutdown_both, ignored);
  }
  socket.close(ignored);
}

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

std::string chunk_frame(std::string_view bytes) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  std::string frame(size);
  frame.append(bytes).append("\r\n");
  return frame;
}

}  // namespace roci::testing::detail
