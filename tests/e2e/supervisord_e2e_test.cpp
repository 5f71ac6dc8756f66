// httpok under a real supervisord: a hung web app is restarted, gcore and sendmail run,
// the protocol stays clean (no UNKNOWN state, no buffer overflow).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>

#include "child.hpp"
#include "support/supervisord.hpp"
#include "support/test_support.hpp"
#include "tls_test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

std::string q(const std::filesystem::path& p) {
  return "\"" + p.string() + "\"";
}

struct Scenario {
  std::string extra_options;       // httpok options before the URL
  std::string sendmail;            // -s value; the recording stand-in when empty
  std::string listener_env;        // extra environment= entries
  bool over_tcp = false;           // serverurl= the inet_http_server
  bool https = false;              // the app serves HTTPS with a self-signed certificate
  SupervisordOptions supervisord;  // inet server, credentials
};

class HungApp : public ::testing::Test {
 protected:
  void start(const Scenario& s) {
    if (!Supervisord::available())
      GTEST_SKIP() << "supervisord is not installed";
    SupervisordOptions options = s.supervisord;
    if (options.inet_http_server)
      options.inet_port = free_tcp_port();
    sv_ = std::make_unique<Supervisord>(options);
    port_ = free_tcp_port();
    url_ = std::string(s.https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/";
    const auto dir = sv_->dir();
    std::string tls_args;
    std::string options_extra = s.extra_options;
    if (s.https) {
      tls::testing::CertSpec spec;
      spec.ip_addresses = {"127.0.0.1"};
      const auto cert = pki_.self_signed("webapp", spec);
      tls_args = " " + cert.cert + " " + cert.key;
      options_extra += " --cafile " + cert.cert;
    }
    std::filesystem::create_directories(dir / "cores");
    const auto support = support_dir();
    std::string env =
        "FAKE_SENDMAIL_OUT=" + q(dir / "mail.txt") + ",FAKE_GCORE_OUT=" + q(dir / "gcore.txt");
    if (!s.listener_env.empty())
      env += "," + s.listener_env;
    const std::string sendmail =
        s.sendmail.empty() ? (support / "fake-sendmail.sh").string() + " -t -i" : s.sendmail;
    sv_->start(
        "[program:web]\ncommand=python3 " + (support / "webapp.py").string() + " " +
        std::to_string(port_) + " " + (dir / "hang").string() + tls_args +
        "\nstartsecs=3\nstopwaitsecs=2\nautorestart=false\n\n"
        "[eventlistener:httpok]\ncommand=" +
        httpok_binary() + " -p web -t 2 " + options_extra + " -m ops@example.com -s '" + sendmail +
        "' -d " + (dir / "cores").string() + " -g '" + (support / "fake-gcore.sh").string() +
        " -o' " + url_ + "\nevents=TICK_5\nstartsecs=0\nbuffer_size=10\nautostart=false\n" +
        (s.over_tcp ? "serverurl=http://127.0.0.1:" + std::to_string(options.inet_port) + "\n"
                    : "") +
        "stderr_logfile=" + (dir / "httpok.err").string() + "\nenvironment=" + env + "\n");
    // The listener starts once the app answers: a TICK while the app is still STARTING
    // would (rightly) fail the probe and mail "not in RUNNING state", which these
    // scenarios do not expect.
    ASSERT_TRUE(sv_->wait_for_state("web", "RUNNING", 20s)) << sv_->log();
    ASSERT_TRUE(wait_until([&] { return tcp_accepts(port_); }, 20s)) << sv_->log();
    sv_->ctl({"start", "httpok"});
    ASSERT_TRUE(sv_->wait_for_state("httpok", "RUNNING", 20s)) << sv_->log();
  }

  std::string err() const { return read_file_or_empty(sv_->dir() / "httpok.err"); }
  bool wait_err(const std::string& text, std::chrono::milliseconds t) const {
    return wait_until([&] { return err().find(text) != std::string::npos; }, t);
  }
  void hang() { write_file(sv_->dir() / "hang", ""); }
  void unhang() { std::filesystem::remove(sv_->dir() / "hang"); }

  tls::testing::TestPki pki_;
  std::unique_ptr<Supervisord> sv_;
  int port_ = 0;
  std::string url_;
};

TEST_F(HungApp, IsRestartedWithGcoreAndMail) {
  start({});
  if (HasFatalFailure() || IsSkipped())
    return;
  const std::string pid_before = sv_->ctl({"pid", "web"});
  hang();
  ASSERT_TRUE(wait_err("web is in RUNNING state, restarting", 30s)) << err() << sv_->log();
  unhang();
  ASSERT_TRUE(wait_err("Mailed:", 30s)) << err();
  ASSERT_TRUE(sv_->wait_for_state("web", "RUNNING", 20s));
  EXPECT_NE(sv_->ctl({"pid", "web"}), pid_before);

  const std::string timeout_text = "timed out after 2 s waiting for the response";
  const std::string core = (sv_->dir() / "cores" / "web").string();
  const std::string block =
      "Restarting selected processes ['web']\n"
      "gcore output for web:\n\n core written to " +
      core +
      "\n\n"
      "web is in RUNNING state, restarting\n"
      "web restarted\n";
  const std::string mail = "To: ops@example.com\nSubject: httpok: " + url_ +
                           ": bad status returned\n\nerror contacting " + url_ + ":\n\n " +
                           timeout_text + "\n" + block.substr(0, block.size() - 1);
  const std::string log = without_timings(err());
  EXPECT_NE(log.find("httpok: timeout failure: error contacting " + url_ + ": " + timeout_text +
                     "\n" + block + "Mailed:\n\n" + mail + "\n"),
            std::string::npos)
      << log;
  // sendmail got the mail on stdin, byte for byte, and its own arguments.
  EXPECT_EQ(read_file_or_empty(sv_->dir() / "mail.txt"),
            "=== sendmail\narg: -t\narg: -i\n--- stdin\n" + mail + "\n=== end\n");
  // gcore got the core file name and the pid as separate arguments.
  const std::string gcore = read_file_or_empty(sv_->dir() / "gcore.txt");
  EXPECT_NE(gcore.find("=== gcore\narg: -o\narg: " + core + "\narg: "), std::string::npos) << gcore;

  // The next tick finds the restarted app healthy (its access log shows httpok's GET
  // answered) and restarts nothing.
  const std::size_t restarts = log.size();
  auto answered = [&] {
    const std::string access = sv_->child_log("web", "stderr");
    std::size_t count = 0;
    for (std::size_t at = access.find("\"GET / HTTP/1.1\" 200"); at != std::string::npos;
         at = access.find("\"GET / HTTP/1.1\" 200", at + 1)) {
      ++count;
    }
    return count;
  };
  const std::size_t before = answered();
  ASSERT_TRUE(wait_until([&] { return answered() > before; }, 20s))
      << sv_->child_log("web", "stderr");
  EXPECT_EQ(err().find("restarting", restarts), std::string::npos) << err();
  const std::string supervisord_log = sv_->log();
  EXPECT_EQ(supervisord_log.find("UNKNOWN"), std::string::npos) << supervisord_log;
  EXPECT_EQ(supervisord_log.find("buffer overflowed"), std::string::npos) << supervisord_log;
}

TEST_F(HungApp, RestartOverTcpWithCredentials) {
  Scenario s;
  s.supervisord.inet_http_server = true;
  s.supervisord.username = "admin";
  s.supervisord.password = "s3cret";
  s.listener_env = "SUPERVISOR_USERNAME=\"admin\",SUPERVISOR_PASSWORD=\"s3cret\"";
  s.over_tcp = true;  // the listener talks to the inet server, not the UNIX socket
  start(s);
  if (HasFatalFailure() || IsSkipped())
    return;
  hang();
  ASSERT_TRUE(wait_err("web is in RUNNING state, restarting", 40s)) << err() << sv_->log();
  unhang();
  ASSERT_TRUE(wait_err("web restarted\n", 30s)) << err() << sv_->log();
  EXPECT_EQ(err().find("Failed to"), std::string::npos) << err();
  // The start-up checks found nothing to warn about; one line says what is watched.
  EXPECT_EQ(err().rfind("httpok: watching " + url_ +
                            " every TICK (timeout 2 s) for web; mail to "
                            "ops@example.com\n",
                        0),
            0u)
      << err();
  // supervisord stops a listener with SIGTERM: a clean exit, not "terminated by SIGTERM".
  sv_->ctl({"stop", "httpok"});
  EXPECT_TRUE(sv_->wait_for_log("stopped: httpok (exit status 0)", 10s)) << sv_->log();
}

TEST_F(HungApp, WrongCredentialsAreNamed) {
  Scenario s;
  s.supervisord.inet_http_server = true;
  s.supervisord.username = "admin";
  s.supervisord.password = "s3cret";
  s.listener_env = "SUPERVISOR_USERNAME=\"admin\",SUPERVISOR_PASSWORD=\"wrong\"";
  s.over_tcp = true;
  start(s);
  if (HasFatalFailure() || IsSkipped())
    return;
  const std::string pid = sv_->ctl({"pid", "httpok"});
  // Said at start already, before any failure.
  ASSERT_TRUE(wait_err("\n", 10s)) << err();
  EXPECT_EQ(
      err().rfind("httpok: warning: supervisord refused the credentials of user 'admin'\n", 0), 0u)
      << err();
  hang();
  ASSERT_TRUE(wait_err("Exception retrieving process info", 30s)) << err();
  EXPECT_NE(err().find("Exception retrieving process info supervisord refused the credentials "
                       "of user 'admin', not acting\n"),
            std::string::npos)
      << err();
  EXPECT_EQ(err().find("wrong"), std::string::npos) << err();  // never the password
  // Never fatal: the same listener fails the same way on the next tick.
  const std::size_t first = err().find("Exception retrieving process info");
  ASSERT_TRUE(wait_until(
      [&] {
        return err().find("Exception retrieving process info", first + 1) != std::string::npos;
      },
      30s))
      << err();
  unhang();
  EXPECT_EQ(sv_->ctl({"pid", "httpok"}), pid);
}

TEST_F(HungApp, HttpsWithSelfSignedCertificateGivenByCafile) {
  Scenario s;
  s.https = true;
  start(s);
  if (HasFatalFailure() || IsSkipped())
    return;
  // A verified probe succeeds first: the app's access log shows httpok's GET answered.
  ASSERT_TRUE(wait_until(
      [&] {
        return sv_->child_log("web", "stderr").find("\"GET / HTTP/1.1\" 200") != std::string::npos;
      },
      20s))
      << err();
  const std::string pid_before = sv_->ctl({"pid", "web"});
  hang();
  ASSERT_TRUE(wait_err("web is in RUNNING state, restarting", 30s)) << err() << sv_->log();
  unhang();
  ASSERT_TRUE(wait_err("Mailed:", 30s)) << err();
  // Verified (no certificate failure) until the hang: the only failure is the timeout.
  EXPECT_NE(err().find("httpok: timeout failure: error contacting " + url_), std::string::npos)
      << err();
  EXPECT_EQ(err().find("certificate verify failed"), std::string::npos) << err();
  ASSERT_TRUE(sv_->wait_for_state("web", "RUNNING", 20s));
  EXPECT_NE(sv_->ctl({"pid", "web"}), pid_before);
}

TEST_F(HungApp, HangingSendmailIsKilledAndTicksKeepFlowing) {
  Scenario s;
  s.extra_options = "--action-timeout 1";
  s.sendmail = "sleep 60";  // never reads its mail, never exits
  start(s);
  if (HasFatalFailure() || IsSkipped())
    return;
  const std::string pid = sv_->ctl({"pid", "httpok"});
  hang();
  ASSERT_TRUE(wait_err("web restarted\n", 30s)) << err();
  // The stuck sendmail is killed at the deadline and the failure is logged...
  ASSERT_TRUE(wait_err("timed out after 1 s and was killed", 30s)) << err();
  // ...and the listener goes on: the app still hangs, so the next tick restarts it again.
  const std::size_t first = err().find("web restarted\n");
  ASSERT_TRUE(wait_until(
      [&] { return err().find("web restarted\n", first + 1) != std::string::npos; }, 30s))
      << err();
  unhang();
  EXPECT_EQ(sv_->ctl({"pid", "httpok"}), pid);  // the same listener all along
  const std::string log = sv_->log();
  EXPECT_EQ(log.find("UNKNOWN"), std::string::npos) << log;
  EXPECT_EQ(log.find("buffer overflowed"), std::string::npos) << log;
}

}  // namespace
}  // namespace httpok::test
