// PROCESS_STATE payloads as supervisord writes them, and every way one can be malformed.
#include <gtest/gtest.h>

#include "httpok/supervisor.hpp"

namespace httpok {
namespace {

TEST(ProcessState, SupervisordsPayloadsAreRead) {
  const auto running = parse_process_state(
      "PROCESS_STATE_RUNNING", "processname:web groupname:web from_state:STARTING pid:2766");
  ASSERT_TRUE(running.ok()) << running.error();
  EXPECT_EQ(running.value().name, "web");
  EXPECT_EQ(running.value().group, "web");
  EXPECT_EQ(running.value().statename, "RUNNING");
  EXPECT_EQ(running.value().state, kStateRunning);
  EXPECT_EQ(running.value().from_statename, "STARTING");
  EXPECT_EQ(running.value().pid, 2766);
  const auto starting = parse_process_state(
      "PROCESS_STATE_STARTING", "processname:w1 groupname:workers from_state:STOPPED tries:0");
  ASSERT_TRUE(starting.ok()) << starting.error();
  EXPECT_EQ(starting.value().state, kStateStarting);
  EXPECT_EQ(starting.value().pid, 0);
  EXPECT_EQ(make_namespec(starting.value().group, starting.value().name), "workers:w1");
  const auto exited = parse_process_state(
      "PROCESS_STATE_EXITED", "processname:web groupname:web from_state:RUNNING expected:0 pid:7");
  ASSERT_TRUE(exited.ok()) << exited.error();
  EXPECT_EQ(exited.value().state, kStateExited);
  EXPECT_EQ(state_number("FATAL"), kStateFatal);
  EXPECT_EQ(state_number("SLEEPING"), std::nullopt);
}

TEST(ProcessState, MalformedPayloadsAreErrorsThatSayWhy) {
  const auto error = [](std::string_view eventname, std::string_view payload) {
    const auto parsed = parse_process_state(eventname, payload);
    return parsed.ok() ? std::string("(parsed)") : parsed.error();
  };
  EXPECT_EQ(error("TICK_5", "when:1"), "not a PROCESS_STATE event: TICK_5");
  EXPECT_EQ(error("PROCESS_STATE_SLEEPING", "processname:a groupname:a from_state:STOPPED"),
            "unknown state in PROCESS_STATE_SLEEPING");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING", "processname:a groupname:a from_state:NAPPING"),
            "unknown from_state 'NAPPING'");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING", "processname:a  groupname:a from_state:STARTING"),
            "not a key:value token: ''");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING", "processname:a groupname from_state:STARTING"),
            "not a key:value token: 'groupname'");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING",
                  "processname:a processname:b groupname:a "
                  "from_state:STARTING"),
            "processname is given twice");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING", "groupname:a from_state:STARTING pid:1"),
            "no processname");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING", "processname:a from_state:STARTING"), "no groupname");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING", "processname:a groupname:a"), "no from_state");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING", "processname:a groupname:a from_state:STARTING pid:x"),
            "pid is not a whole number: 'x'");
  EXPECT_EQ(error("PROCESS_STATE_RUNNING", ""), "no processname");
  // Keys it does not know are skipped.
  EXPECT_TRUE(parse_process_state("PROCESS_STATE_RUNNING",
                                  "processname:a groupname:a from_state:STARTING pid:1 new:x")
                  .ok());
}

}  // namespace
}  // namespace httpok
