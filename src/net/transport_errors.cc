#include "net/transport_errors.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>

namespace roci::net {
namespace {

namespace aerr = boost::asio::error;

std::string lower_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string describe(const boost::system::error_code& ec) {
  if (ec == aerr::connection_refused) return "connection refused";
  if (ec == aerr::connection_reset) return "connection reset by the server";
  if (ec == aerr::network_unreachable) return "network unreachable";
  if (ec == aerr::host_unreachable) return "host unreachable";
  if (ec == aerr::timed_out) return "connection timed out";
  if (ec == aerr::broken_pipe) return "the server closed the connection";
  return lower_first(ec.message());
}

}  // namespace

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms >= 1000 && ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

TransportErrors::TransportErrors(const UpstreamIdentity& identity, const HttpOptions& options,
                                 std::string fallback_url)
    : identity_(&identity), options_(&options), fallback_url_(std::move(fallback_url)) {}

std::string_view TransportErrors::name() const {
  return identity_->display_name.empty() ? std::string_view("the upstream")
                                         : std::string_view(identity_->display_name);
}

std::string_view TransportErrors::url() const {
  return identity_->base_url.empty() ? std::string_view(fallback_url_)
                                     : std::string_view(identity_->base_url);
}

std::string TransportErrors::setting(std::string_view member) const {
  return http_option_name(*options_, member);
}

Error TransportErrors::unreachable(std::string_view reason) const {
  std::string m;
  m.append(name()).append(" is not reachable at ").append(url()).append(": ").append(reason);
  m += '.';
  if (!identity_->unreachable_hint.empty()) m.append(" ").append(identity_->unreachable_hint);
  return Error::unreachable(std::move(m));
}

Error TransportErrors::resolve_failed(const boost::system::error_code& ec,
                                      std::string_view host) const {
  std::string reason = "the host name '";
  reason.append(host).append("' could not be resolved (").append(lower_first(ec.message()));
  reason += ')';
  return unreachable(reason);
}

Error TransportErrors::connect_failed(const boost::system::error_code& ec) const {
  return unreachable(describe(ec));
}

Error TransportErrors::tls_failed(const boost::system::error_code& ec, long verify_result,
                                  std::string_view host) const {
  const bool verify_failed =
      verify_result != X509_V_OK ||
      (ec.category() == boost::asio::error::get_ssl_category() &&
       ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED);
  if (!verify_failed) {
    return unreachable("the TLS handshake failed (" + lower_first(ec.message()) + ")");
  }
  std::string reason = "its TLS certificate could not be verified (";
  if (verify_result == X509_V_ERR_HOSTNAME_MISMATCH ||
      verify_result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    reason.append("the certificate is not valid for '").append(host).append("'");
  } else if (verify_result != X509_V_OK) {
    reason += X509_verify_cert_error_string(verify_result);
  } else {
    reason += lower_first(ec.message());
  }
  reason += ")";
  if (options_->ca_file.empty()) {
    reason += ". If the server uses a private or self-signed certificate, set " +
              setting("ca_file") + " to the PEM file of the CA that signed it";
  } else {
    reason.append(". The CA bundle in ").append(setting("ca_file")).append(" (");
    reason.append(options_->ca_file);
    reason += ") and the system store do not vouch for it";
  }
  return unreachable(reason);
}

Error TransportErrors::tls_setup_failed(std::string_view what) const { return unreachable(what); }

Error TransportErrors::timeout(DeadlineStep step, std::chrono::milliseconds budget) const {
  std::string m;
  m.append(name());
  const std::string d = format_duration(budget);
  switch (step) {
    case DeadlineStep::kConnect:
      m.append(" is not reachable at ").append(url()).append(": no connection within ").append(d);
      m += " (connect).";
      if (!identity_->unreachable_hint.empty()) m.append(" ").append(identity_->unreachable_hint);
      return Error::timeout(std::move(m), "connect_timeout");
    case DeadlineStep::kFirstByte:
      m.append(" did not send a response within ").append(d);
      m += " (first byte). Raise " + setting("first_byte_timeout") + " if models load slowly.";
      return Error::timeout(std::move(m), "first_byte_timeout");
    case DeadlineStep::kIdle:
      m.append(" sent nothing for ").append(d);
      m += " in the middle of a stream. Raise " + setting("idle_timeout") + " if it pauses longer.";
      return Error::timeout(std::move(m), "idle_timeout");
    case DeadlineStep::kRequest:
      m.append(" did not complete the request within ").append(d);
      m += ". Raise " + setting("request_timeout") + " for long generations.";
      return Error::timeout(std::move(m), "request_timeout");
    case DeadlineStep::kStream:
      m.append(" did not finish the stream within ").append(d);
      m += ". Raise " + setting("stream_timeout") + " for longer streams.";
      return Error::timeout(std::move(m), "request_timeout");
  }
  return Error::timeout(std::move(m), "request_timeout");
}

Error TransportErrors::cancelled() const {
  std::string m = "the request to ";
  m.append(name()).append(" was cancelled");
  return Error::cancelled(std::move(m));
}

Error TransportErrors::too_large(std::uint64_t limit, std::string_view setting) const {
  std::string m;
  m.append(name()).append("'s response exceeded ").append(std::to_string(limit)).append(" bytes");
  if (!setting.empty()) m.append(" (").append(this->setting(setting)).append(")");
  m += '.';
  return Error::upstream(std::move(m));
}

Error TransportErrors::header_too_large() const {
  std::string m;
  m.append(name()).append(" sent response headers larger than ");
  m.append(std::to_string(options_->max_header_bytes)).append(" bytes (");
  m.append(setting("max_header_bytes")).append(").");
  return Error::upstream(std::move(m));
}

Error TransportErrors::malformed(const boost::system::error_code& ec) const {
  std::string m;
  m.append(name()).append(" at ").append(url()).append(" sent a malformed HTTP response (");
  m.append(lower_first(ec.message())).append(").");
  return Error::upstream(std::move(m));
}

Error TransportErrors::closed_before_response() const {
  std::string m;
  m.append(name()).append(" at ").append(url());
  m += " closed the connection without sending a response.";
  return Error::upstream(std::move(m));
}

Error TransportErrors::closed_mid_response(bool header_done, std::uint64_t body_bytes) const {
  std::string m;
  m.append(name()).append(" closed the connection in the middle of the response");
  if (header_done)
    m.append(" (after ").append(std::to_string(body_bytes)).append(" body bytes)");
  else
    m += " headers";
  m += '.';
  return Error::upstream(std::move(m));
}

Error TransportErrors::io_failed(std::string_view during,
                                 const boost::system::error_code& ec) const {
  std::string m;
  m.append("the connection to ").append(name()).append(" at ").append(url());
  m.append(" failed while ").append(during).append(": ").append(describe(ec)).append(".");
  return Error::upstream(std::move(m));
}

}  // namespace roci::net
