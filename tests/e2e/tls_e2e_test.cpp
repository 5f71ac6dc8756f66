// The httpok binary probing a local TLS server on port 0.
#include <gtest/gtest.h>

#include <mutex>

#include "child.hpp"
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

TEST_F(BinaryTls, UnreadableCafileIsAStartUpError) {
  Child child({httpok_binary(), "--cafile", "/nonexistent/ca.pem", url_}, kEnv);
  EXPECT_EQ(child.wait_exit(5s), 2);
  EXPECT_NE(child.err().find("/nonexistent/ca.pem"), std::string::npos) << child.err();
  EXPECT_EQ(child.out(), "");  // before READY
}

}  // namespace
}  // namespace httpok::test
