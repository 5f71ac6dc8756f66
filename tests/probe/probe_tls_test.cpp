// HTTPS probes against a real TLS server on a loopback port, certificates made at run time.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <poll.h>
#include <ctime>

#include <optional>

#include "httpok/dns.hpp"
#include "httpok/probe.hpp"
#include "httpok/tls.hpp"
#include "support/name_server.hpp"
#include "tls_serve.hpp"

namespace httpok {
namespace {

using namespace std::chrono_literals;
using test::ScriptedServer;
using tls::testing::CertSpec;
using tls::testing::ServerOptions;
using tls::testing::TestPki;
using tls::testing::TestServerContext;

class ProbeTls : public ::testing::Test {
 protected:
  ProbeTls() {
    CertSpec spec;
    spec.dns_names = {"localhost"};
    spec.ip_addresses = {"127.0.0.1", "::1"};
    leaf_ = pki_.issue("leaf", spec);
    ServerOptions options;
    options.identity = leaf_;
    context_ = std::make_unique<TestServerContext>(options);
    uv_loop_init(&loop_);
    dns_ = net::Dns::create(&loop_).value();
  }
  ~ProbeTls() override {
    dns_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  // A compiled target and the engine that probes it.
  struct Probed {
    std::shared_ptr<const ProbeSpec> spec;
    std::unique_ptr<Probe> engine;
    bool last_tls_resumed() const { return engine->last_tls_resumed(); }
  };

  // Runs one probe to its end.
  ProbeResult run(Probed& probe) {
    std::optional<ProbeResult> result;
    EXPECT_TRUE(probe.engine->start(probe.spec, [&](const ProbeResult& r) { result = r; }));
    while (!result && uv_run(&loop_, UV_RUN_ONCE) != 0) {
    }
    return result.value_or(ProbeResult{});
  }

  std::unique_ptr<Probed> make_probe(const std::string& url, TlsOptions options,
                                     std::chrono::milliseconds timeout = 5s,
                                     std::string server_name = {}, bool expiry = false) {
    ProbeSettings t;
    t.url = url;
    t.timeout = timeout;
    t.tls = options;
    t.tls_server_name = std::move(server_name);
    auto spec = compile_probe_spec(t, cache_, expiry);
    EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error());
    return std::make_unique<Probed>(Probed{spec.value(), std::make_unique<Probe>(&loop_, *dns_)});
  }

  TlsOptions with_ca() const {
    TlsOptions o;
    o.cafile = pki_.ca_file();
    return o;
  }

