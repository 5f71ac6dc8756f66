// UvSpawner against real /bin/sh children. Every test ends by destroying the spawner,
// running the loop dry and asserting uv_loop_close() == 0: nothing may leak.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "httpok/uv_spawner.hpp"
#include "support/test_support.hpp"

namespace httpok {
namespace {

using namespace std::chrono_literals;
using test::read_file_or_empty;
using test::TempDir;

TEST(ShellLine, AppendsQuotedPositionals) {
  EXPECT_EQ(shell_line_with_positionals("gcore -o", 0), "gcore -o");
  EXPECT_EQ(shell_line_with_positionals("gcore -o", 2), "gcore -o \"$1\" \"$2\"");
}

TEST(OneLineSummary, TrimsJoinsLinesAndMasksControlCharacters) {
  EXPECT_EQ(one_line_summary(""), "");
  EXPECT_EQ(one_line_summary(" \n\n "), "");
  EXPECT_EQ(one_line_summary("sh: 1: x: not found\n"), "sh: 1: x: not found");
  EXPECT_EQ(one_line_summary("a\r\n\n   b\tc\x1b[0m\n"), "a  | b c?[0m");
  EXPECT_EQ(one_line_summary("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 kept as it is
  EXPECT_EQ(one_line_summary(std::string(600, 'x')), std::string(500, 'x') + "...");
  EXPECT_EQ(one_line_summary(std::string(500, 'x')), std::string(500, 'x'));
}

TEST(ShellLine, BracesFromTheTenthOn) {
  const std::string line = shell_line_with_positionals("x", 11);
  EXPECT_NE(line.find(" \"$9\" \"${10}\" \"${11}\""), std::string::npos) << line;
}

class SpawnTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }

  void TearDown() override {
    spawner_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  UvSpawner& spawner(UvSpawnerOptions options = {}) {
    if (!spawner_) {
      spawner_ = std::make_unique<UvSpawner>(&loop_, std::move(options));
    }
    return *spawner_;
  }

  // Runs one request to completion; the callback must come exactly once.
  SpawnResult run_one(SpawnRequest request) {
    int calls = 0;
    SpawnResult result;
    spawner().run(std::move(request), [&](SpawnResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_EQ(calls, 0) << "callback called inside run()";
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(calls, 1);
    return result;
  }

  static SpawnRequest request(std::string command, std::vector<std::string> args = {},
                              std::string stdin_data = {},
                              std::chrono::milliseconds deadline = 10s) {
    SpawnRequest r;
    r.command = std::move(command);
    r.args = std::move(args);
    r.stdin_data = std::move(stdin_data);
    r.deadline = deadline;
    return r;
  }

  uv_loop_t loop_{};
  std::unique_ptr<UvSpawner> spawner_;
};

TEST_F(SpawnTest, CapturesStdout) {
  const SpawnResult r = run_one(request("echo hello; echo world"));
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.success()) << r.error;
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.stdout_data, "hello\nworld\n");
  EXPECT_EQ(r.error, "");
}

TEST_F(SpawnTest, PassesValuesLiterallyAsPositionals) {
  TempDir dir;
  const std::string pwned = (dir / "pwned").string();
  const std::vector<std::string> args{"a b",
                                      "it's",
                                      "\"q\"",
                                      "$(touch " + pwned + ")",
                                      "; touch " + pwned,
                                      "`touch " + pwned + "`",
                                      "*",
                                      "$HOME",
                                      ""};
  const SpawnResult r = run_one(request("printf '[%s]\\n'", args));
  ASSERT_TRUE(r.success()) << r.error;
  std::string expected;
  for (const std::string& a : args) {
    expected += "[" + a + "]\n";
  }
  EXPECT_EQ(r.stdout_data, expected);
  EXPECT_FALSE(std::filesystem::exists(pwned));
}

TEST_F(SpawnTest, DollarZeroIsHttpokAndTheTenthArgumentArrives) {
  std::vector<std::string> args;
  for (int i = 1; i <= 11; ++i) {
    args.push_back("v" + std::to_string(i));
  }
  const SpawnResult r = run_one(request("echo \"$0\"; printf '%s ' ", args));
  ASSERT_TRUE(r.success()) << r.error;
  EXPECT_EQ(r.stdout_data, "httpok\nv1 v2 v3 v4 v5 v6 v7 v8 v9 v10 v11 ");
}

TEST_F(SpawnTest, StdinDataReachesTheChild) {
  TempDir dir;
  const std::string file = (dir / "stdin.txt").string();
  const SpawnResult r = run_one(request("cat >", {file}, "To: someone\n\nline two"));
  ASSERT_TRUE(r.success()) << r.error;
  EXPECT_EQ(read_file_or_empty(file), "To: someone\n\nline two");
}

TEST_F(SpawnTest, EmptyStdinIsClosedAtOnce) {
  // `cat` only ends when its stdin is closed.
  const SpawnResult r = run_one(request("cat; echo end", {}, "", 5s));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.stdout_data, "end\n");
}

TEST_F(SpawnTest, LargeStdinRoundTripsThroughCat) {
  std::string data(1 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>('a' + i % 26);
  }
  const SpawnResult r = run_one(request("cat", {}, data));
  ASSERT_TRUE(r.success()) << r.error;
  EXPECT_EQ(r.stdout_data, data);
}

TEST_F(SpawnTest, StdoutIsCappedAndTheChildIsNotBlocked) {
  UvSpawnerOptions options;
  options.max_stdout = 1000;
  spawner(options);
  const SpawnResult r = run_one(request("head -c 300000 /dev/zero"));
  EXPECT_TRUE(r.success()) << r.error;
  EXPECT_EQ(r.stdout_data, std::string(1000, '\0'));
}

TEST_F(SpawnTest, ReportsTheExitStatus) {
  const SpawnResult r = run_one(request("echo partial; exit 3"));
  EXPECT_TRUE(r.started);
  EXPECT_FALSE(r.success());
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.term_signal, 0);
  EXPECT_EQ(r.stdout_data, "partial\n");
  EXPECT_EQ(r.error, "'echo partial; exit 3' exited with status 3");
}

TEST_F(SpawnTest, ReportsAMissingProgramAsStatus127WithTheShellsWordsUnderItsRole) {
  SpawnRequest missing = request("/nonexistent/prog", {"x"});
  missing.name = "sendmail";
  const SpawnResult r = run_one(std::move(missing));
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_status, 127);
  // /bin/sh names itself by $0, the role, not "httpok" (dash: "sendmail: 1: ...: not
  // found", bash: "sendmail: line 1: ...").
  EXPECT_EQ(r.stderr_data.rfind("sendmail: ", 0), 0u) << r.stderr_data;
  EXPECT_NE(r.stderr_data.find("/nonexistent/prog"), std::string::npos) << r.stderr_data;
  EXPECT_EQ(r.error.rfind("'/nonexistent/prog' exited with status 127; stderr: sendmail: ", 0), 0u)
      << r.error;
}

