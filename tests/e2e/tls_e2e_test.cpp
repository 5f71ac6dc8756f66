// The httpok binary probing a local TLS server on port 0.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "child.hpp"
#include "support/test_support.hpp"
#include "tls_serve.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;
using tls::testing::CertSpec;
using tls::testing::ServerOptions;
using tls::testing::TestPki;
using tls::testing::TestServerContext;

const std::map<std::string, std::string> kEnv = {
    {"SUPERVISOR_SERVER_URL", "unix:///nonexistent/supervisor.sock"}};

std::string tick(int serial) {
  return "ver:3.0 server:supervisor serial:" + std::to_string(serial) +
         " pool:httpok poolserial:1 eventname:TICK_5 len:15\nwhen:1700000000";
}

class BinaryTls : public ::testing::Test {
 protected:
  BinaryTls() {
    CertSpec spec;
    spec.ip_addresses = {"127.0.0.1"};
    ServerOptions options;
    options.identity = pki_.issue("leaf", spec);
    context_ = std::make_unique<TestServerContext>(options);
    server_ = std::make_unique<ScriptedServer>([this](ScriptedServer::Connection& c) {
      TlsServed s = serve_tls(c, *context_, ScriptedServer::response(200, "OK", "fine"));
      std::lock_guard<std::mutex> lock(mutex_);
      served_.push_back(s);
    });
    url_ = "https://127.0.0.1:" + std::to_string(server_->port()) + "/";
  }
  std::size_t served() {
    std::lock_guard<std::mutex> lock(mutex_);
    return served_.size();
  }

  // Declared before the server, so they outlive its thread (members die in reverse order).
  TestPki pki_;
  std::unique_ptr<TestServerContext> context_;
  std::mutex mutex_;
  std::vector<TlsServed> served_;
  std::string url_;
  std::unique_ptr<ScriptedServer> server_;
};

TEST_F(BinaryTls, VerifiedWithCafileAndTheSecondProbeResumes) {
  Child child({httpok_binary(), "--cafile", pki_.ca_file(), url_}, kEnv);
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return served() == 1; }, 10s)) << child.err();
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for([&] { return served() == 2; }, 10s)) << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(child.err().find("failure"), std::string::npos) << child.err();
  std::lock_guard<std::mutex> lock(mutex_);
  EXPECT_TRUE(served_[0].handshake_done);
  EXPECT_FALSE(served_[0].session_reused);
  EXPECT_TRUE(served_[1].session_reused);
}

TEST_F(BinaryTls, FailsWithoutCafile) {
  Child child({httpok_binary(), url_}, kEnv);
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for(
      [&] { return child.err().find("certificate verify failed") != std::string::npos; }, 10s))
      << child.err();
  EXPECT_NE(child.err().find("httpok: tls failure: error contacting " + url_ +
                             ": certificate verify failed"),
            std::string::npos)
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST_F(BinaryTls, PassesWithInsecure) {
  Child child({httpok_binary(), "--insecure", url_}, kEnv);
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return served() == 1; }, 10s)) << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(child.err().find("failure"), std::string::npos) << child.err();
}

