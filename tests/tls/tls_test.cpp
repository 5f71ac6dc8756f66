// The tls module against an in-process OpenSSL server: bytes are pumped between a
// ClientSession and a TestServer, no sockets. Certificates are generated per test run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <ctime>
#include <filesystem>

#include <string>

#include "httpok/tls.hpp"
#include "tls_test_support.hpp"

namespace httpok::tls {
namespace {

using testing::CertFiles;
using testing::CertSpec;
using ::testing::HasSubstr;
using testing::ServerOptions;
using testing::TestPki;
using testing::TestServer;
using testing::TestServerContext;

CertSpec names(std::vector<std::string> dns, std::vector<std::string> ips = {}) {
  CertSpec spec;
  spec.common_name = dns.empty() ? "ip-only" : dns.front();
  spec.dns_names = std::move(dns);
  spec.ip_addresses = std::move(ips);
  return spec;
}

// Everything the client can decrypt now; `last` is the status that ended the reading.
std::string read_all(ClientSession& client, Status& last) {
  std::string out;
  char buf[7];  // small on purpose: reads span calls
  for (;;) {
    std::size_t n = 0;
    last = client.read(buf, sizeof buf, n);
    if (last != Status::ok) {
      EXPECT_EQ(n, 0u);
      return out;
    }
    EXPECT_GT(n, 0u);
    out.append(buf, n);
  }
}

class TlsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // Nothing may leak from one session into the next through the error queue.
    EXPECT_EQ(ERR_peek_error(), 0ul);
  }

  std::shared_ptr<ClientContext> context(const TlsOptions& options) {
    auto created = ClientContext::create(options);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error());
    return created.ok() ? created.value() : nullptr;
  }

  TlsOptions trusting_ca() const {
    TlsOptions options;
    options.cafile = pki.ca_file();
    return options;
  }

  ServerOptions server_with(const CertFiles& identity, int max_version = 0) const {
    ServerOptions options;
    options.identity = identity;
    options.max_version = max_version;
    return options;
  }

  CertFiles localhost() { return pki.issue("localhost", names({"localhost"}, {"127.0.0.1"})); }

  TestPki pki;
};

TEST_F(TlsTest, ValidChainViaCafileCarriesDataBothWays) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);

  ASSERT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
  EXPECT_TRUE(client.handshake_done());
  EXPECT_EQ(client.protocol_version(), "TLSv1.3");
  EXPECT_TRUE(server.handshake_done());
  EXPECT_EQ(server.server_name(), "localhost");
  EXPECT_FALSE(client.session_reused());

  ASSERT_EQ(client.write("GET / HTTP/1.1\r\n\r\n"), Status::ok);
  testing::exchange(client, server);
  EXPECT_EQ(server.read_available(), "GET / HTTP/1.1\r\n\r\n");

  server.write("HTTP/1.1 200 OK\r\n\r\nhello");
  testing::exchange(client, server);
  Status last = Status::ok;
  EXPECT_EQ(read_all(client, last), "HTTP/1.1 200 OK\r\n\r\nhello");
  EXPECT_EQ(last, Status::want_more);
  EXPECT_EQ(client.error_text(), "");
}

TEST_F(TlsTest, HandshakeAfterCompletionStaysOk) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);
  ASSERT_EQ(testing::handshake(client, server), Status::ok);
  EXPECT_EQ(client.handshake(), Status::ok);
}

TEST_F(TlsTest, TrailingDotInHostNameIsAccepted) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost.", 443);
  EXPECT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
  EXPECT_EQ(server.server_name(), "localhost");
}

TEST_F(TlsTest, SelfSignedCertificateWithoutCafileFailsVerification) {
  TestServerContext server_ctx(server_with(pki.self_signed("self", names({"localhost"}))));
  TestServer server(server_ctx);
  ClientSession client(context(TlsOptions{}), "localhost", 443);

  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(),
            "certificate verify failed: self-signed certificate (use --cafile or --insecure)");
  EXPECT_FALSE(client.handshake_done());
  EXPECT_FALSE(server.handshake_done());
  // Later calls keep reporting the failure.
  EXPECT_EQ(client.handshake(), Status::error);
  std::size_t n = 1;
  char buf[4];
  EXPECT_EQ(client.read(buf, sizeof buf, n), Status::error);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(client.write("x"), Status::error);
}