TEST_F(SpawnTest, AFailuresStderrIsReportedOnOneLine) {
  const SpawnResult r = run_one(request("printf 'first\\n\\n  second\\tline\\n' >&2; exit 1"));
  EXPECT_EQ(r.error,
            "'printf 'first\\n\\n  second\\tline\\n' >&2; exit 1' exited with status 1; stderr: "
            "first | second line");
}

TEST_F(SpawnTest, StderrIsCappedAndTheChildIsNotBlocked) {
  const SpawnResult r = run_one(request("head -c 1000000 /dev/zero | tr '\\0' e >&2; echo done"));
  EXPECT_TRUE(r.success()) << r.error;
  EXPECT_EQ(r.stdout_data, "done\n");
  EXPECT_EQ(r.stderr_data, std::string(4096, 'e'));
}

TEST_F(SpawnTest, ReportsADeathBySignal) {
  const SpawnResult r = run_one(request("kill -9 $$"));
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.term_signal, 9);
  EXPECT_EQ(r.error, "'kill -9 $$' killed by signal 9");
}

TEST_F(SpawnTest, AShellThatCannotBeSpawnedIsReportedAsynchronously) {
  UvSpawnerOptions options;
  options.shell = "/nonexistent/shell";
  spawner(options);
  const SpawnResult r = run_one(request("true"));  // run_one checks: not inside run()
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.success());
  EXPECT_NE(r.error.find("'true' could not be started: /nonexistent/shell: "), std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("no such file"), std::string::npos) << r.error;
}

TEST_F(SpawnTest, KillsAHangingChildAtTheDeadline) {
  const auto start = std::chrono::steady_clock::now();
  const SpawnResult r = run_one(request("sleep 30", {}, {}, 300ms));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.success());
  EXPECT_EQ(r.error, "'sleep 30' timed out after 0.3 s and was killed");
  EXPECT_GE(elapsed, 299ms);  // libuv's clock counts whole milliseconds
  EXPECT_LT(elapsed, 5s);
}

