// roci-bench upstream: the paced, stamping LM Studio-shaped stream server (see paced_upstream.h).
#include "paced_upstream.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace roci::bench;  // NOLINT(google-build-using-namespace): the tool's own helpers

namespace {

// ---------------------------------------------------------------------------------------------
// upstream

constexpr std::string_view kChunkHead =
    R"({"id":"chatcmpl-paced0000000000000000000","object":"chat.completion.chunk","created":1731990317,"model":")";

struct UpstreamConfig {
  std::int64_t token_delay_ns = 0;
  int chunks = 20;
  std::string model = "llama3.3";
  std::string models_body;
  std::string plain_body;
};

std::string http_head(int status, std::string_view type, std::size_t length, bool chunked) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Not Found") +
                  "\r\nContent-Type: " + std::string(type) + "\r\n";
  if (chunked) {
    h += "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n";
  } else {
    h += "Content-Length: " + std::to_string(length) + "\r\n";
  }
  h += "Connection: keep-alive\r\n\r\n";
  return h;
}

std::string chunk_frame(std::string_view event) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", event.size());
  std::string out = size;
  out += event;
  out += "\r\n";
  return out;
}

std::string content_event(const UpstreamConfig& cfg, int index, std::int64_t stamp) {
  std::string ev = "data: ";
  ev += kChunkHead;
  ev += cfg.model;
  ev += R"(","system_fingerprint":")";
  ev += cfg.model;
  ev += R"(","choices":[{"index":0,"delta":{)";
  if (index == 0) ev += R"("role":"assistant",)";
  ev += R"("content":"t=)";
  ev += std::to_string(stamp);
  ev += R"( "},"logprobs":null,"finish_reason":null}]})";
  ev += "\n\n";
  return ev;
}

std::string tail_events(const UpstreamConfig& cfg, bool usage) {
  std::string out;
  std::string common =
      std::string(kChunkHead) + cfg.model + R"(","system_fingerprint":")" + cfg.model + "\",";
  out += chunk_frame(
      "data: " + common +
      R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})" + "\n\n");
  if (usage) {
    out += chunk_frame("data: " + common +
                       R"("choices":[],"usage":{"prompt_tokens":24,"completion_tokens":)" +
                       std::to_string(cfg.chunks) + R"(,"total_tokens":)" +
                       std::to_string(24 + cfg.chunks) + "}}\n\n");
  }
  out += chunk_frame("data: [DONE]\n\n");
  out += "0\r\n\r\n";
  return out;
}

bool body_flag(std::string_view body, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  const std::size_t at = body.find(quoted);
  if (at == std::string_view::npos) return false;
  std::size_t i = at + quoted.size();
  while (i < body.size() && (body[i] == ' ' || body[i] == ':')) ++i;
  return body.substr(i, 4) == "true";
}

asio::awaitable<void> upstream_session(tcp::socket sock, const UpstreamConfig& cfg) {
  error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  std::string in;
  std::vector<char> buf(65536);
  asio::steady_timer timer(sock.get_executor());
  for (;;) {
    // Read one request: head, then Content-Length bytes of body.
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      const std::size_t n = co_await sock.async_read_some(
          asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec || in.size() > (1u << 20)) co_return;
      in.append(buf.data(), n);
    }
    const std::string_view head(in.data(), head_end + 4);
    std::size_t length = 0;
    bool chunked_request = false;
    for (std::size_t pos = head.find("\r\n") + 2; pos < head.size();) {
      const std::size_t eol = head.find("\r\n", pos);
      if (eol == std::string_view::npos || eol == pos) break;
      const std::string_view line = head.substr(pos, eol - pos);
      if (roci::bench::iequals_prefix(line, "content-length:")) {
        length = std::strtoul(std::string(line.substr(15)).c_str(), nullptr, 10);
      } else if (roci::bench::iequals_prefix(line, "transfer-encoding:")) {
        chunked_request = true;
      }
      pos = eol + 2;
    }
    if (chunked_request || length > (16u << 20)) co_return;  // not needed by any client we test
    while (in.size() < head_end + 4 + length) {
      const std::size_t n = co_await sock.async_read_some(
          asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      in.append(buf.data(), n);
    }
    const std::string first_line(head.substr(0, head.find("\r\n")));
    const std::string body = in.substr(head_end + 4, length);
    in.erase(0, head_end + 4 + length);

    if (first_line.starts_with("GET /v1/models ")) {
      const std::string out =
          http_head(200, "application/json; charset=utf-8", cfg.models_body.size(), false) +
          cfg.models_body;
      co_await asio::async_write(sock, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      continue;
    }
    if (!first_line.starts_with("POST ") ||
        first_line.find("/chat/completions ") == std::string::npos) {
      const std::string msg = R"({"error":"Unexpected endpoint or method."})";
      const std::string out =
          http_head(404, "application/json; charset=utf-8", msg.size(), false) + msg;
      co_await asio::async_write(sock, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      continue;
    }
    if (!body_flag(body, "stream")) {
      const std::string out =
          http_head(200, "application/json; charset=utf-8", cfg.plain_body.size(), false) +
          cfg.plain_body;
      co_await asio::async_write(sock, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      continue;
    }
    const bool usage = body_flag(body, "include_usage");
    std::string out = http_head(200, "text/event-stream", 0, true);
    const auto first = std::chrono::steady_clock::now();
    for (int k = 0; k < cfg.chunks; ++k) {
      if (k > 0) {
        // Absolute schedule: no drift accumulates over the stream.
        timer.expires_at(first + std::chrono::nanoseconds(k * cfg.token_delay_ns));
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      out += chunk_frame(content_event(cfg, k, now_ns()));
      co_await asio::async_write(sock, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      out.clear();
    }
    out = tail_events(cfg, usage);
    co_await asio::async_write(sock, asio::buffer(out),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

int run_upstream(const Args& args) {
  UpstreamConfig cfg;
  cfg.token_delay_ns = static_cast<std::int64_t>(args.num("token-delay-ms", 10) * 1e6);
  cfg.chunks = static_cast<int>(args.num("chunks", 20));
  cfg.model = args.get("model", "llama3.3");
  cfg.models_body = R"({"data":[{"id":")" + cfg.model +
                    R"(","object":"model","owned_by":"organization_owner"}],"object":"list"})";
  cfg.plain_body =
      args.values.count("plain-body")
          ? read_file(args.get("plain-body"))
          : R"({"id":"chatcmpl-paced","object":"chat.completion","created":1731990317,"model":")" +
                cfg.model +
                R"(","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":24,"completion_tokens":1,"total_tokens":25}})";
  raise_nofile();
  signal(SIGPIPE, SIG_IGN);
  asio::io_context ioc(1);
  tcp::acceptor acceptor(ioc);
  const tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"),
                         static_cast<unsigned short>(args.num("port", 0)));
  acceptor.open(ep.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(4096);
  std::printf("listening on 127.0.0.1:%u\n",
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        for (;;) {
          error_code ec;
          tcp::socket s =
              co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
          if (ec) {
            // EMFILE and friends: back off instead of spinning.
            asio::steady_timer t(ioc, std::chrono::milliseconds(10));
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
          }
          asio::co_spawn(ioc, upstream_session(std::move(s), cfg), asio::detached);
        }
      },
      asio::detached);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const error_code&, int) { ioc.stop(); });
  ioc.run();
  return 0;
}

}  // namespace

int run_paced_upstream(const Args& args) { return run_upstream(args); }
