// The restart sequence against fakes of supervisord and of the spawner: every scenario of
// superlance's own httpok tests (byte for byte), the bugs we fix, and the lifetime rules
// (synchronous answers, destruction from inside callbacks).
#include "httpok/actions.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace httpok {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Callbacks posted by the fakes in deferred mode, run one at a time like a loop would.
class Queue {
 public:
  void post(std::function<void()> f) { pending_.push_back(std::move(f)); }
  bool run_one() {
    if (pending_.empty()) {
      return false;
    }
    auto f = std::move(pending_.front());
    pending_.pop_front();
    f();
    return true;
  }
  void run_all() {
    while (run_one()) {
    }
  }
  std::size_t size() const { return pending_.size(); }

 private:
  std::deque<std::function<void()>> pending_;
};

RpcError fault(std::int64_t code, std::string text) {
  RpcError error;
  error.fault = xmlrpc::Fault{code, std::move(text)};
  return error;
}

RpcError transport(std::string text) {
  RpcError error;
  error.text = std::move(text);
  return error;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// supervisord as superlance's test double behaves: stopping a name ending in FAILED faults
// with FAILED, starting one ending in SPAWN_ERROR faults with SPAWN_ERROR. Answers at once
// (synchronous) or through the queue (deferred). Records every call in `events`.
class FakeSupervisor : public SupervisorApi {
 public:
  FakeSupervisor(Queue* deferred, std::vector<std::string>& events)
      : deferred_(deferred), events_(events) {}

  void get_all_process_info(InfoCallback done) override {
    events_.push_back("getAllProcessInfo");
    RpcResult<std::vector<ProcessInfo>> result;
    if (info_error) {
      result.error = *info_error;
    } else {
      result.value = infos;
    }
    answer([done = std::move(done), result = std::move(result)] { done(result); });
  }

  void stop_process(const std::string& namespec, BoolCallback done) override {
    events_.push_back("stopProcess " + namespec);
    if (on_stop)
      on_stop(namespec);
    RpcResult<bool> result;
    if (auto it = stop_errors.find(namespec); it != stop_errors.end()) {
      result.error = it->second;
    } else if (ends_with(namespec, "FAILED")) {
      result.error = fault(30, "FAILED");
    } else {
      result.value = true;
    }
    answer([done = std::move(done), result = std::move(result)] { done(result); });
  }

  void start_process(const std::string& namespec, BoolCallback done) override {
    events_.push_back("startProcess " + namespec);
    RpcResult<bool> result;
    if (auto it = start_errors.find(namespec); it != start_errors.end()) {
      result.error = it->second;
    } else if (ends_with(namespec, "SPAWN_ERROR")) {
      result.error = fault(50, "SPAWN_ERROR");
    } else {
      result.value = true;
    }
    answer([done = std::move(done), result = std::move(result)] { done(result); });
  }

  void signal_process(const std::string& namespec, const std::string& signal,
                      BoolCallback done) override {
    events_.push_back("signalProcess " + namespec + " " + signal);
    RpcResult<bool> result;
    if (signal_error) {
      result.error = *signal_error;
    } else {
      result.value = true;
    }
    answer([done = std::move(done), result = std::move(result)] { done(result); });
  }

  std::vector<ProcessInfo> infos;
  std::optional<RpcError> info_error;
  std::optional<RpcError> signal_error;
  std::map<std::string, RpcError> stop_errors;
  std::map<std::string, RpcError> start_errors;
  bool answer_twice = false;
  // What else happens while a process is being stopped (another target's restart).
  std::function<void(const std::string&)> on_stop;

 private:
  void answer(std::function<void()> f) {
    if (deferred_ != nullptr) {
      deferred_->post(f);
      if (answer_twice) {
        deferred_->post(f);
      }
    } else {
      f();
      if (answer_twice) {
        f();
      }
    }
  }

  Queue* deferred_;
  std::vector<std::string>& events_;
};

// Runs nothing: answers with the result configured for the command (success with empty
// output by default) and keeps every request.
class FakeSpawner : public Spawner {
 public:
  FakeSpawner(Queue* deferred, std::vector<std::string>& events)
      : deferred_(deferred), events_(events) {}

  void run(SpawnRequest request, Callback done) override {
    events_.push_back("spawn " + request.command);
    SpawnResult result;
    result.started = true;
    result.exit_status = 0;
    if (auto it = results.find(request.command); it != results.end()) {
      result = it->second;
    }
    requests.push_back(std::move(request));
    auto f = [done = std::move(done), result = std::move(result)] { done(result); };
    if (deferred_ != nullptr) {
      deferred_->post(std::move(f));
    } else {
      f();
    }
  }

  std::map<std::string, SpawnResult> results;
  std::vector<SpawnRequest> requests;

 private:
  Queue* deferred_;
  std::vector<std::string>& events_;
};

// Pauses that end through the queue (deferred) or at once, each one recorded.
class FakeDelay : public Delay {
 public:
  FakeDelay(Queue* deferred, std::vector<std::string>& events)
      : deferred_(deferred), events_(events) {}
  void after(std::chrono::milliseconds wait, std::function<void()> done) override {
    events_.push_back("wait " + std::to_string(wait.count()) + " ms");
    if (deferred_ != nullptr) {
      deferred_->post(std::move(done));
    } else {
      done();
    }
  }

 private:
  Queue* deferred_;
  std::vector<std::string>& events_;
};

// superlance's DummySupervisorRPCNamespace.all_process_info.
std::vector<ProcessInfo> dummy_processes() {
  return {
      {"foo", "foo", "RUNNING", kStateRunning, 11},
      {"bar", "bar", "FATAL", 200, 12},
      {"baz_01", "baz", "STOPPED", 0, 12},
  };
}

// superlance's _FAIL.
std::vector<ProcessInfo> failing_processes() {
  return {
      {"FAILED", "foo", "RUNNING", kStateRunning, 11},
      {"SPAWN_ERROR", "foo", "RUNNING", kStateRunning, 11},
  };
}

// What superlance's tests configure: url http://foo/bar, a request raising
// ValueError('foo'), email chrism@plope.com, sendmail 'cat - > /dev/null'.
const std::string kSubject = "httpok: http://foo/bar: bad status returned";
const std::string kOutcome = "error contacting http://foo/bar:\n\n foo";
const std::string kMailHead =
    "To: chrism@plope.com\nSubject: httpok: http://foo/bar: bad status returned\n\n"
    "error contacting http://foo/bar:\n\n foo\n";

ActionSettings superlance_settings(std::vector<std::string> programs, bool any = false) {
  ActionSettings settings;
  settings.programs = std::move(programs);
  settings.any = any;
  settings.email = "chrism@plope.com";
  settings.sendmail = "cat - > /dev/null";
  settings.action_timeout = std::chrono::milliseconds(1234);
  settings.self_group = "httpok";
  settings.self_name = "httpok";
  return settings;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// The parameter says whether the fakes answer synchronously (false) or later (true).
class ActionsTest : public ::testing::TestWithParam<bool> {
 protected:
  Queue* deferred() { return GetParam() ? &queue_ : nullptr; }

  // Runs one sequence to its end; returns what was written to stderr.
  std::string act(const ActionSettings& settings, const std::string& subject = kSubject,
                  const std::string& outcome = kOutcome) {
    run_ = std::make_unique<ActionRun>(settings, rpc_, spawner_, [this](const std::string& line) {
      stderr_ += line + "\n";
      ++log_calls_;
    });
    run_->start(subject, outcome, [this] { ++done_calls_; });
    queue_.run_all();
    EXPECT_EQ(done_calls_, 1);
    return stderr_;
  }

  // The message handed to sendmail (the last spawn).
  std::string mailed() const {
    EXPECT_FALSE(spawner_.requests.empty());
    return spawner_.requests.empty() ? std::string() : spawner_.requests.back().stdin_data;
  }

  Queue queue_;
  std::vector<std::string> events_;
  FakeSupervisor rpc_{deferred(), events_};
  FakeSpawner spawner_{deferred(), events_};
  FakeDelay delay_{deferred(), events_};
  std::unique_ptr<ActionRun> run_;
  std::string stderr_;
  int log_calls_ = 0;
  int done_calls_ = 0;
};

// ---------------------------------------------------------------------------------------
// superlance's test_httpok.py, scenario by scenario

// test_runforever_eager_error_on_request_some
TEST_P(ActionsTest, RestartSelectedWithAMissingProgram) {
  rpc_.infos = dummy_processes();
  const std::string block =
      "Restarting selected processes ['foo', 'bar', 'baz_01', 'notexisting']\n"
      "foo is in RUNNING state, restarting\n"
      "foo restarted\n"
      "bar not in RUNNING state, NOT restarting\n"
      "baz:baz_01 not in RUNNING state, NOT restarting\n"
      "Programs not restarted because they did not exist: ['notexisting']\n";
  const std::string mail = kMailHead + block.substr(0, block.size() - 1);

  EXPECT_EQ(act(superlance_settings({"foo", "bar", "baz_01", "notexisting"})),
            block + "Mailed:\n\n" + mail + "\n");
  EXPECT_EQ(mailed(), mail);
  EXPECT_EQ(split_lines(mailed()).size(), 12u);
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess foo", "startProcess foo",
                                   "spawn cat - > /dev/null"));
  ASSERT_EQ(spawner_.requests.size(), 1u);
  EXPECT_THAT(spawner_.requests[0].args, IsEmpty());
  EXPECT_EQ(spawner_.requests[0].deadline, std::chrono::milliseconds(1234));
  EXPECT_EQ(log_calls_, 7);  // six lines and the Mailed: block
}

