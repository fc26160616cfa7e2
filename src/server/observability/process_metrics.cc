#include "server/observability/process_metrics.h"

#include "roci_version.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace roci::server {
namespace {

std::string read_text(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> boot_time() {
  const std::string stat = read_text("/proc/stat");
  const auto pos = stat.find("\nbtime ");
  if (pos == std::string::npos) return std::nullopt;
  const auto begin = pos + 7;
  const auto end = stat.find('\n', begin);
  auto v = number<std::uint64_t>(std::string_view(stat).substr(begin, end - begin));
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

std::int64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  std::int64_t n = 0;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory's own descriptor
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            std::string_view value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(value).append("\n");
}

std::string text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string quoted(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<ProcessStats> parse_proc_stat(std::string_view stat, long clock_ticks, long page_size,
                                            double boot) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields follow the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || clock_ticks <= 0) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    const auto begin = rest.find_first_not_of(" \n");
    if (begin == std::string_view::npos) break;
    const auto end = rest.find_first_of(" \n", begin);
    fields.push_back(rest.substr(begin, end - begin));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  if (fields.size() < 22) return std::nullopt;
  // Field n (1-based, man 5 proc) is fields[n - 3].
  const auto utime = number<std::uint64_t>(fields[14 - 3]);
  const auto stime = number<std::uint64_t>(fields[15 - 3]);
  const auto start = number<std::uint64_t>(fields[22 - 3]);
  const auto vsize = number<std::uint64_t>(fields[23 - 3]);
  const auto rss = number<std::int64_t>(fields[24 - 3]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  ProcessStats s;
  s.cpu_seconds = static_cast<double>(*utime + *stime) / static_cast<double>(clock_ticks);
  s.virtual_bytes = *vsize;
  s.resident_bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(*rss, 0)) *
                     static_cast<std::uint64_t>(page_size);
  s.start_time_seconds = boot + static_cast<double>(*start) / static_cast<double>(clock_ticks);
  return s;
}

BuildInfo parse_version_string(std::string_view t) {
  BuildInfo info;
  const auto space = t.find(' ');
  info.version = std::string(t.substr(0, space));
  const auto git = t.find("(git ");
  if (git != std::string_view::npos) {
    const auto end = t.find(')', git);
    info.revision =
        std::string(t.substr(git + 5, end == std::string_view::npos ? end : end - git - 5));
  }
  return info;
}

void append_process_metrics(std::string& out) {
  const std::string stat = read_text("/proc/self/stat");
  const auto boot = boot_time();
  if (auto s = parse_proc_stat(stat, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE),
                               boot.value_or(0))) {
    family(out, "process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.", text(s->cpu_seconds));
    family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           std::to_string(s->resident_bytes));
    family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           std::to_string(s->virtual_bytes));
    if (boot) {
      family(out, "process_start_time_seconds", "gauge",
             "Start time of the process since unix epoch in seconds.", text(s->start_time_seconds));
    }
  }
  if (const std::int64_t fds = count_open_fds(); fds >= 0) {
    family(out, "process_open_fds", "gauge", "Number of open file descriptors.",
           std::to_string(fds));
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           std::to_string(limit.rlim_cur));
  }
  const BuildInfo build = parse_version_string(roci::apps::kVersion);
  out.append("# HELP roci_build_info Always 1; the labels say which build runs.\n");
  out.append("# TYPE roci_build_info gauge\n");
  out.append("roci_build_info{version=\"")
      .append(quoted(build.version))
      .append("\",revision=\"")
      .append(quoted(build.revision))
      .append("\"} 1\n");
}

}  // namespace roci::server
