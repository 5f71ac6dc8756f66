// The fault matrix, supervisord side (tests/README.md), with a real supervisord that
// httpok does not run under: the test drives httpok's stdin itself, so that supervisord
// can die and come back while httpok runs. httpok says what failed, keeps running and
// acknowledges every event; it never exits over supervisord.
#include <gtest/gtest.h>

#include <string>

#include "child.hpp"
#include "scripted_server.hpp"
#include "support/supervisord.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

std::string tick(int serial) {
  const std::string body = "when:1700000000";
  return "ver:3.0 server:supervisor serial:" + std::to_string(serial) +
         " pool:httpok poolserial:" + std::to_string(serial) +
         " eventname:TICK_5 len:" + std::to_string(body.size()) + "\n" + body;
}

std::string protocol(int acks) {
  std::string s = "READY\n";
  for (int i = 0; i < acks; ++i)
    s += "RESULT 2\nOKREADY\n";
  return s;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

class SupervisordFault : public ::testing::Test {
 protected:
  // supervisord with `web` (a program that ignores SIGTERM when `stubborn`), an app that
  // always answers 500, and httpok watching it for web, started and READY.
  void start(bool stubborn) {
    if (!Supervisord::available())
      GTEST_SKIP() << "supervisord is not installed";
    sections_ = std::string("[program:web]\ncommand=") +
                (stubborn ? "sh -c 'trap \"\" TERM; exec sleep 1000'" : "sleep 1000") +
                "\nstartsecs=1\nstopwaitsecs=" + (stubborn ? "60" : "2") + "\n";
    sv_.start(sections_);
    ASSERT_TRUE(sv_.wait_for_state("web", "RUNNING", 20s)) << sv_.log();
    httpok_ = std::make_unique<Child>(
        std::vector<std::string>{httpok_binary(), "-p", "web", app_.url("/health")},
        std::map<std::string, std::string>{{"SUPERVISOR_SERVER_URL", sv_.server_url()},
                                           {"SUPERVISOR_PROCESS_NAME", "httpok"},
                                           {"SUPERVISOR_GROUP_NAME", "httpok"}});
    ASSERT_TRUE(wait_out(protocol(0))) << httpok_->err();
  }

  bool wait_out(const std::string& out) {
    return httpok_->wait_for([&] { return httpok_->out() == out; }, 20s);
  }
  bool wait_err(const std::string& text, std::size_t times = 1) {
    return httpok_->wait_for([&] { return count(httpok_->err(), text) >= times; }, 40s);
  }

  ScriptedServer app_{[](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  }};
  Supervisord sv_;
  std::string sections_;
  std::unique_ptr<Child> httpok_;
};

TEST_F(SupervisordFault, RestartedWhileHttpokRunsItGoesOnAgainstTheNewOne) {
  start(false);
  if (HasFatalFailure() || IsSkipped())
    return;
  httpok_->write_stdin(tick(1));
  ASSERT_TRUE(wait_err("web restarted\n")) << httpok_->err();
  // supervisord stops; a TICK meanwhile finds no one to ask, and says so.
  sv_.stop();
  httpok_->write_stdin(tick(2));
  ASSERT_TRUE(
      wait_err("Exception retrieving process info cannot reach supervisord at " + sv_.server_url()))
      << httpok_->err();
  // A new supervisord on the same socket: the next failure restarts web through it.
  sv_.start(sections_);
  ASSERT_TRUE(sv_.wait_for_state("web", "RUNNING", 20s)) << sv_.log();
  const auto before = sv_.pid_of("web");
  httpok_->write_stdin(tick(3));
  ASSERT_TRUE(wait_err("web restarted\n", 2)) << httpok_->err();
  ASSERT_TRUE(sv_.wait_for_state("web", "RUNNING", 20s)) << sv_.log();
  EXPECT_NE(sv_.pid_of("web"), before);
  EXPECT_TRUE(wait_out(protocol(3))) << httpok_->out();
  httpok_->close_stdin();
  EXPECT_EQ(httpok_->wait_exit(10s), 0) << httpok_->err();
}

TEST_F(SupervisordFault, KilledInTheMiddleOfARestart) {
  start(true);
  if (HasFatalFailure() || IsSkipped())
    return;
  httpok_->write_stdin(tick(1));
  // stopProcess is under way: web ignores SIGTERM, so supervisord waits (stopwaitsecs).
  ASSERT_TRUE(sv_.wait_for_state("web", "STOPPING", 20s)) << httpok_->err() << sv_.log();
  sv_.kill();
  // The call in flight fails, so does the start after it; the sequence ends, said.
  ASSERT_TRUE(wait_err("Failed to start process web: ")) << httpok_->err();
  EXPECT_NE(httpok_->err().find("Failed to stop process web: "), std::string::npos)
      << httpok_->err();
  // httpok runs on: the next TICK is acknowledged and finds no supervisord.
  httpok_->write_stdin(tick(2));
  ASSERT_TRUE(
      wait_err("Exception retrieving process info cannot reach supervisord at " + sv_.server_url()))
      << httpok_->err();
  EXPECT_TRUE(wait_out(protocol(2))) << httpok_->out();
  httpok_->close_stdin();
  EXPECT_EQ(httpok_->wait_exit(10s), 0) << httpok_->err();
}

}  // namespace
}  // namespace httpok::test