// test_runforever_eager_error_on_request_any
TEST_P(ActionsTest, RestartAny) {
  rpc_.infos = dummy_processes();
  const std::string block =
      "Restarting all running processes\n"
      "foo is in RUNNING state, restarting\n"
      "foo restarted\n"
      "bar not in RUNNING state, NOT restarting\n"
      "baz:baz_01 not in RUNNING state, NOT restarting\n";
  const std::string mail = kMailHead + block.substr(0, block.size() - 1);

  EXPECT_EQ(act(superlance_settings({}, true)), block + "Mailed:\n\n" + mail + "\n");
  EXPECT_EQ(mailed(), mail);
  EXPECT_EQ(split_lines(mailed()).size(), 11u);
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess foo", "startProcess foo",
                                   "spawn cat - > /dev/null"));
}

// test_runforever_eager_error_on_process_stop
TEST_P(ActionsTest, StopFaultIsWrittenAndTheStartStillHappens) {
  rpc_.infos = failing_processes();
  const std::string block =
      "Restarting selected processes ['FAILED']\n"
      "foo:FAILED is in RUNNING state, restarting\n"
      "Failed to stop process foo:FAILED: <Fault 30: 'FAILED'>\n"
      "foo:FAILED restarted\n";
  const std::string mail = kMailHead + block.substr(0, block.size() - 1);

  EXPECT_EQ(act(superlance_settings({"FAILED"})), block + "Mailed:\n\n" + mail + "\n");
  EXPECT_EQ(split_lines(mailed()).size(), 10u);
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess foo:FAILED",
                                   "startProcess foo:FAILED", "spawn cat - > /dev/null"));
}

// test_runforever_eager_error_on_process_start
TEST_P(ActionsTest, StartFaultIsWritten) {
  rpc_.infos = failing_processes();
  const std::string block =
      "Restarting selected processes ['SPAWN_ERROR']\n"
      "foo:SPAWN_ERROR is in RUNNING state, restarting\n"
      "Failed to start process foo:SPAWN_ERROR: <Fault 50: 'SPAWN_ERROR'>\n";
  const std::string mail = kMailHead + block.substr(0, block.size() - 1);

  EXPECT_EQ(act(superlance_settings({"SPAWN_ERROR"})), block + "Mailed:\n\n" + mail + "\n");
  EXPECT_EQ(split_lines(mailed()).size(), 9u);
}

// test_runforever_eager_gcore
TEST_P(ActionsTest, GcoreOutputBeforeTheRestart) {
  rpc_.infos = dummy_processes();
  ActionSettings settings = superlance_settings({"foo", "bar", "baz_01", "notexisting"});
  settings.gcore = "true";
  settings.coredir = "/tmp";
  const std::string block =
      "Restarting selected processes ['foo', 'bar', 'baz_01', 'notexisting']\n"
      "gcore output for foo:\n"
      "\n"
      " \n"
      "foo is in RUNNING state, restarting\n"
      "foo restarted\n"
      "bar not in RUNNING state, NOT restarting\n"
      "baz:baz_01 not in RUNNING state, NOT restarting\n"
      "Programs not restarted because they did not exist: ['notexisting']\n";
  const std::string mail = kMailHead + block.substr(0, block.size() - 1);

  const std::string err = act(settings);
  const std::vector<std::string> lines = split_lines(err);
  EXPECT_EQ(lines[1], "gcore output for foo:");
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3], " ");
  EXPECT_EQ(err, block + "Mailed:\n\n" + mail + "\n");
  EXPECT_EQ(split_lines(mailed()).size(), 15u);

  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "spawn true", "stopProcess foo",
                                   "startProcess foo", "spawn cat - > /dev/null"));
  const SpawnRequest& gcore = spawner_.requests.at(0);
  EXPECT_EQ(gcore.command, "true");
  EXPECT_THAT(gcore.args, ElementsAre("/tmp/foo", "11"));
  EXPECT_EQ(gcore.stdin_data, "");
  EXPECT_EQ(gcore.deadline, std::chrono::milliseconds(1234));
}

