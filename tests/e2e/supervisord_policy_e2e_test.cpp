// The restart policy under a real supervisord: --fails 3 restarts on the third failure in
// a row, and --max-restarts gives up with one mail, then stays quiet (no restart storm,
// no mail storm).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "child.hpp"
#include "support/supervisord.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

TEST(RestartPolicy, FailsThreeThenGivesUpOnceAndStaysQuiet) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const int port = free_tcp_port();
  const auto dir = sv.dir();
  const auto support = support_dir();
  // The app answers 500 on this path, every time: a failure that never heals.
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/status/500";
  sv.start("[program:web]\ncommand=python3 " + (support / "webapp.py").string() + " " +
           std::to_string(port) +
           "\nstartsecs=1\nstopwaitsecs=2\nautorestart=false\n\n"
           "[eventlistener:httpok]\ncommand=" +
           httpok_binary() +
           " -p web -t 2 --fails 3 --max-restarts 1 --restart-window 120 -m ops@example.com "
           "-s '" +
           (support / "fake-sendmail.sh").string() + " -t -i' " + url +
           "\nevents=TICK_5\nstartsecs=0\nautostart=false\nstderr_logfile=" +
           (dir / "httpok.err").string() + "\nenvironment=FAKE_SENDMAIL_OUT=\"" +
           (dir / "mail.txt").string() + "\"\n");
  ASSERT_TRUE(sv.wait_for_state("web", "RUNNING", 20s)) << sv.log();
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(port); }, 20s));
  sv.ctl({"start", "httpok"});
  ASSERT_TRUE(sv.wait_for_state("httpok", "RUNNING", 20s)) << sv.log();
  auto err = [&] { return without_timings(read_file_or_empty(dir / "httpok.err")); };
  const std::string failure = "httpok: status failure ";
  const std::string outcome = ": status contacting " + url + ": 500 Internal Server Error";

  // Ticks 1 and 2 count; tick 3 restarts.
  ASSERT_TRUE(wait_until([&] { return err().find("web restarted\n") != std::string::npos; }, 40s))
      << err();
  std::string log = err();
  const std::size_t first = log.find(failure + "1 of 3" + outcome + " (not restarting yet)\n");
  const std::size_t second = log.find(failure + "2 of 3" + outcome + " (not restarting yet)\n");
  const std::size_t third = log.find(failure + "3 of 3" + outcome +
                                     "\nRestarting selected processes ['web']\n"
                                     "web is in RUNNING state, restarting\n");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_LT(first, second) << log;
  EXPECT_LT(second, third) << log;
  EXPECT_NE(third, std::string::npos) << log;

  // Three more failures: the limit (1 within 120 s) is reached, said and mailed once.
  const std::string giving_up = "giving up on web: 1 restart within 120 s\n";
  ASSERT_TRUE(wait_until([&] { return err().find(giving_up) != std::string::npos; }, 40s)) << err();
  // Three more: nothing restarted, nothing mailed, one line of ours.
  const std::string quiet =
      "httpok: not restarting web: gave up on it (--max-restarts 1 within "
      "120 s)\n";
  ASSERT_TRUE(wait_until([&] { return err().find(quiet) != std::string::npos; }, 40s)) << err();
  sv.ctl({"stop", "httpok"});
  log = err();
  // Two blocks, each followed by its mail (which repeats it): the restart, the giving up.
  EXPECT_EQ(count_of(log, "\nMailed:\n"), 2u) << log;
  EXPECT_EQ(count_of(log, "web is in RUNNING state, restarting\n"), 2u) << log;  // block, mail
  EXPECT_EQ(count_of(sv.log(), "stopped: web "), 1u) << sv.log();
  const std::string mail = read_file_or_empty(dir / "mail.txt");
  EXPECT_EQ(count_of(mail, "=== sendmail"), 2u) << mail;  // the restart's, the giving up's
  EXPECT_EQ(count_of(mail, giving_up), 1u) << mail;
}