TEST_F(TlsTest, UnknownIssuerWithoutCafileFailsVerification) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(TlsOptions{}), "localhost", 443);

  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(),
            "certificate verify failed: unable to get local issuer certificate "
            "(use --cafile or --insecure)");
}

TEST_F(TlsTest, WrongHostNameNamesTheCertificateNames) {
  TestServerContext server_ctx(
      server_with(pki.issue("other", names({"other.example", "www.other.example"}))));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);

  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(),
            "certificate verify failed: host name mismatch: checked 'localhost', certificate is "
            "for other.example, www.other.example");
}

TEST_F(TlsTest, WrongHostNameFallsBackToCommonNameInText) {
  CertSpec spec;
  spec.common_name = "cn-only.example";
  TestServerContext server_ctx(server_with(pki.issue("cn", spec)));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);

  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(),
            "certificate verify failed: host name mismatch: checked 'localhost', certificate is "
            "for cn-only.example");
}

TEST_F(TlsTest, ExpiredCertificateFailsVerification) {
  CertSpec spec = names({"localhost"});
  spec.not_before = std::chrono::hours(-24 * 10);
  spec.not_after = std::chrono::hours(-24);
  TestServerContext server_ctx(server_with(pki.issue("expired", spec)));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);

  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(), "certificate verify failed: certificate has expired");
}

TEST_F(TlsTest, IpLiteralIsVerifiedAgainstIpSansWithoutSni) {
  CertFiles identity = pki.issue("ips", names({}, {"127.0.0.1", "::1"}));
  TestServerContext server_ctx(server_with(identity));
  auto ctx = context(trusting_ca());

  for (const char* host : {"127.0.0.1", "[::1]", "::1"}) {
    SCOPED_TRACE(host);
    TestServer server(server_ctx);
    ClientSession client(ctx, host, 443);
    EXPECT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
    EXPECT_EQ(server.server_name(), "");  // no SNI for IP literals
  }

  TestServer server(server_ctx);
  ClientSession client(ctx, "127.0.0.2", 443);
  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(),
            "certificate verify failed: IP address mismatch: checked '127.0.0.2', certificate is "
            "for 127.0.0.1, ::1");
}

TEST_F(TlsTest, IpLiteralDoesNotMatchDnsSan) {
  TestServerContext server_ctx(server_with(pki.issue("dns", names({"127.0.0.1.example"}))));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "127.0.0.1", 443);
  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_THAT(client.error_text(), HasSubstr("certificate verify failed: IP address mismatch"));
}

TEST_F(TlsTest, ServerNameOptionOverridesSniAndVerifiedName) {
  TestServerContext server_ctx(server_with(pki.issue("internal", names({"internal.example"}))));
  auto ctx = context(trusting_ca());

  TestServer server(server_ctx);
  ClientSession client(ctx, "127.0.0.1", 8443, "internal.example");
  EXPECT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
  EXPECT_EQ(server.server_name(), "internal.example");
}

TEST_F(TlsTest, ServerNameOptionIsWhatGetsVerified) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443, "elsewhere.example");
  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(),
            "certificate verify failed: host name mismatch: checked 'elsewhere.example', "
            "certificate is for localhost, 127.0.0.1");
  EXPECT_EQ(server.server_name(), "elsewhere.example");
}

TEST_F(TlsTest, AnEmptyNameToVerifyIsRefusedNotSkipped) {
  // "." loses its root dot and leaves nothing: that must not mean "verify no name".
  TestServerContext server_ctx(server_with(pki.issue("other", names({"other.example"}))));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "127.0.0.1", 443, ".");
  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(), "invalid host name to verify '.'");
}