// test_runforever_not_eager_running, test_runforever_connrefused_error: the action part
// (whether to probe at all is the application's business).
TEST_P(ActionsTest, RestartSelectedAllPresent) {
  rpc_.infos = dummy_processes();
  const std::string block =
      "Restarting selected processes ['foo', 'bar']\n"
      "foo is in RUNNING state, restarting\n"
      "foo restarted\n"
      "bar not in RUNNING state, NOT restarting\n";
  const std::string mail = kMailHead + block.substr(0, block.size() - 1);
  EXPECT_EQ(act(superlance_settings({"foo", "bar"})), block + "Mailed:\n\n" + mail + "\n");
  EXPECT_EQ(split_lines(mailed()).size(), 10u);
}

// test_bug_110
TEST_P(ActionsTest, RestartOneProgram) {
  rpc_.infos = dummy_processes();
  const std::vector<std::string> lines = split_lines(act(superlance_settings({"foo"})));
  EXPECT_EQ(lines[0], "Restarting selected processes ['foo']");
  EXPECT_EQ(lines[1], "foo is in RUNNING state, restarting");
  EXPECT_EQ(lines[2], "foo restarted");
  EXPECT_EQ(lines[3], "Mailed:");
}

// test_runforever_acts_if_status_is_unexpected, test_runforever_acts_if_inbody_isnt_present
TEST_P(ActionsTest, OutcomeAndSubjectOpenTheMail) {
  rpc_.infos = dummy_processes();
  const std::string err =
      act(superlance_settings({"foo"}), "httpok: http://foo/bar: bad body returned",
          "status contacting http://foo/bar: 500 Internal Server Error");
  const std::vector<std::string> lines = split_lines(err);
  EXPECT_THAT(lines, ::testing::Contains("Subject: httpok: http://foo/bar: bad body returned"));
  EXPECT_THAT(lines,
              ::testing::Contains("status contacting http://foo/bar: 500 Internal Server Error"));
  EXPECT_EQ(mailed(),
            "To: chrism@plope.com\nSubject: httpok: http://foo/bar: bad body returned\n\n"
            "status contacting http://foo/bar: 500 Internal Server Error\n"
            "Restarting selected processes ['foo']\n"
            "foo is in RUNNING state, restarting\n"
            "foo restarted");
}

// test_subject_no_name, test_subject_with_name
TEST_P(ActionsTest, SubjectWithAndWithoutName) {
  rpc_.infos = dummy_processes();
  act(superlance_settings({"foo", "bar"}),
      format_subject("thinko", "http://foo/bar: bad status returned"));
  EXPECT_EQ(split_lines(mailed())[1],
            "Subject: httpok [thinko]: http://foo/bar: bad status returned");
}

TEST(FormatSubject, AsSuperlance) {
  EXPECT_EQ(format_subject(std::nullopt, "http://foo/bar: bad status returned"),
            "httpok: http://foo/bar: bad status returned");
  EXPECT_EQ(format_subject("thinko", "http://foo/bar: bad status returned"),
            "httpok [thinko]: http://foo/bar: bad status returned");
  EXPECT_EQ(format_subject("", "x"), "httpok []: x");
}

TEST(FormatMail, HeadersEmptyLineBodyAndNoTrailingNewline) {
  EXPECT_EQ(format_mail("a@b", "S", {"outcome", "one", "two"}),
            "To: a@b\nSubject: S\n\noutcome\none\ntwo");
  EXPECT_EQ(format_mail("a@b", "S", {}), "To: a@b\nSubject: S\n\n");
}

TEST(FormatMail, NoCarriageReturnOrLineFeedReachesTheHeaders) {
  // From -m and -n on a command line, where nothing stops them.
  EXPECT_EQ(format_mail("a@b\nBcc: x@y", format_subject("web\r\nBcc: x@y", "S"), {"one\ntwo"}),
            "To: a@b Bcc: x@y\nSubject: httpok [web  Bcc: x@y]: S\n\none\ntwo");
}

TEST(CoreFileName, LikePythonsOsPathJoin) {
  EXPECT_EQ(core_file_name("/tmp", "foo"), "/tmp/foo");
  EXPECT_EQ(core_file_name("/tmp/", "foo"), "/tmp/foo");
  EXPECT_EQ(core_file_name("/var/cores", "baz:baz_01"), "/var/cores/baz:baz_01");
  EXPECT_EQ(core_file_name("cores", "foo"), "cores/foo");
  EXPECT_EQ(core_file_name("/tmp", "/abs"), "/abs");
}

TEST(SpawnFailureText, NamesTheCommandOnce) {
  SpawnResult timed_out;
  timed_out.started = true;
  timed_out.timed_out = true;
  timed_out.error = "'gcore -o' timed out after 60 s and was killed";
  EXPECT_EQ(spawn_failure_text("gcore -o", timed_out),
            "'gcore -o' timed out after 60 s and was killed");
  SpawnResult bare;
  bare.started = true;
  bare.exit_status = 3;
  EXPECT_EQ(spawn_failure_text("sendmail", bare), "'sendmail': exited with status 3");
  bare.exit_status = -1;
  bare.term_signal = 9;
  EXPECT_EQ(spawn_failure_text("sendmail", bare), "'sendmail': killed by signal 9");
  SpawnResult not_started;
  not_started.error = "cannot fork";
  EXPECT_EQ(spawn_failure_text("sendmail", not_started), "'sendmail': cannot fork");
  not_started.error.clear();
  EXPECT_EQ(spawn_failure_text("sendmail", not_started), "'sendmail': could not be started");
}

// ---------------------------------------------------------------------------------------
// The bugs we fix, and details superlance has that we keep

TEST_P(ActionsTest, AnySkipsTheListenerItself) {
  rpc_.infos = {
      {"foo", "foo", "RUNNING", kStateRunning, 11},
      {"httpok", "httpok", "RUNNING", kStateRunning, 12},
      {"httpok", "other", "RUNNING", kStateRunning, 13},
  };
  ActionSettings settings = superlance_settings({"httpok"}, true);
  settings.email.reset();
  EXPECT_EQ(act(settings),
            "Restarting all running processes\n"
            "foo is in RUNNING state, restarting\n"
            "foo restarted\n"
            "other:httpok is in RUNNING state, restarting\n"
            "other:httpok restarted\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess foo", "startProcess foo",
                                   "stopProcess other:httpok", "startProcess other:httpok"));
}

TEST_P(ActionsTest, AnySkipsAListenerInAGroup) {
  rpc_.infos = {
      {"web", "monitors", "RUNNING", kStateRunning, 12},
      {"web", "web", "RUNNING", kStateRunning, 13},
  };
  ActionSettings settings = superlance_settings({}, true);
  settings.email.reset();
  settings.self_group = "monitors";
  settings.self_name = "web";
  EXPECT_EQ(act(settings),
            "Restarting all running processes\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n");
}

