// The httpok binary end to end with a scripted stdin: protocol bytes only on stdout,
// acknowledgement before the probe ends, clean exit on EOF, command-line exits.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "child.hpp"
#include "samples.hpp"
#include "scripted_server.hpp"
#include "support/name_server.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

const std::map<std::string, std::string> kListenerEnv = {
    {"SUPERVISOR_SERVER_URL", "unix:///nonexistent/supervisor.sock"},
    {"SUPERVISOR_ENABLED", "1"},
    {"SUPERVISOR_GROUP_NAME", "httpok"},
    {"SUPERVISOR_PROCESS_NAME", "httpok"}};

std::string frame(const std::string& eventname, const std::string& payload, int serial,
                  std::size_t len = std::string::npos) {
  if (len == std::string::npos)
    len = payload.size();
  return "ver:3.0 server:supervisor serial:" + std::to_string(serial) +
         " pool:httpok poolserial:" + std::to_string(serial) + " eventname:" + eventname +
         " len:" + std::to_string(len) + "\n" + payload;
}
std::string tick(int serial) {
  return frame("TICK_5", "when:1700000000", serial);
}
// An event with its own number in the pool (poolserial), where frame() gives the serial.
std::string pool_frame(const std::string& eventname, const std::string& payload, int serial,
                       int poolserial) {
  std::string event = frame(eventname, payload, serial);
  const std::string from = " poolserial:" + std::to_string(serial) + " ";
  return event.replace(event.find(from), from.size(),
                       " poolserial:" + std::to_string(poolserial) + " ");
}

// What httpok wrote after its start-up lines (the warnings and the "watching" lines, all
// written before READY).
std::string after_startup(const std::string& err) {
  const std::size_t last = err.rfind(": watching ");  // "httpok: [NAME: ]watching URL ..."
  return last == std::string::npos ? err : err.substr(err.find('\n', last) + 1);
}

// Waits until httpok has said (log_rounds) that the checks of `rounds` TICKs have ended. A
// server that has answered is not yet a check that has ended, and a TICK that comes while a
// check runs starts none.
bool wait_rounds(Child& child, std::size_t rounds) {
  return child.wait_for([&] { return count_of(child.err(), "httpok: round of ") >= rounds; }, 10s);
}

std::string protocol(int acks) {
  std::string s = "READY\n";
  for (int i = 0; i < acks; ++i)
    s += "RESULT 2\nOKREADY\n";
  return s;
}

TEST(Binary, AcknowledgesBeforeTheProbeEndsAndExitsOnEof) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.hold();  // never answers
  });
  Child child({httpok_binary(), "-t", "30", server.url()}, kListenerEnv);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.out();
  child.write_stdin(tick(1));
  // The ack comes while the server still holds the request unanswered.
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(1); }, 10s)) << child.out();
  ASSERT_TRUE(child.wait_for([&] { return server.connections() == 1; }, 10s));
  child.close_stdin();
  const auto start = std::chrono::steady_clock::now();
  const auto status = child.wait_exit(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << child.err();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // "within 1 s", with slack for CI
  EXPECT_EQ(child.out(), protocol(1));
}

TEST(Binary, EofExitsWithinASecondEvenDuringAHostNameLookup) {
  // A name server that never answers holds a lookup for c-ares' time-outs (seconds per
  // try). The exit must not wait for them: the lookup is dropped, its socket closed.
  TestNameServer silent({}, true);
  std::map<std::string, std::string> env = kListenerEnv;
  env["HTTPOK_DNS_SERVERS"] = silent.servers();
  Child child({httpok_binary(), "-t", "30", "http://slow-dns.test/"}, env);
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return silent.queries() > 0; }, 10s)) << child.err();
  child.close_stdin();
  const auto start = std::chrono::steady_clock::now();
  const auto status = child.wait_exit(8s);
  ASSERT_TRUE(status.has_value()) << child.err();
  EXPECT_EQ(*status, 0) << child.err();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // "within 1 s", with slack for CI
  EXPECT_EQ(child.out(), protocol(1));
  EXPECT_EQ(after_startup(child.err()), "");
}

// Where IPv6 is turned off but /etc/hosts still names ::1 localhost (RHEL's and Docker's
// default), a connect to ::1 fails with EADDRNOTAVAIL. That is one address's failure, not
// this machine's: 127.0.0.1 refusing is what counts, a failure that restarts (were it a
// local error, a service that is down would never be restarted). Run in a network and
// mount namespace of its own: IPv6 off on its loopback, its own /etc/hosts.
TEST(Binary, AnAddressTheHostCannotUseIsThatAddressesFailureNotALocalError) {
  TempDir dir;
  if (std::system("PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/unshare -n -m sh -c "
                  "'ip link set lo up' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no network and mount namespaces here (unshare -n -m, ip)";
  const std::string port = std::to_string(free_tcp_port());
  for (const std::string order :
       {"::1 localhost\n127.0.0.1 localhost\n", "127.0.0.1 localhost\n::1 localhost\n"}) {
    const std::string hosts = (dir / "hosts").string();
    write_file(hosts, order);
    const std::string script =
        "ip link set lo up && echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6 && "
        "mount --bind " +
        hosts + " /etc/hosts && exec " + httpok_binary() + " --once -t 3 http://localhost:" + port +
        "/";
    Child child({"/usr/bin/unshare", "-n", "-m", "sh", "-c", script},
                {{"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}});
    EXPECT_EQ(child.wait_exit(10s), 1) << child.out() << child.err();
    EXPECT_EQ(child.out().rfind("default  FAIL  error contacting http://localhost:" + port +
                                    "/: [Errno 111] Connection refused  (",
                                0),
              0u)
        << order << child.out() << child.err();
  }
}

TEST(Binary, TargetsOfOneHostNameShareOneLookup) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  TestNameServer names(std::map<std::string, std::string>{{"app.test", "127.0.0.1"}});
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  std::string text;
  for (int i = 0; i < 30; ++i)
    text += "[target:t" + std::to_string(i) +
            "]\nurl = http://app.test:" + std::to_string(up.port()) + "/t" + std::to_string(i) +
            "\n\n";
  write_file(conf, text);
  Child child({httpok_binary(), "--once", "--config", conf},
              {{"HTTPOK_DNS_SERVERS", names.servers()}});
  EXPECT_EQ(child.wait_exit(20s), 0) << child.out() << child.err();
  EXPECT_EQ(std::count(child.out().begin(), child.out().end(), '\n'), 30) << child.out();
  EXPECT_EQ(up.connections(), 30);
  // One lookup (an A and an AAAA question) for the thirty probes that overlapped.
  EXPECT_LE(names.queries(), 2) << names.queries();
  for (const std::string& name : names.asked())
    EXPECT_EQ(name, "app.test");

  Child bad({httpok_binary(), "--once", up.url()}, {{"HTTPOK_DNS_SERVERS", "not an address"}});
  EXPECT_EQ(bad.wait_exit(10s), 2);
  EXPECT_EQ(bad.out(), "");
  EXPECT_EQ(bad.err().rfind("httpok: bad name servers 'not an address': ", 0), 0u) << bad.err();
  EXPECT_NE(bad.err().find(" (HTTPOK_DNS_SERVERS)\n"), std::string::npos) << bad.err();
}

TEST(Binary, FailedProbeLogsOneLineOnStderrOnly) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(503, "Service Unavailable", "down"));
  });
  Child child({httpok_binary(), server.url()}, kListenerEnv);
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for(
      [&] { return child.err().find("503 Service Unavailable") != std::string::npos; }, 10s))
      << child.err();
  // The line ends with where the time went: connected, waited, received.
  const std::string line =
      "httpok: status failure: status contacting " + server.url() + ": 503 Service Unavailable";
  EXPECT_NE(without_timings(child.err()).find(line + "\n"), std::string::npos) << child.err();
  EXPECT_NE(child.err().find(line + " (connect "), std::string::npos) << child.err();
  EXPECT_NE(child.err().find(" ms, processing "), std::string::npos) << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(child.out(), protocol(1));
}

TEST(Binary, NonTickEventsAndDuplicatesAreAcknowledgedNotActedOn) {
  // Every probe fails (503), so each one ends with an observable stderr line: the action
  // cannot reach supervisord and says so.
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(503, "Service Unavailable", "down"));
  });
  Child child({httpok_binary(), server.url()}, kListenerEnv);
  auto finished = [&](std::size_t n) {
    std::size_t count = 0;
    for (std::size_t at = child.err().find("not acting\n"); at != std::string::npos;
         at = child.err().find("not acting\n", at + 1)) {
      ++count;
    }
    return count == n;
  };
  child.write_stdin(
      frame("PROCESS_STATE_RUNNING", "processname:web groupname:web from_state:STARTING pid:1", 1));
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for([&] { return finished(1); }, 10s)) << child.err();
  child.write_stdin(tick(2));  // re-delivered: acknowledged, not probed again
  child.write_stdin(frame("PROCESS_LOG_STDOUT", "h\xC3\xA9llo", 3, 5));  // 5 characters, 6 bytes
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(4); }, 10s)) << child.out();
  child.write_stdin(tick(4));
  ASSERT_TRUE(child.wait_for([&] { return finished(2); }, 10s)) << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  // Had the duplicate started a probe, there would be a third connection, or tick 4 would
  // have found a check still running.
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(child.err().find("still running"), std::string::npos) << child.err();
  EXPECT_EQ(child.out(), protocol(5));
}

// A sendmail that waits at a gate: a test knows it is running (started()) and lets it go
// on (open()), then reads what the recording stand-in got (mail()).
struct GatedSendmail {
  TempDir dir;
  std::string started_file = (dir / "started").string();
  std::string gate = (dir / "go").string();
  std::string out = (dir / "mail.txt").string();
  std::string command = "touch '" + started_file + "'; while [ ! -e '" + gate +
                        "' ]; do sleep 0.01; done; exec " +
                        (support_dir() / "fake-sendmail.sh").string();
  bool started() const { return read_file(started_file).has_value(); }
  void open() const { write_file(gate, ""); }
  std::string mail() const { return read_file_or_empty(out); }
};

TEST(Binary, EofWhileMailingLetsTheMailGoOut) {
  // The app fails; a scripted supervisord lists "bar" (FATAL); a slow sendmail mails.
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedServer rpc([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", xmlrpc::samples::kAllProcessInfo));
  });
  // sendmail is sure to be running when stdin ends, and only the recording script itself
  // has to finish within the grace.
  GatedSendmail sendmail;
  Child child(
      {httpok_binary(), "-p", "bar", "-m", "ops@example.com", "-s", sendmail.command, app.url()},
      {{"SUPERVISOR_SERVER_URL", "http://127.0.0.1:" + std::to_string(rpc.port())},
       {"FAKE_SENDMAIL_OUT", sendmail.out}});
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return sendmail.started(); }, 10s)) << child.err();
  child.close_stdin();  // supervisord goes away while sendmail still runs
  const auto start = std::chrono::steady_clock::now();
  sendmail.open();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_NE(child.err().find("Mailed:\n\nTo: ops@example.com\n"), std::string::npos) << child.err();
  EXPECT_NE(sendmail.mail().find("bar not in RUNNING state, NOT restarting"), std::string::npos);
}