TEST(RestartPolicy, AnAppThatTakesLongToComeUpIsNotRestartedDuringItsGrace) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const int port = free_tcp_port();
  const auto dir = sv.dir();
  // RUNNING after 1 s (startsecs), listening only after 8 s: a slow start-up.
  sv.start("[program:web]\ncommand=sh -c 'sleep 8; exec python3 " +
           (support_dir() / "webapp.py").string() + " " + std::to_string(port) +
           "'\nstartsecs=1\nstopwaitsecs=2\nautorestart=false\n\n"
           "[eventlistener:httpok]\ncommand=" +
           httpok_binary() + " -p web -t 2 --grace 12 http://127.0.0.1:" + std::to_string(port) +
           "/\nevents=TICK_5\nstartsecs=0\nstderr_logfile=" + (dir / "httpok.err").string() + "\n");
  auto err = [&] { return without_timings(read_file_or_empty(dir / "httpok.err")); };
  // The app answers in the end (its access log shows httpok's GET), and until then every
  // failure was ignored.
  ASSERT_TRUE(wait_until(
      [&] {
        return sv.child_log("web", "stderr").find("\"GET / HTTP/1.1\" 200") != std::string::npos;
      },
      40s))
      << err() << sv.log();
  sv.ctl({"stop", "httpok"});
  const std::string log = err();
  EXPECT_NE(log.find("httpok: failure ignored, web started "), std::string::npos) << log;
  EXPECT_NE(log.find(" s ago (grace 12 s): error contacting http://127.0.0.1:"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("Restarting"), std::string::npos) << log;
  EXPECT_EQ(sv.log().find("stopped: web "), std::string::npos) << sv.log();
}

TEST(RestartPolicy, WithProcessStateEventsAnOperatorsRestartStartsTheCountAgain) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const int port = free_tcp_port();
  const auto dir = sv.dir();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/status/500";
  sv.start("[program:web]\ncommand=python3 " + (support_dir() / "webapp.py").string() + " " +
           std::to_string(port) +
           "\nstartsecs=1\nstopwaitsecs=2\nautorestart=false\n\n"
           "[eventlistener:httpok]\ncommand=" +
           httpok_binary() + " -p web -t 2 --fails 4 " + url +
           "\nevents=TICK_5,PROCESS_STATE\nstartsecs=0\nautostart=false\nstderr_logfile=" +
           (dir / "httpok.err").string() + "\n");
  ASSERT_TRUE(sv.wait_for_state("web", "RUNNING", 20s)) << sv.log();
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(port); }, 20s));
  sv.ctl({"start", "httpok"});
  auto err = [&] { return without_timings(read_file_or_empty(dir / "httpok.err")); };
  ASSERT_TRUE(wait_until([&] { return err().find("failure 2 of 4") != std::string::npos; }, 30s))
      << err() << sv.log();
  // The operator's restart, not httpok's. (A check while web is down counts, 3 of 4: the
  // count starts again when it is RUNNING.)
  sv.ctl({"restart", "web"});
  ASSERT_TRUE(sv.wait_for_state("web", "RUNNING", 20s)) << sv.log();
  const std::size_t after = err().size();
  ASSERT_TRUE(
      wait_until([&] { return err().find("status failure", after) != std::string::npos; }, 30s))
      << err();
  sv.ctl({"stop", "httpok"});
  const std::string log = err();
  // The first failure after the restart counts from 1 again; nothing was restarted.
  EXPECT_EQ(log.find("httpok: status failure ", after),
            log.find("httpok: status failure 1 of 4", after))
      << log;
  EXPECT_EQ(log.find("Restarting"), std::string::npos) << log;
}

TEST(RestartPolicy, DryRunCallsNoStopNorStartButMails) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const int port = free_tcp_port();
  const auto dir = sv.dir();
  const auto support = support_dir();
  sv.start("[program:web]\ncommand=python3 " + (support / "webapp.py").string() + " " +
           std::to_string(port) +
           "\nstartsecs=1\nstopwaitsecs=2\nautorestart=false\n\n"
           "[eventlistener:httpok]\ncommand=" +
           httpok_binary() + " -p web -t 2 --dry-run -m ops@example.com -s '" +
           (support / "fake-sendmail.sh").string() + " -t -i' http://127.0.0.1:" +
           std::to_string(port) + "/status/503\nevents=TICK_5\nstartsecs=0\nautostart=false\n" +
           "stderr_logfile=" + (dir / "httpok.err").string() +
           "\nenvironment=FAKE_SENDMAIL_OUT=\"" + (dir / "mail.txt").string() + "\"\n");
  ASSERT_TRUE(sv.wait_for_state("web", "RUNNING", 20s)) << sv.log();
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(port); }, 20s));
  const auto pid = sv.pid_of("web");
  sv.ctl({"start", "httpok"});
  ASSERT_TRUE(wait_until(
      [&] { return read_file_or_empty(dir / "mail.txt").find("=== end") != std::string::npos; },
      30s))
      << read_file_or_empty(dir / "httpok.err") << sv.log();
  sv.ctl({"stop", "httpok"});
  const std::string log = without_timings(read_file_or_empty(dir / "httpok.err"));
  EXPECT_NE(log.find("Restarting selected processes ['web']\ndry run: would restart web\n"),
            std::string::npos)
      << log;
  EXPECT_NE(read_file_or_empty(dir / "mail.txt").find("Subject: [dry run] httpok: "),
            std::string::npos);
  EXPECT_EQ(sv.pid_of("web"), pid);  // never stopped
  EXPECT_EQ(sv.log().find("stopped: web"), std::string::npos) << sv.log();
}

