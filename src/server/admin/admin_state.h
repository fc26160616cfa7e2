// What the web console's handlers share across I/O threads: the recent-request ring, the chart
// series and the gateway's identity. One per Gateway; every WorkerContext points at it.
//
//   AdminState admin({.version = "0.1.0", .config_file = "config/lmstudio.yaml", ...});
//   admin.record(log, "POST");   // session.cc record_request(): the one hook on the request path
//
// Thread-safe: record() takes the ring's and the series' mutex once each (brief, never across
// I/O); the rest is immutable after construction or atomic.
#pragma once

#include "server/admin/event_ring.h"
#include "server/admin/request_series.h"
#include "server/http/request_context.h"

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

namespace roci::server::admin {

inline constexpr std::size_t kEventRingCapacity = 500;

struct AdminOptions {
  std::string version;         // "0.1.0 (git 4c34dfe1a2b3)"
  std::string config_file;     // "" when the defaults and the environment alone configure it
  bool enabled = true;         // ui.enabled: when false record() does nothing
  bool log_content = false;    // ui.log_content
  bool keys_required = false;  // auth.api_keys configured: else loopback peers only
  int threads = 1;
  const std::atomic<bool>* stopping = nullptr;  // the gateway's shutdown flag
  const std::atomic<int>* connections = nullptr;
};

class AdminState {
 public:
  explicit AdminState(AdminOptions options);

  // Any thread, after the request ended: the live feed and the charts.
  void record(const RequestLog& log, std::string_view method);

  EventRing& events() { return events_; }
  const RequestSeries& series() const { return series_; }
  const AdminOptions& options() const { return options_; }
  bool stopping() const {
    return options_.stopping != nullptr && options_.stopping->load(std::memory_order_relaxed);
  }
  int connections() const {
    return options_.connections != nullptr ? options_.connections->load(std::memory_order_relaxed)
                                           : 0;
  }
  std::chrono::steady_clock::duration uptime() const {
    return std::chrono::steady_clock::now() - started_;
  }
  std::int64_t started_unix_ms() const { return started_unix_ms_; }

 private:
  AdminOptions options_;
  EventRing events_{kEventRingCapacity};
  RequestSeries series_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::int64_t started_unix_ms_;
};

// Unix milliseconds now.
std::int64_t unix_ms_now();

}  // namespace roci::server::admin