// A scripted supervisord that lists bar (FATAL), baz:baz_01 (STOPPED), foo (RUNNING, pid
// 4242) and httpok (RUNNING), and answers every other call with the same document.
// An app that answers 200 and notes the path of every request, in order.
struct PathRecorder {
  std::vector<std::string> paths() {
    std::lock_guard<std::mutex> lock(mutex);
    return seen;
  }
  std::mutex mutex;
  std::vector<std::string> seen;
  ScriptedServer server{[this](ScriptedServer::Connection& c) {
    const std::string request = c.read_request();
    {
      std::lock_guard<std::mutex> lock(mutex);
      seen.push_back(request.substr(4, request.find(' ', 4) - 4));
    }
    c.send(ScriptedServer::response(200, "OK", "fine"));
  }};
};

// A supervisord that answers every call with kAllProcessInfo (after `before`, if given).
struct ScriptedSupervisord {
  explicit ScriptedSupervisord(std::function<void(ScriptedServer::Connection&)> before = nullptr)
      : rpc([before = std::move(before)](ScriptedServer::Connection& c) {
          c.read_request();
          if (before)
            before(c);
          c.send(ScriptedServer::response(200, "OK", xmlrpc::samples::kAllProcessInfo));
        }) {}
  ScriptedServer rpc;
  std::map<std::string, std::string> env() const {
    return {{"SUPERVISOR_SERVER_URL", "http://127.0.0.1:" + std::to_string(rpc.port())},
            {"SUPERVISOR_GROUP_NAME", "httpok"},
            {"SUPERVISOR_PROCESS_NAME", "httpok"}};
  }
};

TEST(Binary, StartUpChecksAreLoggedBeforeTheFirstReady) {
  ScriptedSupervisord sv;
  const std::string url = "http://127.0.0.1:1/health";
  Child child(
      {httpok_binary(), "-p", "foo", "-p", "nosuch", "-m", "ops@example.com", "-s",
       "/nonexistent/sendmail -t", "-d", "/nonexistent/cores", "-g", "/nonexistent/gcore", url},
      sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  // Read in the same poll as READY: all of it was written before READY.
  EXPECT_EQ(child.err(),
            "httpok: warning: mail will fail: '/nonexistent/sendmail' does not exist (-s "
            "'/nonexistent/sendmail -t')\n"
            "httpok: warning: core files will fail: '/nonexistent/gcore' does not exist (-g "
            "'/nonexistent/gcore')\n"
            "httpok: warning: core files will fail: the core directory '/nonexistent/cores' does "
            "not exist (-d)\n"
            "httpok: warning: supervisord has no process named 'nosuch' (-p)\n"
            "httpok: watching " +
                url + " every TICK (timeout 10 s) for foo, nosuch; mail to ops@example.com\n");
  EXPECT_EQ(sv.rpc.connections(), 1);
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, NotEagerWithAMisspeltProgramSaysItWillNeverCheck) {
  ScriptedSupervisord sv;
  Child child({httpok_binary(), "-E", "-p", "nosuch", "http://127.0.0.1:1/"}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  EXPECT_NE(child.err().find("httpok: warning: supervisord has no process named 'nosuch' (-p)\n"
                             "httpok: warning: with -E, http://127.0.0.1:1/ is checked only while "
                             "one of its processes is RUNNING, and supervisord has none of "
                             "them\n"),
            std::string::npos)
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, StartUpSaysWhenSupervisordCannotBeReached) {
  Child child({httpok_binary(), "-p", "web", "http://127.0.0.1:1/"}, kListenerEnv);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  EXPECT_EQ(child.err(),
            "httpok: warning: cannot reach supervisord at unix:///nonexistent/supervisor.sock: "
            "[Errno 2] No such file or directory\n"
            "httpok: watching http://127.0.0.1:1/ every TICK (timeout 10 s) for web\n");
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, StartUpCheckOfASilentSupervisordIsBounded) {
  ScriptedServer rpc([](ScriptedServer::Connection& c) {
    c.read_request();
    c.hold();  // never answers
  });
  const auto start = std::chrono::steady_clock::now();
  Child child({httpok_binary(), "-p", "web", "http://127.0.0.1:1/"},
              {{"SUPERVISOR_SERVER_URL", "http://127.0.0.1:" + std::to_string(rpc.port())}});
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 1900ms);
  EXPECT_LT(elapsed, 5s);
  EXPECT_NE(child.err().find("httpok: warning: supervisord did not answer "
                             "supervisor.getAllProcessInfo within 2 s\n"),
            std::string::npos)
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, StartUpCheckOfAHangingFileSystemIsBounded) {
  std::map<std::string, std::string> env = kListenerEnv;
  const char* asan = std::getenv("ASAN_OPTIONS");
  env["LD_PRELOAD"] = std::getenv("HTTPOK_SLOW_STAT");
  env["SLOW_STAT_PATH"] = "/hung-nfs/cores";
  // The stand-in comes before the sanitizer runtime in the ASan build.
  env["ASAN_OPTIONS"] = std::string(asan != nullptr ? asan : "") + ":verify_asan_link_order=0";
  const auto start = std::chrono::steady_clock::now();
  Child child({httpok_binary(), "-p", "web", "-d", "/hung-nfs/cores", "-g", "cat", "-t", "5",
               "http://127.0.0.1:1/"},
              env);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 8s)) << child.err();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 1900ms);
  EXPECT_LT(elapsed, 5s);  // the stat() holds on for 10 s
  // No -m: the sendmail program is not looked at, and the warning does not name it.
  EXPECT_NE(child.err().find("httpok: warning: the checks of the gcore program and the core "
                             "directory did not end within 2 s (a file system that hangs?)\n"),
            std::string::npos)
      << child.err();
  // And EOF still ends httpok within a second, the stat() still hanging.
  child.close_stdin();
  const auto eof = std::chrono::steady_clock::now();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - eof, 2s);
}

TEST(Binary, SigtermAndSigintDuringAProbeExitZeroWithinASecond) {
  for (const int sig : {SIGTERM, SIGINT}) {
    ScriptedServer server([](ScriptedServer::Connection& c) {
      c.read_request();
      c.hold();  // never answers
    });
    Child child({httpok_binary(), "-t", "30", server.url()}, kListenerEnv);
    child.write_stdin(tick(1));
    ASSERT_TRUE(child.wait_for([&] { return server.connections() == 1; }, 10s)) << child.err();
    const auto start = std::chrono::steady_clock::now();
    ::kill(child.pid(), sig);
    const auto status = child.wait_exit(5s);
    ASSERT_TRUE(status.has_value()) << sig;
    EXPECT_EQ(*status, 0) << child.err();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // "within 1 s", with slack for CI
    EXPECT_EQ(child.out(), protocol(1));
    EXPECT_EQ(after_startup(child.err()), "");
  }
}

TEST(Binary, SigtermDuringARestartLetsTheMailGoOut) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  GatedSendmail sendmail;  // sure to be running when the signal comes
  std::map<std::string, std::string> env = sv.env();
  env["FAKE_SENDMAIL_OUT"] = sendmail.out;
  Child child(
      {httpok_binary(), "-p", "bar", "-m", "ops@example.com", "-s", sendmail.command, app.url()},
      env);
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return sendmail.started(); }, 10s)) << child.err();
  ::kill(child.pid(), SIGTERM);
  const auto start = std::chrono::steady_clock::now();
  sendmail.open();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_NE(child.err().find("Mailed:\n\nTo: ops@example.com\n"), std::string::npos) << child.err();
  EXPECT_NE(sendmail.mail().find("bar not in RUNNING state, NOT restarting"), std::string::npos);
}

TEST(Binary, ChildrensStderrNeverLandsInsideTheBlock) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string gcore = "echo gdb-said-this >&2; echo core; false";
  Child child({httpok_binary(), "-p", "foo", "-m", "ops@example.com", "-s",
               "/nonexistent/sendmail -t -i", "-d", dir.path().string(), "-g", gcore, app.url()},
              sv.env());
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for(
      [&] { return child.err().find("httpok: failed to send mail") != std::string::npos; }, 10s))
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  const std::string err = without_timings(after_startup(child.err()));
  const std::string outcome = "status contacting " + app.url() + ": 500 Internal Server Error";
  const std::string block =
      "Restarting selected processes ['foo']\n"
      "gcore output for foo:\n\n core\n\n"
      "foo is in RUNNING state, restarting\n"
      "foo restarted\n";
  const std::string mail = "To: ops@example.com\nSubject: httpok: " + app.url() +
                           ": bad status returned\n\n" + outcome + "\n" +
                           block.substr(0, block.size() - 1);
  // Then our notes, with what the children said (/bin/sh's words after "sendmail: ").
  const std::string expected = "httpok: status failure: " + outcome + "\n" + block + "Mailed:\n\n" +
                               mail +
                               "\n"
                               "httpok: gcore for foo failed: '" +
                               gcore +
                               "' exited with status 1; stderr: gdb-said-this\n"
                               "httpok: failed to send mail: '/nonexistent/sendmail -t -i' exited "
                               "with status 127; stderr: sendmail: ";
  EXPECT_EQ(err.substr(0, expected.size()), expected);
  EXPECT_NE(err.find("/nonexistent/sendmail", expected.size()), std::string::npos) << err;
  EXPECT_EQ(err.back(), '\n');
  EXPECT_EQ(std::count(err.begin() + static_cast<std::ptrdiff_t>(expected.size()), err.end(), '\n'),
            1);
}

// The fault matrix, local side (tests/README.md): a check fails, and what the restart
// sequence runs misbehaves. Each is said on httpok's own line after the block, the
// restart goes on, and the listener runs on.
struct LocalFault {
  ScriptedServer app{[](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  }};
  ScriptedSupervisord sv;
  TempDir dir;

