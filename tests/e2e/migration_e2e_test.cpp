// The migration from superlance that httpok(1) and the README describe: three superlance
// command lines, each turned into a config by --check-config and merged by the shell lines
// of the docs, load as one file whose resolved targets are those of the command lines.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "child.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

// The sections of a config as --check-config prints it: "[name]" -> its lines.
std::map<std::string, std::string> sections(const std::string& text) {
  std::map<std::string, std::string> out;
  std::string name;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos)
      end = text.size();
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.front() == '[')
      name = line;
    else if (!line.empty())
      out[name] += line + "\n";
  }
  return out;
}

struct Ran {
  int status = -1;
  std::string out, err;
};

Ran run(const std::vector<std::string>& argv) {
  Child child(argv, {});
  child.close_stdin();
  Ran result;
  result.status = child.wait_exit(20s).value_or(-1);
  result.out = child.out();
  result.err = child.err();
  return result;
}

TEST(Migration, ThreeSuperlanceListenersBecomeOneFileWithTheSameTargets) {
  TempDir dir;
  const std::string conf = (dir.path() / "httpok.conf").string();
  // Three listeners as superlance runs them (the same -m, so one [httpok] serves them all).
  const std::vector<std::pair<std::string, std::string>> listeners{
      {"web", "-p web -m ops@example.com http://localhost:8080/health"},
      {"api",
       "-p api -p workers:* -m ops@example.com -t 5 -c 204 -b pong "
       "http://localhost:8081/ping"},
      {"admin", "-p admin -E -m ops@example.com -c 200 -c 302 http://localhost:8082/"},
  };
  // The docs' lines: the first listener's whole output, its target renamed; then only the
  // target section of each other one, renamed, after an empty line.
  const std::string bin = "'" + httpok_binary() + "'";
  std::string script = "set -e\n";
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    const auto& [name, args] = listeners[i];
    if (i == 0)
      script += bin + " --check-config " + args +
                " | sed 's/^\\[target:default\\]$/[target:" + name + "]/' >" + conf + "\n";
    else
      script +=
          bin + " --check-config " + args +
          " | sed -n '/^\\[target:default\\]$/,$p' | sed 's/^\\[target:default\\]$/\\n[target:" +
          name + "]/' >>" + conf + "\n";
  }
  const Ran merge = run({"/bin/sh", "-c", script});
  ASSERT_EQ(merge.status, 0) << merge.err << script;

  const Ran merged = run({httpok_binary(), "--check-config", "--config", conf});
  ASSERT_EQ(merged.status, 0) << merged.err << read_file_or_empty(conf);
  const auto resolved = sections(merged.out);
  EXPECT_EQ(resolved.size(), 1 + listeners.size()) << merged.out;
  for (const auto& [name, args] : listeners) {
    std::vector<std::string> argv{httpok_binary(), "--check-config"};
    for (std::size_t at = 0; at < args.size();) {
      const std::size_t end = std::min(args.find(' ', at), args.size());
      argv.push_back(args.substr(at, end - at));
      at = end + 1;
    }
    const Ran alone = run(argv);
    ASSERT_EQ(alone.status, 0) << alone.err;
    const auto own = sections(alone.out);
    ASSERT_EQ(own.count("[target:default]"), 1u) << alone.out;
    const auto target = resolved.find("[target:" + name + "]");
    ASSERT_NE(target, resolved.end()) << merged.out;
    EXPECT_EQ(target->second, own.at("[target:default]")) << name;
    EXPECT_EQ(resolved.at("[httpok]"), own.at("[httpok]")) << name;
  }
  // What the merged file says, the way httpok reads it: api's settings, not web's.
  EXPECT_NE(
      resolved.at("[target:api]")
          .find("programs = api, workers:*\nany = false\neager = true\ncodes = 204\nbody = pong\n"),
      std::string::npos)
      << merged.out;
  EXPECT_NE(resolved.at("[target:admin]")
                .find("programs = admin\nany = false\neager = false\ncodes = 200, 302\n"),
            std::string::npos)
      << merged.out;
}

}  // namespace
}  // namespace httpok::test
