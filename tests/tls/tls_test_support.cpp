// Test-only TLS helpers; see tls_test_support.hpp.
#include "tls_test_support.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace httpok::tls::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

[[noreturn]] void openssl_failure(const std::string& what) {
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error(what + ": " + buf);
}

PkeyPtr new_key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    openssl_failure("EVP_PKEY_Q_keygen");
  }
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) {
    openssl_failure("extension " + value);
  }
  int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (added != 1) {
    openssl_failure("X509_add_ext");
  }
}

std::string subject_alt_names(const CertSpec& spec) {
  std::string value;
  for (const auto& dns : spec.dns_names) {
    value += (value.empty() ? "" : ",") + std::string("DNS:") + dns;
  }
  for (const auto& ip : spec.ip_addresses) {
    value += (value.empty() ? "" : ",") + std::string("IP:") + ip;
  }
  return value;
}

// Builds a certificate for `key`. With issuer == nullptr it is self-signed by `key`.
X509Ptr make_certificate(EVP_PKEY* key, const CertSpec& spec, bool is_ca, X509* issuer,
                         EVP_PKEY* issuer_key) {
  static std::atomic<std::uint64_t> serial{1000};
  X509Ptr cert(X509_new());
  if (!cert) {
    openssl_failure("X509_new");
  }
  X509* x = cert.get();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(spec.not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(spec.not_after.count()));
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subject);
  X509_set_pubkey(x, key);
  X509* signer = issuer ? issuer : x;
  add_extension(x, signer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_extension(x, signer, NID_key_usage,
                is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (!is_ca) {
    add_extension(x, signer, NID_ext_key_usage, "serverAuth,clientAuth");
  }
  add_extension(x, signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    add_extension(x, signer, NID_authority_key_identifier, "keyid");
  }
  if (std::string sans = subject_alt_names(spec); !sans.empty()) {
    add_extension(x, signer, NID_subject_alt_name, sans);
  }
  if (X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) == 0) {
    openssl_failure("X509_sign");
  }
  return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  if (bio == nullptr) {
    openssl_failure("open " + path);
  }
  bool ok = cert ? PEM_write_bio_X509(bio, cert) == 1
                 : PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  BIO_free(bio);
  if (!ok) {
    openssl_failure("write " + path);
  }
}

std::string make_temp_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "httpok-tls-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  return pattern;
}

}  // namespace

struct TestPki::Issuer {
  PkeyPtr key;
  X509Ptr cert;
};

TestPki::TestPki() : dir_(make_temp_dir()), issuer_(std::make_unique<Issuer>()) {
  CertSpec spec;
  spec.common_name = "httpok test CA";
  spec.not_before = std::chrono::hours(-24);
  spec.not_after = std::chrono::hours(24 * 365);
  issuer_->key = new_key();
  issuer_->cert = make_certificate(issuer_->key.get(), spec, true, nullptr, nullptr);
  ca_.cert = dir_ + "/ca.crt";
  ca_.key = dir_ + "/ca.key";
  write_pem(ca_.cert, issuer_->cert.get(), nullptr);
  write_pem(ca_.key, nullptr, issuer_->key.get());
}

TestPki::~TestPki() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

