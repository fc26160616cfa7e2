// roci::Error and roci::Result<T>: errors as values on every request path.
//
// Every fallible SDK call returns Result<T> (boost::system::result<T, Error>). An Error says what
// happened and what to do about it, in words a user can act on:
//
//   roci::Result<roci::GenerationResult> r = roci::generate_text(provider, messages, {}, {});
//   if (!r) std::cerr << r.error().message << "\n";
//   // "LM Studio is not reachable at http://localhost:1234: connection refused. Is the server
//   //  started in LM Studio's Developer tab?"
//
// The gateway maps ErrorKind to an HTTP status in exactly one place (server::to_http_error).
#pragma once

#include <roci/export.h>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace roci {

enum class ErrorKind {
  kInvalidRequest,    // bad JSON, missing field, out-of-range value (400; `param` names the field)
  kUnauthenticated,   // missing or wrong gateway API key (401)
  kPermissionDenied,  // authenticated or not, this request is refused (CORS origin) (403)
  kModelNotFound,     // not loaded, not allowed, ambiguous (404; `available_models` lists them)
  kNotFound,          // unknown route or resource (404)
  kMethodNotAllowed,  // known route, wrong method (405)
  kPayloadTooLarge,   // request body over the limit (413)
  kUnsupportedMediaType,  // Content-Type is not JSON (415)
  kHeadersTooLarge,       // request header bytes or field count over the limit (431)
  kRateLimited,           // upstream said 429 (429)
  kQueueFull,             // our bounded queue is full (429 with Retry-After)
  kTooManyConnections,    // the gateway is at its client connection limit (503)
  kUnsupported,           // the provider has no such operation (e.g. embeddings on mock) (400)
  kUpstreamError,         // upstream 5xx (500) or malformed / lying upstream data (502)
  kUpstreamUnreachable,   // connection refused, DNS failure, TLS failure (502)
  kTimeout,               // connect, first byte, idle or total deadline (504)
  kCancelled,             // the caller went away; no response is sent (logged as 499)
  kInternal,              // a bug in roci (500)
};

ROCI_EXPORT std::string_view to_string(ErrorKind kind);

struct ROCI_EXPORT Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;                 // what happened and what to do; never contains secrets
  std::string param;                   // the request field at fault ("temperature"), if any
  std::string code;                    // OpenAI `code`: "model_not_found", "timeout", ...
  std::optional<int> upstream_status;  // HTTP status the upstream answered, if it did
  std::vector<std::string> available_models;  // for kModelNotFound
  std::optional<int> retry_after_secs;        // for kQueueFull / kRateLimited
  // The fleet backend whose answer this is (roci/fleet); "" for errors nobody upstream made.
  std::string backend;
  // The model's answer, in full, when the answer itself is what failed (generate_object: text that
  // is not JSON, is cut off, or breaks the schema; code "invalid_json", "output_truncated",
  // "schema_mismatch"). Empty otherwise.
  std::string model_output;

  // Convenience constructors for the common kinds.
  static Error invalid_request(std::string message, std::string param = {});
  static Error model_not_found(std::string message, std::vector<std::string> available = {});
  static Error upstream(std::string message, std::optional<int> upstream_status = std::nullopt);
  static Error unreachable(std::string message);
  static Error timeout(std::string message, std::string code = "timeout");
  static Error cancelled(std::string message = "the client went away");
  static Error internal(std::string message);
  static Error unsupported(std::string message);
};

ROCI_EXPORT bool operator==(const Error& a, const Error& b);
ROCI_EXPORT std::ostream& operator<<(std::ostream& os, const Error& e);

// Thrown by Result<T>::value() when it holds an error (sync facades let it propagate).
class ROCI_EXPORT RociException : public std::exception {
 public:
  explicit RociException(Error error) : error_(std::move(error)) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

// Found by ADL from boost::system::result<T, Error>::value().
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

}  // namespace roci
