// Proves the test harness against a real supervisord: it starts, runs a program, obeys
// supervisorctl, enforces inet_http_server credentials, and the support scripts work.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>

#include "support/supervisord.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

#define SKIP_WITHOUT_SUPERVISORD()                                             \
  do {                                                                         \
    if (!Supervisord::available()) {                                           \
      GTEST_SKIP() << "supervisord/supervisorctl not found at configure time"; \
    }                                                                          \
  } while (false)

TEST(WaitUntil, ReturnsTrueOnceThePredicateHolds) {
  int calls = 0;
  EXPECT_TRUE(wait_until([&] { return ++calls == 3; }, 5s));
  EXPECT_EQ(calls, 3);
}

TEST(WaitUntil, ReturnsFalseAfterTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_until([] { return false; }, 100ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
}

TEST(TempDir, IsRemovedWithItsContent) {
  std::filesystem::path kept;
  {
    TempDir dir;
    kept = dir.path();
    write_file(dir / "a.txt", "hello");
    EXPECT_EQ(read_file(dir / "a.txt"), "hello");
    EXPECT_FALSE(read_file(dir / "missing").has_value());
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(Supervisord, RunsAProgramAndStopsItOnRequest) {
  SKIP_WITHOUT_SUPERVISORD();
  Supervisord sv;
  sv.start(
      "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\nstopwaitsecs=2\n"
      "autorestart=false\n");
  ASSERT_TRUE(sv.wait_for_state("sleeper", "RUNNING", 10s));
  EXPECT_NE(sv.ctl({"status", "sleeper"}).find("RUNNING"), std::string::npos);

  const std::string out = sv.ctl({"stop", "sleeper"});
  EXPECT_NE(out.find("sleeper: stopped"), std::string::npos) << out;
  EXPECT_EQ(sv.state_of("sleeper"), "STOPPED");
  EXPECT_TRUE(sv.wait_for_log("stopped: sleeper", 5s)) << sv.log();
  EXPECT_FALSE(sv.state_of("no-such-program").has_value());
}

TEST(Supervisord, StopsOnDestructionAndCleansUp) {
  SKIP_WITHOUT_SUPERVISORD();
  std::filesystem::path dir;
  pid_t pid = 0;
  {
    Supervisord sv;
    sv.start("[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\nstopwaitsecs=2\n");
    ASSERT_TRUE(sv.wait_for_state("sleeper", "RUNNING", 10s));
    dir = sv.dir();
    pid = sv.pid();
    ASSERT_TRUE(sv.running());
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_NE(::kill(pid, 0), 0);  // reaped: no such process any more
}

TEST(Supervisord, KillsSupervisordAndItsChildrenWhenStoppingTakesTooLong) {
  SKIP_WITHOUT_SUPERVISORD();
  SupervisordOptions options;
  options.stop_timeout = 500ms;
  pid_t child = 0;
  pid_t supervisord = 0;
  {
    Supervisord sv(options);
    // Ignores SIGTERM, and supervisord would wait 60 s before its SIGKILL.
    sv.start(
        "[program:stubborn]\n"
        "command=sh -c \"trap '' TERM; touch %(here)s/ready; exec sleep 1000\"\nstartsecs=0\n"
        "stopwaitsecs=60\n");
    ASSERT_TRUE(sv.wait_for_state("stubborn", "RUNNING", 10s));
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(sv.dir() / "ready"); }, 10s));
    child = sv.pid_of("stubborn").value_or(0);
    supervisord = sv.pid();
    ASSERT_GT(child, 1);
    const auto start = std::chrono::steady_clock::now();
    sv.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_FALSE(sv.running());
  }
  EXPECT_NE(::kill(supervisord, 0), 0);
  // The child was reparented when supervisord died; whoever reaps orphans may take a moment.
  EXPECT_TRUE(wait_until(
      [&] {
        const std::string stat = read_file_or_empty("/proc/" + std::to_string(child) + "/stat");
        return stat.empty() || stat.find(") Z ") != std::string::npos;
      },
      5s));
}

TEST(Supervisord, InetServerRejectsRequestsWithoutCredentials) {
  SKIP_WITHOUT_SUPERVISORD();
  SupervisordOptions options;
  options.inet_http_server = true;
  options.username = "user";
  options.password = "s3cret";
  Supervisord sv(options);
  sv.start("");
  ASSERT_NE(sv.inet_port(), 0);

  const std::string body =
      "<?xml version=\"1.0\"?><methodCall><methodName>supervisor.getState</methodName>"
      "<params></params></methodCall>";
  const std::string head =
      "POST /RPC2 HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n";
  const std::string anonymous = exchange_tcp(sv.inet_port(), head + "\r\n" + body);
  EXPECT_EQ(anonymous.rfind("HTTP/1.", 0), 0u) << anonymous;
  EXPECT_NE(anonymous.find(" 401 "), std::string::npos) << anonymous;

  // base64("user:s3cret") == "dXNlcjpzM2NyZXQ=": the same request with credentials works.
  const std::string authorized =
      exchange_tcp(sv.inet_port(), head + "Authorization: Basic dXNlcjpzM2NyZXQ=\r\n\r\n" + body);
  EXPECT_NE(authorized.find(" 200 "), std::string::npos) << authorized;
  EXPECT_NE(authorized.find("<string>RUNNING</string>"), std::string::npos) << authorized;
}

TEST(Supervisord, StartFailsWithTheLogWhenTheConfigIsBad) {
  SKIP_WITHOUT_SUPERVISORD();
  Supervisord sv;
  try {
    sv.start("[program:broken]\n");  // no command= : supervisord refuses to start
    FAIL() << "start() returned";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("command"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(sv.running());
}

TEST(SupportScripts, WebappAnswersAndHangsOnRequest) {
  SKIP_WITHOUT_SUPERVISORD();
  const int port = free_tcp_port();
  Supervisord sv;
  sv.start("[program:webapp]\ncommand=python3 " + (support_dir() / "webapp.py").string() + " " +
           std::to_string(port) + " %(here)s/hang\nstartsecs=0\nstopwaitsecs=2\n");
  ASSERT_TRUE(sv.wait_for_state("webapp", "RUNNING", 10s));
  const std::string get = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  std::string answer;
  ASSERT_TRUE(wait_until(
      [&] {
        answer = exchange_tcp(port, get, 1s);
        return !answer.empty();
      },
      10s));
  EXPECT_EQ(answer.rfind("HTTP/1.0 200", 0), 0u) << answer;
  EXPECT_EQ(answer.substr(answer.size() - 2), "ok");

  write_file(sv.dir() / "hang", "");
  EXPECT_EQ(exchange_tcp(port, get, 500ms), "");  // held without an answer

  std::filesystem::remove(sv.dir() / "hang");
  EXPECT_EQ(exchange_tcp(port, get, 5s).rfind("HTTP/1.0 200", 0), 0u);
  EXPECT_EQ(exchange_tcp(port, "GET /status/503 HTTP/1.0\r\n\r\n", 5s).rfind("HTTP/1.0 503", 0),
            0u);
}

TEST(SupportScripts, FakeSendmailRecordsArgumentsAndStdin) {
  TempDir dir;
  const std::string out = (dir / "mail").string();
  ASSERT_EQ(::setenv("FAKE_SENDMAIL_OUT", out.c_str(), 1), 0);
  const CommandResult r = run_command({"sh", "-c", "printf 'To: a@b\\n\\nbody' | \"$0\" -t -i",
                                       (support_dir() / "fake-sendmail.sh").string()});
  ::unsetenv("FAKE_SENDMAIL_OUT");
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_EQ(r.output, "");
  EXPECT_EQ(read_file_or_empty(out),
            "=== sendmail\narg: -t\narg: -i\n--- stdin\nTo: a@b\n\nbody\n=== end\n");
}

TEST(SupportScripts, FakeGcoreRecordsArgumentsAndReports) {
  TempDir dir;
  const std::string out = (dir / "gcore").string();
  ASSERT_EQ(::setenv("FAKE_GCORE_OUT", out.c_str(), 1), 0);
  const CommandResult r =
      run_command({(support_dir() / "fake-gcore.sh").string(), "-o", "/tmp/core dir/x", "42"});
  ::unsetenv("FAKE_GCORE_OUT");
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.output, "core written to /tmp/core dir/x\n");
  EXPECT_EQ(read_file_or_empty(out), "=== gcore\narg: -o\narg: /tmp/core dir/x\narg: 42\n");
}

}  // namespace
}  // namespace httpok::test
