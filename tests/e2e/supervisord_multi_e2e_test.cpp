// Many targets in one httpok under a real supervisord: each failing target restarts its own
// programs and nothing else, and a program two failing targets share is restarted once.
// Many programs: a group that restarts overflows the listener's event buffer.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "child.hpp"
#include "support/supervisord.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

// Three targets over four programs: `site` (healthy) watches front; `api` (failing)
// watches api and the whole workers group; `jobs` (failing) watches workers:worker2 only.
TEST(ManyTargets, EachRestartsOnlyItsProgramsAndASharedOneOnce) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const int front_port = free_tcp_port();
  const int api_port = free_tcp_port();
  const auto dir = sv.dir();
  const std::string webapp = "python3 " + (support_dir() / "webapp.py").string() + " ";
  const std::string base = "http://127.0.0.1:";
  write_file(dir / "httpok.conf",
             // Each target checks once, at start, and not again for an hour: a second
             // round (a TICK_5 that came before httpok was stopped, once) would restart the
             // failing targets' programs again.
             "[httpok]\ntimeout = 5\ninterval = 3600\n\n"
             "[target:site]\nurl = " +
                 base + std::to_string(front_port) +
                 "/\nprograms = front\n\n"
                 "[target:api]\nurl = " +
                 base + std::to_string(api_port) +
                 "/status/500\nprograms = api, workers:*\n\n"
                 "[target:jobs]\nurl = " +
                 base + std::to_string(api_port) + "/status/503\nprograms = workers:worker2\n");
  const std::string program = "\nstartsecs=1\nstopwaitsecs=2\nautorestart=false\n\n";
  sv.start("[program:front]\ncommand=" + webapp + std::to_string(front_port) + program +
           "[program:api]\ncommand=" + webapp + std::to_string(api_port) + program +
           "[program:worker1]\ncommand=sleep 1000" + program +
           "[program:worker2]\ncommand=sleep 1000" + program +
           "[group:workers]\nprograms=worker1,worker2\n\n"
           "[eventlistener:httpok]\ncommand=" +
           httpok_binary() + " --config " + (dir / "httpok.conf").string() +
           "\nevents=TICK_5\nstartsecs=0\nautostart=false\nstderr_logfile=" +
           (dir / "httpok.err").string() + "\n");
  for (const char* name : {"front", "api", "workers:worker1", "workers:worker2"})
    ASSERT_TRUE(sv.wait_for_state(name, "RUNNING", 20s)) << name << "\n" << sv.log();
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(front_port) && tcp_accepts(api_port); }, 20s));
  const auto front_pid = sv.pid_of("front");
  const auto worker1_pid = sv.pid_of("workers:worker1");
  const auto worker2_pid = sv.pid_of("workers:worker2");
  const std::string started = sv.ctl({"start", "httpok"});
  ASSERT_TRUE(sv.wait_for_state("httpok", "RUNNING", 20s)) << started << sv.log();

  auto err = [&] { return read_file_or_empty(dir / "httpok.err"); };
  // Both failing targets' blocks, whichever came first: the second one ends with the line
  // that skips worker2 (the last process of either block).
  const std::string not_again =
      "workers:worker2 was restarted for api after this check began, "
      "NOT restarting again\n";
  ASSERT_TRUE(wait_until(
      [&] {
        return err().find("after this check began, NOT restarting again\n") != std::string::npos;
      },
      40s))
      << err() << sv.log();
  sv.ctl({"stop", "httpok"});
  ASSERT_TRUE(sv.wait_for_state("httpok", "STOPPED", 10s)) << sv.log();
  const std::string log = without_timings(err());
  const std::size_t api_block = log.find("Restarting selected processes ['api', 'workers:*']\n");
  const std::size_t jobs_block = log.find("Restarting selected processes ['workers:worker2']\n");
  ASSERT_NE(api_block, std::string::npos) << log;
  ASSERT_NE(jobs_block, std::string::npos) << log;
  EXPECT_NE(log.find("httpok: api: status failure: status contacting " + base +
                     std::to_string(api_port) + "/status/500: 500 Internal Server Error\n"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("api restarted\n", api_block), std::string::npos) << log;
  EXPECT_NE(log.find("workers:worker1 restarted\n", api_block), std::string::npos) << log;
  if (api_block < jobs_block) {
    // api's run restarted worker2; jobs' block, whose check began before that, names it.
    EXPECT_NE(log.find("workers:worker2 restarted\n", api_block), std::string::npos) << log;
    EXPECT_EQ(
        log.find("Restarting selected processes ['workers:worker2']\n" + not_again, api_block),
        jobs_block)
        << log;
  } else {
    // jobs' run came first and restarted worker2; api's block leaves it alone.
    EXPECT_EQ(log.find("Restarting selected processes ['workers:worker2']\n"
                       "workers:worker2 is in RUNNING state, restarting\n"
                       "workers:worker2 restarted\n"),
              jobs_block)
        << log;
    EXPECT_NE(log.find("workers:worker2 was restarted for jobs after this check began, NOT "
                       "restarting again\n",
                       api_block),
              std::string::npos)
        << log;
  }
  // One restart of the shared program in the round; none of the healthy target's.
  EXPECT_EQ(count_of(log, "workers:worker2 restarted\n"), 1u) << log;
  EXPECT_EQ(count_of(sv.log(), "stopped: worker2 "), 1u) << sv.log();
  EXPECT_EQ(log.find("front", log.find("httpok: jobs: watching")), std::string::npos) << log;
  EXPECT_EQ(sv.pid_of("front"), front_pid);
  EXPECT_NE(sv.pid_of("workers:worker1"), worker1_pid);
  EXPECT_NE(sv.pid_of("workers:worker2"), worker2_pid);
  EXPECT_EQ(sv.log().find("stopped: front "), std::string::npos) << sv.log();
}

