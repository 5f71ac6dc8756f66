#include <gtest/gtest.h>

#include "httpok/policy.hpp"

namespace httpok {
namespace {

ProcessInfo proc(const std::string& group, const std::string& name) {
  ProcessInfo p;
  p.group = group;
  p.name = name;
  p.state = kStateRunning;
  return p;
}

TEST(Selects, ByNameOrNamespec) {
  const std::vector<std::string> programs = {"web", "grp:worker"};
  EXPECT_TRUE(selects(programs, false, "httpok", "httpok", proc("web", "web")));
  EXPECT_TRUE(selects(programs, false, "httpok", "httpok", proc("other", "web")));  // bare name
  EXPECT_TRUE(selects(programs, false, "httpok", "httpok", proc("grp", "worker")));
  EXPECT_FALSE(selects(programs, false, "httpok", "httpok", proc("other", "worker")));
  EXPECT_FALSE(selects({}, false, "httpok", "httpok", proc("web", "web")));
}

TEST(Selects, GroupStarSelectsTheWholeGroup) {
  const std::vector<std::string> programs = {"workers:*"};
  EXPECT_TRUE(selects(programs, false, "", "", proc("workers", "w1")));
  EXPECT_TRUE(selects(programs, false, "", "", proc("workers", "w2")));
  EXPECT_FALSE(selects(programs, false, "", "", proc("other", "workers")));
  EXPECT_FALSE(selects(programs, false, "", "", proc("workersx", "w1")));
}

TEST(Selects, AnyButTheListenerItself) {
  EXPECT_TRUE(selects({}, true, "httpok", "httpok", proc("web", "web")));
  EXPECT_FALSE(selects({}, true, "httpok", "httpok", proc("httpok", "httpok")));
  EXPECT_FALSE(selects({}, true, "listeners", "httpok", proc("listeners", "httpok")));
  EXPECT_TRUE(selects({}, true, "listeners", "httpok", proc("other", "httpok")));
  EXPECT_TRUE(selects({}, true, "", "", proc("httpok", "httpok")));  // unknown self: all
}

}  // namespace
}  // namespace httpok
