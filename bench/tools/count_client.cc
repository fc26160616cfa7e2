#include "count_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace roci::bench {

namespace {

// The stream's last bytes are enough to find its `data: [DONE]` event.
constexpr std::size_t kTailBytes = 256;

}  // namespace

int run_count(const Args& args) {
  const unsigned port = static_cast<unsigned>(args.num("port", 0));
  const long requests = static_cast<long>(args.num("requests", 0));
  const long connections = static_cast<long>(args.num("connections", 8));
  const bool stream = args.num("stream", 0) != 0;
  const double max_seconds = args.num("max-seconds", 600);
  if (port == 0 || requests <= 0 || connections <= 0 || max_seconds <= 0) {
    die("count: need --port, --body, --requests N > 0 (and --connections, --max-seconds > 0)");
  }
  const std::string request =
      make_post(port, args.get("path", "/v1/chat/completions"), read_file(args.need("body")));
  raise_nofile();

  asio::io_context ioc(1);
  const tcp::endpoint ep = endpoint_for(port);
  long issued = 0, ok = 0, non2xx = 0, errors = 0;
  const std::int64_t start = now_ns();

  auto worker = [&]() -> asio::awaitable<void> {
    tcp::socket sock(ioc);
    std::vector<char> buf(64 * 1024);
    std::string tail;
    while (issued < requests) {
      ++issued;
      tail.clear();
      const int status = co_await exchange(sock, ep, request, buf, [&](std::string_view bytes) {
        if (!stream) return;
        tail.append(bytes);
        if (tail.size() > 2 * kTailBytes) tail.erase(0, tail.size() - kTailBytes);
      });
      if (status < 0) {
        ++errors;
      } else if (status < 200 || status >= 300) {
        ++non2xx;
      } else if (stream && tail.find("data: [DONE]") == std::string::npos) {
        ++errors;
      } else {
        ++ok;
      }
    }
    error_code ec;
    sock.close(ec);
  };
  for (long i = 0; i < std::min(connections, requests); ++i) {
    asio::co_spawn(ioc, worker(), asio::detached);
  }
  ioc.run_for(std::chrono::nanoseconds(static_cast<std::int64_t>(max_seconds * 1e9)));
  const long unfinished = requests - ok - non2xx - errors;
  std::printf("requests=%ld ok=%ld non2xx=%ld errors=%ld unfinished=%ld seconds=%.2f\n", requests,
              ok, non2xx, errors, unfinished, static_cast<double>(now_ns() - start) / 1e9);
  return ok == requests ? 0 : 1;
}

}  // namespace roci::bench
