// TransportErrors: every error message of the HTTP client, built in one place.
//
//   TransportErrors errors(identity, options, origin.to_string());
//   return errors.connect_failed(ec);
//   // "LM Studio is not reachable at http://localhost:1234: connection refused. Is the server
//   //  started in LM Studio's Developer tab?"
//
// Messages are for humans: they name the upstream (UpstreamIdentity) and, where it helps, the
// configuration key to change. Kinds and codes follow http_client.h.
#pragma once

#include "net/http_client.h"

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace roci::net {

// The step whose deadline expired; selects the error code and the advice.
enum class DeadlineStep {
  kConnect,    // connect_timeout: resolve + connect + TLS handshake
  kFirstByte,  // first_byte_timeout: request written -> response headers
  kIdle,       // idle_timeout: one body read
  kRequest,    // request_timeout: the whole send()
  kStream,     // stream_timeout: the whole open() exchange
};

class TransportErrors {
 public:
  // Keeps references: `identity` and `options` must outlive this object.
  TransportErrors(const UpstreamIdentity& identity, const HttpOptions& options,
                  std::string fallback_url);

  std::string_view name() const;  // "LM Studio", or "the upstream"
  // How messages name the HttpOptions member `member` (http_option_name: the SDK's option, or the
  // gateway's config key).
  std::string setting(std::string_view member) const;
  std::string_view url() const;  // the configured base URL, for messages

  // kUpstreamUnreachable "<name> is not reachable at <url>: <reason>. <hint>"
  Error unreachable(std::string_view reason) const;
  Error resolve_failed(const boost::system::error_code& ec, std::string_view host) const;
  Error connect_failed(const boost::system::error_code& ec) const;
  // `verify_result` is SSL_get_verify_result() (X509_V_OK when the failure is not verification).
  Error tls_failed(const boost::system::error_code& ec, long verify_result,
                   std::string_view host) const;
  Error tls_setup_failed(std::string_view what) const;
  // kTimeout with code connect_timeout / first_byte_timeout / idle_timeout / request_timeout.
  Error timeout(DeadlineStep step, std::chrono::milliseconds budget) const;
  Error cancelled() const;
  // kUpstreamError
  // `setting` names the limit ("max_response_bytes"), or is empty for a caller's own limit.
  Error too_large(std::uint64_t limit, std::string_view setting) const;
  Error header_too_large() const;
  Error malformed(const boost::system::error_code& ec) const;
  Error closed_before_response() const;
  Error closed_mid_response(bool header_done, std::uint64_t body_bytes) const;
  Error io_failed(std::string_view during, const boost::system::error_code& ec) const;

 private:
  const UpstreamIdentity* identity_;
  const HttpOptions* options_;
  std::string fallback_url_;
};

// "60 s" for whole seconds, "150 ms" otherwise.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace roci::net