TEST_F(TlsTest, OneContextServesSessionsWithDifferentServerNames) {
  // The name to send and verify belongs to the session: the context cache keys only on
  // what an SSL_CTX is made of, so many --tls-server-name values share one context.
  ContextCache cache;
  auto first = cache.get(trusting_ca());
  auto second = cache.get(trusting_ca());
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first.value(), second.value());
  EXPECT_EQ(cache.size(), 1u);
  TestServerContext a_ctx(server_with(pki.issue("a", names({"a.example"}))));
  TestServerContext b_ctx(server_with(pki.issue("b", names({"b.example"}))));
  TestServer a(a_ctx);
  TestServer b(b_ctx);
  ClientSession to_a(first.value(), "127.0.0.1", 443, "a.example");
  ClientSession to_b(first.value(), "127.0.0.1", 443, "b.example");
  EXPECT_EQ(testing::handshake(to_a, a), Status::ok) << to_a.error_text();
  EXPECT_EQ(testing::handshake(to_b, b), Status::ok) << to_b.error_text();
  EXPECT_EQ(a.server_name(), "a.example");
  EXPECT_EQ(b.server_name(), "b.example");
}

TEST_F(TlsTest, PartialWildcardsDoNotMatch) {
  TestServerContext server_ctx(server_with(pki.issue("wild", names({"w*.example"}))));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "www.example", 443);
  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_NE(client.error_text().find("host name mismatch"), std::string::npos)
      << client.error_text();
}

// Which expiry is which: the leaf's own, and the earliest of the verified chain (here the
// CA's, which expires before the leaf it signed).
TEST_F(TlsTest, CertificateExpiryOfTheLeafAndOfTheVerifiedChain) {
  CertSpec spec = names({"localhost"});
  spec.not_after = std::chrono::hours(24 * 730);
  TestServerContext server_ctx(server_with(pki.issue("long", spec)));
  auto ctx = context(trusting_ca());
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const auto near = [now](std::int64_t at, std::int64_t days) {
    return at > now + days * 86400 - 300 && at < now + days * 86400 + 300;
  };
  ClientSession::Expiry expiry;
  {
    TestServer server(server_ctx);
    ClientSession client(ctx, "localhost", 443);
    EXPECT_EQ(client.certificate_expiry().leaf, 0);  // nothing known before the handshake
    ASSERT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
    expiry = client.certificate_expiry();
    server.write("x");
    testing::exchange(client, server);
    char buf[8];
    std::size_t n = 0;
    client.read(buf, sizeof buf, n);  // the TLS 1.3 ticket comes with the data
    client.close();
  }
  EXPECT_TRUE(near(expiry.leaf, 730)) << expiry.leaf - now;
  EXPECT_TRUE(near(expiry.chain, 365)) << expiry.chain - now;  // the CA's
  {
    // Resumed: the leaf is known from the session, the chain was not built again.
    TestServer server(server_ctx);
    ClientSession client(ctx, "localhost", 443);
    ASSERT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
    ASSERT_TRUE(client.session_reused());
    EXPECT_EQ(client.certificate_expiry().leaf, expiry.leaf);
    EXPECT_EQ(client.certificate_expiry().chain, 0);
  }
  {
    // Not verified: no chain, the leaf as presented.
    TlsOptions options;
    options.insecure = true;
    TestServer server(server_ctx);
    ClientSession client(context(options), "localhost", 443);
    ASSERT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
    EXPECT_EQ(client.certificate_expiry().leaf, expiry.leaf);
    EXPECT_EQ(client.certificate_expiry().chain, 0);
  }
}

TEST_F(TlsTest, InsecureAcceptsSelfSignedCertificateForAnotherHost) {
  TestServerContext server_ctx(server_with(pki.self_signed("self", names({"other.example"}))));
  TlsOptions options;
  options.insecure = true;
  TestServer server(server_ctx);
  ClientSession client(context(options), "localhost", 443);
  EXPECT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
  EXPECT_EQ(server.server_name(), "localhost");  // SNI is still sent
}

TEST_F(TlsTest, InsecureAcceptsExpiredCertificateForIpLiteral) {
  CertSpec spec = names({"other.example"});
  spec.not_before = std::chrono::hours(-48);
  spec.not_after = std::chrono::hours(-24);
  TestServerContext server_ctx(server_with(pki.self_signed("old", spec)));
  TlsOptions options;
  options.insecure = true;
  TestServer server(server_ctx);
  ClientSession client(context(options), "10.1.2.3", 443);
  EXPECT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
}