// cert_expiry_days: a certificate that expires in 2 days is warned of once (a line and a
// mail), not once a tick, and is no reason to restart; the metrics say when it expires.
TEST_F(BinaryTls, ACertificateThatExpiresInTwoDaysIsWarnedOfOnceNotEveryTick) {
  CertSpec spec;
  spec.ip_addresses = {"127.0.0.1"};
  spec.not_after = std::chrono::hours(48);
  ServerOptions options;
  options.identity = pki_.issue("soon", spec);
  TestServerContext context(options);
  std::atomic<int> served{0};
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    serve_tls(c, context, ScriptedServer::response(200, "OK", "fine"));
    ++served;
  });
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  TempDir dir;
  const std::string mails = (dir / "mail.txt").string();
  const std::string metrics = (dir / "httpok.prom").string();
  auto env = kEnv;
  env["FAKE_SENDMAIL_OUT"] = mails;
  const auto expires = static_cast<std::int64_t>(std::time(nullptr)) + 48 * 3600;
  Child child({httpok_binary(), "--cafile", pki_.ca_file(), "--cert-expiry-days", "14", "-m",
               "ops@example.com", "-s", (support_dir() / "fake-sendmail.sh").string(),
               "--metrics-file", metrics, url},
              env);
  for (int round = 1; round <= 3; ++round) {
    child.write_stdin(tick(round));
    ASSERT_TRUE(child.wait_for([&] { return served == round; }, 10s)) << child.err();
  }
  const std::string mail_head = "To: ops@example.com\nSubject: httpok: " + url +
                                ": certificate expires soon\n\n" + url +
                                ": the certificate expires in ";
  ASSERT_TRUE(wait_until(
      [&] { return read_file_or_empty(mails).find(mail_head) != std::string::npos; }, 10s))
      << read_file_or_empty(mails) << child.err();
  const std::string leaf_metric = "httpok_tls_cert_not_after_timestamp_seconds{target=\"default\"";
  ASSERT_TRUE(wait_until(
      [&] { return read_file_or_empty(metrics).find(leaf_metric) != std::string::npos; }, 15s))
      << read_file_or_empty(metrics);
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(count_of(read_file_or_empty(mails), "=== sendmail"), 1u) << read_file_or_empty(mails);
  EXPECT_EQ(count_of(child.err(), "certificate expires in"), 1u) << child.err();
  EXPECT_NE(child.err().find("httpok: " + url + ": the certificate expires in 2.0 days ("),
            std::string::npos)
      << child.err();
  EXPECT_NE(child.err().find(" UTC) (cert_expiry_days 14)\n"), std::string::npos) << child.err();
  EXPECT_EQ(child.err().find("failure"), std::string::npos) << child.err();
  EXPECT_EQ(child.err().find("Restarting"), std::string::npos) << child.err();
  // Both expiries are the leaf's here (the CA lasts a year); a second or two off at most.
  const std::string text = read_file_or_empty(metrics);
  for (const std::string name : {"httpok_tls_cert_not_after_timestamp_seconds",
                                 "httpok_tls_chain_earliest_not_after_timestamp_seconds"}) {
    const std::size_t at = text.find(name + "{target=\"default\",url=\"" + url + "\"} ");
    ASSERT_NE(at, std::string::npos) << name << "\n" << text;
    const double value = std::stod(text.substr(text.find("} ", at) + 2));
    EXPECT_NEAR(value, static_cast<double>(expires), 5.0) << name;
  }
}

// The Threads: line of /proc/PID/status.
int threads_of(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Threads:", 0) == 0)
      return std::stoi(line.substr(8));
  return -1;
}

TEST_F(BinaryTls, AClientKeyThatAnyoneCanReadIsWarnedOfBeforeReadyWithNoThreadStarted) {
  CertSpec spec;
  spec.dns_names = {"client.example"};
  const tls::testing::CertFiles client = pki_.issue("client", spec);
  std::filesystem::permissions(client.key, std::filesystem::perms(0644));
  Child child({httpok_binary(), "--cafile", pki_.ca_file(), "--client-cert", client.cert,
               "--client-key", client.key, url_},
              kEnv);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == "READY\n"; }, 10s)) << child.err();
  EXPECT_NE(child.err().find("httpok: warning: anyone can read the TLS key '" + client.key +
                             "' (mode 0644); chmod o-r it\n"),
            std::string::npos)
      << child.err();
  // The key was read when its TLS context was made: looked at again on the loop, with no
  // thread pool started for it. As many threads as a start without a key has (one, unless
  // the sanitizer or the libuv build adds its own).
  Child keyless({httpok_binary(), "--cafile", pki_.ca_file(), url_}, kEnv);
  ASSERT_TRUE(keyless.wait_for([&] { return keyless.out() == "READY\n"; }, 10s)) << keyless.err();
  EXPECT_EQ(threads_of(child.pid()), threads_of(keyless.pid()));
  for (Child* c : {&child, &keyless}) {
    c->close_stdin();
    EXPECT_EQ(c->wait_exit(5s), 0);
  }
}

TEST_F(BinaryTls, UnreadableCafileIsAStartUpError) {
  Child child({httpok_binary(), "--cafile", "/nonexistent/ca.pem", url_}, kEnv);
  EXPECT_EQ(child.wait_exit(5s), 2);
  EXPECT_NE(child.err().find("/nonexistent/ca.pem"), std::string::npos) << child.err();
  EXPECT_EQ(child.out(), "");  // before READY
}

}  // namespace
}  // namespace httpok::test