TEST_P(ActionsTest, AnyStillReportsMissingPrograms) {
  rpc_.infos = dummy_processes();
  ActionSettings settings = superlance_settings({"foo", "baz:baz_01", "ghost"}, true);
  settings.email.reset();
  EXPECT_THAT(act(settings),
              ::testing::EndsWith("baz:baz_01 not in RUNNING state, NOT restarting\n"
                                  "Programs not restarted because they did not exist: "
                                  "['ghost']\n"));
}

TEST_P(ActionsTest, SelectByNamespec) {
  rpc_.infos = {{"baz_01", "baz", "RUNNING", kStateRunning, 7},
                {"baz_02", "baz", "RUNNING", kStateRunning, 8}};
  ActionSettings settings = superlance_settings({"baz:baz_02"});
  settings.email.reset();
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['baz:baz_02']\n"
            "baz:baz_02 is in RUNNING state, restarting\n"
            "baz:baz_02 restarted\n");
}

TEST_P(ActionsTest, DuplicateProgramsFollowPythonsListRemove) {
  // list.remove() takes one occurrence for the name and one for the namespec: for foo
  // (namespec foo) both copies go, for baz_01 (namespec baz:baz_01) one stays behind.
  rpc_.infos = dummy_processes();
  ActionSettings settings = superlance_settings({"foo", "foo", "baz_01", "baz_01", "x", "x"});
  settings.email.reset();
  EXPECT_THAT(act(settings),
              ::testing::EndsWith("Programs not restarted because they did not exist: "
                                  "['baz_01', 'x', 'x']\n"));
}

TEST_P(ActionsTest, TransportErrorsOnStopAndStartAreFailedLines) {
  rpc_.infos = dummy_processes();
  rpc_.stop_errors["foo"] = transport("cannot connect to unix:///run/supervisor.sock: refused");
  rpc_.start_errors["foo"] = transport("supervisord did not answer within 30 s");
  ActionSettings settings = superlance_settings({"foo"});
  settings.email.reset();
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['foo']\n"
            "foo is in RUNNING state, restarting\n"
            "Failed to stop process foo: cannot connect to unix:///run/supervisor.sock: "
            "refused\n"
            "Failed to start process foo: supervisord did not answer within 30 s\n");
}

TEST_P(ActionsTest, ProcessInfoFaultIsAnExceptionLineAndNothingElse) {
  rpc_.info_error = fault(6, "SHUTDOWN_STATE");
  EXPECT_EQ(act(superlance_settings({"foo"})),
            "Exception retrieving process info <Fault 6: 'SHUTDOWN_STATE'>, not acting\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo"));
  EXPECT_THAT(spawner_.requests, IsEmpty());  // no mail
}

TEST_P(ActionsTest, ProcessInfoTransportErrorIsAnExceptionLine) {
  rpc_.info_error = transport("HTTP 401 Unauthorized from supervisord");
  EXPECT_EQ(act(superlance_settings({}, true)),
            "Exception retrieving process info HTTP 401 Unauthorized from supervisord, "
            "not acting\n");
}

TEST_P(ActionsTest, FailedGcoreStillWritesItsOutputAndOurNoteFollowsTheBlock) {
  rpc_.infos = dummy_processes();
  SpawnResult killed;
  killed.started = true;
  killed.timed_out = true;
  killed.stdout_data = "partial\n";
  killed.error = "'gcore -o' timed out after 1.234 s and was killed";
  spawner_.results["gcore -o"] = killed;
  ActionSettings settings = superlance_settings({"foo"});
  settings.gcore = "gcore -o";
  settings.coredir = "/cores/";
  const std::string block =
      "Restarting selected processes ['foo']\n"
      "gcore output for foo:\n\n partial\n\n"
      "foo is in RUNNING state, restarting\n"
      "foo restarted\n";
  const std::string mail = kMailHead + block.substr(0, block.size() - 1);
  EXPECT_EQ(act(settings),
            block + "Mailed:\n\n" + mail +
                "\nhttpok: gcore for foo failed: 'gcore -o' timed out after 1.234 s and was "
                "killed\n");
  EXPECT_EQ(mailed(), mail);  // our note is not part of the mail
  EXPECT_THAT(spawner_.requests.at(0).args, ElementsAre("/cores/foo", "11"));
}

TEST_P(ActionsTest, OurNotesFollowTheWholeBlockInTheOrderTheyCameUp) {
  rpc_.infos = {{"foo", "foo", "RUNNING", kStateRunning, 11},
                {"bar", "bar", "RUNNING", kStateRunning, 12}};
  SpawnResult gcore_failed;
  gcore_failed.started = true;
  gcore_failed.exit_status = 1;
  gcore_failed.error = "'gcore -o' exited with status 1";
  spawner_.results["gcore -o"] = gcore_failed;
  SpawnResult mail_failed;
  mail_failed.started = true;
  mail_failed.exit_status = 75;
  mail_failed.error = "'cat - > /dev/null' exited with status 75";
  spawner_.results["cat - > /dev/null"] = mail_failed;
  ActionSettings settings = superlance_settings({"foo", "bar"});
  settings.gcore = "gcore -o";
  settings.coredir = "/cores";
  const std::string block =
      "Restarting selected processes ['foo', 'bar']\n"
      "gcore output for foo:\n\n \n"
      "foo is in RUNNING state, restarting\n"
      "foo restarted\n"
      "gcore output for bar:\n\n \n"
      "bar is in RUNNING state, restarting\n"
      "bar restarted\n";
  const std::string err = act(settings);
  EXPECT_EQ(err, block + "Mailed:\n\n" + mailed() +
                     "\nhttpok: gcore for foo failed: 'gcore -o' exited with status 1\n"
                     "httpok: gcore for bar failed: 'gcore -o' exited with status 1\n"
                     "httpok: failed to send mail: 'cat - > /dev/null' exited with "
                     "status 75\n");

  // Without mail, the notes follow the last line of the block.
  stderr_.clear();
  done_calls_ = 0;
  rpc_.infos = {{"foo", "foo", "RUNNING", kStateRunning, 11},
                {"bar", "bar", "RUNNING", kStateRunning, 12}};
  settings.email.reset();
  EXPECT_EQ(act(settings), block +
                               "httpok: gcore for foo failed: 'gcore -o' exited with status 1\n"
                               "httpok: gcore for bar failed: 'gcore -o' exited with status 1\n");
}

TEST_P(ActionsTest, GcoreForEveryRunningProcessWithItsNamespec) {
  rpc_.infos = {{"a", "g", "RUNNING", kStateRunning, 100},
                {"b", "g", "STOPPED", 0, 0},
                {"c", "g", "RUNNING", kStateRunning, 300}};
  ActionSettings settings = superlance_settings({}, true);
  settings.email.reset();
  settings.coredir = "/cores";
  settings.gcore = "/usr/bin/gcore -o";
  act(settings);
  ASSERT_EQ(spawner_.requests.size(), 2u);
  EXPECT_THAT(spawner_.requests[0].args, ElementsAre("/cores/g:a", "100"));
  EXPECT_THAT(spawner_.requests[1].args, ElementsAre("/cores/g:c", "300"));
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "spawn /usr/bin/gcore -o",
                                   "stopProcess g:a", "startProcess g:a", "spawn /usr/bin/gcore -o",
                                   "stopProcess g:c", "startProcess g:c"));
}