TEST_F(TlsTest, ClientCertificateRequiredAndGiven) {
  ServerOptions server_options = server_with(localhost());
  server_options.client_ca_file = pki.ca_file();
  TestServerContext server_ctx(server_options);
  CertFiles client_identity = pki.issue("client", names({"client.example"}));
  TlsOptions options = trusting_ca();
  options.client_cert = client_identity.cert;
  options.client_key = client_identity.key;

  TestServer server(server_ctx);
  ClientSession client(context(options), "localhost", 443);
  ASSERT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
  ASSERT_EQ(client.write("ping"), Status::ok);
  testing::exchange(client, server);
  EXPECT_EQ(server.error(), "");
  EXPECT_TRUE(server.handshake_done());
  EXPECT_TRUE(server.client_sent_certificate());
  EXPECT_EQ(server.read_available(), "ping");
}

// TLS 1.3: the client finishes its handshake before the server checks the client
// certificate, so the refusal arrives as an alert when reading the response.
TEST_F(TlsTest, ClientCertificateRequiredButMissingTls13) {
  ServerOptions server_options = server_with(localhost());
  server_options.client_ca_file = pki.ca_file();
  TestServerContext server_ctx(server_options);
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);

  Status status = testing::handshake(client, server);
  if (status == Status::ok) {
    ASSERT_EQ(client.write("GET / HTTP/1.1\r\n\r\n"), Status::ok);
    testing::exchange(client, server);
    char buf[64];
    std::size_t n = 0;
    status = client.read(buf, sizeof buf, n);
  }
  EXPECT_EQ(status, Status::error);
  EXPECT_EQ(client.error_text(), "TLS error: tlsv13 alert certificate required");
  EXPECT_FALSE(server.client_sent_certificate());
}

TEST_F(TlsTest, ClientCertificateRequiredButMissingTls12) {
  ServerOptions server_options = server_with(localhost());
  server_options.client_ca_file = pki.ca_file();
  server_options.max_version = TLS1_2_VERSION;
  TestServerContext server_ctx(server_options);
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);

  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_EQ(client.error_text(), "TLS handshake failed: sslv3 alert handshake failure");
}

TEST_F(TlsTest, ServerThatNeverAnswersLeavesHandshakeWaiting) {
  TestServerContext server_ctx(server_with(localhost()));
  ClientSession client(context(trusting_ca()), "localhost", 443);

  EXPECT_EQ(client.handshake(), Status::want_more);
  EXPECT_GT(client.pending_output(), 0u);  // the ClientHello
  client.take_output();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client.handshake(), Status::want_more);
  }
  EXPECT_EQ(client.pending_output(), 0u);
  EXPECT_EQ(client.error_text(), "");
  EXPECT_FALSE(client.handshake_done());
}

TEST_F(TlsTest, ServerThatStallsMidHandshakeLeavesHandshakeWaiting) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);

  ASSERT_EQ(client.handshake(), Status::want_more);
  server.feed(client.take_output());
  ASSERT_EQ(server.accept(), 0);
  std::string flight = server.take_output();
  ASSERT_GT(flight.size(), 20u);
  client.feed(std::string_view(flight).substr(0, flight.size() / 2));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client.handshake(), Status::want_more);
  }
  EXPECT_EQ(client.error_text(), "");

  // The rest arrives late: the handshake completes.
  client.feed(std::string_view(flight).substr(flight.size() / 2));
  EXPECT_EQ(client.handshake(), Status::ok) << client.error_text();
}

