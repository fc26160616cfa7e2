// roci-bench: the benchmark's own load clients and paced upstream (used by bench/run and
// bench/callgrind).
//
//   roci-bench freeport                                  # prints a free loopback port
//   roci-bench rate    --port P --rate R --duration S --body FILE [--connections 64]
//   roci-bench paced   --port P --duration S --body FILE [--concurrency 8] [--stagger-ms 0]
//   roci-bench hold    --port P --streams N --body FILE --pids 12,34 [--ramp 2000] [--settle-ms
//   1000]
//                      [--after-ms 2000] [--open-timeout 60]
//   roci-bench upstream --port 0 --token-delay-ms D [--chunks 20] [--model llama3.3]
//   roci-bench startup --port P --body FILE --log FILE -- cmd args...
//   roci-bench count   --port P --requests N --body FILE [--connections 8] [--stream 1]
//
// Every client talks to 127.0.0.1 only, prints one line of key=value results on stdout, and
// exits 0 when the run completed (timings are results, not failures), 1 on a usage error or when
// nothing could be measured. Errors seen during a run (non-2xx, resets, malformed responses,
// streams that ended early) are counted in `errors=`/`non2xx=`; bench/run decides what to do.
//
// rate: open-loop load at a fixed offered rate. Request i is due at start + i/R; a due request
//   goes to an idle keep-alive connection or waits in a backlog. Latency runs from the due time to
//   the last byte of the response, so a slow server cannot hide queueing (no coordinated omission).
// paced: closed-loop streams against a paced upstream whose chunks carry their emit time
//   ("content":"t=<CLOCK_MONOTONIC ns>", written by `roci-bench upstream`). TTFB = request sent ->
//   first SSE data event; chunk latency = arrival - emit, for chunks after the first (one-way, the
//   same clock on one machine). The streams start together and, being alike, stay in step: their
//   requests reach the proxy as one burst and each TTFB includes the work on those before it.
//   --stagger-ms S starts stream i after i*S ms instead, so with S = a stream's length / the
//   concurrency each request finds the proxy between events (the first-byte path on its own).
// hold: opens N streams at --ramp per second, waits until each has received its first event, then
//   samples VmRSS of --pids (summed) --settle-ms later, closes everything and samples again
//   --after-ms later.
// upstream: a minimal LM Studio-like server (GET /v1/models, POST /v1/chat/completions, stream or
//   not) that paces stream chunks at fixed absolute times first + k*D and stamps each one.
// startup: fork+exec cmd, poll-connect the port every 100 us, send one POST; prints the time from
//   fork to the first 2xx response and the child's pid (left running; the caller kills it).
// count: exactly N requests, closed loop (count_client.h; bench/callgrind).
#include "bench_util.h"
#include "count_client.h"
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
// rate