  // Runs httpok -p foo with `options`, one TICK, until `line` is in its log; then EOF.
  std::string run(const std::vector<std::string>& options, const std::string& line) {
    std::vector<std::string> argv{httpok_binary(), "-p", "foo"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(app.url());
    Child child(argv, sv.env());
    child.write_stdin(tick(1));
    const bool said =
        child.wait_for([&] { return child.err().find(line) != std::string::npos; }, 20s);
    child.write_stdin(tick(2));  // still acknowledged
    const bool acked = child.wait_for([&] { return child.out() == protocol(2); }, 10s);
    child.close_stdin();
    const auto status = child.wait_exit(10s);
    EXPECT_TRUE(said) << line << "\n" << child.err();
    EXPECT_TRUE(acked) << child.out();
    EXPECT_EQ(status, 0) << child.err();
    return child.err();
  }
};

TEST(Binary, FaultGcoreHangingIsKilledAndTheRestartGoesOn) {
  LocalFault f;
  const std::string err =
      f.run({"-d", f.dir.path().string(), "-g", "sleep 30; :", "--action-timeout", "1"},
            "httpok: gcore for foo failed: 'sleep 30; :' timed out after 1 s and was killed");
  EXPECT_NE(err.find("foo restarted\n"), std::string::npos) << err;
}

TEST(Binary, FaultGcoreMissingIsNotedAndTheRestartGoesOn) {
  LocalFault f;
  const std::string err = f.run({"-d", f.dir.path().string(), "-g", "/nonexistent/gcore"},
                                "httpok: gcore for foo failed: '/nonexistent/gcore' exited with "
                                "status 127");
  EXPECT_NE(err.find("foo restarted\n"), std::string::npos) << err;
  // Said at start already.
  EXPECT_NE(err.find("httpok: warning: core files will fail: '/nonexistent/gcore' does not exist"),
            std::string::npos)
      << err;
}

TEST(Binary, FaultSendmailExitingOneIsNoted) {
  LocalFault f;
  const std::string err = f.run({"-m", "ops@example.com", "-s", "cat >/dev/null; exit 1"},
                                "httpok: failed to send mail: 'cat >/dev/null; exit 1' exited "
                                "with status 1");
  EXPECT_NE(err.find("foo restarted\n"), std::string::npos) << err;
}

TEST(Binary, FaultOnEveryCallIsSaidAndNothingIsRestarted) {
  std::atomic<int> calls{0};
  ScriptedServer faulting([&](ScriptedServer::Connection& c) {
    c.read_request();
    ++calls;
    c.send(ScriptedServer::response(200, "OK", xmlrpc::samples::kShutdownFault));
  });
  LocalFault f;
  std::map<std::string, std::string> env = f.sv.env();
  env["SUPERVISOR_SERVER_URL"] = "http://127.0.0.1:" + std::to_string(faulting.port());
  Child child({httpok_binary(), "-p", "foo", f.app.url()}, env);
  const std::string line =
      "Exception retrieving process info <Fault 6: 'SHUTDOWN_STATE'>, not acting\n";
  const auto said = [&](std::size_t times) {
    std::size_t n = 0;
    for (std::size_t at = child.err().find(line); at != std::string::npos;
         at = child.err().find(line, at + 1))
      ++n;
    return n >= times;
  };
  for (int i = 1; i <= 2; ++i) {  // the same on every TICK
    child.write_stdin(tick(i));
    ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(i) && said(i); }, 10s))
        << child.out() << child.err();
  }
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(10s), 0);
  EXPECT_EQ(child.err().find("Restarting"), std::string::npos) << child.err();
  EXPECT_EQ(child.err().find("restarted"), std::string::npos) << child.err();
  EXPECT_GE(calls.load(), 3);  // the start-up check, then one call a TICK
}

TEST(Binary, FaultSighupWithABrokenConfigInTheMiddleOfARound) {
  ScriptedServer slow([](ScriptedServer::Connection& c) {
    c.read_request();
    c.pause(1500);
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[httpok]\nlog_rounds = true\n\n[target:a]\nurl = " + slow.url() +
                       "\nprograms = foo\n");
  ScriptedSupervisord sv;
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(wait_until([&] { return slow.connections() == 1; }, 10s));
  // The check is under way: the file breaks, and SIGHUP comes.
  write_file(conf, "[target:a]\nurl = " + slow.url() + "\ntiemout = 5\n");
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(child.wait_for(
      [&] {
        return child.err().find("reload failed, the running configuration stays") !=
               std::string::npos;
      },
      10s))
      << child.err();
  // The round ends as it began, and the next one runs on the same configuration.
  ASSERT_TRUE(wait_rounds(child, 1)) << child.err();
  child.write_stdin(tick(2));
  ASSERT_TRUE(wait_until([&] { return slow.connections() == 2; }, 10s)) << child.err();
  ASSERT_TRUE(slow.wait_finished(2, 10s));
  EXPECT_TRUE(child.wait_for([&] { return child.out() == protocol(2); }, 10s)) << child.out();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(10s), 0);
  EXPECT_EQ(child.err().find("failure"), std::string::npos) << child.err();
  EXPECT_NE(child.err().find(":3: unknown key 'tiemout' in [target:a]"), std::string::npos)
      << child.err();
}

TEST(Binary, ReuseConnectionChecksOnOneConnection) {
  std::atomic<int> requests{0};
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    for (std::string request = c.read_request(); !request.empty(); request = c.read_request()) {
      ++requests;
      c.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
  });
  Child child({httpok_binary(), "--reuse-connection", "--log-rounds", server.url()}, kListenerEnv);
  for (int i = 1; i <= 3; ++i) {
    child.write_stdin(tick(i));
    ASSERT_TRUE(wait_rounds(child, static_cast<std::size_t>(i))) << child.err();
    EXPECT_EQ(requests, i);
  }
  EXPECT_EQ(server.connections(), 1);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(3); }, 10s));
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  // Three good checks: nothing to say but that each round ended.
  const std::string said = after_startup(child.err());
  EXPECT_EQ(count_of(said, "httpok: round of 1 check ended "), 3u) << said;
  EXPECT_EQ(count_of(said, "\n"), 3u) << said;
}

TEST(Binary, OnceWithReuseConnectionEndsAtOnce) {
  // A server that keeps every connection open as long as the client does.
  ScriptedServer server([](ScriptedServer::Connection& c) {
    for (std::string request = c.read_request(); !request.empty(); request = c.read_request())
      c.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  const auto start = std::chrono::steady_clock::now();
  Child child({httpok_binary(), "--once", "--reuse-connection", server.url()}, {});
  EXPECT_EQ(child.wait_exit(10s), 0) << child.err();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(child.out().rfind("default  OK  200  ", 0), 0u) << child.out();
}

TEST(Binary, ReuseConnectionSaysWhenTheFileDescriptorLimitLeavesNoRoom) {
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  std::string text = "[httpok]\nreuse_connection = true\nmax_concurrent = 16\n";
  for (int i = 0; i < 60; ++i)
    text += "\n[target:t" + std::to_string(i) + "]\nurl = http://127.0.0.1:1/\n";
  write_file(conf, text);
  // 100 descriptors: 16 checks in flight and httpok's own 64 leave 20 for 60 targets.
  Child child(
      {"/bin/sh", "-c", "ulimit -n 100; exec \"$0\" \"$@\"", httpok_binary(), "--config", conf},
      kListenerEnv);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  EXPECT_NE(child.err().find("httpok: warning: 60 targets reuse their connection, but the file "
                             "descriptor limit (ulimit -n 100) leaves room for 20 kept "
                             "connections: the others open a new one for each check\n"),
            std::string::npos)
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, AnIntervalTargetIsProbedOnItsOwnClock) {
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  std::mutex mutex;
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    c.read_request();
    {
      std::lock_guard<std::mutex> lock(mutex);
      arrivals.push_back(std::chrono::steady_clock::now());
    }
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  Child child({httpok_binary(), "--interval", "1", server.url()}, kListenerEnv);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  EXPECT_NE(child.err().find("httpok: watching " + server.url() + " every 1 s (timeout 10 s)"),
            std::string::npos)
      << child.err();
  // No TICK at all: the first probe at once, then one a second.
  ASSERT_TRUE(child.wait_for([&] { return server.connections() >= 3; }, 10s)) << child.err();
  // A TICK starts no probe of an interval target: had it started one, it would come
  // before the next interval probe, less than a second after the last one.
  const int before = server.connections();
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(1); }, 10s));
  ASSERT_TRUE(child.wait_for([&] { return server.connections() >= before + 1; }, 10s));
  ASSERT_TRUE(server.wait_finished(before + 1, 10s));
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_GE(arrivals.size(), 3u);
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    EXPECT_GE(arrivals[i] - arrivals[i - 1], 900ms) << i;  // libuv's whole milliseconds
  }
  EXPECT_EQ(after_startup(child.err()), "");
}

// --log-format json: every stderr line is one JSON object (a shipper reads them one by
// one), the failure a record with its fields, superlance's block one object whose lines
// hold the mail; --log-timestamps adds the time to each.
TEST(Binary, JsonLogIsOneObjectALineAndTheBlockIsOneObject) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  auto env = sv.env();
  env["FAKE_SENDMAIL_OUT"] = (dir / "mail.txt").string();
  Child child({httpok_binary(), "--log-format", "json", "--log-timestamps", "-p", "foo", "-m",
               "ops@example.com", "-s", (support_dir() / "fake-sendmail.sh").string(), app.url()},
              env);
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for(
      [&] { return child.err().find("\"event\":\"restart\"") != std::string::npos; }, 10s))
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(child.out(), protocol(1));
  write_file(dir / "err.json", child.err());
  // Checked by Python's json module, line by line.
  const std::string check = R"(
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
for r in records:
    assert isinstance(r, dict) and r['level'] in ('info', 'warning', 'error'), r
    assert r['time'].endswith('Z') and len(r['time']) == 24, r
events = [r['event'] for r in records]
assert events.count('restart') == 1, events
failed = records[events.index('probe_failed')]
assert failed['kind'] == 'status' and failed['url'] == sys.argv[2], failed
assert failed['message'].startswith('status failure: status contacting '), failed
assert isinstance(failed['duration_seconds'], (int, float)) and 'connect ' in failed['timings'], failed
block = records[events.index('restart')]
assert events.index('probe_failed') < events.index('restart'), events
assert block['lines'][0] == "Restarting selected processes ['foo']", block
assert 'foo restarted' in block['lines'], block
assert block['lines'][-1].startswith('Mailed:\n\nTo: ops@example.com\n'), block
assert events.index('watching') < events.index('probe_failed'), events
print('ok')
)";
  const CommandResult checked =
      run_command({"python3", "-c", check, (dir / "err.json").string(), app.url()});
  EXPECT_EQ(checked.exit_status, 0) << checked.output << child.err();
  EXPECT_EQ(checked.output, "ok\n") << child.err();
}

// json: a restart that EOF cuts short (its sendmail never ends) still writes its block,
// and before the lines held back behind it, as text does.
TEST(Binary, JsonBlockOfARunCutShortComesBeforeTheLinesHeldBehindIt) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  GatedSendmail sendmail;  // never opened: the run of the first target never ends
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[httpok]\nemail = ops@example.com\nsendmail_program = " + sendmail.command +
                       "\n\n[target:a]\nurl = " + app.url() + "a\nprograms = foo\n\n[target:b]\n" +
                       "url = " + app.url() + "b\nprograms = foo\n");
  Child child({httpok_binary(), "--log-format", "json", "--config", conf}, sv.env());
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return sendmail.started(); }, 10s)) << child.err();
  // Both failures are in: the first target's run waits for sendmail, the second's line
  // is held behind its block.
  ASSERT_TRUE(wait_until([&] { return app.connections() == 2; }, 10s));
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  const std::string& err = child.err();
  const std::size_t block = err.find("\"event\":\"restart\"");
  ASSERT_NE(block, std::string::npos) << err;
  const std::size_t first = err.find("\"event\":\"probe_failed\"");
  const std::size_t second = err.find("\"event\":\"probe_failed\"", first + 1);
  ASSERT_NE(second, std::string::npos) << err;
  EXPECT_LT(first, block) << err;   // the run's own failure, then its block
  EXPECT_LT(block, second) << err;  // then what waited behind it
}