  TestPki pki_;
  tls::testing::CertFiles leaf_;
  std::unique_ptr<TestServerContext> context_;
  tls::ContextCache cache_;
  uv_loop_t loop_;
  std::unique_ptr<net::Dns> dns_;
  const std::string ok_ = ScriptedServer::response(200, "OK", "secure and sound");
};

TEST_F(ProbeTls, VerifiedWithCafileAndSessionResumed) {
  std::vector<test::TlsServed> served;
  ScriptedServer server(
      [&](ScriptedServer::Connection& c) { served.push_back(test::serve_tls(c, *context_, ok_)); });
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
  auto probe = make_probe(url, with_ca());
  const ProbeResult first = run(*probe);
  EXPECT_TRUE(first.ok()) << first.outcome;
  EXPECT_FALSE(probe->last_tls_resumed());
  EXPECT_GT(first.timings.tls_done_us, first.timings.connected_us);
  // The ClientHello was made before the connect, to go out with it.
  EXPECT_GT(first.timings.tls_hello_us, 0u);
  EXPECT_LT(first.timings.tls_hello_us, first.timings.connected_us);
  EXPECT_EQ(first.tls, TlsHandshake::full);
  EXPECT_EQ(first.cert_not_after, 0);  // not asked for: not read
  // The phases add up to the total, tls among them (a name was looked up as well).
  std::uint64_t sum = 0;
  std::vector<std::string> names;
  for (const ProbePhase& phase : probe_phases(first.timings)) {
    names.emplace_back(phase.name);
    sum += phase.us;
  }
  EXPECT_EQ(sum, first.timings.total_us);
  EXPECT_EQ(names,
            (std::vector<std::string>{"resolve", "connect", "tls", "processing", "transfer"}));
  const ProbeResult second = run(*probe);
  EXPECT_TRUE(second.ok()) << second.outcome;
  EXPECT_TRUE(probe->last_tls_resumed());
  EXPECT_EQ(second.tls, TlsHandshake::resumed);
  probe.reset();
  ASSERT_TRUE(server.wait_finished(2, std::chrono::seconds(10)));
  ASSERT_EQ(served.size(), 2u);
  EXPECT_FALSE(served[0].session_reused);
  EXPECT_TRUE(served[1].session_reused);
  EXPECT_EQ(served[0].server_name, "localhost");  // SNI from the URL host
  EXPECT_NE(served[0].request.find("Host: localhost:"), std::string::npos);
}

// TLS 1.2: in a full handshake the client's Finished comes before the server's; in a
// resumed one it comes after, as the last flight, and goes out with the request.
TEST_F(ProbeTls, Tls12FullThenResumedEachSendTheRequest) {
  ServerOptions options;
  options.identity = leaf_;
  options.max_version = TLS1_2_VERSION;
  TestServerContext tls12(options);
  std::vector<test::TlsServed> served;
  ScriptedServer server(
      [&](ScriptedServer::Connection& c) { served.push_back(test::serve_tls(c, tls12, ok_)); });
  auto probe = make_probe("https://localhost:" + std::to_string(server.port()) + "/", with_ca());
  const ProbeResult first = run(*probe);
  EXPECT_TRUE(first.ok()) << first.outcome;
  EXPECT_EQ(first.tls, TlsHandshake::full);
  const ProbeResult second = run(*probe);
  EXPECT_TRUE(second.ok()) << second.outcome;
  EXPECT_EQ(second.tls, TlsHandshake::resumed);
  probe.reset();
  ASSERT_TRUE(server.wait_finished(2, std::chrono::seconds(10)));
  ASSERT_EQ(served.size(), 2u);
  for (const test::TlsServed& s : served) {
    EXPECT_TRUE(s.handshake_done) << s.error;
    EXPECT_EQ(s.requests, 1);
    EXPECT_NE(s.request.find("GET / HTTP/1.1\r\n"), std::string::npos) << s.request;
  }
  EXPECT_FALSE(served[0].session_reused);
  EXPECT_TRUE(served[1].session_reused);
}

// Asked for (metrics, cert_expiry_days), a check reads when the certificates expire: the
// leaf's (30 days, as the fixture's) and the verified chain's, here the leaf's too.
TEST_F(ProbeTls, CertificateExpiryIsReadWhenAskedFor) {
  ScriptedServer server([&](ScriptedServer::Connection& c) { test::serve_tls(c, *context_, ok_); });
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
  auto probe = make_probe(url, with_ca(), 5s, {}, true);
  const ProbeResult r = run(*probe);
  ASSERT_TRUE(r.ok()) << r.outcome;
  const auto in_30_days = static_cast<std::int64_t>(std::time(nullptr)) + 30 * 86400;
  EXPECT_NEAR(static_cast<double>(r.cert_not_after), static_cast<double>(in_30_days), 600.0);
  EXPECT_EQ(r.chain_not_after, r.cert_not_after);
}

TEST_F(ProbeTls, NoResumptionWhenOff) {
  ScriptedServer server([&](ScriptedServer::Connection& c) { test::serve_tls(c, *context_, ok_); });
  TlsOptions o = with_ca();
  o.session_resumption = false;
  auto probe = make_probe("https://127.0.0.1:" + std::to_string(server.port()) + "/", o);
  EXPECT_TRUE(run(*probe).ok());
  EXPECT_TRUE(run(*probe).ok());
  EXPECT_FALSE(probe->last_tls_resumed());
}

TEST_F(ProbeTls, UnknownIssuerFailsWithoutCafile) {
  ScriptedServer server([&](ScriptedServer::Connection& c) { test::serve_tls(c, *context_, ok_); });
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto probe = make_probe(url, TlsOptions{});
  const ProbeResult r = run(*probe);
  EXPECT_EQ(r.failure, ProbeFailure::tls);
  EXPECT_EQ(r.outcome.rfind("error contacting " + url + ":\n\n certificate verify failed", 0), 0u)
      << r.outcome;
}

TEST_F(ProbeTls, ReuseConnectionGoesOnWithoutAHandshake) {
  std::vector<test::TlsServed> served;
  const std::string keep_alive = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    served.push_back(test::serve_tls(c, *context_, keep_alive, false, 3));
  });
  ProbeSettings t;
  t.url = "https://localhost:" + std::to_string(server.port()) + "/";
  t.timeout = 5s;
  t.tls = with_ca();
  t.reuse_connection = true;
  auto spec = compile_probe_spec(t, cache_, /*certificate_expiry=*/true);
  ASSERT_TRUE(spec.ok()) << spec.error();
  Probed probe{spec.value(), std::make_unique<Probe>(&loop_, *dns_)};
  std::vector<ProbeResult> results;
  for (int i = 0; i < 3; ++i)
    results.push_back(run(probe));
  for (const ProbeResult& r : results) {
    EXPECT_TRUE(r.ok()) << r.outcome;
    EXPECT_NE(r.cert_not_after, 0);  // the handshake's, on the kept connection too
    EXPECT_EQ(r.cert_not_after, results[0].cert_not_after);
  }
  EXPECT_EQ(results[0].tls, TlsHandshake::full);
  EXPECT_EQ(results[1].tls, TlsHandshake::kept);
  EXPECT_EQ(results[2].tls, TlsHandshake::kept);
  EXPECT_EQ(phases_text(results[2].timings).find("tls "), std::string::npos);
  probe.engine.reset();  // closes the kept connection
  ASSERT_TRUE(server.wait_finished(1, 10s));
  EXPECT_EQ(server.connections(), 1);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].requests, 3);
  EXPECT_EQ(served[0].request.find("Connection:"), std::string::npos);
}

