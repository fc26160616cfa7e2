#include "server/observability/logging.h"

#include "openai_wire/json_writer.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

namespace roci::server {
namespace {

using namespace openai_wire::json_literals;

constexpr std::string_view kAccessLogger = "access";
constexpr std::string_view kRequestLogger = "request";

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    default:
      return "critical";
  }
}

// "2026-12-04T09:51:14.123Z"
void append_utc_time(std::string& out, spdlog::log_clock::time_point when) {
  const auto since_epoch = when.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs);
  const std::time_t t = secs.count();
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, static_cast<int>(millis.count()));
  out.append(buf, static_cast<std::size_t>(n));
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing log
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// The one sink: text through spdlog's pattern formatter, or a JSON object per line.
class GatewaySink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  GatewaySink() { set_pattern_("%Y-%m-%dT%H:%M:%S.%e%z %l %v"); }
  ~GatewaySink() override {
    if (fd_ != STDERR_FILENO) ::close(fd_);
  }

  // Opens `path` ("" for stderr) first; on failure nothing changes.
  std::string reopen(const std::string& path, bool json) {
    int fd = STDERR_FILENO;
    if (!path.empty()) {
      fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
      if (fd < 0) return "cannot open \"" + path + "\" for appending: " + std::strerror(errno);
    }
    std::lock_guard lock(mutex_);
    if (fd_ != STDERR_FILENO) ::close(fd_);
    fd_ = fd;
    json_ = json;
    return "";
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    line_.clear();
    if (json_) {
      format_json(msg);
    } else {
      spdlog::memory_buf_t formatted;
      formatter_->format(msg, formatted);
      line_.append(formatted.data(), formatted.size());
    }
    write_all(fd_, line_.data(), line_.size());
  }
  void flush_() override {}

 private:
  void format_json(const spdlog::details::log_msg& msg) {
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    std::string_view payload(msg.payload.data(), msg.payload.size());
    time_.clear();
    append_utc_time(time_, msg.time);
    openai_wire::JsonWriter w(line_);
    w.begin_object();
    w.key("time"_js).string(time_);
    w.key("level"_js).string(level_name(msg.level));
    if (logger == kAccessLogger && payload.starts_with('"')) {
      w.members(payload);  // JSON members built by access_log.cc (a text line: after a reload)
    } else {
      if (logger == kRequestLogger && payload.starts_with("id=")) {
        const auto space = payload.find(' ');
        const std::string_view id =
            payload.substr(3, space == payload.npos ? payload.npos : space - 3);
        w.key("request_id"_js).string(id);
        payload = space == payload.npos ? std::string_view() : payload.substr(space + 1);
      }
      w.key("msg"_js).string(payload);
    }
    w.end_object();
    line_.push_back('\n');
  }

  int fd_ = STDERR_FILENO;
  bool json_ = false;
  std::string line_;  // reused: no allocation per line once grown
  std::string time_;
};

struct Loggers {
  std::shared_ptr<GatewaySink> sink;
  std::shared_ptr<spdlog::logger> main, access, request;
};

std::mutex g_configure_mutex;
Loggers g_loggers;  // set once, never replaced (raw pointers to them stay valid)
std::atomic<spdlog::logger*> g_access{nullptr};
std::atomic<spdlog::logger*> g_request{nullptr};
std::atomic<bool> g_json{false};

}  // namespace

std::string configure_logging(const config::LogSection& log) {
  std::lock_guard lock(g_configure_mutex);
  const bool json = log.format == "json";
  const bool first = g_loggers.sink == nullptr;
  auto sink = first ? std::make_shared<GatewaySink>() : g_loggers.sink;
  if (auto why = sink->reopen(log.file, json); !why.empty()) return why;
  const auto level = spdlog::level::from_str(log.level == "warn" ? "warning" : log.level);
  if (first) {
    g_loggers.sink = sink;
    g_loggers.main = std::make_shared<spdlog::logger>("inference-server", sink);
    g_loggers.access = std::make_shared<spdlog::logger>(std::string(kAccessLogger), sink);
    g_loggers.request = std::make_shared<spdlog::logger>(std::string(kRequestLogger), sink);
    spdlog::set_default_logger(g_loggers.main);
    g_access.store(g_loggers.access.get());
    g_request.store(g_loggers.request.get());
  }
  g_json.store(json, std::memory_order_relaxed);
  for (auto* logger : {g_loggers.main.get(), g_loggers.access.get(), g_loggers.request.get()}) {
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
  }
  return "";
}

bool json_logs() { return g_json.load(std::memory_order_relaxed); }

spdlog::logger& access_logger() {
  spdlog::logger* logger = g_access.load(std::memory_order_relaxed);
  return logger != nullptr ? *logger : *spdlog::default_logger_raw();
}

spdlog::logger& request_logger() {
  spdlog::logger* logger = g_request.load(std::memory_order_relaxed);
  return logger != nullptr ? *logger : *spdlog::default_logger_raw();
}

}  // namespace roci::server
