// Request ids: the client's X-Request-Id when it is sane, else a fresh one.
//
//   log.request_id = request_id_for(req[http::field::x_request_id]);   // echoed as X-Request-Id
//
// Generated ids are "<12 hex: random per thread>-<hex counter>": unique across threads and
// restarts with high probability, and cost one increment (no lock, no syscall) after the first.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace roci::server {

inline constexpr std::size_t kMaxRequestIdLength = 128;

// The id itself when it is 1..128 printable ASCII characters without spaces, else nullopt.
std::optional<std::string> sanitize_request_id(std::string_view candidate);

// A new id (per-thread random prefix + per-thread counter).
std::string new_request_id();

// sanitize_request_id(header) or new_request_id().
std::string request_id_for(std::string_view header);

}  // namespace roci::server