// A server that asks for a client certificate: given (--client-cert, --client-key), the
// probe passes and the server saw it; without one, TLS 1.3 finishes the client's handshake
// first, and the server's refusal arrives as an alert while the response is awaited.
TEST_F(ProbeTls, ClientCertificateAskedForByTheServer) {
  ServerOptions options;
  options.identity = leaf_;
  options.client_ca_file = pki_.ca_file();
  TestServerContext asking(options);
  std::vector<test::TlsServed> served;
  ScriptedServer server(
      [&](ScriptedServer::Connection& c) { served.push_back(test::serve_tls(c, asking, ok_)); });
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/";
  CertSpec spec;
  spec.dns_names = {"client.example"};
  const tls::testing::CertFiles client = pki_.issue("client", spec);
  TlsOptions with_cert = with_ca();
  with_cert.client_cert = client.cert;
  with_cert.client_key = client.key;
  auto probe = make_probe(url, with_cert);
  const ProbeResult given = run(*probe);
  EXPECT_TRUE(given.ok()) << given.outcome;
  auto without = make_probe(url, with_ca());
  const ProbeResult missing = run(*without);
  EXPECT_EQ(missing.failure, ProbeFailure::tls) << missing.outcome;
  EXPECT_NE(missing.outcome.find("certificate required"), std::string::npos) << missing.outcome;
  probe.reset();
  without.reset();
  ASSERT_TRUE(server.wait_finished(2, 10s));
  ASSERT_EQ(served.size(), 2u);
  EXPECT_TRUE(served[0].client_certificate);
  EXPECT_NE(served[0].request.find("GET / HTTP/1.1"), std::string::npos);
  EXPECT_FALSE(served[1].client_certificate);
  EXPECT_EQ(served[1].request, "");
}

// A name with two addresses, the first refusing: the ClientHello, which goes with the
// connect, goes again with the connect to the second, and the handshake is made there.
TEST_F(ProbeTls, TheClientHelloGoesAgainToTheNextAddress) {
  std::vector<test::TlsServed> served;
  ScriptedServer server(  // on 127.0.0.1 only: 127.0.0.2 refuses the same port
      [&](ScriptedServer::Connection& c) { served.push_back(test::serve_tls(c, *context_, ok_)); });
  test::TestNameServer names(
      std::map<std::string, std::string>{{"app.test", "127.0.0.2,127.0.0.1"}});
  auto dns = net::Dns::create(&loop_, names.servers());
  ASSERT_TRUE(dns.ok()) << dns.error();
  // The premise: the refusing address comes first, as the name server gave them.
  std::vector<std::string> order;
  net::Resolver resolver(*dns.value());
  resolver.resolve("app.test", 443, [&](int, std::vector<sockaddr_storage> found) {
    for (const sockaddr_storage& a : found)
      order.push_back(::inet_ntoa(reinterpret_cast<const sockaddr_in&>(a).sin_addr));
    order.emplace_back("done");
  });
  while (order.empty() && uv_run(&loop_, UV_RUN_ONCE) != 0) {
  }
  ASSERT_EQ(order, (std::vector<std::string>{"127.0.0.2", "127.0.0.1", "done"}));
  // The certificate is for localhost: the probe checks that name (tls_server_name).
  // A channel of its own: a c-ares that caches answers (1.23 on) would not ask again.
  auto probe_dns = net::Dns::create(&loop_, names.servers());
  ASSERT_TRUE(probe_dns.ok()) << probe_dns.error();
  auto probe = make_probe("https://app.test:" + std::to_string(server.port()) + "/", with_ca(), 5s,
                          "localhost");
  probe->engine = std::make_unique<Probe>(&loop_, *probe_dns.value());
  const std::size_t asked_before = names.asked().size();
  const ProbeResult r = run(*probe);
  EXPECT_TRUE(r.ok()) << r.outcome;
  EXPECT_EQ(r.tls, TlsHandshake::full);
  ASSERT_GT(names.asked().size(), asked_before);  // the probe looked the name up itself
  EXPECT_EQ(names.asked()[asked_before], "app.test");
  probe.reset();
  ASSERT_TRUE(server.wait_finished(1, 10s));
  EXPECT_EQ(server.connections(), 1);
  ASSERT_EQ(served.size(), 1u);
  EXPECT_TRUE(served[0].handshake_done);
  EXPECT_EQ(served[0].server_name, "localhost");
  EXPECT_NE(served[0].request.find("Host: app.test:"), std::string::npos);
}