TEST(Binary, LogTimestampsStartEachTextLineWithTheTime) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(503, "Service Unavailable", "down"));
  });
  Child child({httpok_binary(), "--log-timestamps", server.url()}, kListenerEnv);
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for(
      [&] { return child.err().find("503 Service Unavailable") != std::string::npos; }, 10s))
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  std::size_t lines = 0;
  for (std::size_t at = 0, end; (end = child.err().find('\n', at)) != std::string::npos;
       at = end + 1, ++lines) {
    const std::string line = child.err().substr(at, end - at);
    EXPECT_TRUE(line.size() > 26 && is_timestamp(line.substr(0, 24)) && line[24] == ' ' &&
                line[25] != ' ')
        << line;
  }
  EXPECT_GE(lines, 2u) << child.err();  // watching, the failure
  EXPECT_NE(child.err().find("Z httpok: status failure: "), std::string::npos) << child.err();
}

TEST(Binary, CoreIntervalWritesOneCoreForRepeatedFailures) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string runs = (dir / "gcore-runs").string();
  Child child({httpok_binary(), "-p", "foo", "-d", dir.path().string(), "-g",
               "echo run >> '" + runs + "'; echo core", "--core-interval", "3600", app.url()},
              sv.env());
  auto restarts = [&] {
    std::size_t count = 0;
    const std::string err = child.err();
    for (std::size_t at = err.find("foo restarted\n"); at != std::string::npos;
         at = err.find("foo restarted\n", at + 1)) {
      ++count;
    }
    return count;
  };
  for (int serial = 1; serial <= 3; ++serial) {
    child.write_stdin(tick(serial));
    ASSERT_TRUE(child.wait_for([&] { return restarts() == static_cast<std::size_t>(serial); }, 10s))
        << child.err();
  }
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(read_file_or_empty(runs), "run\n");  // one core for three restarts
  const std::size_t note =
      child.err().find("httpok: no core file of foo: the last one was written ");
  ASSERT_NE(note, std::string::npos) << child.err();
  EXPECT_NE(child.err().find(" s ago (--core-interval 3600)\n", note), std::string::npos)
      << child.err();
}

TEST(Binary, ManyTargetsFromAConfigFileEachRestartOnlyItsOwnInOneBlock) {
  ScriptedServer down([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf,
             "[httpok]\ntimeout = 5\n\n"
             "[target:a]\nurl = " +
                 down.url() +
                 "a\nprograms = foo\n\n"
                 "[target:b]\nurl = " +
                 down.url() +
                 "b\nprograms = bar\n\n"
                 "[target:c]\nurl = " +
                 up.url() + "\nprograms = baz:baz_01\n");
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  EXPECT_NE(child.err().find("httpok: a: watching " + down.url() +
                             "a every TICK (timeout 5 s) "
                             "for foo\nhttpok: b: watching "),
            std::string::npos)
      << child.err();
  child.write_stdin(tick(1));
  const std::string block_a =
      "Restarting selected processes ['foo']\n"
      "foo is in RUNNING state, restarting\n"
      "foo restarted\n";
  const std::string block_b =
      "Restarting selected processes ['bar']\n"
      "bar not in RUNNING state, NOT restarting\n";
  ASSERT_TRUE(child.wait_for(
      [&] {
        return child.err().find(block_a) != std::string::npos &&
               child.err().find(block_b) != std::string::npos;
      },
      10s))
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  const std::string err = without_timings(after_startup(child.err()));
  EXPECT_NE(err.find("httpok: a: status failure: status contacting " + down.url() +
                     "a: 500 Internal Server Error\n"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("httpok: b: status failure: status contacting " + down.url() +
                     "b: 500 Internal Server Error\n"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("baz"), std::string::npos) << err;  // c was healthy
  EXPECT_EQ(err.find("Restarting selected processes", err.find("Restarting") + 1),
            err.find(err.find(block_a) < err.find(block_b) ? block_b : block_a))
      << err;  // the second block starts only after the first one ended
  EXPECT_EQ(up.connections(), 1);
  EXPECT_EQ(child.out(), protocol(1));
}

TEST(Binary, ARestartForOneTargetStartsTheCountOfAnotherWatchingTheSameProgramAgain) {
  ScriptedServer down([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[target:a]\nurl = " + down.url() + "a\nprograms = foo\n\n[target:b]\nurl = " +
                       down.url() + "b\nprograms = foo\nfails = 3\n");
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  const std::string restarted = "foo restarted\n";
  for (int round = 1; round <= 3; ++round) {
    child.write_stdin(tick(round));
    // a's restart of foo ends the round (b's failure came with it, or before).
    ASSERT_TRUE(child.wait_for(
        [&] {
          const std::string& err = child.err();
          return count_of(err, restarted) == static_cast<std::size_t>(round) &&
                 err.find("b: status failure", err.rfind(restarted)) != std::string::npos;
        },
        10s))
        << child.err();
  }
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  const std::string err = without_timings(child.err());
  // Each of b's failures came after a restart of foo: it never counts past 1 of 3.
  EXPECT_EQ(err.find("b: status failure 2 of 3"), std::string::npos) << err;
  EXPECT_NE(err.find("httpok: b: status failure 1 of 3: status contacting " + down.url() +
                     "b: 500 Internal Server Error (not restarting yet)\n"),
            std::string::npos)
      << err;
}

TEST(Binary, ADryRunTargetNeitherResetsNorUsesUpALiveTargetsCount) {
  ScriptedServer down([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[target:dry]\nurl = " + down.url() +
                       "dry\nprograms = foo\ndry_run = true\n\n[target:live]\nurl = " + down.url() +
                       "live\nprograms = foo\nfails = 2\n");
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  for (int round = 1; round <= 2; ++round) {
    child.write_stdin(tick(round));
    ASSERT_TRUE(child.wait_for(
        [&] {
          return child.err().find(round == 1 ? "live: status failure 1 of 2" : "foo restarted\n") !=
                 std::string::npos;
        },
        10s))
        << child.err();
  }
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_NE(child.err().find("dry run: would restart foo\n"), std::string::npos) << child.err();
  EXPECT_NE(child.err().find("live: status failure 2 of 2"), std::string::npos) << child.err();
}

TEST(Binary, ARecoveredTargetSaysSoAndWithNotifyRecoveryMailsIt) {
  std::atomic<int> requests{0};
  ScriptedServer app([&](ScriptedServer::Connection& c) {
    c.read_request();
    if (++requests == 1) {
      c.send(ScriptedServer::response(500, "Internal Server Error", ""));
    } else {
      c.send(ScriptedServer::response(200, "OK", "fine"));
    }
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string mails = (dir / "mail.txt").string();
  auto env = sv.env();
  env["FAKE_SENDMAIL_OUT"] = mails;
  Child child({httpok_binary(), "-p", "foo", "--notify-recovery", "-m", "ops@example.com", "-s",
               (support_dir() / "fake-sendmail.sh").string(), app.url()},
              env);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return child.err().find("Mailed:") != std::string::npos; }, 10s))
      << child.err();
  child.write_stdin(tick(2));
  const std::string recovery = "To: ops@example.com\nSubject: httpok: " + app.url() +
                               ": recovered\n\n" + app.url() +
                               " recovered after 1 failed probe, 1 restart\n";
  ASSERT_TRUE(wait_until(
      [&] { return read_file_or_empty(mails).find(recovery) != std::string::npos; }, 10s))
      << read_file_or_empty(mails) << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_NE(child.err().find("\nhttpok: recovered after 1 failed probe, 1 restart\n"),
            std::string::npos)
      << child.err();
}

TEST(Binary, MetricsFileIsWrittenAfterTheRoundForPrometheus) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedServer down([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  const std::string metrics = (dir / "out" / "httpok.prom").string();
  std::filesystem::create_directories(dir / "out");
  const std::string api_url = "http://user:s3cret@127.0.0.1:" + std::to_string(up.port()) + "/";
  write_file(conf, "[httpok]\nmetrics_file = " + metrics + "\n\n[target:api]\nurl = " + api_url +
                       "\nprograms = baz:baz_01\n\n[target:web]\nurl = " + down.url() +
                       "\nprograms = foo\n");
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  // Written at READY already, with nothing probed yet.
  ASSERT_TRUE(wait_until([&] { return read_file(metrics).has_value(); }, 10s)) << child.err();
  EXPECT_NE(read_file_or_empty(metrics).find("httpok_build_info{version=\""), std::string::npos);
  child.write_stdin(tick(1));
  const std::string restarted = "httpok_restarts_total{program=\"foo\"} 1\n";
  ASSERT_TRUE(wait_until(
      [&] { return read_file_or_empty(metrics).find(restarted) != std::string::npos; }, 10s))
      << read_file_or_empty(metrics) << child.err();
  const std::string text = read_file_or_empty(metrics);
  const std::string api =
      "{target=\"api\",url=\"http://user:***@127.0.0.1:" + std::to_string(up.port()) + "/\"";
  const std::string web = "{target=\"web\",url=\"" + down.url() + "\"";
  for (const std::string& line :
       {"httpok_probe_success" + api + "} 1\n", "httpok_probe_success" + web + "} 0\n",
        "httpok_probe_status_code" + web + "} 500\n", "httpok_probe_http_version" + api + "} 1.1\n",
        "httpok_probes_total" + web + ",result=\"status\"} 1\n",
        "httpok_probes_total" + api + ",result=\"ok\"} 1\n",
        "httpok_consecutive_failures" + web + "} 1\n",
        std::string("httpok_events_total{eventname=\"TICK_5\"} 1\n"),
        std::string("# TYPE httpok_probes_total counter\n"),
        std::string("httpok_gave_up{program=\"foo\"} 0\n")})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  EXPECT_NE(text.find("httpok_probe_duration_seconds" + api + ",phase=\"connect\"} "),
            std::string::npos)
      << text;
  // An IP address needs no lookup, http no TLS: those phases are absent, not 0.
  EXPECT_EQ(text.find("phase=\"resolve\""), std::string::npos) << text;
  EXPECT_EQ(text.find("phase=\"tls\""), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  struct stat st {};
  ASSERT_EQ(::stat(metrics.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir / "out"))
    ++files;
  EXPECT_EQ(files, 1u);  // no temporary file left behind
  if (!std::filesystem::exists("/usr/bin/promtool")) {
    std::cout << "promtool is not installed: the format check is skipped\n";
  } else {
    const auto checked = run_command({"sh", "-c", "promtool check metrics < " + metrics});
    EXPECT_EQ(checked.exit_status, 0) << checked.output;
  }
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, SighupReloadsTheConfigFileWithoutLosingAnEvent) {
  PathRecorder recorder;
  const ScriptedServer& up = recorder.server;
  const auto probed = [&] { return recorder.paths(); };
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  const auto target = [&](const std::string& name) {
    return "[target:" + name + "]\nurl = " + up.url() + name + "\nprograms = foo\n\n";
  };
  write_file(conf, target("a") + target("b"));
  ScriptedSupervisord sv;
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return probed().size() == 2; }, 10s)) << child.err();

  // b stays, a goes, c comes; the file is read again on SIGHUP.
  write_file(conf, target("b") + target("c"));
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(child.wait_for(
      [&] {
        return child.err().find(
                   "httpok: reloaded: 2 targets (added: c; removed: a; changed: "
                   "none)\n") != std::string::npos;
      },
      10s))
      << child.err();
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for([&] { return probed().size() == 4; }, 10s)) << child.err();
  std::vector<std::string> second = probed();
  second.erase(second.begin(), second.begin() + 2);
  std::sort(second.begin(), second.end());
  EXPECT_EQ(second, (std::vector<std::string>{"/b", "/c"}));

  // A broken file: the running configuration stays.
  write_file(conf, target("b") + "[target:d]\nurl = http://x/\ntiemout = 5\n");
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(child.wait_for(
      [&] {
        return child.err().find("httpok: reload failed, the running configuration stays: " + conf +
                                ":7: unknown key 'tiemout' in [target:d]\n") != std::string::npos;
      },
      10s))
      << child.err();
  child.write_stdin(tick(3));
  ASSERT_TRUE(child.wait_for([&] { return probed().size() == 6; }, 10s)) << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(child.out(), protocol(3));  // every event acknowledged, nothing else on stdout
  EXPECT_EQ(child.err().find("failure"), std::string::npos) << child.err();
}

// One probe at a time, in the file's order, before a reload and after it, although the
// targets it replaced took the freed places in the reverse order.
TEST(Binary, AfterAReloadTargetsAreCheckedInTheFilesOrder) {
  PathRecorder recorder;
  const ScriptedServer& up = recorder.server;
  const auto probed = [&] { return recorder.paths(); };
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  const auto targets = [&](const std::string& a, const std::string& c) {
    std::string text = "[httpok]\nmax_concurrent = 1\n\n";
    for (const auto& [name, path] :
         {std::pair{"a", a}, std::pair{"b", std::string("b")}, std::pair{"c", c}})
      text += "[target:" + std::string(name) + "]\nurl = " + up.url() + path + "\n\n";
    return text;
  };
  write_file(conf, targets("a", "c"));
  ScriptedSupervisord sv;
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return probed().size() == 3; }, 10s)) << child.err();
  write_file(conf, targets("a2", "c2"));
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(
      child.wait_for([&] { return child.err().find("changed: a, c)") != std::string::npos; }, 10s))
      << child.err();
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for([&] { return probed().size() == 6; }, 10s)) << child.err();
  EXPECT_EQ(probed(), (std::vector<std::string>{"/a", "/b", "/c", "/a2", "/b", "/c2"}));
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

