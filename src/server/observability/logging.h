// The gateway's log: every spdlog line of the process goes through one sink, to stderr or to
// log.file, as text or as JSON (log.format), reopened by a reload (SIGHUP: logrotate moves the
// file, the gateway opens a new one).
//
//   if (auto why = configure_logging(config.log); !why.empty()) fail(why);  // start-up, reload
//   spdlog::info("listening on {}", url);                                    // any line
//   log_request(spdlog::level::warn, ctx.log.request_id, "upstream retry {}", n);  // about a
//   request
//
// Three loggers share the sink: the default one ("inference-server"), "request" (lines about one
// request: log_request) and "access" (the access line, access_log.h). Levels follow log.level.
//
// Text: `2026-12-04T09:51:14.123+0000 info <message>`; a line about a request starts its message
//   with `id=<request id>`; the access line is `access id=... key=value ...`.
// JSON: one object per line, the field names are stable:
//   {"time":"2026-12-04T09:51:14.123Z","level":"info","msg":"listening on http://..."}
//   {"time":...,"level":"warn","request_id":"3f9c0a1b2c4d-2a","msg":"upstream retry 1/2 ..."}
//   {"time":...,"level":"info","event":"access","request_id":...}  (fields: access_log.h)
// `level` is one of error, warn, info, debug, trace (critical for a crash report); `time` is UTC.
//
// Writes: one write(2) per line (no buffering: a crash loses nothing, a tail -f sees each line),
// serialised by the sink's mutex.
#pragma once

#include "config/gateway_config.h"

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace roci::server {

// First call: creates the sink and the three loggers (the default logger included). Later calls
// (reload): switch format and level and reopen log.file (a new file at the same path after a
// rotation). Returns "" or why log.file cannot be opened; then nothing changed.
std::string configure_logging(const config::LogSection& log);

// True when log.format is json. The access line is built differently then.
bool json_logs();

// The logger of access lines / of lines about one request; the default logger until
// configure_logging ran (unit tests).
spdlog::logger& access_logger();
spdlog::logger& request_logger();

// A line about one request: `id=<request_id> <message>` in text, a "request_id" field in JSON.
template <class... Args>
void log_request(spdlog::level::level_enum level, std::string_view request_id,
                 spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::logger& logger = request_logger();
  if (!logger.should_log(level)) return;
  logger.log(level, "id={} {}", request_id, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace roci::server
