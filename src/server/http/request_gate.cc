#include "server/http/request_gate.h"

#include <optional>

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
GateDecision refuse_read(const ClientHeader& head, const beast::error_code& ec,
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

// Check 6: a body read as JSON must be labelled JSON, or unlabelled and not from a browser page
// of another origin (see BodyType). nullopt: accepted.
std::optional<Error> check_body_type(const ClientHeader& head, const GatePolicy& policy) {
  const std::string_view type = head[http::field::content_type];
  switch (classify_body_type(type)) {
    case BodyType::kJson:
      return std::nullopt;
    case BodyType::kUnlabelled: {
      const auto origin = head.find(http::field::origin);
      const bool foreign_page =
          origin != head.end() && (policy.cors == nullptr || !policy.cors->enabled() ||
                                   !policy.cors->origin_allowed(origin->value()));
      if (!foreign_page) return std::nullopt;
      return Error{.kind = ErrorKind::kUnsupportedMediaType,
                   .message = "Content-Type \"" + std::string(type.empty() ? "none" : type) +
                              "\" from a page of another origin (" + std::string(origin->value()) +
                              ") is not accepted: send application/json."};
    }
    case BodyType::kNotJson:
      break;
  }
  return Error{
      .kind = ErrorKind::kUnsupportedMediaType,
      .message = "Content-Type must be application/json (got \"" + std::string(type) + "\")."};
}

}  // namespace

GateDecision check_request_head(const ClientHeader& head, const beast::error_code& read_ec,
                                const RouteMatch& match, const GatePolicy& policy) {
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
  if (routed && head.method() == http::verb::post) {
    if (auto refused = check_body_type(head, policy)) return refuse(std::move(*refused));
  }
  return GateDecision{.action = routed ? GateAction::kAdmit : GateAction::kRoute};
}

bool is_request_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::partial_message && ec != http::error::end_of_stream;
}

BodyType classify_body_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  if (beast::iequals(media, "application/json")) return BodyType::kJson;
  if (media.size() > 5 && beast::iequals(media.substr(media.size() - 5), "+json")) {
    return BodyType::kJson;  // application/vnd.api+json, application/merge-patch+json, ...
  }
  if (media.empty() || beast::iequals(media, "application/x-www-form-urlencoded") ||
      beast::iequals(media, "text/plain")) {
    return BodyType::kUnlabelled;
  }
  return BodyType::kNotJson;
}

}  // namespace roci::server