int run_rate(const Args& args) {
  const unsigned port = static_cast<unsigned>(args.num("port", 0));
  const double rate = args.num("rate", 1000);
  const double duration = args.num("duration", 10);
  const int connections = static_cast<int>(args.num("connections", 64));
  const double drain = args.num("drain", 5);
  if (port == 0 || rate <= 0 || duration <= 0 || connections <= 0) die("rate: bad arguments");
  const std::string request =
      make_post(port, args.get("path", "/v1/chat/completions"), read_file(args.need("body")));
  raise_nofile();

  asio::io_context ioc(1);
  const tcp::endpoint ep = endpoint_for(port);
  const std::int64_t period = static_cast<std::int64_t>(1e9 / rate);
  const std::int64_t total = static_cast<std::int64_t>(rate * duration);

  struct Worker {
    explicit Worker(asio::io_context& io) : sock(io), wake(io) {}
    tcp::socket sock;
    asio::steady_timer wake;
    std::vector<char> buf = std::vector<char>(65536);
  };
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < connections; ++i) workers.push_back(std::make_unique<Worker>(ioc));
  std::deque<std::int64_t> backlog;  // due times of requests not yet sent
  std::vector<Worker*> idle;
  std::vector<std::int64_t> latencies;
  latencies.reserve(static_cast<std::size_t>(total));
  std::int64_t ok = 0, non2xx = 0, errors = 0, scheduled = 0;
  bool scheduling_done = false;
  std::int64_t start = 0, last_done = 0;

  auto wake_one = [&] {
    if (!idle.empty()) {
      Worker* w = idle.back();
      idle.pop_back();
      w->wake.cancel();
    }
  };

  auto worker_loop = [&](Worker* w) -> asio::awaitable<void> {
    for (;;) {
      while (backlog.empty()) {
        if (scheduling_done) co_return;
        idle.push_back(w);
        w->wake.expires_at(asio::steady_timer::time_point::max());
        error_code ec;
        co_await w->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      const std::int64_t due = backlog.front();
      backlog.pop_front();
      const int status = co_await exchange(w->sock, ep, request, w->buf, [](std::string_view) {});
      const std::int64_t done = now_ns();
      last_done = done;
      if (status < 0) {
        ++errors;
      } else if (status < 200 || status >= 300) {
        ++non2xx;
      } else {
        ++ok;
        latencies.push_back(done - due);
      }
    }
  };

  auto scheduler = [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(ioc);
    start = now_ns();
    const auto start_tp = std::chrono::steady_clock::now();
    std::int64_t next = 0;
    while (next < total) {
      const std::int64_t due_rel = next * period;
      timer.expires_at(start_tp + std::chrono::nanoseconds(due_rel));
      error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      const std::int64_t now_rel = now_ns() - start;
      while (next < total && next * period <= now_rel) {
        backlog.push_back(start + next * period);
        ++next;
        ++scheduled;
        wake_one();
      }
    }
    scheduling_done = true;
    // Workers still waiting for work must see the end.
    while (!idle.empty()) wake_one();
  };

  // Connect every connection first, so that no measured request pays for a TCP handshake.
  int connected = 0;
  for (auto& w : workers) {
    w->sock.async_connect(ep, [&, sock = &w->sock](const error_code& ec) {
      ++connected;
      if (!ec) {
        error_code ignored;
        sock->set_option(tcp::no_delay(true), ignored);
      } else {
        error_code ignored;
        sock->close(ignored);  // exchange() reconnects it
      }
    });
  }
  ioc.run_for(std::chrono::seconds(5));
  ioc.restart();
  if (connected < connections) die("rate: connections did not complete within 5 s");
  for (auto& w : workers) asio::co_spawn(ioc, worker_loop(w.get()), asio::detached);
  asio::co_spawn(ioc, scheduler(), asio::detached);
  // Bounded in time: the offered duration plus the drain allowance.
  ioc.run_for(std::chrono::nanoseconds(static_cast<std::int64_t>((duration + drain) * 1e9)));
  const std::int64_t unfinished =
      scheduled - ok - non2xx - errors + static_cast<std::int64_t>(total - scheduled);
  for (auto& w : workers) {
    error_code ec;
    w->sock.close(ec);
  }
  std::sort(latencies.begin(), latencies.end());
  const double elapsed = static_cast<double>(std::max<std::int64_t>(last_done - start, 1)) / 1e9;
  std::printf("offered=%.0f sent=%" PRId64 " ok=%" PRId64 " non2xx=%" PRId64 " errors=%" PRId64
              " unfinished=%" PRId64 " achieved=%.0f p50_us=%s p90_us=%s p99_us=%s max_us=%s\n",
              rate, scheduled, ok, non2xx, errors, unfinished, static_cast<double>(ok) / elapsed,
              us(percentile(latencies, 50)).c_str(), us(percentile(latencies, 90)).c_str(),
              us(percentile(latencies, 99)).c_str(),
              us(latencies.empty() ? -1 : latencies.back()).c_str());
  return ok > 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// paced

// Parses the stamp of `"content":"t=<digits>` in an SSE event; -1 when absent.
std::int64_t stamp_of(std::string_view event) {
  const std::size_t at = event.find("\"content\":\"t=");
  if (at == std::string_view::npos) return -1;
  std::int64_t v = 0;
  std::size_t i = at + 13;
  if (i >= event.size() || event[i] < '0' || event[i] > '9') return -1;
  for (; i < event.size() && event[i] >= '0' && event[i] <= '9'; ++i) v = v * 10 + (event[i] - '0');
  return v;
}

int run_paced(const Args& args) {
  const unsigned port = static_cast<unsigned>(args.num("port", 0));
  const double duration = args.num("duration", 5);
  const int concurrency = static_cast<int>(args.num("concurrency", 8));
  const double stagger_ms = args.num("stagger-ms", 0);
  if (port == 0 || duration <= 0 || concurrency <= 0 || stagger_ms < 0) {
    die("paced: bad arguments");
  }
  const std::string request =
      make_post(port, args.get("path", "/v1/chat/completions"), read_file(args.need("body")));

  asio::io_context ioc(1);
  const tcp::endpoint ep = endpoint_for(port);
  std::vector<std::int64_t> ttfb, chunk_latency;
  std::int64_t streams_ok = 0, non2xx = 0, errors = 0, chunks = 0;
  const std::int64_t end = now_ns() + static_cast<std::int64_t>(duration * 1e9);

  auto worker = [&](int index) -> asio::awaitable<void> {
    tcp::socket sock(ioc);
    std::vector<char> buf(65536);
    if (index > 0 && stagger_ms > 0) {
      asio::steady_timer t(
          ioc, std::chrono::microseconds(static_cast<std::int64_t>(index * stagger_ms * 1000)));
      co_await t.async_wait(asio::use_awaitable);
    }
    while (now_ns() < end) {
      SseSplitter sse;
      std::int64_t first = -1;
      bool done_seen = false;
      int events = 0;
      std::vector<std::int64_t> local;
      const std::int64_t sent = now_ns();
      const int status = co_await exchange(sock, ep, request, buf, [&](std::string_view bytes) {
        const std::int64_t arrived = now_ns();
        sse.feed(bytes, [&](std::string_view ev) {
          if (ev.starts_with("data: [DONE]") || ev.starts_with("data:[DONE]")) {
            done_seen = true;
            return;
          }
          if (!ev.starts_with("data:")) return;
          if (first < 0) first = arrived - sent;
          const std::int64_t stamp = stamp_of(ev);
          if (events > 0 && stamp > 0) local.push_back(arrived - stamp);
          ++events;
        });
      });
      if (status < 0) {
        ++errors;
        // Avoid a hot loop against a dead port.
        asio::steady_timer t(ioc, std::chrono::milliseconds(10));
        co_await t.async_wait(asio::use_awaitable);
      } else if (status < 200 || status >= 300) {
        ++non2xx;
      } else if (!done_seen || first < 0) {
        ++errors;
      } else {
        ++streams_ok;
        chunks += events;
        ttfb.push_back(first);
        chunk_latency.insert(chunk_latency.end(), local.begin(), local.end());
      }
    }
    error_code ec;
    sock.close(ec);
  };
  for (int i = 0; i < concurrency; ++i) asio::co_spawn(ioc, worker(i), asio::detached);
  ioc.run_for(std::chrono::nanoseconds(static_cast<std::int64_t>((duration + 30) * 1e9)));
  std::sort(ttfb.begin(), ttfb.end());
  std::sort(chunk_latency.begin(), chunk_latency.end());
  std::printf("streams=%" PRId64 " non2xx=%" PRId64 " errors=%" PRId64 " chunks=%" PRId64
              " stamped=%zu ttfb_p50_us=%s ttfb_p99_us=%s chunk_p50_us=%s chunk_p99_us=%s\n",
              streams_ok, non2xx, errors, chunks, chunk_latency.size(),
              us(percentile(ttfb, 50)).c_str(), us(percentile(ttfb, 99)).c_str(),
              us(percentile(chunk_latency, 50)).c_str(), us(percentile(chunk_latency, 99)).c_str());
  return streams_ok > 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// hold

int run_hold(const Args& args) {
  const unsigned port = static_cast<unsigned>(args.num("port", 0));
  const long streams = static_cast<long>(args.num("streams", 10000));
  const double ramp = args.num("ramp", 2000);
  const double settle_ms = args.num("settle-ms", 1000);
  const double open_timeout = args.num("open-timeout", 60);
  const double after_ms = args.num("after-ms", 2000);
  const std::string pids = args.need("pids");
  if (port == 0 || streams <= 0 || ramp <= 0) die("hold: bad arguments");
  const std::string request =
      make_post(port, args.get("path", "/v1/chat/completions"), read_file(args.need("body")));
  raise_nofile();

  asio::io_context ioc(1);
  const tcp::endpoint ep = endpoint_for(port);
  long opened = 0, failed = 0, ended_early = 0, non2xx = 0;
  bool released = false;
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  sockets.reserve(static_cast<std::size_t>(streams));
  const long rss_before = rss_kb(pids);
  const std::int64_t t0 = now_ns();

  // One coroutine per stream: connect, send, wait for the first data event, then keep reading
  // (and discarding) until released.
  auto stream = [&](tcp::socket* sock) -> asio::awaitable<void> {
    error_code ec;
    co_await sock->async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      ++failed;
      co_return;
    }
    co_await asio::async_write(*sock, asio::buffer(request),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      ++failed;
      co_return;
    }
    ResponseFramer parser(kFraming);
    SseSplitter sse;
    bool first = false;
    std::vector<char> buf(4096);
    for (;;) {
      const std::size_t n = co_await sock->async_read_some(
          asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (released) co_return;
        if (first)
          ++ended_early;
        else
          ++failed;
        co_return;
      }
      std::size_t used = 0;
      const auto st = parser.feed(buf.data(), n, &used, [&](std::string_view bytes) {
        if (first) return;
        sse.feed(bytes, [&](std::string_view ev) {
          if (!first && ev.starts_with("data:")) {
            first = true;
            ++opened;
          }
        });
      });
      if (!parser.in_head() && (parser.status() < 200 || parser.status() >= 300)) {
        if (!first) ++non2xx;
        co_return;
      }
      if (st == ResponseFramer::Status::kError) {
        if (!first) ++failed;
        co_return;
      }
      if (st == ResponseFramer::Status::kDone) {
        if (!released) ++ended_early;
        co_return;
      }
      if (first && buf.size() > 512) buf = std::vector<char>(512);  // room for one small chunk
    }
  };

  auto driver = [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(ioc);
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t period = static_cast<std::int64_t>(1e9 / ramp);
    for (long i = 0; i < streams; ++i) {
      timer.expires_at(start + std::chrono::nanoseconds(i * period));
      co_await timer.async_wait(asio::use_awaitable);
      sockets.push_back(std::make_unique<tcp::socket>(ioc));
      asio::co_spawn(ioc, stream(sockets.back().get()), asio::detached);
    }
  };
  asio::co_spawn(ioc, driver(), asio::detached);
  // Phase 1: wait until every stream is open or has failed, bounded by the ramp plus open_timeout.
  const std::int64_t open_deadline =
      t0 + static_cast<std::int64_t>((static_cast<double>(streams) / ramp + open_timeout) * 1e9);
  while (now_ns() < open_deadline && opened + failed + non2xx + ended_early < streams) {
    ioc.run_for(std::chrono::milliseconds(50));
  }
  const double open_s = static_cast<double>(now_ns() - t0) / 1e9;
  const std::int64_t settle_end = now_ns() + static_cast<std::int64_t>(settle_ms * 1e6);
  while (now_ns() < settle_end) ioc.run_for(std::chrono::milliseconds(20));
  const long rss_open = rss_kb(pids);
  const long fds_open = open_fds(pids);
  const long still_open = opened - ended_early;
  // Phase 2: release: close every client socket; the proxy must cancel its upstream requests.
  released = true;
  for (auto& s : sockets) {
    error_code ec;
    s->shutdown(tcp::socket::shutdown_both, ec);
    s->close(ec);
  }
  const std::int64_t after_end = now_ns() + static_cast<std::int64_t>(after_ms * 1e6);
  while (now_ns() < after_end) ioc.run_for(std::chrono::milliseconds(50));
  const long rss_after = rss_kb(pids);
  const long fds_after = open_fds(pids);
  std::printf(
      "streams=%ld opened=%ld open_at_sample=%ld failed=%ld non2xx=%ld ended_early=%ld"
      " open_s=%.2f rss_before_kb=%ld rss_open_kb=%ld rss_after_close_kb=%ld"
      " fds_open=%ld fds_after_close=%ld\n",
      streams, opened, still_open, failed, non2xx, ended_early, open_s, rss_before, rss_open,
      rss_after, fds_open, fds_after);
  return opened > 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// startup

int run_startup(const Args& args) {
  const unsigned port = static_cast<unsigned>(args.num("port", 0));
  const double timeout = args.num("timeout", 20);
  if (port == 0 || args.rest.empty()) die("startup: need --port and -- cmd");
  const std::string request =
      make_post(port, args.get("path", "/v1/chat/completions"), read_file(args.need("body")));
  const std::string log = args.need("log");

  const std::int64_t t0 = now_ns();
  const pid_t child = fork();
  if (child < 0) die("fork failed");
  if (child == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<char*> argv;
    for (const auto& a : args.rest) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::int64_t deadline = t0 + static_cast<std::int64_t>(timeout * 1e9);
  std::int64_t listen_at = -1;
  int last_status = 0;
  while (now_ns() < deadline) {
    int status_code = 0;
    if (waitpid(child, &status_code, WNOHANG) == child) {
      std::printf("pid=%d exited=1 startup_us=-1\n", child);
      return 1;
    }
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd);
      usleep(100);
      continue;
    }
    if (listen_at < 0) listen_at = now_ns() - t0;
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bool done = false;
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      ResponseFramer parser(kFraming);
      char buf[16384];
      for (;;) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
          if (parser.on_eof() == ResponseFramer::Status::kDone) done = true;
          break;
        }
        std::size_t used = 0;
        const auto st =
            parser.feed(buf, static_cast<std::size_t>(n), &used, [](std::string_view) {});
        if (st == ResponseFramer::Status::kError) break;
        if (st == ResponseFramer::Status::kDone) {
          done = true;
          break;
        }
      }
      last_status = parser.status();
    }
    close(fd);
    if (done && last_status >= 200 && last_status < 300) {
      const std::int64_t served = now_ns() - t0;
      std::printf("pid=%d listen_us=%s startup_us=%s status=%d\n", child, us(listen_at).c_str(),
                  us(served).c_str(), last_status);
      return 0;
    }
    usleep(1000);  // listening but not serving yet (e.g. 503 while warming up)
  }
  std::printf("pid=%d listen_us=%s startup_us=-1 status=%d\n", child, us(listen_at).c_str(),
              last_status);
  return 1;
}

int run_freeport() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("bind failed");
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("%u\n", static_cast<unsigned>(ntohs(addr.sin_port)));
  close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    die("usage: roci-bench freeport|rate|paced|hold|upstream|startup|count [--key value ...]");
  signal(SIGPIPE, SIG_IGN);
  const std::string cmd = argv[1];
  const Args args = parse_args(argc, argv, 2);
  try {
    if (cmd == "freeport") return run_freeport();
    if (cmd == "rate") return run_rate(args);
    if (cmd == "paced") return run_paced(args);
    if (cmd == "hold") return run_hold(args);
    if (cmd == "upstream") return run_paced_upstream(args);
    if (cmd == "startup") return run_startup(args);
    if (cmd == "count") return run_count(args);
  } catch (const std::exception& e) {
    die(e.what());
  }
  die("unknown command " + cmd);
}
