// roci-soak: a long closed-loop run against a gateway that is already listening, looking for
// leaks (bench/soak starts everything and calls it).
//
//   roci-soak --port P --pid PID --body FILE --stream-body FILE
//             [--requests 1000000] [--streams 100000] [--connections 64]
//             [--max-seconds 1200] [--sample-ms 1000] [--warmup 0.1] [--settle-ms 3000]
//
// Phase 1 sends --requests non-streaming requests, phase 2 --streams streaming ones (each read to
// its end: a stream counts as ok only when it ends with `data: [DONE]` and carried no error
// event), over --connections keep-alive connections, each phase bounded by its share of
// --max-seconds. Every --sample-ms it samples the gateway's (--pid) VmRSS and open descriptors.
//
// Memory growth of a phase = RSS at its end / RSS once --warmup of it was done, minus 1 (the goal
// is < 5%). Leaked descriptors = open fds after everything closed and --settle-ms passed, minus the
// fds before the first request (connections pooled towards the upstream must have expired by then:
// give the gateway a keep-alive shorter than --settle-ms). Every failure is counted by its cause:
// the HTTP status with the error's `code` (or `type`), or the transport failure.
//
// Prints one line per sample, a summary, and a final `soak ...` key=value line. Exits 0 when both
// phases completed every request without a failure and no descriptor leaked, 1 otherwise (or on
// a usage error). Memory growth is reported, not asserted.
#include "bench_util.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace roci::bench;  // NOLINT(google-build-using-namespace): the tool's own helpers

namespace {

struct Sample {
  double seconds = 0;  // since the phase started
  long done = 0;       // requests finished so far in the phase
  long rss_kb = 0;
  long fds = 0;
};

struct PhaseResult {
  std::string name;
  long wanted = 0;
  long done = 0;
  long ok = 0;
  double seconds = 0;
  bool timed_out = false;
  std::map<std::string, long> failures;  // cause -> count
  std::vector<Sample> samples;
  long rss_warm_kb = 0;
  long rss_end_kb = 0;
};

// `"code":"model_not_found"` -> model_not_found; falls back to "type", then to nothing.
std::string error_code_of(std::string_view body) {
  for (std::string_view key : {"\"code\":\"", "\"type\":\""}) {
    const auto at = body.find(key);
    if (at == std::string_view::npos) continue;
    const auto from = at + key.size();
    const auto to = body.find('"', from);
    if (to != std::string_view::npos && to - from <= 64)
      return std::string(body.substr(from, to - from));
  }
  return {};
}

struct Soak {
  unsigned port = 0;
  std::string pid;
  int connections = 64;
  double warmup = 0.1;
  std::int64_t sample_ns = 1'000'000'000;