TEST_P(ActionsTest, NoGcoreWithoutCoredirOrWithEmptySettings) {
  // superlance tests `if self.coredir and self.gcore`: empty strings count as unset.
  for (const auto& [coredir, gcore] :
       std::vector<std::pair<std::optional<std::string>, std::string>>{
           {std::nullopt, "/usr/bin/gcore -o"}, {"", "/usr/bin/gcore -o"}, {"/cores", ""}}) {
    events_.clear();
    stderr_.clear();
    done_calls_ = 0;
    rpc_.infos = dummy_processes();
    ActionSettings settings = superlance_settings({"foo"});
    settings.email.reset();
    settings.coredir = coredir;
    settings.gcore = gcore;
    act(settings);
    EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess foo", "startProcess foo"));
    EXPECT_THAT(stderr_, ::testing::Not(HasSubstr("gcore")));
  }
}

TEST_P(ActionsTest, FailedSendmailIsNotedAfterTheMailedBlock) {
  rpc_.infos = dummy_processes();
  SpawnResult failed;
  failed.started = true;
  failed.exit_status = 75;
  failed.error = "'cat - > /dev/null' exited with status 75";
  spawner_.results["cat - > /dev/null"] = failed;
  const std::string err = act(superlance_settings({"foo"}));
  EXPECT_THAT(err, ::testing::EndsWith("Mailed:\n\n" + mailed() +
                                       "\nhttpok: failed to send mail: 'cat - > /dev/null' "
                                       "exited with status 75\n"));
  EXPECT_EQ(spawner_.requests.back().stdin_data, mailed());
}

TEST_P(ActionsTest, WhatAChildWroteOnStderrFollowsTheBlockNeverInsideIt) {
  rpc_.infos = {{"foo", "foo", "RUNNING", kStateRunning, 11}};
  SpawnResult gcore_warned;  // succeeded, with a warning on stderr
  gcore_warned.started = true;
  gcore_warned.exit_status = 0;
  gcore_warned.stdout_data = "Saved corefile /cores/foo.11\n";
  gcore_warned.stderr_data = "warning: Memory read failed\n";
  spawner_.results["gcore -o"] = gcore_warned;
  SpawnResult mail_failed;  // what /bin/sh says when there is no sendmail
  mail_failed.started = true;
  mail_failed.exit_status = 127;
  mail_failed.stderr_data = "sendmail: 1: /usr/sbin/sendmail: not found\n";
  spawner_.results["cat - > /dev/null"] = mail_failed;
  ActionSettings settings = superlance_settings({"foo"});
  settings.gcore = "gcore -o";
  settings.coredir = "/cores";
  const std::string err = act(settings);
  EXPECT_EQ(err,
            "Restarting selected processes ['foo']\n"
            "gcore output for foo:\n\n Saved corefile /cores/foo.11\n\n"
            "foo is in RUNNING state, restarting\n"
            "foo restarted\n"
            "Mailed:\n\n" +
                mailed() +
                "\nhttpok: gcore for foo wrote on stderr: warning: Memory read failed\n"
                "httpok: failed to send mail: 'cat - > /dev/null': exited with status 127; "
                "stderr: sendmail: 1: /usr/sbin/sendmail: not found\n");
  ASSERT_EQ(spawner_.requests.size(), 2u);
  EXPECT_EQ(spawner_.requests[0].name, "gcore");
  EXPECT_EQ(spawner_.requests[1].name, "sendmail");
}

TEST(CoreLimit, ClaimsAreGrantedOncePerIntervalAndGivenBack) {
  CoreLimit::Clock::time_point now{};
  CoreLimit limit(std::chrono::seconds(10), [&] { return now; });
  EXPECT_EQ(limit.claim("web"), std::nullopt);
  EXPECT_EQ(limit.claim("api"), std::nullopt);  // each program on its own
  now += std::chrono::seconds(3);
  // A second run at once (two targets sharing web) is refused while the first runs.
  EXPECT_EQ(limit.claim("web"), std::chrono::milliseconds(3000));
  limit.release("web");  // the first run's gcore failed: no core, no claim
  EXPECT_EQ(limit.claim("web"), std::nullopt);
  now += std::chrono::seconds(10);
  EXPECT_EQ(limit.claim("web"), std::nullopt);
  limit.release("web");  // back to the claim of 10 s ago, which still counts
  now += std::chrono::seconds(1);
  EXPECT_EQ(limit.claim("web"), std::nullopt);  // 11 s after it: allowed
  now += std::chrono::seconds(9);
  EXPECT_EQ(limit.claim("web"), std::chrono::milliseconds(9000));
  limit.release("nobody");  // nothing to give back: no effect
}

TEST_P(ActionsTest, CoreIntervalWritesAtMostOneCorePerProgramInItsTime) {
  CoreLimit::Clock::time_point now{};
  CoreLimit limit(std::chrono::seconds(600), [&] { return now; });
  ActionSettings settings = superlance_settings({"foo", "bar"});
  settings.email.reset();
  settings.gcore = "gcore -o";
  settings.coredir = "/cores";
  settings.core_limit = &limit;
  auto gcore_runs = [&] {
    std::vector<std::string> args;
    for (const SpawnRequest& r : spawner_.requests)
      args.push_back(r.args.at(0));
    return args;
  };
  auto again = [&] {
    stderr_.clear();
    done_calls_ = 0;
    spawner_.requests.clear();
    rpc_.infos = {{"foo", "foo", "RUNNING", kStateRunning, 11},
                  {"bar", "bar", "RUNNING", kStateRunning, 12}};
    return act(settings);
  };

  again();
  EXPECT_THAT(gcore_runs(), ElementsAre("/cores/foo", "/cores/bar"));

  // 12 s later: no core of either, the restarts go on as without -d, a note follows.
  now += std::chrono::seconds(12);
  EXPECT_EQ(again(),
            "Restarting selected processes ['foo', 'bar']\n"
            "foo is in RUNNING state, restarting\n"
            "foo restarted\n"
            "bar is in RUNNING state, restarting\n"
            "bar restarted\n"
            "httpok: no core file of foo: the last one was written 12 s ago (--core-interval "
            "600)\n"
            "httpok: no core file of bar: the last one was written 12 s ago (--core-interval "
            "600)\n");
  EXPECT_THAT(gcore_runs(), IsEmpty());

  // A failed gcore wrote no core: it does not count.
  now += std::chrono::seconds(600);
  SpawnResult failed;
  failed.started = true;
  failed.exit_status = 1;
  spawner_.results["gcore -o"] = failed;
  again();
  EXPECT_THAT(gcore_runs(), ElementsAre("/cores/foo", "/cores/bar"));
  spawner_.results.clear();
  now += std::chrono::seconds(1);
  again();
  EXPECT_THAT(gcore_runs(), ElementsAre("/cores/foo", "/cores/bar"));
  now += std::chrono::seconds(599);
  again();
  EXPECT_THAT(gcore_runs(), IsEmpty());
  now += std::chrono::seconds(1);  // 600 s after the last core: allowed again
  again();
  EXPECT_THAT(gcore_runs(), ElementsAre("/cores/foo", "/cores/bar"));
}