// With max_concurrent checks running, a tick says of a target whose check is only queued
// that it waits for its turn, not that it is still running.
TEST(Binary, ATickSaysWhichCheckRunsAndWhichWaitsItsTurn) {
  ScriptedServer hung([](ScriptedServer::Connection& c) {
    c.read_request();
    c.hold();
  });
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[httpok]\nmax_concurrent = 1\n\n[target:a]\nurl = " + hung.url("/a") +
                       "\n\n[target:b]\nurl = " + hung.url("/b") + "\n");
  ScriptedSupervisord sv;
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return hung.connections() == 1; }, 10s)) << child.err();
  child.write_stdin(tick(2));
  const std::string waiting = "httpok: b: the previous check of " + hung.url("/b") +
                              " is still waiting for its turn (max_concurrent 1); this tick "
                              "starts no new one\n";
  ASSERT_TRUE(child.wait_for([&] { return child.err().find(waiting) != std::string::npos; }, 10s))
      << child.err();
  EXPECT_NE(child.err().find("httpok: a: the previous check of " + hung.url("/a") +
                             " is still running; this tick starts no new one\n"),
            std::string::npos)
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

// The warning compares the new file with what runs: a setting changed once warns at
// every reload until the file is back to what httpok started with.
TEST(Binary, AReloadWarnsOfEverySettingThatKeepsItsStartValue) {
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  const auto with = [&](const std::string& globals) {
    write_file(conf, "[httpok]\n" + globals + "\n[target:a]\nurl = http://127.0.0.1:1/\n");
  };
  with("");
  ScriptedSupervisord sv;
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  const std::string warning =
      "httpok: warning: max_concurrent, jitter, rpc_timeout, wait_timeout and metrics_file keep "
      "their values until httpok is restarted\n";
  std::size_t reloads = 0;
  for (const auto& [globals, warnings] :
       {std::pair{"max_concurrent = 10\n", 1u}, std::pair{"max_concurrent = 10\n", 2u},
        std::pair{"", 2u}, std::pair{"max_concurrent = 256\n", 2u}}) {
    with(globals);
    ::kill(child.pid(), SIGHUP);
    ++reloads;
    ASSERT_TRUE(child.wait_for(
        [&] { return count_of(child.err(), "httpok: reloaded: 1 targets") == reloads; }, 10s))
        << child.err();
    EXPECT_EQ(count_of(child.err(), warning), warnings) << globals << child.err();
  }
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

// httpok on a config file, with a scripted supervisord and a gated sendmail: the restart
// of the first failure is surely under way (in its mail) until sendmail.open().
struct HeldRestart {
  explicit HeldRestart(const std::string& conf)
      : child({httpok_binary(), "--config", conf, "-s", sendmail.command}, env()) {}
  std::map<std::string, std::string> env() const {
    std::map<std::string, std::string> e = sv.env();
    e["FAKE_SENDMAIL_OUT"] = sendmail.out;
    return e;
  }
  // READY, then TICK 1, whose failure's restart is in its mail when this returns true.
  bool first_restart_held() {
    if (!child.wait_for([&] { return child.out() == protocol(0); }, 10s))
      return false;
    child.write_stdin(tick(1));
    return child.wait_for([&] { return sendmail.started(); }, 10s);
  }

  ScriptedSupervisord sv;
  GatedSendmail sendmail;
  Child child;
};

TEST(Binary, ARestartUnderWayForARemovedTargetGoesOnToItsEnd) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[httpok]\nemail = ops@example.com\n\n[target:a]\nurl = " + app.url() +
                       "\nprograms = foo\n");
  HeldRestart held(conf);  // the restart is surely under way when the reload comes
  Child& child = held.child;
  const GatedSendmail& sendmail = held.sendmail;
  ASSERT_TRUE(held.first_restart_held()) << child.err();
  // The new target b checks on its own clock, at once: its probe shows the reload is done
  // (httpok's own "reloaded" line waits for the end of the block).
  ScriptedServer b_app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  write_file(conf, "[target:b]\nurl = " + b_app.url() + "\ninterval = 60\nprograms = bar\n");
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(child.wait_for([&] { return b_app.connections() == 1; }, 10s)) << child.err();
  sendmail.open();
  ASSERT_TRUE(child.wait_for(
      [&] { return child.err().find("httpok: reloaded: 1 targets") != std::string::npos; }, 10s))
      << child.err();
  const std::string err = child.err();
  const std::size_t mailed = err.find("Mailed:\n\nTo: ops@example.com\n");
  ASSERT_NE(mailed, std::string::npos) << err;
  EXPECT_LT(err.find("foo is in RUNNING state, restarting\nfoo restarted\n"), mailed) << err;
  EXPECT_GT(err.find("httpok: reloaded: 1 targets (added: b; removed: a; changed: none)"), mailed)
      << err;
  EXPECT_NE(sendmail.mail().find("foo restarted"), std::string::npos);
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

// A reload that changes a target whose restart is under way: the run goes on, and the
// replacement, of the same name, is not checked until it ends. Checked at once, its
// failure (seen before that restart) restarted foo a second time: the restart ledger took
// the old run, of the same name, for its own.
TEST(Binary, ATargetReplacedWhileItsRestartRunsIsNotCheckedUntilTheRestartEnds) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  // b watches foo too and restarts only on its third failure in a row: unchanged by the
  // reload, its count starts again when the restart of the replaced a ends.
  ScriptedServer b_app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  const auto targets = [&](int a_timeout) {
    return "[httpok]\nemail = ops@example.com\n\n[target:a]\nurl = " + app.url() +
           "\nprograms = foo\ntimeout = " + std::to_string(a_timeout) +
           "\n\n[target:b]\nurl = " + b_app.url() + "\nprograms = foo\nfails = 3\n\n";
  };
  write_file(conf, targets(5));
  HeldRestart held(conf);  // the restart is surely under way when the reload comes
  Child& child = held.child;
  const GatedSendmail& sendmail = held.sendmail;
  ASSERT_TRUE(held.first_restart_held()) << child.err();
  // a changes (its timeout); a new target on its own clock checks at once: its probe shows
  // the reload is done (httpok's own lines wait for the end of the block).
  ScriptedServer sentinel([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  write_file(conf, targets(6) + "[target:sentinel]\nurl = " + sentinel.url() +
                       "\ninterval = 60\nprograms = bar\n");
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(child.wait_for([&] { return sentinel.connections() == 1; }, 10s)) << child.err();
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(2); }, 10s)) << child.out();
  sendmail.open();
  const std::string under_way = "httpok: a: the restart for " + app.url() +
                                " is still under way; this tick starts no check\n";
  ASSERT_TRUE(child.wait_for([&] { return child.err().find(under_way) != std::string::npos; }, 10s))
      << child.err();
  EXPECT_EQ(app.connections(), 1);
  // Once the restart is over, a is checked again (and, failing still, restarts foo again).
  child.write_stdin(tick(3));
  ASSERT_TRUE(child.wait_for([&] { return app.connections() == 2; }, 10s)) << child.err();
  ASSERT_TRUE(child.wait_for([&] { return count_of(child.err(), "\nMailed:\n") == 2; }, 10s))
      << child.err();
  ASSERT_TRUE(
      child.wait_for([&] { return count_of(child.err(), "httpok: b: status failure ") == 3; }, 10s))
      << child.err();
  EXPECT_EQ(child.err().find("NOT restarting again"), std::string::npos) << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  const std::string err = child.err();
  // Two restarts, each in its block and its mail, the second after tick 3's check.
  EXPECT_EQ(count_of(err, "foo is in RUNNING state, restarting\n"), 4u) << err;
  EXPECT_LT(err.find(under_way), err.rfind("Restarting selected processes ['foo']")) << err;
  // b: 1 and 2 of 3 before the first restart ended, 1 of 3 again after it.
  EXPECT_EQ(count_of(err, "httpok: b: status failure 1 of 3: "), 2u) << err;
  EXPECT_EQ(count_of(err, "httpok: b: status failure 2 of 3: "), 1u) << err;
}