TEST_F(SpawnTest, SigkillFollowsWhenSigtermIsIgnored) {
  UvSpawnerOptions options;
  options.kill_grace = 200ms;
  spawner(options);
  const auto start = std::chrono::steady_clock::now();
  // An ignored signal stays ignored across exec, so neither sh nor sleep dies of SIGTERM.
  const SpawnResult r = run_one(request("trap '' TERM; sleep 30; echo survived", {}, {}, 200ms));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_EQ(r.stdout_data, "");
  EXPECT_GE(elapsed, 398ms);  // two timers of whole milliseconds
  EXPECT_LT(elapsed, 5s);
}

// Stands in for the kernel with a process stuck in uninterruptible sleep: SIGKILL is
// dropped, everything else is delivered.
int kill_but_not_sigkill(pid_t pid, int sig) {
  return sig == SIGKILL ? 0 : ::kill(pid, sig);
}

TEST_F(SpawnTest, AChildThatOutlivesSigkillIsReportedAndReapedLater) {
  TempDir dir;
  const std::string pid_file = (dir / "pid").string();
  UvSpawnerOptions options;
  options.kill_grace = 100ms;
  options.send_signal = kill_but_not_sigkill;
  spawner(options);
  struct KillAtEnd {  // whatever the test's outcome, the sleep does not outlive it
    std::string pid_file;
    ~KillAtEnd() {
      const std::string pid = read_file_or_empty(pid_file);
      if (!pid.empty())
        ::kill(std::stoi(pid), SIGKILL);
    }
  } kill_at_end{pid_file};
  int calls = 0;
  SpawnResult result;
  spawner().run(
      request("trap '' TERM; f() { echo $$ > \"$1\"; exec sleep 30; }; f", {pid_file}, {}, 200ms),
      [&](SpawnResult r) {
        ++calls;
        result = std::move(r);
      });
  // The callback comes although the process is still there...
  ASSERT_TRUE(test::wait_until(
      [&] {
        uv_run(&loop_, UV_RUN_NOWAIT);
        return calls == 1;
      },
      10s));
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.success());
  EXPECT_EQ(result.error,
            "'trap '' TERM; f() { echo $$ > \"$1\"; exec sleep 30; }; f' timed out after 0.2 s "
            "and did not exit after SIGKILL");
  const pid_t pid = std::stoi(read_file_or_empty(pid_file));
  EXPECT_EQ(::kill(pid, 0), 0);
  EXPECT_EQ(spawner().pending(), 1u);
  // ...and once it does end, it is reaped and freed, with no second callback.
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(test::wait_until(
      [&] {
        uv_run(&loop_, UV_RUN_NOWAIT);
        return spawner().pending() == 0;
      },
      10s));
  EXPECT_EQ(calls, 1);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);  // not left as our zombie
}

// True when `pid` is gone or a zombie waiting for a parent that is not us.
bool process_is_dead(pid_t pid) {
  if (::kill(pid, 0) != 0) {
    return true;
  }
  const std::string stat = read_file_or_empty("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && stat.compare(paren + 2, 1, "Z") == 0;
}

TEST_F(SpawnTest, TheDeadlineKillsTheWholeProcessGroup) {
  // The shell waits for a background child: at the deadline both die with their group.
  const SpawnResult r = run_one(request("sleep 30 & echo $!; wait", {}, {}, 300ms));
  EXPECT_TRUE(r.timed_out);
  ASSERT_FALSE(r.stdout_data.empty());
  const pid_t background = std::stoi(r.stdout_data);
  EXPECT_TRUE(test::wait_until([&] { return process_is_dead(background); }, 5s));
}

TEST_F(SpawnTest, SigkillReachesTheGroupWhenOnlyTheShellDiesOfSigterm) {
  // The shell dies of SIGTERM; a member of its group that ignores it holds stdout. Before,
  // the shell's death was taken for a command that is done: its output was waited for
  // briefly, and the rest of the group lived on, "killed".
  UvSpawnerOptions options;
  options.kill_grace = 200ms;
  spawner(options);
  const SpawnResult r =
      run_one(request("sh -c 'trap \"\" TERM; echo $$; exec sleep 30' & wait", {}, {}, 1s));
  ASSERT_FALSE(r.stdout_data.empty());
  const pid_t member = std::stoi(r.stdout_data);
  const bool dead = test::wait_until([&] { return process_is_dead(member); }, 5s);
  if (!dead)
    ::kill(member, SIGKILL);
  EXPECT_TRUE(dead);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.error,
            "'sh -c 'trap \"\" TERM; echo $$; exec sleep 30' & wait' timed out after 1 s "
            "and was killed");
}