TEST_P(ActionsTest, AProgramAnotherTargetRestartedSinceTheCheckBeganIsNotRestartedAgain) {
  RestartLedger::Clock::time_point now{};
  RestartLedger ledger([&] { return now; });
  rpc_.infos = {{"web", "web", "RUNNING", kStateRunning, 11},
                {"api", "api", "RUNNING", kStateRunning, 12}};
  ActionSettings first = superlance_settings({"web"});
  first.email.reset();
  first.ledger = &ledger;
  first.target = "front";
  first.check_began = now;
  now += std::chrono::seconds(1);
  EXPECT_EQ(act(first),
            "Restarting selected processes ['web']\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n");

  // The second target's check began with the first one's, before web was restarted.
  stderr_.clear();
  done_calls_ = 0;
  events_.clear();
  ActionSettings second = superlance_settings({"web", "api"});
  second.ledger = &ledger;
  second.target = "back";
  second.check_began = first.check_began;
  now += std::chrono::seconds(1);
  const std::string block =
      "Restarting selected processes ['web', 'api']\n"
      "web was restarted for front after this check began, NOT restarting again\n"
      "api is in RUNNING state, restarting\n"
      "api restarted\n";
  const std::string written = act(second);
  EXPECT_EQ(written, block + "Mailed:\n\n" + mailed() + "\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess api", "startProcess api",
                                   "spawn cat - > /dev/null"));
  EXPECT_THAT(mailed(), HasSubstr("web was restarted for front after this check began"));

  // A later check of the second target, begun after that restart: web is restarted.
  stderr_.clear();
  done_calls_ = 0;
  events_.clear();
  second.check_began = now;
  second.email.reset();
  EXPECT_EQ(act(second),
            "Restarting selected processes ['web', 'api']\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n"
            "api is in RUNNING state, restarting\n"
            "api restarted\n");
}

TEST_P(ActionsTest, ARestartWhoseStartFailedIsNoRestartForTheNextTarget) {
  RestartLedger::Clock::time_point now{};
  RestartLedger ledger([&] { return now; });
  rpc_.infos = {{"web", "web", "RUNNING", kStateRunning, 11}};
  rpc_.start_errors["web"] = fault(50, "SPAWN_ERROR");
  ActionSettings first = superlance_settings({"web"});
  first.email.reset();
  first.ledger = &ledger;
  first.target = "front";
  now += std::chrono::seconds(1);
  EXPECT_EQ(act(first),
            "Restarting selected processes ['web']\n"
            "web is in RUNNING state, restarting\n"
            "Failed to start process web: <Fault 50: 'SPAWN_ERROR'>\n");
  // The second target's check began with the first one's: web is down, it tries again.
  stderr_.clear();
  done_calls_ = 0;
  rpc_.start_errors.clear();
  ActionSettings second = first;
  second.target = "back";
  EXPECT_EQ(act(second),
            "Restarting selected processes ['web']\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n");
}

TEST_P(ActionsTest, MaxRestartsGivesUpOnceInTheBlockThenStaysQuietThenResumes) {
  RestartLimit::Clock::time_point now{};
  RestartLimit limit([&] { return now; });
  ActionSettings settings = superlance_settings({"web"});
  settings.limit = &limit;
  settings.policy.max_restarts = 1;
  settings.policy.restart_window = std::chrono::seconds(100);
  auto again = [&] {
    stderr_.clear();
    done_calls_ = 0;
    spawner_.requests.clear();
    events_.clear();
    rpc_.infos = {{"web", "web", "RUNNING", kStateRunning, 11}};
    return act(settings);
  };
  EXPECT_THAT(again(), HasSubstr("web restarted\n"));
  EXPECT_EQ(run_->restarted().size(), 1u);
  now += std::chrono::seconds(10);
  const std::string block =
      "Restarting selected processes ['web']\n"
      "giving up on web: 1 restart within 100 s\n";
  const std::string gave_up = again();
  EXPECT_EQ(gave_up, block + "Mailed:\n\n" + mailed() + "\n");
  EXPECT_THAT(mailed(), HasSubstr("giving up on web: 1 restart within 100 s"));
  EXPECT_TRUE(run_->restarted().empty());
  // Still within the window: no block, no mail, no stop; a line of ours says why.
  now += std::chrono::seconds(10);
  EXPECT_EQ(again(), "httpok: not restarting web: gave up on it (--max-restarts 1 within 100 s)\n");
  EXPECT_THAT(spawner_.requests, IsEmpty());
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo"));
  // The restart is 100 s old: the window has slid past it.
  now += std::chrono::seconds(80);
  const std::string resumed = again();
  EXPECT_EQ(resumed,
            "Restarting selected processes ['web']\n"
            "resuming restarts of web: fewer than 1 within 100 s\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n"
            "Mailed:\n\n" +
                mailed() + "\n");
}

// plan() decides the limit of every process up front. When another target restarts one of
// them before its turn, that decision goes unsaid, so it is not kept: the next check gives
// up, and says so, rather than staying quiet about a give-up no block ever named.
TEST_P(ActionsTest, AGiveUpOvertakenByAnotherTargetsRestartIsSaidByTheNextCheck) {
  RestartLimit::Clock::time_point now{};
  RestartLimit limit([&] { return now; });
  RestartLedger ledger([&] { return now; });
  ActionSettings settings = superlance_settings({"api", "web"});
  settings.email.reset();
  settings.limit = &limit;
  settings.ledger = &ledger;
  settings.target = "front";
  settings.policy.max_restarts = 1;
  settings.policy.restart_window = std::chrono::seconds(100);
  // web was restarted once already (the limit of "front"); api never was.
  PolicySettings lenient;
  lenient.max_restarts = 5;
  lenient.restart_window = settings.policy.restart_window;
  ASSERT_EQ(limit.check("web", "back", lenient).kind, RestartLimit::Decision::Kind::restart);
  limit.restarted("web");
  now += std::chrono::seconds(1);
  settings.check_began = now;
  rpc_.infos = {{"api", "api", "RUNNING", kStateRunning, 11},
                {"web", "web", "RUNNING", kStateRunning, 12}};
  // While api is stopped, the other target ("back", a higher limit) restarts web.
  rpc_.on_stop = [&](const std::string& namespec) {
    if (namespec != "api")
      return;
    now += std::chrono::seconds(1);
    limit.restarted("web");
    ledger.record("web", "back");
  };
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['api', 'web']\n"
            "api is in RUNNING state, restarting\n"
            "api restarted\n"
            "web was restarted for back after this check began, NOT restarting again\n");
  EXPECT_FALSE(limit.gave_up("web"));  // no block said it

  // The next check of "front", begun after that restart: it gives up on web, and says so.
  rpc_.on_stop = nullptr;
  stderr_.clear();
  done_calls_ = 0;
  now += std::chrono::seconds(1);
  settings.check_began = now;
  settings.programs = {"web"};
  rpc_.infos = {{"web", "web", "RUNNING", kStateRunning, 13}};
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['web']\n"
            "giving up on web: 2 restarts within 100 s\n");
  EXPECT_TRUE(limit.gave_up("web"));
}