// A failure whose restart waits for another target's to end is under way too: a reload
// that replaces its target keeps it (for the replacement, which is not checked until it
// ends); one that removes its target drops it, and says so. Before, both were dropped
// without a word, and the replacement started counting its failures again.
TEST(Binary, ARestartWaitingItsTurnIsKeptForTheReplacementOfItsTarget) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  // t and u fail once a's restart is under way, and count as closed once httpok has read
  // their answers (it closes the connection, then judges the result, in one turn).
  std::atomic<bool> go{false};
  std::atomic<int> closed{0};
  const auto after_go = [&](ScriptedServer::Connection& c) {
    c.read_request();
    while (!go && c.pause(5)) {
    }
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
    char byte;
    while (::recv(c.fd(), &byte, 1, 0) > 0) {
    }
    ++closed;
  };
  ScriptedServer t_app(after_go);
  ScriptedServer u_app(after_go);
  ScriptedServer sentinel([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  const auto targets = [&](const std::string& dry_run) {
    return "[httpok]\nemail = ops@example.com\n\n[target:a]\nurl = " + app.url() +
           "\nprograms = foo\n\n[target:t]\nurl = " + t_app.url() +
           "\nprograms = baz:baz_01\ndry_run = " + dry_run + "\n\n";
  };
  write_file(conf, targets("false") + "[target:u]\nurl = " + u_app.url() + "\nprograms = bar\n");
  HeldRestart held(conf);
  Child& child = held.child;
  ASSERT_TRUE(held.first_restart_held()) << child.err();
  go = true;
  ASSERT_TRUE(child.wait_for([&] { return closed == 2; }, 10s)) << child.err();
  // t changes (to a dry run), u goes; the sentinel, on its own clock, checks once the
  // reload is done.
  write_file(conf, targets("true") + "[target:sentinel]\nurl = " + sentinel.url() +
                       "\ninterval = 60\nprograms = foo\n");
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(child.wait_for([&] { return sentinel.connections() == 1; }, 10s)) << child.err();
  child.write_stdin(tick(2));  // t's replacement is not checked: its restart is to come
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(2); }, 10s)) << child.out();
  held.sendmail.open();
  ASSERT_TRUE(child.wait_for([&] { return count_of(child.err(), "\nMailed:\n") == 2; }, 10s))
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  const std::string err = child.err();
  const std::string t_under_way = "httpok: t: the restart for " + t_app.url() +
                                  " is still under way; this tick starts no check\n";
  EXPECT_NE(err.find(t_under_way), std::string::npos) << err;
  EXPECT_EQ(t_app.connections(), 1);
  EXPECT_NE(
      err.find("httpok: warning: the restart of u, waiting for another to end, is dropped: the "
               "reload removed u\n"),
      std::string::npos)
      << err;
  // a's block and mail, then t's, a dry run now, with t's failure as its subject.
  const std::size_t second = err.find("\nMailed:\n", err.find("\nMailed:\n") + 1);
  EXPECT_LT(err.find("Restarting selected processes ['baz:baz_01']"), second) << err;
  EXPECT_NE(
      err.find("Subject: [dry run] httpok: " + t_app.url() + ": bad status returned\n", second),
      std::string::npos)
      << err;
  EXPECT_EQ(err.find("['bar']"), std::string::npos) << err;
}

// --max-restarts counts the restarts of a program by every target, one with no limit of
// its own too, from the start: b, which may restart foo once in 600 s, gives up on it
// after a restarted it.
TEST(Binary, MaxRestartsCountsTheRestartsOfATargetWithNoLimit) {
  std::atomic<int> a_checks{0};
  std::atomic<int> b_checks{0};
  ScriptedServer a([&](ScriptedServer::Connection& c) {  // fails once, then is well
    c.read_request();
    c.send(++a_checks == 1 ? ScriptedServer::response(500, "Internal Server Error", "")
                           : ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedServer b([&](ScriptedServer::Connection& c) {  // well once, then fails
    c.read_request();
    c.send(++b_checks == 1 ? ScriptedServer::response(200, "OK", "fine")
                           : ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[target:a]\nurl = " + a.url() + "\nprograms = foo\n\n[target:b]\nurl = " +
                       b.url() + "\nprograms = foo\nmax_restarts = 1\nrestart_window = 600\n");
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(
      child.wait_for([&] { return child.err().find("foo restarted\n") != std::string::npos; }, 10s))
      << child.err();
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for(
      [&] {
        return child.err().find("giving up on foo: 1 restart within 600 s\n") != std::string::npos;
      },
      10s))
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(count_of(child.err(), "foo restarted\n"), 1u) << child.err();
}

// A reload that replaces a target that gave up drops its give-up, made under its old
// limit (httpok_gave_up stayed 1 when the new one had no limit, while foo restarted):
// the replacement decides, and says it, again.
TEST(Binary, AReplacedTargetDecidesItsGiveUpAgain) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  const auto with_timeout = [&](int timeout) {
    write_file(conf, "[target:a]\nurl = " + app.url() +
                         "\nprograms = foo\nmax_restarts = 1\nrestart_window = 600\ntimeout = " +
                         std::to_string(timeout) + "\n");
  };
  with_timeout(5);
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  const std::string giving_up = "giving up on foo: 1 restart within 600 s\n";
  child.write_stdin(tick(1));
  ASSERT_TRUE(
      child.wait_for([&] { return child.err().find("foo restarted\n") != std::string::npos; }, 10s))
      << child.err();
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for([&] { return count_of(child.err(), giving_up) == 1; }, 10s))
      << child.err();
  with_timeout(6);
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(child.wait_for(
      [&] { return child.err().find("httpok: reloaded: 1 targets") != std::string::npos; }, 10s))
      << child.err();
  child.write_stdin(tick(3));
  ASSERT_TRUE(child.wait_for([&] { return count_of(child.err(), giving_up) == 2; }, 10s))
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(count_of(child.err(), "foo restarted\n"), 1u) << child.err();
}

// A restart under way when a reload replaces its target may decide to give up after the
// reload, under the old limit: its end forgets that too, or the replacement, with a limit
// of its own, would find the old give-up and "resume".
TEST(Binary, AGiveUpDecidedByARetiredRunIsForgottenAtItsEnd) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  // A supervisord that can hold its answers: run 2's getAllProcessInfo waits across the
  // reload.
  std::atomic<bool> hold{false};
  std::atomic<int> held{0};
  ScriptedSupervisord sv([&](ScriptedServer::Connection& c) {
    if (hold) {
      ++held;
      while (hold && c.pause(5)) {
      }
    }
  });
  ScriptedServer sentinel([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  const auto target = [&](int max_restarts) {
    return "[target:a]\nurl = " + app.url() +
           "\nprograms = foo\nmax_restarts = " + std::to_string(max_restarts) +
           "\nrestart_window = 600\n\n";
  };
  write_file(conf, target(1));
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return count_of(child.err(), "foo restarted\n") == 1; }, 10s))
      << child.err();
  hold = true;
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for([&] { return held == 1; }, 10s)) << child.err();
  write_file(conf, target(2) + "[target:sentinel]\nurl = " + sentinel.url() +
                       "\ninterval = 60\nprograms = bar\n");
  ::kill(child.pid(), SIGHUP);
  ASSERT_TRUE(child.wait_for([&] { return sentinel.connections() == 1; }, 10s)) << child.err();
  hold = false;  // run 2 decides under a's old limit: one restart within 600 s is enough
  ASSERT_TRUE(child.wait_for(
      [&] {
        return child.err().find("giving up on foo: 1 restart within 600 s\n") != std::string::npos;
      },
      10s))
      << child.err();
  child.write_stdin(tick(3));  // the new a may restart foo twice within 600 s
  ASSERT_TRUE(child.wait_for([&] { return count_of(child.err(), "foo restarted\n") == 2; }, 10s))
      << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(child.err().find("resuming restarts of foo"), std::string::npos) << child.err();
}

TEST(Binary, OnceProbesEveryTargetOncePrintsALineEachAndExits) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedServer down([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(503, "Service Unavailable", ""));
  });
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[target:api]\nurl = " + up.url() +
                       "\n\n[target:web-frontend]\nurl = " + down.url() + "\n");
  // No supervisord: --once needs none.
  Child failing({httpok_binary(), "--once", "--config", conf}, {});
  EXPECT_EQ(failing.wait_exit(10s), 1);
  const std::string out = failing.out();
  ASSERT_EQ(out.rfind("api           OK  200  ", 0), 0u) << out;
  // Each line ends with where the time went, the phases that happened.
  EXPECT_NE(out.find(" ms)\nweb-frontend  FAIL  status contacting " + down.url() +
                     ": 503 Service Unavailable  (connect "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" ms  (connect "), std::string::npos) << out;
  EXPECT_EQ(out.find("resolve"), std::string::npos) << out;  // IP addresses: no lookup
  EXPECT_EQ(out.substr(out.size() - 5), " ms)\n") << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  EXPECT_EQ(failing.err(), "");

  Child passing({httpok_binary(), "--once", up.url()}, {});
  EXPECT_EQ(passing.wait_exit(10s), 0);
  EXPECT_EQ(passing.out().rfind("default  OK  200  ", 0), 0u) << passing.out();
  Child matching({httpok_binary(), "--once", "--body-regex", "^f.ne$", up.url()}, {});
  EXPECT_EQ(matching.wait_exit(10s), 0) << matching.out();
  Child not_matching({httpok_binary(), "--once", "--body-regex", "^fine.", up.url()}, {});
  EXPECT_EQ(not_matching.wait_exit(10s), 1);
  EXPECT_EQ(not_matching.out().rfind(
                "default  FAIL  status contacting " + up.url() + ": 200 OK  (connect ", 0),
            0u)
      << not_matching.out();

  const std::string bad = (dir / "bad.conf").string();
  write_file(bad, "[target:api]\n");
  Child broken({httpok_binary(), "--once", "--config", bad}, {});
  EXPECT_EQ(broken.wait_exit(10s), 2);
  EXPECT_EQ(broken.out(), "");
  EXPECT_EQ(broken.err(), "httpok: " + bad + ":1: [target:api] has no url\n");
}