TEST_F(TlsTest, GarbageInsteadOfServerHelloFailsWithReason) {
  ClientSession client(context(trusting_ca()), "localhost", 443);
  ASSERT_EQ(client.handshake(), Status::want_more);
  client.take_output();
  client.feed("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(client.handshake(), Status::error);
  EXPECT_EQ(client.error_text(), "TLS handshake failed: wrong version number");
}

TEST_F(TlsTest, ConnectionClosedDuringHandshakeIsAnError) {
  ClientSession client(context(trusting_ca()), "localhost", 443);
  ASSERT_EQ(client.handshake(), Status::want_more);
  client.feed_eof();
  EXPECT_EQ(client.handshake(), Status::error);
  EXPECT_EQ(client.error_text(), "TLS handshake failed: connection closed by the server");
}

TEST_F(TlsTest, AbruptCloseDuringBodyIsDistinguishedFromCleanClose) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);
  ASSERT_EQ(testing::handshake(client, server), Status::ok);

  server.write("partial body");
  testing::exchange(client, server);
  client.feed_eof();  // TCP FIN without close_notify

  Status last = Status::ok;
  EXPECT_EQ(read_all(client, last), "partial body");
  EXPECT_EQ(last, Status::closed_abrupt);
  EXPECT_EQ(client.error_text(), "connection closed without TLS close_notify");
  std::size_t n = 0;
  char buf[4];
  EXPECT_EQ(client.read(buf, sizeof buf, n), Status::closed_abrupt);
  EXPECT_EQ(client.write("more"), Status::error);
  client.take_output();  // OpenSSL's fatal alert, if any: harmless to a closed socket
  client.close();        // no close_notify on a broken connection
  EXPECT_EQ(client.pending_output(), 0u);
}

TEST_F(TlsTest, CloseNotifyIsACleanClose) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);
  ASSERT_EQ(testing::handshake(client, server), Status::ok);

  server.write("whole body");
  server.shutdown();
  testing::exchange(client, server);
  client.feed_eof();  // the TCP close follows close_notify

  Status last = Status::ok;
  EXPECT_EQ(read_all(client, last), "whole body");
  EXPECT_EQ(last, Status::closed_clean);
  EXPECT_EQ(client.error_text(), "");

  // Answering with our own close_notify.
  client.close();
  EXPECT_GT(client.pending_output(), 0u);
  server.feed(client.take_output());
  server.read_available();
  EXPECT_TRUE(server.close_notify_received());
}

TEST_F(TlsTest, ClientCloseSendsCloseNotifyOnce) {
  TestServerContext server_ctx(server_with(localhost()));
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);
  ASSERT_EQ(testing::handshake(client, server), Status::ok);

  client.close();
  std::string alert = client.take_output();
  EXPECT_FALSE(alert.empty());
  client.close();
  EXPECT_EQ(client.pending_output(), 0u);
  server.feed(alert);
  EXPECT_EQ(server.read_available(), "");
  EXPECT_TRUE(server.close_notify_received());
}

TEST_F(TlsTest, OutputCanBeTakenInPieces) {
  ClientSession client(context(trusting_ca()), "localhost", 443);
  ASSERT_EQ(client.handshake(), Status::want_more);
  std::size_t total = client.pending_output();
  ASSERT_GT(total, 10u);
  char buf[10];
  EXPECT_EQ(client.take_output(buf, sizeof buf), 10u);
  EXPECT_EQ(client.pending_output(), total - 10);
  EXPECT_EQ(client.take_output().size(), total - 10);
  EXPECT_EQ(client.take_output(buf, sizeof buf), 0u);
}

TEST_F(TlsTest, WriteBeforeHandshakeIsAnError) {
  ClientSession client(context(trusting_ca()), "localhost", 443);
  EXPECT_EQ(client.write("GET"), Status::error);
  EXPECT_EQ(client.error_text(), "TLS write before the handshake finished");
}

TEST_F(TlsTest, ProtocolsOlderThanTls12AreRefused) {
  ServerOptions server_options = server_with(localhost());
  server_options.security_level = 0;
  server_options.min_version = TLS1_VERSION;
  server_options.max_version = TLS1_1_VERSION;
  TestServerContext server_ctx(server_options);
  TestServer server(server_ctx);
  ClientSession client(context(trusting_ca()), "localhost", 443);
  EXPECT_EQ(testing::handshake(client, server), Status::error);
  EXPECT_THAT(client.error_text(), HasSubstr("TLS handshake failed: "));
}

// One full connection, reading what the server sends so TLS 1.3 session tickets arrive.
struct Connection {
  bool ok = false;
  bool reused = false;
  bool server_reused = false;
};