TEST_F(SpawnTest, DestroyingTheSpawnerKillsWhatIsLeftOfAGroupThatTimedOut) {
  TempDir dir;
  const std::string pids = (dir / "pids").string();
  UvSpawnerOptions options;
  options.kill_grace = 20s;  // SIGKILL would come long after the spawner is gone
  spawner(options);
  // (No positionals: the spawner appends them, and "wait $1" would not wait.)
  spawner().run(request("echo $$ >> " + pids + "; sh -c \"trap '' TERM; echo \\$\\$ >> " + pids +
                            "; exec sleep 30\" & wait",
                        {}, {}, 1s),
                [](SpawnResult) {});
  // The deadline passes, the shell dies of SIGTERM and is reaped; the member lives on,
  // holding stdout.
  pid_t shell = 0;
  pid_t member = 0;
  ASSERT_TRUE(test::wait_until(
      [&] {
        uv_run(&loop_, UV_RUN_NOWAIT);
        std::istringstream in(read_file_or_empty(pids));
        return static_cast<bool>(in >> shell >> member) && ::kill(shell, 0) != 0;
      },
      10s));
  ASSERT_FALSE(process_is_dead(member));
  spawner_.reset();
  uv_run(&loop_, UV_RUN_DEFAULT);
  const bool dead = test::wait_until([&] { return process_is_dead(member); }, 5s);
  if (!dead)
    ::kill(member, SIGKILL);
  EXPECT_TRUE(dead);
}