TEST_F(ProbeTls, SelfSignedPassesWithInsecure) {
  CertSpec spec;
  spec.dns_names = {"other.example"};
  ServerOptions options;
  options.identity = pki_.self_signed("self", spec);
  TestServerContext self_signed(options);
  ScriptedServer server(
      [&](ScriptedServer::Connection& c) { test::serve_tls(c, self_signed, ok_); });
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto strict = make_probe(url, TlsOptions{});
  const ProbeResult r = run(*strict);
  EXPECT_EQ(r.failure, ProbeFailure::tls);
  EXPECT_NE(r.outcome.find("certificate verify failed: self-signed certificate"), std::string::npos)
      << r.outcome;
  TlsOptions insecure;
  insecure.insecure = true;
  auto lax = make_probe(url, insecure);
  EXPECT_TRUE(run(*lax).ok());
}

TEST_F(ProbeTls, HostNameMismatch) {
  ScriptedServer server([&](ScriptedServer::Connection& c) { test::serve_tls(c, *context_, ok_); });
  auto probe = make_probe("https://127.0.0.1:" + std::to_string(server.port()) + "/", with_ca(), 5s,
                          "other.example");
  const ProbeResult r = run(*probe);
  EXPECT_EQ(r.failure, ProbeFailure::tls);
  EXPECT_NE(r.outcome.find("host name mismatch: checked 'other.example'"), std::string::npos)
      << r.outcome;
}

TEST_F(ProbeTls, StalledHandshakeHitsTheDeadline) {
  ScriptedServer server(
      [&](ScriptedServer::Connection& c) { test::serve_tls(c, *context_, ok_, /*stall=*/true); });
  auto probe =
      make_probe("https://127.0.0.1:" + std::to_string(server.port()) + "/", with_ca(), 500ms);
  const ProbeResult r = run(*probe);
  EXPECT_EQ(r.failure, ProbeFailure::timeout);
  EXPECT_NE(r.outcome.find("timed out after 500 ms in the TLS handshake"), std::string::npos)
      << r.outcome;
}

TEST_F(ProbeTls, PlainHttpServerIsATlsFailure) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  });
  auto probe = make_probe("https://127.0.0.1:" + std::to_string(server.port()) + "/", with_ca());
  const ProbeResult r = run(*probe);
  EXPECT_EQ(r.failure, ProbeFailure::tls);
  EXPECT_NE(r.outcome.find("TLS handshake failed"), std::string::npos) << r.outcome;
}

// A TLS 1.2 server that asks for a new handshake after the request (as a server wanting
// a client certificate for one path does): the probe goes along, sends its request once
// and reads the response.
TEST_F(ProbeTls, ServerRenegotiationAfterTheRequest) {
  ServerOptions options;
  options.identity = leaf_;
  options.max_version = TLS1_2_VERSION;
  TestServerContext tls12(options);
  std::string requests;
  bool renegotiated = false;
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    tls::testing::TestServer s(tls12);
    auto flush = [&] {
      const std::string out = s.take_output();
      if (!out.empty())
        c.send(out);
    };
    // Reads what comes next into the session; false on EOF or after 10 s of silence.
    auto receive = [&] {
      pollfd p{c.fd(), POLLIN, 0};
      char buf[16384];
      if (::poll(&p, 1, 10000) != 1)
        return false;
      const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
      if (n <= 0)
        return false;
      s.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      return true;
    };
    while (requests.find("\r\n\r\n") == std::string::npos) {
      if (!receive())
        return;
      if (s.accept() < 0)
        return;
      flush();
      if (s.handshake_done())
        requests += s.read_available();
    }
    s.renegotiate();
    flush();
    while (s.renegotiating() || !s.handshake_done()) {
      if (!receive() || s.accept() < 0)
        return;
      requests += s.read_available();
      flush();
    }
    renegotiated = true;
    s.write(ok_);
    s.shutdown();
    flush();
    // Everything the client still sends until it hangs up: a second request would show.
    while (receive())
      requests += s.read_available();
  });
  auto probe = make_probe("https://127.0.0.1:" + std::to_string(server.port()) + "/", with_ca());
  const ProbeResult r = run(*probe);
  EXPECT_TRUE(r.ok()) << r.outcome;
  probe.reset();
  ASSERT_TRUE(server.wait_finished(1, std::chrono::seconds(20)));
  EXPECT_TRUE(renegotiated);
  std::size_t gets = 0;
  for (auto at = requests.find("GET / "); at != std::string::npos;
       at = requests.find("GET / ", at + 1))
    ++gets;
  EXPECT_EQ(gets, 1u) << requests;
}