// A group of 15 programs restarts: 60 PROCESS_STATE events at once overflow the default
// buffer_size (10), and supervisord drops the oldest, web's among them. httpok sees the
// gap in the pool's numbers and asks supervisord again, so -E still checks web, and its
// hang is restarted (with the events lost under a stale table, web was never checked
// again).
TEST(ManyPrograms, AGroupRestartThatOverflowsTheEventBufferStillRestartsAHungProgram) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const int port = free_tcp_port();
  const auto dir = sv.dir();
  const std::string hang = (dir / "hang").string();
  std::string programs = "web";
  std::string sleepers;
  for (int i = 1; i <= 14; ++i) {
    programs += ",p" + std::to_string(i);
    sleepers += "[program:p" + std::to_string(i) +
                "]\ncommand=sleep 1000\nstartsecs=1\nstopwaitsecs=1\nautorestart=false\n\n";
  }
  sv.start("[group:pool]\nprograms=" + programs + "\n\n[program:web]\ncommand=python3 " +
           (support_dir() / "webapp.py").string() + " " + std::to_string(port) + " " + hang +
           "\nstartsecs=1\nstopwaitsecs=2\nautorestart=false\n\n" + sleepers +
           "[eventlistener:httpok]\ncommand=" + httpok_binary() + " -E -p pool:web -t 2 " +
           "http://127.0.0.1:" + std::to_string(port) +
           "/\nevents=TICK_5,PROCESS_STATE\nstartsecs=0\nautostart=false\nstderr_logfile=" +
           (dir / "httpok.err").string() + "\n");
  ASSERT_TRUE(sv.wait_for_state("pool:web", "RUNNING", 20s)) << sv.log();
  sv.ctl({"start", "httpok"});
  ASSERT_TRUE(sv.wait_for_state("httpok", "RUNNING", 20s)) << sv.log();
  sv.ctl({"restart", "pool:*"});
  ASSERT_TRUE(sv.wait_for_state("pool:web", "RUNNING", 20s)) << sv.log();
  ASSERT_TRUE(wait_until([&] { return tcp_accepts(port); }, 20s));
  write_file(hang, "");  // web hangs from now on
  auto err = [&] { return without_timings(read_file_or_empty(dir / "httpok.err")); };
  const bool restarted =
      wait_until([&] { return err().find("pool:web restarted\n") != std::string::npos; }, 40s);
  sv.ctl({"stop", "httpok"});
  std::filesystem::remove(hang);
  const std::string log = err();
  EXPECT_TRUE(restarted) << log << sv.log();
  EXPECT_NE(sv.log().find("event buffer overflowed"), std::string::npos) << sv.log();
  const std::size_t warned = log.find("\nhttpok: warning: event ");
  ASSERT_NE(warned, std::string::npos) << log;
  EXPECT_NE(log.find(": supervisord dropped the ", warned), std::string::npos) << log;
  EXPECT_NE(log.find("timed out after 2 s"), std::string::npos) << log;
}

}  // namespace
}  // namespace httpok::test