TEST_P(ActionsTest, ReviveStartsAFatalOrExitedProcessButNeverAStoppedOne) {
  rpc_.infos = {{"bar", "bar", "FATAL", kStateFatal, 0},
                {"baz_01", "baz", "STOPPED", 0, 0},
                {"qux", "qux", "EXITED", kStateExited, 0},
                {"foo", "foo", "RUNNING", kStateRunning, 11}};
  ActionSettings settings = superlance_settings({"bar", "baz:baz_01", "qux", "foo"});
  settings.email.reset();
  settings.revive = true;
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['bar', 'baz:baz_01', 'qux', 'foo']\n"
            "bar is in FATAL state, starting\n"
            "bar started\n"
            "baz:baz_01 not in RUNNING state, NOT restarting\n"
            "qux is in EXITED state, starting\n"
            "qux started\n"
            "foo is in RUNNING state, restarting\n"
            "foo restarted\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "startProcess bar", "startProcess qux",
                                   "stopProcess foo", "startProcess foo"));
  EXPECT_EQ(run_->restarted().size(), 3u);

  // With -a only RUNNING processes are restarted: a finished one-shot job stays as it is.
  stderr_.clear();
  done_calls_ = 0;
  events_.clear();
  rpc_.infos = {{"migrate", "migrate", "EXITED", kStateExited, 0}};
  ActionSettings any = superlance_settings({}, true);
  any.email.reset();
  any.revive = true;
  EXPECT_EQ(act(any),
            "Restarting all running processes\n"
            "migrate not in RUNNING state, NOT restarting\n");
}

TEST_P(ActionsTest, DryRunSaysWhatItWouldDoAndCallsNothingButMails) {
  rpc_.infos = {{"bar", "bar", "FATAL", kStateFatal, 0},
                {"foo", "foo", "RUNNING", kStateRunning, 11}};
  ActionSettings settings = superlance_settings({"foo", "bar"});
  settings.revive = true;
  settings.dry_run = true;
  settings.gcore = "gcore -o";
  settings.coredir = "/cores";
  settings.presignal = "QUIT";
  RestartLimit limit;
  settings.limit = &limit;
  settings.policy.max_restarts = 1;
  const std::string written = act(settings, "[dry run] " + kSubject);
  EXPECT_EQ(written,
            "Restarting selected processes ['foo', 'bar']\n"
            "dry run: would start bar\n"
            "dry run: would restart foo (sending QUIT first)\n"
            "Mailed:\n\n" +
                mailed() + "\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "spawn cat - > /dev/null"));  // no gcore
  // Nothing happened: no restart to count, for this target or another.
  EXPECT_TRUE(run_->restarted().empty());
  EXPECT_EQ(limit.check("foo", "other", settings.policy).kind,
            RestartLimit::Decision::Kind::restart);
  EXPECT_THAT(mailed(), HasSubstr("Subject: [dry run] httpok: http://foo/bar: bad status"));
}

TEST_P(ActionsTest, PresignalIsSentAfterGcoreThenAPauseThenTheRestart) {
  rpc_.infos = {{"web", "web", "RUNNING", kStateRunning, 11}};
  ActionSettings settings = superlance_settings({"web"});
  settings.email.reset();
  settings.gcore = "gcore -o";
  settings.coredir = "/cores";
  settings.presignal = "QUIT";
  settings.presignal_wait = std::chrono::seconds(5);
  settings.delay = &delay_;
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['web']\n"
            "gcore output for web:\n\n \n"
            "sent QUIT to web, waiting 5 s\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "spawn gcore -o", "signalProcess web QUIT",
                                   "wait 5000 ms", "stopProcess web", "startProcess web"));
}

TEST_P(ActionsTest, ASupervisordWithoutSignalProcessIsSaidOnceAndTheRestartGoesOn) {
  bool no_signal_process = false;
  rpc_.infos = {{"web", "web", "RUNNING", kStateRunning, 11}};
  rpc_.signal_error = fault(kFaultUnknownMethod, "UNKNOWN_METHOD");
  ActionSettings settings = superlance_settings({"web"});
  settings.email.reset();
  settings.presignal = "USR1";
  settings.delay = &delay_;
  settings.no_signal_process = &no_signal_process;
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['web']\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n"
            "httpok: supervisord does not know supervisor.signalProcess (it is older than 3.2): "
            "--presignal USR1 is not sent\n");
  EXPECT_TRUE(no_signal_process);
  // The next run does not ask again, nor say it again.
  stderr_.clear();
  done_calls_ = 0;
  events_.clear();
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['web']\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess web", "startProcess web"));
  // Another fault is written in the block, and the restart goes on without the pause.
  stderr_.clear();
  done_calls_ = 0;
  events_.clear();
  no_signal_process = false;
  rpc_.signal_error = fault(70, "NOT_RUNNING");
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['web']\n"
            "Failed to signal process web: <Fault 70: 'NOT_RUNNING'>\n"
            "web is in RUNNING state, restarting\n"
            "web restarted\n");
}

TEST_P(ActionsTest, AGroupStarRestartsTheWholeGroupAndCountsAsFound) {
  rpc_.infos = {{"w1", "workers", "RUNNING", kStateRunning, 11},
                {"w2", "workers", "RUNNING", kStateRunning, 12},
                {"web", "web", "RUNNING", kStateRunning, 13}};
  ActionSettings settings = superlance_settings({"workers:*", "gone:*"});
  settings.email.reset();
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['workers:*', 'gone:*']\n"
            "workers:w1 is in RUNNING state, restarting\n"
            "workers:w1 restarted\n"
            "workers:w2 is in RUNNING state, restarting\n"
            "workers:w2 restarted\n"
            "Programs not restarted because they did not exist: ['gone:*']\n");
}

TEST_P(ActionsTest, NoMailWithoutAddress) {
  rpc_.infos = dummy_processes();
  ActionSettings settings = superlance_settings({"foo"});
  settings.email.reset();
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['foo']\n"
            "foo is in RUNNING state, restarting\n"
            "foo restarted\n");
  EXPECT_THAT(spawner_.requests, IsEmpty());
}

