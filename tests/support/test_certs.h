// Self-signed test certificates, made at test time with the OpenSSL API (header-only).
//
//   TestCert cert = make_self_signed({"DNS:localhost", "IP:127.0.0.1"});
//   SSL_CTX* server = cert.server_context();            // for TestHttpServer (scripts)
//   options.ca_file = cert.write_ca_file();              // PEM in a temp dir, for the client
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace roci::testing {

struct TestCert {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;

  // A server SSL_CTX presenting this certificate (caller frees with SSL_CTX_free).
  SSL_CTX* server_context() const {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_use_certificate(ctx, cert.get());
    SSL_CTX_use_PrivateKey(ctx, key.get());
    return ctx;
  }

  // Writes the certificate as PEM to a fresh temp file and returns its path.
  std::string write_ca_file() const {
    static std::atomic<int> counter{0};
    auto path =
        std::filesystem::temp_directory_path() / ("roci_net_test_ca_" + std::to_string(::getpid()) +
                                                  "_" + std::to_string(counter++) + ".pem");
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::ofstream(path, std::ios::binary).write(data, size);
    BIO_free(bio);
    return path.string();
  }
};

// `subject_alt_names`: e.g. "DNS:localhost,IP:127.0.0.1".
inline TestCert make_self_signed(const std::string& subject_alt_names) {
  TestCert out;
  out.key.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
  out.cert.reset(X509_new(), X509_free);
  X509* x = out.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, out.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("roci test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")},
                            std::pair{NID_subject_alt_name, subject_alt_names}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, out.key.get(), EVP_sha256());
  return out;
}

}  // namespace roci::testing
