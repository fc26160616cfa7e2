// Helpers shared by the benchmark and soak clients (roci-bench, roci-soak): clock, arguments,
// request building, one keep-alive HTTP/1.1 exchange over Asio, and /proc sampling. Requests and
// responses are framed by the tests' http_wire.h (ResponseFramer, SseSplitter, request_text).
//
//   Args args = parse_args(argc, argv, 2);               // --key value ... [-- rest]
//   std::string req = make_post(port, "/v1/chat/completions", read_file(args.need("body")));
//   int status = co_await exchange(sock, endpoint_for(port), req, buf, on_body);
//   if (status < 0) std::puts(exchange_error_name(status));
//
// Everything here talks to 127.0.0.1 only and exits the process (die) on a usage error.
#pragma once

#include "support/http_wire.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <errno.h>
#include <sys/resource.h>
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace roci::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using testing::ResponseFramer;
using testing::SseSplitter;

// The load clients read every response through one framer without keeping its headers.
inline constexpr ResponseFramer::Options kFraming{.keep_headers = false};

// True when `line` starts with `name` (lower case), ignoring the case of `line`.
inline bool iequals_prefix(std::string_view line, std::string_view name) {
  return line.size() >= name.size() && testing::iequals(line.substr(0, name.size()), name);
}

// CLOCK_MONOTONIC is shared by all processes on the machine: the upstream's stamps and the
// client's arrival times are comparable.
inline std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] inline void die(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, why.c_str());
  std::exit(1);
}

struct Args {
  std::map<std::string, std::string> values;
  std::vector<std::string> rest;  // after "--"

  std::string get(const std::string& key, const std::string& fallback = {}) const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
  std::string need(const std::string& key) const {
    auto it = values.find(key);
    if (it == values.end()) die("missing --" + key);
    return it->second;
  }
  double num(const std::string& key, double fallback) const {
    auto it = values.find(key);
    if (it == values.end()) return fallback;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0') die("--" + key + " needs a number");
    return v;
  }
};

inline Args parse_args(int argc, char** argv, int from) {
  Args args;
  for (int i = from; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (int j = i + 1; j < argc; ++j) args.rest.emplace_back(argv[j]);
      break;
    }
    if (!a.starts_with("--") || i + 1 >= argc) die("bad argument " + a);
    args.values[a.substr(2)] = argv[++i];
  }
  return args;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string make_post(unsigned port, std::string_view path, std::string_view body) {
  return testing::request_text("POST", path, body,
                               {{"Host", "127.0.0.1:" + std::to_string(port)},
                                {"Content-Type", "application/json"},
                                {"Accept", "*/*"}});
}

inline void raise_nofile() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

inline std::int64_t percentile(std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return -1;
  const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  return sorted[static_cast<std::size_t>(rank + 0.5)];
}

inline std::string us(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(ns) / 1000.0);
  return buf;
}

inline const tcp::endpoint& endpoint_for(unsigned port) {
  static tcp::endpoint ep;
  ep = tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(port));
  return ep;
}

// Why an exchange() failed (its negative return values).
inline constexpr int kConnectFailed = -1;  // connect refused or timed out
inline constexpr int kWriteFailed = -2;    // the request could not be written (reset)
inline constexpr int kReadFailed = -3;     // reset or closed before the response was complete
inline constexpr int kMalformed = -4;      // not a response this parser understands

inline const char* exchange_error_name(int status) {
  switch (status) {
    case kConnectFailed:
      return "connect failed";
    case kWriteFailed:
      return "write failed (connection reset)";
    case kReadFailed:
      return "connection closed before the response ended";
    case kMalformed:
      return "malformed response";
    default:
      return "unknown";
  }
}

// One keep-alive HTTP/1.1 exchange: writes `request`, reads one response. on_body sees the
// de-chunked body. Returns the status, or one of the negative causes above. `sock` is
// (re)connected when closed.
template <class OnBody>
inline asio::awaitable<int> exchange(tcp::socket& sock, const tcp::endpoint& ep,
                                     const std::string& request, std::vector<char>& buf,
                                     OnBody&& on_body) {
  error_code ec;
  if (!sock.is_open()) {
    co_await sock.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      sock.close(ec);
      co_return kConnectFailed;
    }
    sock.set_option(tcp::no_delay(true), ec);
  }
  co_await asio::async_write(sock, asio::buffer(request),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    sock.close(ec);
    co_return kWriteFailed;
  }
  ResponseFramer parser(kFraming);
  for (;;) {
    const std::size_t n = co_await sock.async_read_some(
        asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (parser.on_eof() == ResponseFramer::Status::kDone) {
        sock.close(ec);
        co_return parser.status();
      }
      sock.close(ec);
      co_return kReadFailed;
    }
    std::size_t used = 0;
    const auto st = parser.feed(buf.data(), n, &used, on_body);
    if (st == ResponseFramer::Status::kError ||
        (st == ResponseFramer::Status::kDone && used != n)) {
      sock.close(ec);
      co_return kMalformed;
    }
    if (st == ResponseFramer::Status::kDone) {
      if (!parser.keep_alive()) sock.close(ec);
      co_return parser.status();
    }
  }
}

// VmRSS of the pids (comma-separated), summed, in KiB.
inline long rss_kb(const std::string& pids) {
  long total = 0;
  std::stringstream ss(pids);
  for (std::string pid; std::getline(ss, pid, ',');) {
    if (pid.empty()) continue;
    std::ifstream in("/proc/" + pid + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("VmRSS:")) total += std::strtol(line.c_str() + 6, nullptr, 10);
    }
  }
  return total;
}

// Open file descriptors of the pids, summed (sockets still held by the proxy).
inline long open_fds(const std::string& pids) {
  long total = 0;
  std::stringstream ss(pids);
  for (std::string pid; std::getline(ss, pid, ',');) {
    if (pid.empty()) continue;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/" + pid + "/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
      ++total;
    }
  }
  return total;
}

}  // namespace roci::bench
