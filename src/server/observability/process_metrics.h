// The standard Prometheus process metrics, read from /proc at scrape time (nothing per request):
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds; and roci_build_info.
//
//   std::string out;
//   append_process_metrics(out);     // GET /metrics, after the gateway's own
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roci::server {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  double start_time_seconds = 0;  // Unix time
};

// /proc/self/stat's text -> stats. `boot_time` is /proc/stat's btime (Unix seconds). nullopt when
// the text is not a stat line.
std::optional<ProcessStats> parse_proc_stat(std::string_view stat, long clock_ticks, long page_size,
                                            double boot_time);

// "0.1.0 (git 4c34dfe1a2b3-dirty)" -> {"0.1.0", "4c34dfe1a2b3-dirty"}; no revision: "".
struct BuildInfo {
  std::string version, revision;
};
BuildInfo parse_version_string(std::string_view text);

// Appends the process_* families (those /proc provides) and roci_build_info{version,revision} 1.
void append_process_metrics(std::string& out);

}  // namespace roci::server