TEST(RestartPolicy, PresignalReachesTheAppBeforeItIsStopped) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const int port = free_tcp_port();
  const auto dir = sv.dir();
  const std::string signals = (dir / "signals.txt").string();
  sv.start("[program:web]\ncommand=python3 " + (support_dir() / "webapp.py").string() + " " +
           std::to_string(port) + "\nenvironment=WEBAPP_SIGNAL_LOG=\"" + signals +
           "\"\nstartsecs=1\nstopwaitsecs=2\nautorestart=false\n\n"
           "[eventlistener:httpok]\ncommand=" +
           httpok_binary() + " -p web -t 2 --presignal usr1 --presignal-wait 1 http://127.0.0.1:" +
           std::to_string(port) + "/status/500\nevents=TICK_5\nstartsecs=0\nautostart=false\n" +
           "stderr_logfile=" + (dir / "httpok.err").string() + "\n");
  ASSERT_TRUE(sv.wait_for_state("web", "RUNNING", 20s)) << sv.log();
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(port); }, 20s));
  sv.ctl({"start", "httpok"});
  auto err = [&] { return without_timings(read_file_or_empty(dir / "httpok.err")); };
  ASSERT_TRUE(wait_until([&] { return err().find("web restarted\n") != std::string::npos; }, 30s))
      << err() << sv.log();
  sv.ctl({"stop", "httpok"});
  EXPECT_NE(err().find("Restarting selected processes ['web']\nsent USR1 to web, waiting 1 s\n"
                       "web is in RUNNING state, restarting\nweb restarted\n"),
            std::string::npos)
      << err();
  EXPECT_EQ(read_file_or_empty(signals).rfind("USR1\n", 0), 0u) << read_file_or_empty(signals);
}

TEST(RestartPolicy, ReviveStartsAProgramThatWentFatal) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const int port = free_tcp_port();
  const auto dir = sv.dir();
  // The first start fails at once (FATAL: no retries); a later one serves.
  const std::string flag = (dir / "started-once").string();
  sv.start("[program:web]\ncommand=sh -c 'test -e " + flag + " || { touch " + flag +
           "; exit 1; }; exec python3 " + (support_dir() / "webapp.py").string() + " " +
           std::to_string(port) +
           "'\nstartsecs=1\nstartretries=0\nstopwaitsecs=2\nautorestart=false\n\n"
           "[eventlistener:httpok]\ncommand=" +
           httpok_binary() + " -p web -t 2 --revive http://127.0.0.1:" + std::to_string(port) +
           "/\nevents=TICK_5\nstartsecs=0\nautostart=false\nstderr_logfile=" +
           (dir / "httpok.err").string() + "\n");
  ASSERT_TRUE(sv.wait_for_state("web", "FATAL", 20s)) << sv.log();
  sv.ctl({"start", "httpok"});
  auto err = [&] { return without_timings(read_file_or_empty(dir / "httpok.err")); };
  ASSERT_TRUE(wait_until([&] { return err().find("web started\n") != std::string::npos; }, 30s))
      << err() << sv.log();
  EXPECT_NE(err().find("Restarting selected processes ['web']\nweb is in FATAL state, starting\n"
                       "web started\n"),
            std::string::npos)
      << err();
  EXPECT_TRUE(sv.wait_for_state("web", "RUNNING", 10s)) << sv.log();
  sv.ctl({"stop", "httpok"});
}

}  // namespace
}  // namespace httpok::test