TEST(Binary, TwoThousandTargetsAreEachProbedInOneRoundWithNoFalseFailure) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  // Under the local server's listen backlog (64): a full accept queue on a loaded machine
  // drops or resets connections, which would be the test server's failure, not httpok's.
  std::string text = "[httpok]\ntimeout = 30\nmax_concurrent = 48\n";
  constexpr int kTargets = 2000;
  for (int i = 0; i < kTargets; ++i)
    text += "\n[target:t" + std::to_string(i) + "]\nurl = " + up.url() + "t" + std::to_string(i) +
            "\nprograms = foo\n";
  write_file(conf, text);
  Child child({httpok_binary(), "--once", "--config", conf}, {});
  const auto status = child.wait_exit(60s);
  const std::string& out = child.out();
  const std::size_t fail = out.find("FAIL");
  ASSERT_EQ(status, 0) << (fail == std::string::npos ? out.substr(0, 500) : out.substr(fail, 500))
                       << child.err();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), kTargets);
  EXPECT_EQ(out.find("FAIL"), std::string::npos);
  EXPECT_EQ(up.connections(), kTargets);  // each probed once
  EXPECT_EQ(child.err(), "");
}

TEST(Binary, TwoThousandTargetsOnTheTickClockAreEachProbedEveryRound) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  std::string text = "[httpok]\ntimeout = 30\nmax_concurrent = 48\n";  // see above
  constexpr int kTargets = 2000;
  for (int i = 0; i < kTargets; ++i)
    text += "\n[target:t" + std::to_string(i) + "]\nurl = " + up.url() + "t" + std::to_string(i) +
            "\nprograms = foo\n";
  write_file(conf, text);
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 20s)) << child.err();
  // httpok's open descriptors: back to this count once every check of a round has ended.
  const auto open_fds = [&] {
    const auto fds = std::filesystem::path("/proc") / std::to_string(child.pid()) / "fd";
    std::error_code ec;
    return std::distance(std::filesystem::directory_iterator(fds, ec),
                         std::filesystem::directory_iterator());
  };
  const auto idle_fds = open_fds();
  for (int round = 1; round <= 2; ++round) {
    child.write_stdin(tick(round));
    ASSERT_TRUE(up.wait_finished(round * kTargets, 60s)) << up.connections();
    // Every result is in before the next tick: a check still running would be a line of
    // its own, a failure a restart.
    ASSERT_TRUE(wait_until([&] { return open_fds() <= idle_fds; }, 20s)) << open_fds();
  }
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(2); }, 10s));
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  const std::string err = after_startup(child.err());
  EXPECT_EQ(err, "") << err.substr(0, 2000);
  EXPECT_EQ(up.connections(), 2 * kTargets);
  EXPECT_EQ(sv.rpc.connections(), 1);  // the start-up check only: nothing restarted
}

// --log-rounds: one line per TICK once its last check has ended; an interval target is in
// no round.
TEST(Binary, LogRoundsSaysWhenTheLastCheckOfEachTickEnded) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  write_file(conf, "[httpok]\nlog_rounds = true\n\n[target:a]\nurl = " + up.url() +
                       "a\n\n[target:b]\nurl = " + up.url() + "b\n\n[target:c]\nurl = " + up.url() +
                       "c\ninterval = 3600\n");
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  const std::string line = "httpok: round of 2 checks ended ";
  for (int round = 1; round <= 2; ++round) {
    child.write_stdin(tick(round));
    ASSERT_TRUE(child.wait_for(
        [&] { return count_of(child.err(), line) == static_cast<std::size_t>(round); }, 10s))
        << child.err();
  }
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(up.connections(), 5);  // c once, a and b twice
  EXPECT_NE(child.err().find(" ms after the TICK\n"), std::string::npos) << child.err();
  EXPECT_EQ(count_of(child.err(), "round of"), 2u) << child.err();
}

// --log-rounds: a TICK that comes while the last one's checks still run or wait counts only
// the checks it queued, and its round ends with the last of those.
TEST(Binary, LogRoundsCountsOnlyTheChecksItsTickQueued) {
  ScriptedServer slow([](ScriptedServer::Connection& c) {
    c.read_request();
    c.pause(300);
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  std::string text = "[httpok]\nlog_rounds = true\nmax_concurrent = 1\n";
  for (const char* name : {"a", "b", "c", "d"})
    text += std::string("\n[target:") + name + "]\nurl = " + slow.url() + name + "\n";
  write_file(conf, text);
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(wait_until([&] { return slow.connections() >= 2; }, 10s));  // b runs
  child.write_stdin(tick(2));  // queues a only: b runs, c and d wait
  ASSERT_TRUE(child.wait_for(
      [&] { return child.err().find("httpok: round of 1 check ended") != std::string::npos; }, 20s))
      << child.err();
  // The round of the second TICK is a's second check: it ended after the fifth request.
  EXPECT_GE(slow.connections(), 5) << child.err();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(count_of(child.err(), "round of"), 1u) << child.err();  // the first was cut short
}

TEST(Binary, OutOfFileDescriptorsIsALocalErrorAndRestartsNothing) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.pause(200);  // hold each connection a moment, so that they pile up
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  std::string text = "[httpok]\ntimeout = 10\n";
  for (int i = 0; i < 60; ++i)
    text += "\n[target:t" + std::to_string(i) + "]\nurl = " + up.url() + "\nprograms = foo\n";
  write_file(conf, text);
  // 60 probes at once, and file descriptors for far fewer.
  Child child(
      {"/bin/sh", "-c", "ulimit -n 32; exec \"$0\" \"$@\"", httpok_binary(), "--config", conf},
      sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for(
      [&] {
        return child.err().find(
                   "local error, not the target's (nothing is restarted): error "
                   "contacting " +
                   up.url() + ": cannot connect: [Errno 24] Too many open files") !=
               std::string::npos;
      },
      20s))
      << child.err();
  ASSERT_TRUE(up.wait_finished(1, 20s));
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(child.err().find("Restarting"), std::string::npos) << child.err();
  EXPECT_EQ(child.err().find("failure:"), std::string::npos) << child.err();
  EXPECT_GE(up.connections(), 1);      // the probes that had a descriptor went through
  EXPECT_EQ(sv.rpc.connections(), 1);  // the start-up check only: no restart
}

TEST(Binary, CheckConfigPrintsTheTargetsOrNamesTheError) {
  TempDir dir;
  const std::string good = (dir / "good.conf").string();
  write_file(good, "[target:api]\nurl = http://u:pw@127.0.0.1:8080/\nprograms = api\n");
  Child ok({httpok_binary(), "--check-config", "--config", good}, {});
  EXPECT_EQ(ok.wait_exit(5s), 0);
  EXPECT_NE(ok.out().find("[target:api]\nurl = http://u:***@127.0.0.1:8080/\n"), std::string::npos)
      << ok.out();
  EXPECT_EQ(ok.out().find("pw@"), std::string::npos);
  const std::string bad = (dir / "bad.conf").string();
  write_file(bad, "[target:api]\nurl = http://127.0.0.1:8080/\ntiemout = 5\n");
  Child broken({httpok_binary(), "--check-config", "--config", bad}, {});
  EXPECT_EQ(broken.wait_exit(5s), 2);
  EXPECT_EQ(broken.err(), "httpok: " + bad + ":3: unknown key 'tiemout' in [target:api]\n");
  EXPECT_EQ(broken.out(), "");
  // Under supervisord a broken file is a start-up error, before READY (exit 2).
  Child listener({httpok_binary(), "--config", bad}, kListenerEnv);
  EXPECT_EQ(listener.wait_exit(5s), 2);
  EXPECT_EQ(listener.out(), "");
}

// -E: the URL is checked only while a watched process is RUNNING. The scripted
// supervisord lists bar (FATAL), baz:baz_01 (STOPPED), foo and httpok (RUNNING).
struct NotEager {
  ScriptedServer app{[](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  }};
  ScriptedSupervisord sv;
  ScriptedServer& rpc = sv.rpc;
  std::map<std::string, std::string> env() const { return sv.env(); }
};

TEST(Binary, NotEagerChecksWhileAWatchedProcessRuns) {
  NotEager fixture;
  Child child({httpok_binary(), "-E", "-p", "foo", fixture.app.url()}, fixture.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  EXPECT_EQ(fixture.rpc.connections(), 1);  // the start-up check
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return fixture.app.connections() == 1; }, 10s)) << child.err();
  EXPECT_EQ(fixture.rpc.connections(), 2);
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, NotEagerTargetsOfOneTickShareOneProcessList) {
  ScriptedServer app([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedSupervisord sv;
  TempDir dir;
  const std::string conf = (dir / "httpok.conf").string();
  std::string text = "[httpok]\neager = false\nprograms = foo\n";
  for (const char* name : {"a", "b", "c"})
    text += "\n[target:" + std::string(name) + "]\nurl = " + app.url() + name + "\n";
  write_file(conf, text);
  Child child({httpok_binary(), "--config", conf}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  EXPECT_EQ(sv.rpc.connections(), 1);  // the start-up check
  child.write_stdin(tick(1));
  ASSERT_TRUE(child.wait_for([&] { return app.connections() == 3; }, 10s)) << child.err();
  EXPECT_EQ(sv.rpc.connections(), 2);  // one question for the three targets of the tick
  child.write_stdin(tick(2));
  ASSERT_TRUE(child.wait_for([&] { return app.connections() == 6; }, 10s)) << child.err();
  EXPECT_EQ(sv.rpc.connections(), 3);  // and one more for the next tick
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, WithProcessStateEventsNotEagerAsksSupervisordNoMore) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedSupervisord sv;
  Child child({httpok_binary(), "-E", "--log-rounds", "-p", "foo", up.url()}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  // events=TICK_5,PROCESS_STATE: a state change, then one that does not parse; the pool's
  // first events (poolserial from 0), so none were lost before them.
  child.write_stdin(pool_frame("PROCESS_STATE_RUNNING",
                               "processname:foo groupname:foo from_state:STARTING pid:4242", 1, 0));
  child.write_stdin(
      pool_frame("PROCESS_STATE_RUNNING", "processname:foo from_state:STARTING", 2, 1));
  for (int serial = 3; serial <= 5; ++serial) {
    child.write_stdin(pool_frame("TICK_5", "when:1700000000", serial, serial - 1));
    ASSERT_TRUE(wait_rounds(child, static_cast<std::size_t>(serial - 2))) << child.err();
  }
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(5); }, 10s)) << child.out();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(up.connections(), 3);
  EXPECT_EQ(sv.rpc.connections(), 1);  // the start-up check only: the table answered -E
  EXPECT_NE(child.err().find("httpok: ignored a PROCESS_STATE_RUNNING event that does not parse: "
                             "no groupname\n"),
            std::string::npos)
      << child.err();
}

