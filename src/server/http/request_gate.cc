#include "server/http/request_gate.h"

#include "config/gateway_config.h"
#include "server/http/auth.h"
#include "server/http/cors.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <iterator>
#include <string>
#include <utility>

namespace roci::server {
namespace {

namespace beast = boost::beast;

GateDecision refuse(Error error) {
  return GateDecision{.action = GateAction::kRefuse, .error = std::move(error)};
}

GateDecision refuse_head(Error error) {
  GateDecision d = refuse(std::move(error));
  d.bad_head = true;
  return d;
}

// Checks 1 and 2 of the header: the head could not be accepted as read.
GateDecision refuse_read(const http::request_header<>& head, const beast::error_code& ec,
                         const config::LimitsSection& limits) {
  if (ec == http::error::header_limit) {
    return refuse_head(Error{.kind = ErrorKind::kHeadersTooLarge,
                             .message = "Request headers exceed limits.max_header_bytes (" +
                                        std::to_string(limits.max_header_bytes) + " bytes)."});
  }
  if (ec == http::error::body_limit) {  // Content-Length over the limit: refused unread
    return refuse_head(Error{.kind = ErrorKind::kPayloadTooLarge,
                             .message = "Request body of " +
                                        std::string(head[http::field::content_length]) +
                                        " bytes exceeds limits.max_body_bytes (" +
                                        std::to_string(limits.max_body_bytes) + " bytes)."});
  }
  return refuse_head(Error::invalid_request("Malformed HTTP request: " + ec.message() + "."));
}

}  // namespace

GateDecision check_request_head(const http::request_header<>& head,
                                const beast::error_code& read_ec, const RouteMatch& match,
                                const GatePolicy& policy) {
  const config::LimitsSection& limits = policy.limits;
  if (read_ec) return refuse_read(head, read_ec, limits);
  // Beast bounds the head's bytes, not its field count: count here (the byte limit already
  // bounds the walk).
  const auto field_count = static_cast<std::size_t>(std::distance(head.begin(), head.end()));
  if (field_count > limits.max_header_count) {
    return refuse_head(Error{.kind = ErrorKind::kHeadersTooLarge,
                             .message = "Request has " + std::to_string(field_count) +
                                        " header fields; limits.max_header_count is " +
                                        std::to_string(limits.max_header_count) + "."});
  }
  if (policy.over_connection_limit) {
    GateDecision d = refuse(Error{.kind = ErrorKind::kTooManyConnections,
                                  .message = "The gateway is at limits.max_connections (" +
                                             std::to_string(limits.max_connections) +
                                             " client connections). Retry shortly."});
    d.close = true;
    return d;
  }
  if (policy.cors != nullptr && policy.cors->enabled() && CorsPolicy::is_preflight(head)) {
    const std::string_view origin = head[http::field::origin];
    if (!policy.cors->origin_allowed(origin)) return refuse(cors_forbidden(origin));
    return GateDecision{.action = match.route == Route::kNotFound ? GateAction::kRoute
                                                                  : GateAction::kPreflight};
  }
  if (policy.auth != nullptr && policy.auth->required(match.route)) {
    if (const AuthOutcome outcome = policy.auth->check(head); outcome != AuthOutcome::kAllowed) {
      return refuse(auth_error(outcome));
    }
  }
  const bool routed = match.route != Route::kNotFound && match.method_allowed;
  // Model load/unload take an optional body: a bare POST carries no Content-Type.
  const bool body_optional =
      (match.route == Route::kModelLoad || match.route == Route::kModelUnload) &&
      head[http::field::content_type].empty();
  if (routed && head.method() == http::verb::post && !body_optional &&
      !is_json_media_type(head[http::field::content_type])) {
    const std::string_view type = head[http::field::content_type];
    return refuse(Error{.kind = ErrorKind::kUnsupportedMediaType,
                        .message = "Content-Type must be application/json (got \"" +
                                   std::string(type.empty() ? "none" : type) + "\")."});
  }
  return GateDecision{.action = routed ? GateAction::kAdmit : GateAction::kRoute};
}

bool is_request_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::partial_message && ec != http::error::end_of_stream;
}

bool is_json_media_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return beast::iequals(media, "application/json");
}

}  // namespace roci::server