Connection connect_once(const std::shared_ptr<ClientContext>& ctx, TestServerContext& server_ctx,
                        const std::string& host, std::uint16_t port, int tickets = -1) {
  TestServer server(server_ctx);
  if (tickets >= 0)
    server.set_num_tickets(static_cast<std::size_t>(tickets));
  ClientSession client(ctx, host, port);
  Connection result;
  result.ok = testing::handshake(client, server) == Status::ok;
  EXPECT_TRUE(result.ok) << client.error_text();
  server.write("response");
  testing::exchange(client, server);
  Status last = Status::ok;
  EXPECT_EQ(read_all(client, last), "response");
  client.close();
  testing::exchange(client, server);
  result.reused = client.session_reused();
  result.server_reused = server.session_reused();
  return result;
}

class TlsResumptionTest : public TlsTest, public ::testing::WithParamInterface<int> {};

TEST_P(TlsResumptionTest, SecondConnectionToSameKeyResumes) {
  TestServerContext server_ctx(server_with(localhost(), GetParam()));
  auto ctx = context(trusting_ca());

  Connection first = connect_once(ctx, server_ctx, "localhost", 443);
  EXPECT_FALSE(first.reused);
  EXPECT_EQ(ctx->cached_sessions(), 1u);

  Connection second = connect_once(ctx, server_ctx, "localhost", 443);
  EXPECT_TRUE(second.reused);
  EXPECT_TRUE(second.server_reused);

  // Another port is another key: a full handshake.
  Connection other_port = connect_once(ctx, server_ctx, "localhost", 8443);
  EXPECT_FALSE(other_port.reused);
  EXPECT_EQ(ctx->cached_sessions(), 2u);

  ctx->clear_sessions();
  EXPECT_EQ(ctx->cached_sessions(), 0u);
  EXPECT_FALSE(connect_once(ctx, server_ctx, "localhost", 443).reused);
}

// A server that ends its response by closing TCP without close_notify (a close-delimited
// body): the response was read in full, and the session stays resumable (RFC 5246 7.2.1).
TEST_P(TlsResumptionTest, CloseWithoutCloseNotifyKeepsTheSession) {
  TestServerContext server_ctx(server_with(localhost(), GetParam()));
  auto ctx = context(trusting_ca());
  {
    TestServer server(server_ctx);
    ClientSession client(ctx, "localhost", 443);
    ASSERT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
    server.write("HTTP/1.0 200 OK\r\n\r\nbody");
    testing::exchange(client, server);
    client.feed_eof();  // TCP FIN, no close_notify
    Status last = Status::ok;
    EXPECT_EQ(read_all(client, last), "HTTP/1.0 200 OK\r\n\r\nbody");
    EXPECT_EQ(last, Status::closed_abrupt);
  }
  ASSERT_EQ(ctx->cached_sessions(), 1u);
  EXPECT_TRUE(connect_once(ctx, server_ctx, "localhost", 443).reused);
}

TEST_P(TlsResumptionTest, ACorruptRecordDropsTheSession) {
  TestServerContext server_ctx(server_with(localhost(), GetParam()));
  auto ctx = context(trusting_ca());
  {
    TestServer server(server_ctx);
    ClientSession client(ctx, "localhost", 443);
    ASSERT_EQ(testing::handshake(client, server), Status::ok) << client.error_text();
    server.write("HTTP/1.0 200 OK\r\n\r\n");
    testing::exchange(client, server);
    Status last = Status::ok;
    read_all(client, last);  // the response head, and a TLS 1.3 ticket
    ASSERT_EQ(ctx->cached_sessions(), 1u);
    std::string bogus("\x17\x03\x03\x00\x30", 5);
    bogus += std::string(48, 'A');
    client.feed(bogus);
    read_all(client, last);
    EXPECT_EQ(last, Status::error);
  }
  EXPECT_EQ(ctx->cached_sessions(), 0u);
  EXPECT_FALSE(connect_once(ctx, server_ctx, "localhost", 443).reused);
}

