// Test-only TLS helpers: a throwaway PKI generated at run time (no keys in the repo) and
// an OpenSSL server session over memory BIOs to pump bytes against a ClientSession.
// Helpers throw std::runtime_error on setup failures; tests treat that as a failure.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "httpok/tls.hpp"

namespace httpok::tls::testing {

// A certificate and its private key, as PEM files.
struct CertFiles {
  std::string cert;
  std::string key;
};

// What a generated certificate says. Validity is relative to now.
struct CertSpec {
  std::string common_name = "httpok test";
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries ("127.0.0.1", "::1")
  std::chrono::seconds not_before{-3600};
  std::chrono::seconds not_after{30 * 24 * 3600};
};

// A temporary directory holding a CA ("httpok test CA") and whatever it issues. Owned by
// the test; the destructor removes the directory and everything in it.
class TestPki {
 public:
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ca_file() const { return ca_.cert; }
  // A leaf signed by the CA (serverAuth and clientAuth), written as <name>.crt/.key.
  CertFiles issue(const std::string& name, const CertSpec& spec);
  // A self-signed leaf (not a CA), written as <name>.crt/.key.
  CertFiles self_signed(const std::string& name, const CertSpec& spec);
  // Writes `contents` to <dir>/<name> and returns the path.
  std::string write_file(const std::string& name, std::string_view contents) const;

  struct Issuer;

 private:
  std::string dir_;
  CertFiles ca_;
  std::unique_ptr<Issuer> issuer_;
};

struct ServerOptions {
  CertFiles identity;
  int min_version = 0;         // e.g. TLS1_2_VERSION; 0 = OpenSSL default
  int max_version = 0;         // e.g. TLS1_2_VERSION; 0 = newest
  std::string client_ca_file;  // non-empty: require a client certificate issued by it
  int security_level = -1;     // -1 = OpenSSL/system default
};

// A server SSL_CTX. Owned by the test; outlives its TestServer sessions.
class TestServerContext {
 public:
  explicit TestServerContext(const ServerOptions& options);
  ~TestServerContext();
  TestServerContext(const TestServerContext&) = delete;
  TestServerContext& operator=(const TestServerContext&) = delete;
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

// One server-side connection over memory BIOs. Owned by the test.
class TestServer {
 public:
  explicit TestServer(const TestServerContext& context);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  void feed(std::string_view ciphertext);
  void feed_eof();
  std::string take_output();

  // Advances the handshake: 1 done, 0 needs input, -1 failed (error() says why).
  int accept();
  // Queues application data (the handshake must be done).
  void write(std::string_view plaintext);
  // Everything decryptable so far.
  std::string read_available();
  // Queues close_notify.
  void shutdown();
  // TLS 1.2: asks the client for a new handshake (HelloRequest); accept() drives it.
  void renegotiate();
  // True while a renegotiation asked for has not completed.
  bool renegotiating() const;
  // How many TLS 1.3 session tickets this connection issues (before the handshake).
  void set_num_tickets(std::size_t tickets);

  bool handshake_done() const;
  bool session_reused() const;
  bool client_sent_certificate() const;
  // True once the client's close_notify arrived (after read_available()).
  bool close_notify_received() const;
  // The SNI the client sent; empty when none.
  std::string server_name() const;
  const std::string& error() const { return error_; }

 private:
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
  std::string error_;
};

// Moves pending ciphertext both ways once (client -> server, server accept(), server ->
// client). Returns the number of bytes moved.
std::size_t exchange(ClientSession& client, TestServer& server);

// Runs the client handshake against the server until the client is done, fails, or no
// byte moves any more (a stall). Returns the client's last status.
Status handshake(ClientSession& client, TestServer& server);

}  // namespace httpok::tls::testing