CertFiles TestPki::issue(const std::string& name, const CertSpec& spec) {
  PkeyPtr key = new_key();
  X509Ptr cert = make_certificate(key.get(), spec, false, issuer_->cert.get(), issuer_->key.get());
  CertFiles files{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
  write_pem(files.cert, cert.get(), nullptr);
  write_pem(files.key, nullptr, key.get());
  return files;
}

CertFiles TestPki::self_signed(const std::string& name, const CertSpec& spec) {
  PkeyPtr key = new_key();
  X509Ptr cert = make_certificate(key.get(), spec, false, nullptr, nullptr);
  CertFiles files{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
  write_pem(files.cert, cert.get(), nullptr);
  write_pem(files.key, nullptr, key.get());
  return files;
}

std::string TestPki::write_file(const std::string& name, std::string_view contents) const {
  std::string path = dir_ + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) {
    throw std::runtime_error("cannot write " + path);
  }
  return path;
}

TestServerContext::TestServerContext(const ServerOptions& options) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr) {
    openssl_failure("SSL_CTX_new");
  }
  if (options.security_level >= 0) {
    SSL_CTX_set_security_level(ctx_, options.security_level);
  }
  if (options.min_version != 0) {
    SSL_CTX_set_min_proto_version(ctx_, options.min_version);
  }
  if (options.max_version != 0) {
    SSL_CTX_set_max_proto_version(ctx_, options.max_version);
  }
  if (SSL_CTX_use_certificate_chain_file(ctx_, options.identity.cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_, options.identity.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    SSL_CTX_free(ctx_);
    openssl_failure("server identity " + options.identity.cert);
  }
  // Resumption with client certificates needs a session id context.
  static const unsigned char kSidContext[] = "httpok-tls-test";
  SSL_CTX_set_session_id_context(ctx_, kSidContext, sizeof kSidContext - 1);
  if (!options.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_file(ctx_, options.client_ca_file.c_str()) != 1) {
      SSL_CTX_free(ctx_);
      openssl_failure("client CA " + options.client_ca_file);
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
}

TestServerContext::~TestServerContext() {
  SSL_CTX_free(ctx_);
}

TestServer::TestServer(const TestServerContext& context) {
  ssl_ = SSL_new(context.get());
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || in_ == nullptr || out_ == nullptr) {
    BIO_free(in_);
    BIO_free(out_);
    SSL_free(ssl_);
    openssl_failure("TestServer");
  }
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TestServer::~TestServer() {
  SSL_free(ssl_);
}

void TestServer::renegotiate() {
  if (SSL_renegotiate(ssl_) != 1) {
    openssl_failure("SSL_renegotiate");
  }
  ERR_clear_error();
  SSL_do_handshake(ssl_);  // queues the HelloRequest; the rest needs the client
  ERR_clear_error();
}

bool TestServer::renegotiating() const {
  return SSL_renegotiate_pending(ssl_) == 1;
}

void TestServer::set_num_tickets(std::size_t tickets) {
  if (SSL_set_num_tickets(ssl_, tickets) != 1) {
    openssl_failure("SSL_set_num_tickets");
  }
}

void TestServer::feed(std::string_view ciphertext) {
  if (!ciphertext.empty()) {
    BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size()));
  }
}

void TestServer::feed_eof() {
  BIO_set_mem_eof_return(in_, 0);
}

std::string TestServer::take_output() {
  std::string out(BIO_ctrl_pending(out_), '\0');
  if (!out.empty()) {
    int got = BIO_read(out_, out.data(), static_cast<int>(out.size()));
    out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  }
  return out;
}

int TestServer::accept() {
  if (!error_.empty()) {
    return -1;
  }
  if (SSL_is_init_finished(ssl_)) {
    return 1;
  }
  ERR_clear_error();
  int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    return 1;
  }
  int code = SSL_get_error(ssl_, ret);
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
    return 0;
  }
  char buf[256] = {};
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  ERR_clear_error();
  error_ = buf;
  return -1;
}

void TestServer::write(std::string_view plaintext) {
  std::size_t written = 0;
  if (SSL_write_ex(ssl_, plaintext.data(), plaintext.size(), &written) != 1) {
    openssl_failure("TestServer::write");
  }
}

std::string TestServer::read_available() {
  std::string out;
  char buf[4096];
  std::size_t got = 0;
  ERR_clear_error();
  while (SSL_read_ex(ssl_, buf, sizeof buf, &got) == 1) {
    out.append(buf, got);
  }
  ERR_clear_error();
  return out;
}

void TestServer::shutdown() {
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool TestServer::handshake_done() const {
  return SSL_is_init_finished(ssl_) == 1;
}
bool TestServer::session_reused() const {
  return SSL_session_reused(ssl_) == 1;
}

bool TestServer::client_sent_certificate() const {
  X509* peer = SSL_get1_peer_certificate(ssl_);
  X509_free(peer);
  return peer != nullptr;
}

bool TestServer::close_notify_received() const {
  return (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0;
}

std::string TestServer::server_name() const {
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name ? name : "";
}

std::size_t exchange(ClientSession& client, TestServer& server) {
  std::string to_server = client.take_output();
  server.feed(to_server);
  server.accept();
  std::string to_client = server.take_output();
  client.feed(to_client);
  return to_server.size() + to_client.size();
}

Status handshake(ClientSession& client, TestServer& server) {
  for (;;) {
    Status status = client.handshake();
    std::size_t moved = exchange(client, server);
    if (status != Status::want_more) {
      return status;
    }
    if (moved == 0) {
      // Nothing more can happen without outside help: report the stall as it stands.
      return client.handshake();
    }
  }
}

}  // namespace httpok::tls::testing
