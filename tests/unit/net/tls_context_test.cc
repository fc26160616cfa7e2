// make_tls_context: TLS 1.2 at least, peer verification as configured, and a ca_file that loads or
// an error naming it.
#include "net/tls_context.h"

#include "support/test_certs.h"

#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace roci::net {
namespace {

using roci::testing::make_self_signed;
using roci::testing::TestCert;

TEST(TlsContext, VerifiesPeersWithTls12OrNewerByDefault) {
  auto ctx = make_tls_context(HttpOptions{});
  ASSERT_TRUE(ctx) << ctx.error();
  SSL_CTX* native = (*ctx)->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_verify_mode(native), SSL_VERIFY_PEER);
}

TEST(TlsContext, VerifyPeerOffVerifiesNothing) {
  HttpOptions options;
  options.verify_peer = false;
  auto ctx = make_tls_context(options);
  ASSERT_TRUE(ctx) << ctx.error();
  EXPECT_EQ(SSL_CTX_get_verify_mode((*ctx)->native_handle()), SSL_VERIFY_NONE);
}

TEST(TlsContext, LoadsACaFile) {
  const TestCert cert = make_self_signed("DNS:localhost");
  HttpOptions options;
  options.ca_file = cert.write_ca_file();
  auto ctx = make_tls_context(options);
  std::filesystem::remove(options.ca_file);
  ASSERT_TRUE(ctx) << ctx.error();
}

TEST(TlsContext, AnUnloadableCaFileIsAnErrorNamingIt) {
  HttpOptions options;
  options.ca_file = "/nonexistent/roci-ca.pem";
  auto missing = make_tls_context(options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_EQ(missing.error().message.rfind(
                "cannot load the CA bundle in ca_file '/nonexistent/roci-ca.pem': ", 0),
            0u)
      << missing.error().message;

  const auto garbage = std::filesystem::temp_directory_path() / "roci_tls_context_garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  options.ca_file = garbage.string();
  auto unreadable = make_tls_context(options);
  std::filesystem::remove(garbage);
  EXPECT_FALSE(unreadable);
}

}  // namespace
}  // namespace roci::net