  // Runs `count` requests (streaming when `stream`) for at most `max_seconds`.
  PhaseResult run_phase(const std::string& name, const std::string& request, long count,
                        bool stream, double max_seconds) {
    PhaseResult r;
    r.name = name;
    r.wanted = count;
    asio::io_context ioc(1);
    long issued = 0;
    const std::int64_t start = now_ns();
    const std::int64_t deadline = start + static_cast<std::int64_t>(max_seconds * 1e9);
    const long warm_at = std::max(1L, static_cast<long>(static_cast<double>(count) * warmup));
    bool stop = false;
    int active = connections;

    auto record = [&](std::string cause) {
      ++r.done;
      if (cause.empty()) {
        ++r.ok;
      } else {
        ++r.failures[std::move(cause)];
      }
      if (r.done == warm_at) r.rss_warm_kb = rss_kb(pid);
    };

    auto worker = [&]() -> asio::awaitable<void> {
      tcp::socket sock(ioc);
      std::vector<char> buf(64 * 1024);
      std::string body;
      while (!stop && issued < count) {
        if (now_ns() > deadline) {
          r.timed_out = true;
          break;
        }
        ++issued;
        body.clear();
        const int status =
            co_await exchange(sock, endpoint_for(port), request, buf, [&](std::string_view bytes) {
              // Non-2xx bodies are small; of a stream keep
              // only what the checks below need.
              if (body.size() < 4096) body.append(bytes);
              if (stream && body.size() >= 4096) {
                body.erase(0, body.size() - 256);
              }
            });
        if (status < 0) {
          record(exchange_error_name(status));
        } else if (status < 200 || status >= 300) {
          const std::string code = error_code_of(body);
          record("HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code));
        } else if (stream && body.find("data: {\"error\"") != std::string::npos) {
          record("stream error event: " + error_code_of(body));
        } else if (stream && body.find("data: [DONE]") == std::string::npos) {
          record("stream ended without [DONE]");
        } else {
          record({});
        }
      }
      error_code ignored;
      sock.close(ignored);
      --active;
    };

    auto sampler = [&]() -> asio::awaitable<void> {
      asio::steady_timer timer(ioc);
      while (active > 0) {
        timer.expires_after(std::chrono::nanoseconds(sample_ns));
        error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        Sample s{static_cast<double>(now_ns() - start) / 1e9, r.done, rss_kb(pid), open_fds(pid)};
        r.samples.push_back(s);
        std::printf("  %-7s t=%6.1fs done=%8ld rss=%7.1f MB fds=%5ld\n", name.c_str(), s.seconds,
                    s.done, static_cast<double>(s.rss_kb) / 1024, s.fds);
        std::fflush(stdout);
        if (now_ns() > deadline) stop = true;
        // A request that never ends (a hung gateway) must not hang the soak.
        if (now_ns() > deadline + 30'000'000'000) {
          r.timed_out = true;
          ioc.stop();
        }
      }
    };

    for (int i = 0; i < connections; ++i) asio::co_spawn(ioc, worker(), asio::detached);
    asio::co_spawn(ioc, sampler(), asio::detached);
    // The sampler ends on its next tick once every worker is done.
    ioc.run();
    r.seconds = static_cast<double>(now_ns() - start) / 1e9;
    r.rss_end_kb = rss_kb(pid);
    if (r.rss_warm_kb == 0) r.rss_warm_kb = r.rss_end_kb;
    return r;
  }
};

double growth_percent(const PhaseResult& r) {
  if (r.rss_warm_kb <= 0) return 0;
  return 100.0 * (static_cast<double>(r.rss_end_kb) / static_cast<double>(r.rss_warm_kb) - 1.0);
}

void print_phase(const PhaseResult& r) {
  std::printf(
      "%-7s %8ld/%-8ld ok=%-8ld %7.1f s %8.0f/s  rss warm %.1f MB -> end %.1f MB (%+.1f%%)%s\n",
      r.name.c_str(), r.done, r.wanted, r.ok, r.seconds,
      static_cast<double>(r.done) / std::max(r.seconds, 1e-9),
      static_cast<double>(r.rss_warm_kb) / 1024, static_cast<double>(r.rss_end_kb) / 1024,
      growth_percent(r), r.timed_out ? "  (stopped at its time bound)" : "");
  for (const auto& [cause, n] : r.failures) std::printf("        %8ld x %s\n", n, cause.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv, 1);
  Soak soak;
  soak.port = static_cast<unsigned>(args.num("port", 0));
  soak.pid = args.need("pid");
  soak.connections = static_cast<int>(args.num("connections", 64));
  soak.warmup = args.num("warmup", 0.1);
  soak.sample_ns = static_cast<std::int64_t>(args.num("sample-ms", 1000) * 1e6);
  const long requests = static_cast<long>(args.num("requests", 1'000'000));
  const long streams = static_cast<long>(args.num("streams", 100'000));
  const double max_seconds = args.num("max-seconds", 1200);
  const double settle_ms = args.num("settle-ms", 3000);
  if (soak.port == 0 || soak.connections <= 0 || requests < 0 || streams < 0 || max_seconds <= 0 ||
      soak.warmup < 0 || soak.warmup >= 1 || soak.sample_ns <= 0) {
    die("bad arguments (see the comment at the top of roci_soak.cc)");
  }
  raise_nofile();
  const std::string plain =
      make_post(soak.port, "/v1/chat/completions", read_file(args.need("body")));
  const std::string stream =
      make_post(soak.port, "/v1/chat/completions", read_file(args.need("stream-body")));

  const long fds_before = open_fds(soak.pid);
  const long rss_before = rss_kb(soak.pid);
  std::printf("gateway pid %s: %ld fds, %.1f MB RSS before the first request\n", soak.pid.c_str(),
              fds_before, static_cast<double>(rss_before) / 1024);
  // Time bound split by the expected cost: a stream is roughly five requests' work.
  const double weight_plain = static_cast<double>(requests);
  const double weight_stream = 5.0 * static_cast<double>(streams);
  const double total = std::max(weight_plain + weight_stream, 1.0);
  std::vector<PhaseResult> phases;
  if (requests > 0) {
    phases.push_back(
        soak.run_phase("plain", plain, requests, false, max_seconds * weight_plain / total));
  }
  if (streams > 0) {
    phases.push_back(
        soak.run_phase("stream", stream, streams, true, max_seconds * weight_stream / total));
  }
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(settle_ms));
  const long fds_after = open_fds(soak.pid);
  const long rss_after = rss_kb(soak.pid);

  std::printf("\n");
  long failures = 0;
  bool complete = true;
  for (const auto& r : phases) {
    print_phase(r);
    failures += r.done - r.ok;
    complete = complete && r.done == r.wanted;
  }
  std::printf(
      "idle after %.1f s: %ld fds (before: %ld, leaked: %ld), %.1f MB RSS (before: %.1f MB)\n",
      settle_ms / 1000, fds_after, fds_before, std::max(0L, fds_after - fds_before),
      static_cast<double>(rss_after) / 1024, static_cast<double>(rss_before) / 1024);
  std::printf("soak requests=%ld streams=%ld failures=%ld complete=%d fds_before=%ld fds_after=%ld",
              phases.empty() ? 0 : phases[0].done, streams > 0 ? phases.back().done : 0, failures,
              complete ? 1 : 0, fds_before, fds_after);
  for (const auto& r : phases) {
    std::printf(" %s_rss_growth_pct=%.1f %s_per_s=%.0f", r.name.c_str(), growth_percent(r),
                r.name.c_str(), static_cast<double>(r.done) / std::max(r.seconds, 1e-9));
  }
  std::printf(" idle_rss_mb=%.1f\n", static_cast<double>(rss_after) / 1024);
  return failures == 0 && complete && fds_after <= fds_before ? 0 : 1;
}