TEST_F(SpawnTest, AChildThatNeverReadsALargeStdinDoesNotBlockTheLoop) {
  int ticks = 0;
  uv_timer_t timer;
  ASSERT_EQ(uv_timer_init(&loop_, &timer), 0);
  timer.data = &ticks;
  uv_timer_start(
      &timer, [](uv_timer_t* t) { ++*static_cast<int*>(t->data); }, 20, 20);

  int calls = 0;
  SpawnResult result;
  spawner().run(request("sleep 1; echo done", {}, std::string(1 << 20, 'x')), [&](SpawnResult r) {
    ++calls;
    result = std::move(r);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(result.success()) << result.error;  // EPIPE on stdin is not a failure
  EXPECT_EQ(result.stdout_data, "done\n");
  EXPECT_GE(ticks, 5);  // the timer kept firing during the second the child ran (a blocked
                        // loop would see one late tick)
}

TEST_F(SpawnTest, AChildThatExitsWithoutReadingStdinIsNotAFailure) {
  const SpawnResult r = run_one(request("exit 0", {}, std::string(1 << 20, 'x')));
  EXPECT_TRUE(r.success()) << r.error;
}

TEST_F(SpawnTest, StderrIsCapturedNeverWrittenToTheParentsStdoutOrStderr) {
  TempDir dir;
  const std::string out_file = (dir / "fd1").string();
  const std::string err_file = (dir / "fd2").string();
  std::fflush(stdout);
  std::fflush(stderr);
  const int saved_out = ::dup(1);
  const int saved_err = ::dup(2);
  const int out_fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int err_fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(out_fd, 0);
  ASSERT_GE(err_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);

  int calls = 0;
  SpawnResult result;
  spawner().run(request("echo oops >&2; echo out"), [&](SpawnResult r) {
    ++calls;
    result = std::move(r);
  });
  uv_run(&loop_, UV_RUN_DEFAULT);

  ::dup2(saved_out, 1);
  ::dup2(saved_err, 2);
  ::close(saved_out);
  ::close(saved_err);
  ::close(out_fd);
  ::close(err_fd);

  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(result.success()) << result.error;
  EXPECT_EQ(result.stdout_data, "out\n");
  EXPECT_EQ(result.stderr_data, "oops\n");
  EXPECT_EQ(read_file_or_empty(out_file), "");
  EXPECT_EQ(read_file_or_empty(err_file), "");
}

TEST_F(SpawnTest, ManyConcurrentChildren) {
  constexpr int kChildren = 64;
  std::vector<std::optional<SpawnResult>> results(kChildren);
  for (int i = 0; i < kChildren; ++i) {
    spawner().run(request("sleep 0.1; printf '%s'", {std::to_string(i)}),
                  [&results, i](SpawnResult r) {
                    ASSERT_FALSE(results[i].has_value());
                    results[i] = std::move(r);
                  });
  }
  EXPECT_EQ(spawner().pending(), static_cast<std::size_t>(kChildren));
  uv_run(&loop_, UV_RUN_DEFAULT);
  for (int i = 0; i < kChildren; ++i) {
    ASSERT_TRUE(results[i].has_value()) << i;
    EXPECT_TRUE(results[i]->success()) << results[i]->error;
    EXPECT_EQ(results[i]->stdout_data, std::to_string(i));
  }
  EXPECT_EQ(spawner().pending(), 0u);
}

TEST_F(SpawnTest, DestroyingTheSpawnerKillsAndReapsChildrenWithoutCallbacks) {
  TempDir dir;
  const std::string pid_file = (dir / "pid").string();
  int calls = 0;
  spawner().run(
      request("f() { echo $$ > \"$1\"; exec sleep 30; }; f", {pid_file}, std::string(1 << 20, 'x')),
      [&](SpawnResult) { ++calls; });

  // Run the loop until the child has written its pid.
  uv_timer_t poll;
  ASSERT_EQ(uv_timer_init(&loop_, &poll), 0);
  poll.data = const_cast<std::string*>(&pid_file);
  uv_timer_start(
      &poll,
      [](uv_timer_t* t) {
        const std::string content = read_file_or_empty(*static_cast<std::string*>(t->data));
        if (!content.empty() && content.back() == '\n') {
          uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
          uv_stop(t->loop);  // the child's handles would keep uv_run going
        }
      },
      10, 10);
  uv_run(&loop_, UV_RUN_DEFAULT);
  const pid_t pid = std::stoi(read_file_or_empty(pid_file));

  spawner_.reset();
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(calls, 0);
  // Reaped by the spawner: it is no longer our child, not even as a zombie.
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST_F(SpawnTest, ADescendantHoldingStdoutDoesNotTurnAnExitIntoATimeout) {
  // Like a daemonizing MTA: the command exits 0, a child of its own session keeps stdout.
  const auto start = std::chrono::steady_clock::now();
  const SpawnResult r = run_one(request("setsid sleep 30 & echo queued $!", {}, {}, 60s));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.success()) << r.error;
  EXPECT_FALSE(r.timed_out);
  ASSERT_EQ(r.stdout_data.rfind("queued ", 0), 0u) << r.stdout_data;
  ::kill(std::stoi(r.stdout_data.substr(7)), SIGKILL);  // the escaped "MTA"
  EXPECT_LT(elapsed, 20s);  // not the 30 s of sleep, nor the 60 s deadline
}

TEST_F(SpawnTest, DestroyingTheSpawnerDoesNotWaitForAChildThatIgnoresSigterm) {
  TempDir dir;
  const std::string pid_file = (dir / "pid").string();
  spawner().run(request("trap '' TERM; f() { echo $$ > \"$1\"; exec sleep 30; }; f", {pid_file}),
                [](SpawnResult) {});
  ASSERT_TRUE(test::wait_until(
      [&] {
        uv_run(&loop_, UV_RUN_NOWAIT);
        const std::string content = read_file_or_empty(pid_file);
        return !content.empty() && content.back() == '\n';
      },
      10s));
  const pid_t pid = std::stoi(read_file_or_empty(pid_file));
  const auto start = std::chrono::steady_clock::now();
  spawner_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  uv_run(&loop_, UV_RUN_DEFAULT);
  // SIGTERM was ignored, so SIGKILL followed.
  int status = 0;
  const pid_t reaped = ::waitpid(pid, &status, 0);
  if (reaped == pid) {
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  } else {
    EXPECT_EQ(::kill(pid, 0), -1);  // already reaped by the spawner
  }
}

TEST_F(SpawnTest, TheCallbackMayDestroyTheSpawner) {
  int calls = 0;
  int late_calls = 0;
  spawner().run(request("true"), [&](SpawnResult r) {
    ++calls;
    EXPECT_TRUE(r.success());
    spawner_.reset();  // the other child is still running
  });
  spawner().run(request("sleep 30"), [&](SpawnResult) { ++late_calls; });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(late_calls, 0);
  EXPECT_FALSE(spawner_);
}

TEST_F(SpawnTest, TheCallbackMayStartTheNextChild) {
  std::vector<std::string> outputs;
  spawner().run(request("echo first"), [&](SpawnResult r) {
    outputs.push_back(r.stdout_data);
    spawner().run(request("echo second"),
                  [&](SpawnResult r2) { outputs.push_back(r2.stdout_data); });
  });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(outputs, (std::vector<std::string>{"first\n", "second\n"}));
}

}  // namespace
}  // namespace httpok
