#include <roci/core/error.h>

#include <boost/throw_exception.hpp>

namespace roci {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidRequest:
      return "invalid_request";
    case ErrorKind::kUnauthenticated:
      return "unauthenticated";
    case ErrorKind::kPermissionDenied:
      return "permission_denied";
    case ErrorKind::kModelNotFound:
      return "model_not_found";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kMethodNotAllowed:
      return "method_not_allowed";
    case ErrorKind::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorKind::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorKind::kHeadersTooLarge:
      return "headers_too_large";
    case ErrorKind::kRateLimited:
      return "rate_limited";
    case ErrorKind::kQueueFull:
      return "queue_full";
    case ErrorKind::kTooManyConnections:
      return "too_many_connections";
    case ErrorKind::kUnsupported:
      return "unsupported";
    case ErrorKind::kUpstreamError:
      return "upstream_error";
    case ErrorKind::kUpstreamUnreachable:
      return "upstream_unreachable";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "unknown";
}

Error Error::invalid_request(std::string message, std::string param) {
  Error e{.kind = ErrorKind::kInvalidRequest, .message = std::move(message)};
  e.param = std::move(param);
  return e;
}

Error Error::model_not_found(std::string message, std::vector<std::string> available) {
  Error e{.kind = ErrorKind::kModelNotFound, .message = std::move(message)};
  e.param = "model";
  e.code = "model_not_found";
  e.available_models = std::move(available);
  return e;
}

Error Error::upstream(std::string message, std::optional<int> upstream_status) {
  Error e{.kind = ErrorKind::kUpstreamError, .message = std::move(message)};
  e.upstream_status = upstream_status;
  return e;
}

Error Error::unreachable(std::string message) {
  Error e{.kind = ErrorKind::kUpstreamUnreachable, .message = std::move(message)};
  e.code = "upstream_unreachable";
  return e;
}

Error Error::timeout(std::string message, std::string code) {
  Error e{.kind = ErrorKind::kTimeout, .message = std::move(message)};
  e.code = std::move(code);
  return e;
}

Error Error::cancelled(std::string message) {
  return Error{.kind = ErrorKind::kCancelled, .message = std::move(message)};
}

Error Error::internal(std::string message) {
  return Error{.kind = ErrorKind::kInternal, .message = std::move(message)};
}

Error Error::unsupported(std::string message) {
  Error e{.kind = ErrorKind::kUnsupported, .message = std::move(message)};
  e.code = "unsupported";
  return e;
}

bool operator==(const Error& a, const Error& b) {
  return a.kind == b.kind && a.message == b.message && a.param == b.param && a.code == b.code &&
         a.upstream_status == b.upstream_status && a.available_models == b.available_models &&
         a.retry_after_secs == b.retry_after_secs && a.backend == b.backend &&
         a.model_output == b.model_output;
}

std::ostream& operator<<(std::ostream& os, const Error& e) {
  os << to_string(e.kind) << ": " << e.message;
  if (!e.param.empty()) os << " (param " << e.param << ")";
  return os;
}

void throw_exception_from_error(const Error& e, const boost::source_location& loc) {
  boost::throw_exception(RociException(e), loc);
}

}  // namespace roci
