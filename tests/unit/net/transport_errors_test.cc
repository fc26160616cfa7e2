// TransportErrors: every client error message names the upstream and its URL, says what failed,
// and where it helps the configuration key to change; kinds and codes are the documented ones.
#include "net/transport_errors.h"

#include <openssl/x509_vfy.h>

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace roci::net {
namespace {

using namespace std::chrono_literals;
namespace aerr = boost::asio::error;

class TransportErrorsTest : public ::testing::Test {
 protected:
  UpstreamIdentity identity{"LM Studio", "http://localhost:1234",
                            "Is the server started in LM Studio's Developer tab?"};
  HttpOptions options;
  TransportErrors errors{identity, options, "http://127.0.0.1:1234"};
};

TEST(FormatDuration, WholeSecondsOrMilliseconds) {
  EXPECT_EQ(format_duration(60s), "60 s");
  EXPECT_EQ(format_duration(1500ms), "1500 ms");
  EXPECT_EQ(format_duration(150ms), "150 ms");
  EXPECT_EQ(format_duration(0ms), "0 ms");
}

TEST_F(TransportErrorsTest, UnreachableNamesTheUpstreamTheUrlAndTheHint) {
  const Error e = errors.connect_failed(make_error_code(aerr::connection_refused));
  EXPECT_EQ(e.kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_EQ(e.message,
            "LM Studio is not reachable at http://localhost:1234: connection refused. Is the "
            "server started in LM Studio's Developer tab?");
  EXPECT_NE(errors.connect_failed(make_error_code(aerr::connection_reset))
                .message.find(": connection reset by the server."),
            std::string::npos);
}

TEST_F(TransportErrorsTest, AnonymousUpstreamUsesTheFallbackUrl) {
  const UpstreamIdentity anonymous;
  const TransportErrors plain(anonymous, options, "http://127.0.0.1:9");
  EXPECT_EQ(plain.name(), "the upstream");
  EXPECT_EQ(plain.url(), "http://127.0.0.1:9");
  EXPECT_EQ(plain.connect_failed(make_error_code(aerr::host_unreachable)).message,
            "the upstream is not reachable at http://127.0.0.1:9: host unreachable.");
}

TEST_F(TransportErrorsTest, ResolveFailureQuotesTheHost) {
  const Error e = errors.resolve_failed(make_error_code(aerr::host_not_found), "lmstudio.lan");
  EXPECT_EQ(e.kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_NE(e.message.find("the host name 'lmstudio.lan' could not be resolved ("),
            std::string::npos)
      << e.message;
}

TEST_F(TransportErrorsTest, TimeoutsCarryTheirCodeAndTheKeyToRaise) {
  struct Case {
    DeadlineStep step;
    std::string code;
    std::string text;
  };
  const Case cases[] = {
      {DeadlineStep::kConnect, "connect_timeout", "no connection within 5 s (connect)"},
      {DeadlineStep::kFirstByte, "first_byte_timeout", "Raise HttpOptions::first_byte_timeout"},
      {DeadlineStep::kIdle, "idle_timeout", "Raise HttpOptions::idle_timeout"},
      {DeadlineStep::kRequest, "request_timeout", "Raise HttpOptions::request_timeout"},
      {DeadlineStep::kStream, "request_timeout", "Raise HttpOptions::stream_timeout"},
  };
  for (const auto& c : cases) {
    const Error e = errors.timeout(c.step, 5s);
    EXPECT_EQ(e.kind, ErrorKind::kTimeout) << c.code;
    EXPECT_EQ(e.code, c.code);
    EXPECT_NE(e.message.find(c.text), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("5 s"), std::string::npos) << e.message;
    EXPECT_EQ(e.message.rfind("LM Studio", 0), 0u) << e.message;
  }
  EXPECT_NE(errors.timeout(DeadlineStep::kConnect, 5s).message.find(identity.unreachable_hint),
            std::string::npos);
}

TEST_F(TransportErrorsTest, MessagesNameTheSettingAsTheCallerSpellsIt) {
  // An SDK user sets HttpOptions members; the gateway names its config keys (option_name).
  EXPECT_NE(errors.timeout(DeadlineStep::kFirstByte, 5s)
                .message.find("Raise HttpOptions::first_byte_timeout if models load slowly."),
            std::string::npos);
  options.option_name = +[](std::string_view member) {
    return member == "first_byte_timeout" ? std::string("inference.http.first_byte_timeout_secs")
                                          : "HttpOptions::" + std::string(member);
  };
  EXPECT_NE(errors.timeout(DeadlineStep::kFirstByte, 5s)
                .message.find("Raise inference.http.first_byte_timeout_secs if models load"),
            std::string::npos);
  EXPECT_EQ(errors.too_large(100, "max_response_bytes").message,
            "LM Studio's response exceeded 100 bytes (HttpOptions::max_response_bytes).");
}

TEST_F(TransportErrorsTest, TlsVerificationFailuresSayWhatToConfigure) {
  const auto handshake = make_error_code(aerr::connection_reset);
  const Error mismatch = errors.tls_failed(handshake, X509_V_ERR_HOSTNAME_MISMATCH, "localhost");
  EXPECT_NE(mismatch.message.find("the certificate is not valid for 'localhost'"),
            std::string::npos)
      << mismatch.message;
  EXPECT_NE(mismatch.message.find("set HttpOptions::ca_file"), std::string::npos);

  options.ca_file = "/etc/roci/ca.pem";
  const Error untrusted =
      errors.tls_failed(handshake, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "localhost");
  EXPECT_NE(untrusted.message.find("The CA bundle in HttpOptions::ca_file (/etc/roci/ca.pem)"),
            std::string::npos)
      << untrusted.message;

  const Error other = errors.tls_failed(handshake, X509_V_OK, "localhost");
  EXPECT_NE(other.message.find("the TLS handshake failed ("), std::string::npos) << other.message;
  EXPECT_EQ(other.message.find("ca_file"), std::string::npos);
}

TEST_F(TransportErrorsTest, ResponseFailuresAreUpstreamErrors) {
  EXPECT_EQ(errors.too_large(100, "max_response_bytes").message,
            "LM Studio's response exceeded 100 bytes (HttpOptions::max_response_bytes).");
  EXPECT_EQ(errors.too_large(5, "").message, "LM Studio's response exceeded 5 bytes.");
  options.max_header_bytes = 8192;
  EXPECT_EQ(
      errors.header_too_large().message,
      "LM Studio sent response headers larger than 8192 bytes (HttpOptions::max_header_bytes).");
  EXPECT_EQ(errors.closed_before_response().message,
            "LM Studio at http://localhost:1234 closed the connection without sending a response.");
  EXPECT_EQ(errors.closed_mid_response(true, 12).message,
            "LM Studio closed the connection in the middle of the response (after 12 body "
            "bytes).");
  EXPECT_EQ(errors.closed_mid_response(false, 0).message,
            "LM Studio closed the connection in the middle of the response headers.");
  const Error malformed = errors.malformed(make_error_code(boost::beast::http::error::bad_chunk));
  EXPECT_EQ(malformed.kind, ErrorKind::kUpstreamError);
  EXPECT_NE(malformed.message.find("sent a malformed HTTP response ("), std::string::npos);
  EXPECT_EQ(errors.io_failed("writing the request", make_error_code(aerr::broken_pipe)).message,
            "the connection to LM Studio at http://localhost:1234 failed while writing the "
            "request: the server closed the connection.");
  const Error cancelled = errors.cancelled();
  EXPECT_EQ(cancelled.kind, ErrorKind::kCancelled);
  EXPECT_EQ(cancelled.message, "the request to LM Studio was cancelled");
}

}  // namespace
}  // namespace roci::net