// A server that ends the TLS session with its keep-alive answer (close_notify in the same
// flight) and then answers nothing more, nor closes: that connection is not kept, or the
// next check would send its request into a dead session and time out on a healthy server.
TEST_F(ProbeTls, AnAnswerThatComesWithCloseNotifyDoesNotKeepTheConnection) {
  const std::string keep_alive = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    tls::testing::TestServer s(*context_);
    std::string request;
    while (request.find("\r\n\r\n") == std::string::npos) {
      pollfd p{c.fd(), POLLIN, 0};
      char buf[16384];
      if (::poll(&p, 1, 10000) != 1)
        return;
      const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
      if (n <= 0)
        return;
      s.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      if (s.accept() < 0)
        return;
      if (s.handshake_done())
        request += s.read_available();
      const std::string out = s.take_output();
      if (!out.empty())
        c.send(out);
    }
    s.write(keep_alive);
    s.shutdown();
    c.send(s.take_output());  // the answer and close_notify together
    // Answers nothing more and keeps the connection open until the client closes it
    // (what it sends is read and dropped: one connection at a time on this thread).
    pollfd p{c.fd(), POLLIN, 0};
    char buf[16384];
    while (::poll(&p, 1, 10000) == 1 && ::recv(c.fd(), buf, sizeof buf, 0) > 0) {
    }
  });
  ProbeSettings t;
  t.url = "https://localhost:" + std::to_string(server.port()) + "/";
  t.timeout = 2s;
  t.tls = with_ca();
  t.reuse_connection = true;
  auto spec = compile_probe_spec(t, cache_, false);
  ASSERT_TRUE(spec.ok()) << spec.error();
  Probed probe{spec.value(), std::make_unique<Probe>(&loop_, *dns_)};
  for (int i = 0; i < 2; ++i) {
    const ProbeResult r = run(probe);
    EXPECT_TRUE(r.ok()) << i << ": " << r.outcome;
    EXPECT_NE(r.tls, TlsHandshake::kept) << i;
  }
  EXPECT_EQ(server.connections(), 2);
}

// A corrupt record and then a reset: OpenSSL's alert cannot be sent any more. The probe
// must fail cleanly (no use of the freed session; checked by the sanitizer build).
TEST_F(ProbeTls, BadRecordThenReset) {
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    tls::testing::TestServer s(*context_);
    std::string request;
    char buf[16384];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
      if (n <= 0)
        return;
      s.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      if (!s.handshake_done()) {
        const int rc = s.accept();
        c.send(s.take_output());
        if (rc < 0)
          return;
        if (rc == 0)
          continue;
      }
      request += s.read_available();
    }
    std::string bogus("\x17\x03\x03\x00\x30", 5);
    bogus += std::string(48, 'A');
    c.send(bogus);
    linger reset{1, 0};
    ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  });
  auto probe = make_probe("https://127.0.0.1:" + std::to_string(server.port()) + "/", with_ca());
  const ProbeResult r = run(*probe);
  // Which one depends on whether the record or the reset is read first.
  EXPECT_TRUE(r.failure == ProbeFailure::tls || r.failure == ProbeFailure::protocol) << r.outcome;
}

TEST_F(ProbeTls, Ipv6Loopback) {
  ScriptedServer server([&](ScriptedServer::Connection& c) { test::serve_tls(c, *context_, ok_); },
                        /*ipv6=*/true);
  if (!server.listening())
    GTEST_SKIP() << "no IPv6 loopback on this machine";
  auto probe = make_probe("https://[::1]:" + std::to_string(server.port()) + "/", with_ca());
  const ProbeResult r = run(*probe);
  EXPECT_TRUE(r.ok()) << r.outcome;
}

}  // namespace
}  // namespace httpok
