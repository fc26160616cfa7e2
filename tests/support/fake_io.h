// Socket helpers and response-head rendering for the fake upstreams' server core.
//
// Every wait races the peer: sleep_unless_closed() returns early when the client closes the
// socket (EOF or RST, seen through async_wait(wait_read) + MSG_PEEK), which is how the fakes
// notice a cancellation before the first byte or between tokens.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "support/fake_internal.h"

namespace roci::testing::detail {

using Tcp = boost::asio::ip::tcp;

// Waits `duration`; true when the peer closed the connection first.
boost::asio::awaitable<bool> sleep_unless_closed(Tcp::socket& socket,
                                                 std::chrono::steady_clock::duration duration);
// Waits until the peer closes (or the fake stops).
boost::asio::awaitable<void> wait_until_closed(Tcp::socket& socket);
// Waits up to `duration` for the socket to become readable (data or EOF); false on timeout.
boost::asio::awaitable<bool> wait_readable(Tcp::socket& socket,
                                           std::chrono::steady_clock::duration duration);
// Writes everything; false when the peer is gone.
boost::asio::awaitable<bool> write_all(Tcp::socket& socket, std::string_view bytes);
// Closes gracefully (FIN), or abortively (RST) when `reset`.
void close_socket(Tcp::socket& socket, bool reset);

struct HeadSpec {
  unsigned status = 200;
  std::string_view content_type;
  std::optional<std::size_t> content_length;  // nullopt: Transfer-Encoding: chunked
  std::string_view body;                      // for the ETag (Express, non-stream only)
  bool stream = false;
  bool keep_alive = true;
  const std::vector<std::pair<std::string, std::string>>* extra_headers = nullptr;
};
// The status line and headers, in the style of the mode's real server (Express for LM Studio).
std::string render_head(const FakeOptions& options, const HeadSpec& spec);

// One chunk of a chunked body: "<hex>\r\n<bytes>\r\n".
std::string chunk_frame(std::string_view bytes);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace roci::testing::detail