TEST_P(TlsResumptionTest, ResumptionOffNeverResumes) {
  TestServerContext server_ctx(server_with(localhost(), GetParam()));
  TlsOptions options = trusting_ca();
  options.session_resumption = false;
  auto ctx = context(options);

  EXPECT_FALSE(connect_once(ctx, server_ctx, "localhost", 443).reused);
  EXPECT_FALSE(connect_once(ctx, server_ctx, "localhost", 443).reused);
  EXPECT_EQ(ctx->cached_sessions(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Versions, TlsResumptionTest,
                         ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int>& param_info) {
                           return param_info.param == TLS1_3_VERSION ? std::string("Tls13")
                                                                     : std::string("Tls12");
                         });

// RFC 8446 C.4: a TLS 1.3 ticket is used once. A server that issues no new ticket on
// resumption gets a full handshake next time, never the same ticket again.
TEST_F(TlsTest, Tls13TicketIsUsedOnce) {
  TestServerContext server_ctx(server_with(localhost(), TLS1_3_VERSION));
  auto ctx = context(trusting_ca());
  EXPECT_FALSE(connect_once(ctx, server_ctx, "localhost", 443).reused);
  ASSERT_EQ(ctx->cached_sessions(), 1u);
  // Resumed, and the server sends no new ticket: nothing is left to offer.
  EXPECT_TRUE(connect_once(ctx, server_ctx, "localhost", 443, /*tickets=*/0).reused);
  EXPECT_EQ(ctx->cached_sessions(), 0u);
  EXPECT_FALSE(connect_once(ctx, server_ctx, "localhost", 443).reused);
  // With a fresh ticket on every connection, every later connection resumes.
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(connect_once(ctx, server_ctx, "localhost", 443, /*tickets=*/1).reused) << i;
}

// TLS 1.2 sessions may be resumed again and again.
TEST_F(TlsTest, Tls12SessionIsKept) {
  TestServerContext server_ctx(server_with(localhost(), TLS1_2_VERSION));
  auto ctx = context(trusting_ca());
  EXPECT_FALSE(connect_once(ctx, server_ctx, "localhost", 443).reused);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(connect_once(ctx, server_ctx, "localhost", 443).reused) << i;
  EXPECT_EQ(ctx->cached_sessions(), 1u);
}

TEST_F(TlsTest, FailedHandshakeDropsTheCachedSession) {
  TestServerContext server_ctx(server_with(localhost()));
  auto ctx = context(trusting_ca());
  connect_once(ctx, server_ctx, "localhost", 443);
  ASSERT_EQ(ctx->cached_sessions(), 1u);

  ClientSession client(ctx, "localhost", 443);
  ASSERT_EQ(client.handshake(), Status::want_more);
  client.feed("garbage that is not TLS at all");
  EXPECT_EQ(client.handshake(), Status::error);
  EXPECT_EQ(ctx->cached_sessions(), 0u);
}

// ClientContext::create: start-up errors name the option and the file.

TEST_F(TlsTest, CreateFailsForMissingCafile) {
  TlsOptions options;
  options.cafile = pki.dir() + "/missing.pem";
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error(), "--cafile " + options.cafile + ": No such file or directory");
}

TEST_F(TlsTest, CreateFailsForCafileWithoutCertificates) {
  TlsOptions options;
  options.cafile = pki.write_file("garbage.pem", "this is not a certificate\n");
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(created.error(),
              HasSubstr("--cafile " + options.cafile + ": cannot load CA certificates: "));
}

TEST_F(TlsTest, CreateFailsForCafileThatIsADirectory) {
  TlsOptions options;
  options.cafile = pki.dir();
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error(), "--cafile " + pki.dir() + ": Is a directory");
}

TEST_F(TlsTest, CreateFailsForMissingCapath) {
  TlsOptions options;
  options.capath = pki.dir() + "/no-such-dir";
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(created.error(), HasSubstr("--capath " + options.capath + ": "));
}

TEST_F(TlsTest, CapathDirectoryIsAccepted) {
  TlsOptions options;
  options.capath = pki.dir();
  EXPECT_TRUE(ClientContext::create(options).ok());
}