TEST_P(ActionsTest, NothingSelectedStillMails) {
  rpc_.infos = dummy_processes();
  EXPECT_EQ(act(superlance_settings({})), "Restarting selected processes []\nMailed:\n\n" +
                                              kMailHead + "Restarting selected processes []\n");
}

TEST_P(ActionsTest, OnlyTheFirstStartRuns) {
  rpc_.infos = dummy_processes();
  ActionSettings settings = superlance_settings({"foo"});
  settings.email.reset();
  act(settings);
  run_->start(kSubject, kOutcome, [this] { ++done_calls_; });
  queue_.run_all();
  EXPECT_EQ(done_calls_, 1);
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess foo", "startProcess foo"));
}

// ---------------------------------------------------------------------------------------
// Lifetime and re-entrancy

TEST_P(ActionsTest, ManyProcessesAnsweredAtOnceDoNotDeepenTheStack) {
  constexpr int kCount = 20000;
  for (int i = 0; i < kCount; ++i) {
    rpc_.infos.push_back({"p" + std::to_string(i), "g", "RUNNING", kStateRunning, i + 1});
  }
  ActionSettings settings = superlance_settings({}, true);
  settings.coredir = "/cores";
  settings.gcore = "gcore";
  const std::string err = act(settings);
  EXPECT_EQ(log_calls_, 1 + 3 * kCount + 1);  // header, 3 lines each, Mailed:
  EXPECT_EQ(events_.size(), 1u + 3u * kCount + 1u);
  EXPECT_THAT(err, HasSubstr("g:p19999 restarted\n"));
}

TEST_P(ActionsTest, DestroyedInsideDone) {
  rpc_.infos = dummy_processes();
  run_ = std::make_unique<ActionRun>(superlance_settings({"foo"}), rpc_, spawner_,
                                     [this](const std::string& line) { stderr_ += line + "\n"; });
  run_->start(kSubject, kOutcome, [this] {
    ++done_calls_;
    run_.reset();
  });
  queue_.run_all();
  EXPECT_EQ(done_calls_, 1);
  EXPECT_EQ(run_, nullptr);
  EXPECT_THAT(stderr_, HasSubstr("Mailed:"));
}

TEST_P(ActionsTest, DestroyedInsideLogStopsEverything) {
  rpc_.infos = dummy_processes();
  run_ = std::make_unique<ActionRun>(superlance_settings({"foo", "bar"}), rpc_, spawner_,
                                     [this](const std::string& line) {
                                       stderr_ += line + "\n";
                                       if (line == "foo is in RUNNING state, restarting") {
                                         run_.reset();
                                       }
                                     });
  run_->start(kSubject, kOutcome, [this] { ++done_calls_; });
  queue_.run_all();
  EXPECT_EQ(done_calls_, 0);
  EXPECT_EQ(stderr_,
            "Restarting selected processes ['foo', 'bar']\n"
            "foo is in RUNNING state, restarting\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo"));
}

TEST_P(ActionsTest, DoneMayComeBeforeStartReturnsOnlyWhenAnswersAreSynchronous) {
  rpc_.infos = dummy_processes();
  ActionSettings settings = superlance_settings({"foo"});
  run_ = std::make_unique<ActionRun>(settings, rpc_, spawner_, [](const std::string&) {});
  run_->start(kSubject, kOutcome, [this] { ++done_calls_; });
  EXPECT_EQ(done_calls_, GetParam() ? 0 : 1);
  queue_.run_all();
  EXPECT_EQ(done_calls_, 1);
}

TEST_P(ActionsTest, ACallbackAnsweredTwiceCountsOnce) {
  rpc_.infos = dummy_processes();
  rpc_.answer_twice = true;
  ActionSettings settings = superlance_settings({"foo"});
  settings.email.reset();
  EXPECT_EQ(act(settings),
            "Restarting selected processes ['foo']\n"
            "foo is in RUNNING state, restarting\n"
            "foo restarted\n");
  EXPECT_THAT(events_, ElementsAre("getAllProcessInfo", "stopProcess foo", "startProcess foo"));
}

INSTANTIATE_TEST_SUITE_P(Answers, ActionsTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "Deferred" : "Synchronous";
                         });

// Only meaningful when answers come later: the sequence waits for each one.
TEST(ActionsDeferred, EachAnswerAdvancesOneStep) {
  Queue queue;
  std::vector<std::string> events;
  FakeSupervisor rpc(&queue, events);
  FakeSpawner spawner(&queue, events);
  rpc.infos = dummy_processes();
  std::string err;
  int done_calls = 0;
  ActionRun run(superlance_settings({"foo"}), rpc, spawner,
                [&](const std::string& line) { err += line + "\n"; });
  run.start(kSubject, kOutcome, [&] { ++done_calls; });

  EXPECT_EQ(err, "");
  EXPECT_THAT(events, ElementsAre("getAllProcessInfo"));
  ASSERT_TRUE(queue.run_one());
  EXPECT_EQ(err,
            "Restarting selected processes ['foo']\n"
            "foo is in RUNNING state, restarting\n");
  EXPECT_THAT(events, ElementsAre("getAllProcessInfo", "stopProcess foo"));
  ASSERT_TRUE(queue.run_one());
  EXPECT_THAT(events, ElementsAre("getAllProcessInfo", "stopProcess foo", "startProcess foo"));
  ASSERT_TRUE(queue.run_one());
  EXPECT_THAT(err, ::testing::EndsWith("foo restarted\n"));
  EXPECT_EQ(events.back(), "spawn cat - > /dev/null");
  EXPECT_EQ(done_calls, 0);
  ASSERT_TRUE(queue.run_one());
  EXPECT_EQ(done_calls, 1);
  EXPECT_THAT(err, HasSubstr("Mailed:\n\n"));
  EXPECT_EQ(queue.size(), 0u);
}

TEST(ActionsDeferred, DestroyedWhileACallIsOutIgnoresItsAnswer) {
  Queue queue;
  std::vector<std::string> events;
  FakeSupervisor rpc(&queue, events);
  FakeSpawner spawner(&queue, events);
  rpc.infos = dummy_processes();
  std::string err;
  int done_calls = 0;
  auto run = std::make_unique<ActionRun>(superlance_settings({"foo"}), rpc, spawner,
                                         [&](const std::string& line) { err += line + "\n"; });
  run->start(kSubject, kOutcome, [&] { ++done_calls; });
  ASSERT_TRUE(queue.run_one());  // the process list arrives; stopProcess goes out
  run.reset();
  queue.run_all();  // its answer finds nobody
  EXPECT_EQ(done_calls, 0);
  EXPECT_EQ(err,
            "Restarting selected processes ['foo']\n"
            "foo is in RUNNING state, restarting\n");
  EXPECT_THAT(events, ElementsAre("getAllProcessInfo", "stopProcess foo"));
}

}  // namespace
}  // namespace httpok
