#include "server/observability/fleet_metrics.h"

#include "server/observability/metrics.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <type_traits>

namespace roci::server {
namespace {

template <class Value>
void family(std::string& out, const fleet::FleetSnapshot& snapshot, std::string_view name,
            std::string_view type, std::string_view help,
            const std::function<Value(const fleet::BackendSnapshot&)>& value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  for (const auto& b : snapshot.backends) {
    out.append(name).append("{backend=\"").append(escape_label_value(b.name)).append("\"} ");
    if constexpr (std::is_floating_point_v<Value>) {
      char buf[32];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value(b));
      out.append(buf, end);
    } else {
      out.append(std::to_string(value(b)));
    }
    out.append("\n");
  }
}

}  // namespace

std::string render_fleet_metrics(const fleet::FleetSnapshot& snapshot) {
  using B = fleet::BackendSnapshot;
  std::string out;
  family<std::uint64_t>(out, snapshot, "roci_backend_requests_total", "counter",
                        "Requests sent to the backend (each failover attempt counts).",
                        [](const B& b) { return b.counters.requests; });
  family<std::int64_t>(out, snapshot, "roci_backend_in_flight", "gauge",
                       "Requests in flight to the backend.",
                       [](const B& b) { return std::int64_t{b.in_flight}; });
  family<std::int64_t>(out, snapshot, "roci_backend_queue_length", "gauge",
                       "Requests waiting for the backend.",
                       [](const B& b) { return std::int64_t{b.queued}; });
  family<std::int64_t>(out, snapshot, "roci_backend_up", "gauge",
                       "1 while the backend is usable (reachable, circuit closed).",
                       [](const B& b) { return std::int64_t{b.usable ? 1 : 0}; });
  family<std::uint64_t>(out, snapshot, "roci_backend_loads_started_total", "counter",
                        "Model loads roci caused on the backend (explicit or by a first request).",
                        [](const B& b) { return b.counters.loads_started; });
  out.append("# HELP roci_backend_load_duration_seconds Duration of finished model loads.\n");
  out.append("# TYPE roci_backend_load_duration_seconds summary\n");
  for (const auto& b : snapshot.backends) {
    const std::string label = "{backend=\"" + escape_label_value(b.name) + "\"} ";
    char buf[32];
    const double seconds = std::chrono::duration<double>(b.counters.load_time_total).count();
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, seconds);
    out.append("roci_backend_load_duration_seconds_sum").append(label).append(buf, end);
    out.append("\nroci_backend_load_duration_seconds_count").append(label);
    out.append(std::to_string(b.counters.loads_finished)).append("\n");
  }
  family<std::uint64_t>(out, snapshot, "roci_backend_failovers_total", "counter",
                        "Requests that left the backend for another before their first byte.",
                        [](const B& b) { return b.counters.failovers; });
  family<std::uint64_t>(out, snapshot, "roci_backend_circuit_opens_total", "counter",
                        "Times the backend's circuit opened (it failed and got no traffic).",
                        [](const B& b) { return b.counters.circuit_opens; });
  return out;
}

}  // namespace roci::server