TEST_F(TlsTest, CreateFailsForMissingKeyFile) {
  CertFiles client = pki.issue("client", names({"client.example"}));
  TlsOptions options;
  options.client_cert = client.cert;
  options.client_key = pki.dir() + "/missing.key";
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error(), "--client-key " + options.client_key + ": No such file or directory");
}

TEST_F(TlsTest, CreateFailsForMissingCertFile) {
  TlsOptions options;
  options.client_cert = pki.dir() + "/missing.crt";
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error(),
            "--client-cert " + options.client_cert + ": No such file or directory");
}

TEST_F(TlsTest, CreateFailsForKeyThatDoesNotMatchCertificate) {
  CertFiles client = pki.issue("client", names({"client.example"}));
  CertFiles other = pki.issue("other", names({"other.example"}));
  TlsOptions options;
  options.client_cert = client.cert;
  options.client_key = other.key;
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error(), "--client-key " + other.key +
                                 ": private key does not match --client-cert " + client.cert);
}

TEST_F(TlsTest, CreateFailsForKeyFileWithoutKey) {
  CertFiles client = pki.issue("client", names({"client.example"}));
  TlsOptions options;
  options.client_cert = client.cert;
  options.client_key = client.cert;  // a certificate, not a key
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_THAT(created.error(),
              HasSubstr("--client-key " + client.cert + ": cannot load private key: "));
}

TEST_F(TlsTest, CreateFailsForKeyWithoutCertificate) {
  TlsOptions options;
  options.client_key = pki.dir() + "/some.key";
  auto created = ClientContext::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error(), "--client-key " + options.client_key + " needs --client-cert");
}

TEST_F(TlsTest, ClientCertFileMayHoldTheKeyToo) {
  CertFiles client = pki.issue("client", names({"client.example"}));
  std::string combined;
  for (const std::string& path : {client.cert, client.key}) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    char buf[4096];
    std::size_t got = 0;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) {
      combined.append(buf, got);
    }
    std::fclose(f);
  }
  TlsOptions options;
  options.client_cert = pki.write_file("combined.pem", combined);
  EXPECT_TRUE(ClientContext::create(options).ok());
}

TEST_F(TlsTest, ContextCacheSharesOneContextPerOptions) {
  ContextCache cache;
  TlsOptions a = trusting_ca();
  TlsOptions b = a;
  b.insecure = true;

  auto first = cache.get(a);
  auto again = cache.get(a);
  auto other = cache.get(b);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_EQ(first.value(), again.value());
  EXPECT_NE(first.value(), other.value());
  EXPECT_EQ(first.value()->options(), a);
  EXPECT_EQ(cache.size(), 2u);

  TlsOptions broken;
  broken.cafile = pki.dir() + "/missing.pem";
  EXPECT_FALSE(cache.get(broken).ok());
  EXPECT_EQ(cache.size(), 2u);
}

TEST(SystemStore, IsReadFromAHashedDirectoryOnlyWhenItHasHashedNames) {
  TestPki pki;
  const std::string dir = pki.dir() + "/store";
  std::filesystem::create_directory(dir);
  EXPECT_FALSE(has_hashed_certificates(dir));
  pki.write_file("store/ca-certificates.crt", "x");
  pki.write_file("store/README", "x");
  pki.write_file("store/abcdefgh.0", "x");  // not hex
  pki.write_file("store/5ad8a5d6.x", "x");  // not a counter
  EXPECT_FALSE(has_hashed_certificates(dir));
  pki.write_file("store/5ad8a5d6.0", "x");
  EXPECT_TRUE(has_hashed_certificates(dir));
  EXPECT_FALSE(has_hashed_certificates(pki.dir() + "/missing"));
}

TEST(TlsStatus, Names) {
  EXPECT_EQ(to_string(Status::ok), "ok");
  EXPECT_EQ(to_string(Status::want_more), "want_more");
  EXPECT_EQ(to_string(Status::closed_clean), "closed_clean");
  EXPECT_EQ(to_string(Status::closed_abrupt), "closed_abrupt");
  EXPECT_EQ(to_string(Status::error), "error");
}

}  // namespace
}  // namespace httpok::tls
