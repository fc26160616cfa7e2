// HTTPS upstreams: a loopback TLS server with a certificate made at test time.
#include "net/http_client.h"

#include "net_test_util.h"
#include "support/test_certs.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace roci::net {
namespace {

using namespace roci::net::testing;
using roci::testing::make_self_signed;
using roci::testing::TestCert;

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    good_ = new TestCert(make_self_signed("DNS:localhost,IP:127.0.0.1"));
    good_ca_ = new std::string(good_->write_ca_file());
    wrong_host_ = new TestCert(make_self_signed("DNS:other.example"));
    wrong_host_ca_ = new std::string(wrong_host_->write_ca_file());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove(*good_ca_);
    std::filesystem::remove(*wrong_host_ca_);
    delete good_;
    delete good_ca_;
    delete wrong_host_;
    delete wrong_host_ca_;
  }
  static std::unique_ptr<TestHttpServer> serve(const TestCert& cert) {
    SSL_CTX* ctx = cert.server_context();
    auto server = std::make_unique<TestHttpServer>(echo_target_forever, ctx);
    SSL_CTX_free(ctx);
    return server;
  }

  static TestCert* good_;
  static std::string* good_ca_;
  static TestCert* wrong_host_;
  static std::string* wrong_host_ca_;
};

TestCert* Tls::good_ = nullptr;
std::string* Tls::good_ca_ = nullptr;
TestCert* Tls::wrong_host_ = nullptr;
std::string* Tls::wrong_host_ca_ = nullptr;

TEST_F(Tls, SucceedsWithCaFileAndReusesTheConnection) {
  auto server = serve(*good_);
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.ca_file = *good_ca_;
  auto client = make_client(server->url(), options);
  for (const char* target : {"/v1/models", "/v1/chat/completions"}) {
    auto got = run(ioc, client->send(get(target)));
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body, target);
  }
  EXPECT_EQ(server->accepted(), 1);
}

TEST_F(Tls, SucceedsWithAHostNameAndSni) {
  auto server = serve(*good_);
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.ca_file = *good_ca_;
  // "localhost" goes through the resolver; only loopback addresses are tried.
  auto client = make_client("https://localhost:" + std::to_string(server->port()), options);
  auto got = run(ioc, client->send(get("/x")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->body, "/x");
}

TEST_F(Tls, FailsVerificationWithoutCaFile) {
  auto server = serve(*good_);
  asio::io_context ioc;
  auto client = make_client(server->url());
  auto got = run(ioc, client->send(get("/")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_NE(got.error().message.find("certificate could not be verified"), std::string::npos)
      << got.error().message;
  EXPECT_NE(got.error().message.find("ca_file"), std::string::npos) << got.error().message;
  EXPECT_NE(got.error().message.find(server->url()), std::string::npos) << got.error().message;
}

TEST_F(Tls, FailsOnHostNameMismatch) {
  auto server = serve(*wrong_host_);
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.ca_file = *wrong_host_ca_;
  auto client = make_client(server->url(), options);
  auto got = run(ioc, client->send(get("/")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_NE(got.error().message.find("not valid for '127.0.0.1'"), std::string::npos)
      << got.error().message;

  auto by_name = make_client("https://localhost:" + std::to_string(server->port()), options);
  auto named = run(ioc, by_name->send(get("/")));
  ASSERT_FALSE(named);
  EXPECT_NE(named.error().message.find("not valid for 'localhost'"), std::string::npos)
      << named.error().message;
}

TEST_F(Tls, VerifyPeerOffAcceptsAnyCertificate) {
  auto server = serve(*wrong_host_);
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.verify_peer = false;
  auto client = make_client(server->url(), options);
  auto got = run(ioc, client->send(get("/ok")));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(got->body, "/ok");
}

TEST_F(Tls, UnreadableCaFile) {
  asio::io_context ioc;
  HttpOptions options = fast_options();
  options.ca_file = "/nonexistent/roci-ca.pem";
  auto client = make_client("https://127.0.0.1:1", options);
  auto got = run(ioc, client->send(get("/")));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, ErrorKind::kUpstreamUnreachable);
  EXPECT_NE(got.error().message.find("/nonexistent/roci-ca.pem"), std::string::npos)
      << got.error().message;
}

}  // namespace
}  // namespace roci::net
