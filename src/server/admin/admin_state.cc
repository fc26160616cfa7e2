#include "server/admin/admin_state.h"

#include <utility>

namespace roci::server::admin {

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AdminState::AdminState(AdminOptions options)
    : options_(std::move(options)), started_unix_ms_(unix_ms_now()) {}

void AdminState::record(const RequestLog& log, std::string_view method) {
  if (!options_.enabled || !feed_shows(log)) return;
  const std::int64_t now = unix_ms_now();
  events_.emplace([&](RequestEvent& slot) {
    fill_request_event(slot, log, method, now, options_.log_content);
    series_.record(now, slot);  // its own lock, never held while calling into the ring
  });
}

}  // namespace roci::server::admin