// supervisord drops the oldest events of a full buffer (a burst from a group that starts
// or stops): a PROCESS_STATE event lost would leave the table behind for good (foo seen
// STOPPED, never checked again while it runs hung). A number skipped in the pool's events
// sends -E to supervisord again, and its answer seeds the table again.
TEST(Binary, EventsThatNeverCameSendNotEagerToSupervisordAgain) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedSupervisord sv;  // lists foo RUNNING
  Child child({httpok_binary(), "-E", "--log-rounds", "-p", "foo", up.url()}, sv.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  // The first event is the pool's 7th: the ones before may have been lost (or read by an
  // httpok before this one), so the table is read again, without a word.
  child.write_stdin(pool_frame("PROCESS_STATE_STOPPED",
                               "processname:foo groupname:foo from_state:STOPPING", 1, 7));
  child.write_stdin(pool_frame("TICK_5", "when:1700000000", 2, 8));
  ASSERT_TRUE(wait_rounds(child, 1)) << child.err();
  EXPECT_EQ(sv.rpc.connections(), 2);
  EXPECT_EQ(up.connections(), 1);  // supervisord said RUNNING
  child.write_stdin(pool_frame("PROCESS_STATE_STOPPED",
                               "processname:foo groupname:foo from_state:STOPPING", 3, 9));
  child.write_stdin(pool_frame("TICK_5", "when:1700000000", 4, 10));
  ASSERT_TRUE(wait_rounds(child, 2)) << child.err();
  EXPECT_EQ(sv.rpc.connections(), 2);  // the table: STOPPED, not checked
  EXPECT_EQ(up.connections(), 1);
  // 11 to 14 never came (foo's STARTING and RUNNING among them).
  child.write_stdin(pool_frame("TICK_5", "when:1700000000", 5, 15));
  ASSERT_TRUE(wait_rounds(child, 3)) << child.err();
  EXPECT_EQ(sv.rpc.connections(), 3);
  EXPECT_EQ(up.connections(), 2);
  child.write_stdin(pool_frame("TICK_5", "when:1700000000", 6, 16));
  ASSERT_TRUE(wait_rounds(child, 4)) << child.err();
  EXPECT_EQ(sv.rpc.connections(), 3);  // seeded again by that answer
  EXPECT_EQ(up.connections(), 3);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(6); }, 10s)) << child.out();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(count_of(child.err(), "warning: event "), 1u) << child.err();
  // The whole line, from its start.
  EXPECT_NE(child.err().find("\nhttpok: warning: event 15 of this listener's pool came after 10: "
                             "supervisord dropped the 4 between (the listener's buffer_size was "
                             "full); the process states are read from supervisord again\n"),
            std::string::npos)
      << child.err();
}

// An answer asked for before an event came may be older than the event: it does not seed
// the table (the event would be lost under it), and the next check asks again.
TEST(Binary, AnEventThatCameWhileSupervisordWasAskedIsNotLostUnderItsAnswer) {
  ScriptedServer up([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  std::atomic<int> calls{0};
  ScriptedServer rpc([&](ScriptedServer::Connection& c) {
    c.read_request();
    if (++calls == 2)  // the question after the gap waits for the test
      opened.wait_for(10s);
    c.send(ScriptedServer::response(200, "OK", xmlrpc::samples::kAllProcessInfo));  // foo RUNNING
  });
  const std::map<std::string, std::string> env = {
      {"SUPERVISOR_SERVER_URL", "http://127.0.0.1:" + std::to_string(rpc.port())},
      {"SUPERVISOR_GROUP_NAME", "httpok"},
      {"SUPERVISOR_PROCESS_NAME", "httpok"}};
  Child child({httpok_binary(), "-E", "--log-rounds", "-p", "foo", up.url()}, env);
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  child.write_stdin(pool_frame("PROCESS_STATE_RUNNING",
                               "processname:foo groupname:foo from_state:STARTING pid:1", 1, 0));
  child.write_stdin(pool_frame("TICK_5", "when:1700000000", 2, 5));  // 1 to 4 never came
  ASSERT_TRUE(child.wait_for([&] { return rpc.connections() == 2; }, 10s)) << child.err();
  // While supervisord is being asked, foo stops.
  child.write_stdin(pool_frame("PROCESS_STATE_STOPPED",
                               "processname:foo groupname:foo from_state:STOPPING", 3, 6));
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(3); }, 10s)) << child.out();
  gate.set_value();
  ASSERT_TRUE(wait_rounds(child, 1)) << child.err();
  EXPECT_EQ(up.connections(), 1);  // the answer decided this check
  child.write_stdin(pool_frame("TICK_5", "when:1700000000", 4, 7));
  ASSERT_TRUE(wait_rounds(child, 2)) << child.err();
  EXPECT_EQ(rpc.connections(), 3);  // asked again: the table was not seeded by that answer
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(4); }, 10s)) << child.out();
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
}

TEST(Binary, NotEagerSkipsTheCheckWhenNothingWatchedRuns) {
  NotEager fixture;
  Child child({httpok_binary(), "-E", "-p", "bar", "-p", "baz:baz_01", fixture.app.url()},
              fixture.env());
  ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(0); }, 10s)) << child.err();
  const int at_start = fixture.rpc.connections();  // the start-up check
  // Once supervisord has been asked twice, the answer to the first question was acted on.
  for (int serial = 1; fixture.rpc.connections() < at_start + 2 && serial < 50; ++serial) {
    child.write_stdin(tick(serial));
    ASSERT_TRUE(child.wait_for([&] { return child.out() == protocol(serial); }, 10s));
    child.wait_for([&] { return fixture.rpc.connections() >= at_start + serial; }, 1s);
  }
  ASSERT_GE(fixture.rpc.connections(), at_start + 2);
  child.close_stdin();
  EXPECT_EQ(child.wait_exit(5s), 0);
  // Not even a connection still waiting in the app's accept queue.
  EXPECT_FALSE(wait_until([&] { return fixture.app.connections() > 0; }, 300ms)) << child.err();
}

TEST(Binary, MalformedHeaderExitsNonZeroWithOneError) {
  Child child({httpok_binary(), "http://127.0.0.1:1/"}, kListenerEnv);
  child.write_stdin("this is not a header\n");
  const auto status = child.wait_exit(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_NE(*status, 0);
  EXPECT_NE(child.err().find("protocol error"), std::string::npos) << child.err();
  EXPECT_EQ(child.out(), protocol(0));
}

TEST(Binary, StdoutClosedExitsNonZeroWithOneLine) {
  // supervisord's end of the pipe is gone (EPIPE): no event can be acknowledged, so httpok
  // exits non-zero, saying why once, for supervisord to start another. The shell runs it
  // with its stdout into a reader that has already exited, and reports its exit status.
  Child child({"/bin/sh", "-c",
               "{ \"$0\" http://127.0.0.1:1/; echo \"exit $?\" >&2; } | :", httpok_binary()},
              kListenerEnv);
  child.write_stdin(tick(1));
  const auto status = child.wait_exit(10s);
  ASSERT_TRUE(status.has_value()) << child.err();
  EXPECT_EQ(after_startup(child.err()),
            "httpok: cannot write to supervisord (standard output): [Errno 32] Broken pipe; "
            "exiting\nexit 1\n");
  EXPECT_EQ(child.out(), "");
}

TEST(Binary, NotUnderSupervisord) {
  Child child({httpok_binary(), "http://127.0.0.1/"}, {});
  EXPECT_EQ(child.wait_exit(5s), 0);
  EXPECT_EQ(child.err(), "httpok must be run as a supervisor event listener\n");
  EXPECT_EQ(child.out(), "");
}

TEST(Binary, HelpAndVersion) {
  Child help({httpok_binary(), "-h"}, {});
  EXPECT_EQ(help.wait_exit(5s), 0);
  EXPECT_NE(help.out().find("-p"), std::string::npos);
  Child version({httpok_binary(), "--version"}, {});
  EXPECT_EQ(version.wait_exit(5s), 0);
  EXPECT_EQ(version.out().rfind("httpok ", 0), 0u);
}

TEST(Binary, HelpAndVersionUnderSupervisordLeaveStdoutEmpty) {
  Child help({httpok_binary(), "-h"}, kListenerEnv);
  EXPECT_EQ(help.wait_exit(5s), 0);
  EXPECT_EQ(help.out(), "");
  EXPECT_EQ(help.err().rfind("httpok [-p processname]", 0), 0u) << help.err();
  Child version({httpok_binary(), "--version"}, kListenerEnv);
  EXPECT_EQ(version.wait_exit(5s), 0);
  EXPECT_EQ(version.out(), "");
  EXPECT_EQ(version.err().rfind("httpok ", 0), 0u) << version.err();
}

TEST(Binary, BadValuesExit255NamingTheValue) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"-t", "abc", "http://x/"},
                                               {"-t", "0", "http://x/"},
                                               {"-c", "99x", "http://x/"},
                                               {"ftp://x/"},
                                               {}}) {
    std::vector<std::string> argv = {httpok_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    Child child(argv, kListenerEnv);
    EXPECT_EQ(child.wait_exit(5s), 255);
    if (!args.empty()) {
      const std::string& bad = args.size() > 1 ? args[1] : args[0];
      EXPECT_NE(child.err().find(bad), std::string::npos) << child.err();
    }
    // Under supervisord stdout is the protocol: the usage goes to stderr.
    EXPECT_EQ(child.out(), "");
    EXPECT_NE(child.err().find("Options:"), std::string::npos) << child.err();
  }
}

TEST(Binary, UsageErrorAtATerminalPrintsTheUsageOnStdoutAsSuperlance) {
  Child child({httpok_binary(), "--bogus", "http://127.0.0.1/"}, {});
  EXPECT_EQ(child.wait_exit(5s), 255);
  EXPECT_EQ(child.out().rfind("httpok [-p processname]", 0), 0u) << child.out();
  EXPECT_EQ(child.err(), "httpok: option --bogus not recognized\n");
}

TEST(Binary, UsageErrorUnderSupervisordLeavesStdoutEmpty) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bogus", "http://127.0.0.1/"}, {"127.0.0.1:8080/health"}}) {
    std::vector<std::string> argv = {httpok_binary(), "-p", "web"};
    argv.insert(argv.end(), args.begin(), args.end());
    Child child(argv, kListenerEnv);
    EXPECT_EQ(child.wait_exit(5s), 255);
    EXPECT_EQ(child.out(), "");
    EXPECT_NE(child.err().find("httpok [-p processname]"), std::string::npos) << child.err();
  }
}

TEST(Binary, AUrlWithoutSchemeSaysWhatToWrite) {
  Child child({httpok_binary(), "-p", "web", "127.0.0.1:8080/health"}, kListenerEnv);
  EXPECT_EQ(child.wait_exit(5s), 255);
  EXPECT_EQ(child.err().rfind("httpok: invalid URL '127.0.0.1:8080/health': missing scheme: write "
                              "http://127.0.0.1:8080/health\n",
                              0),
            0u)
      << child.err();
}

TEST(Binary, AGunicornUnixSocketUrlIsRefusedAtStartUp) {
  Child child({httpok_binary(), "-p", "web", "http://unix:/run/app.sock:/health"}, kListenerEnv);
  EXPECT_EQ(child.wait_exit(5s), 255);
  EXPECT_NE(child.err().find("UNIX socket in gunicorn's form"), std::string::npos) << child.err();
  EXPECT_EQ(child.out(), "");
}

}  // namespace
}  // namespace httpok::test
