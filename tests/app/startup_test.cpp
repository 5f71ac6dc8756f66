// The start-up checks: the first program of a command line, PATH look-ups, the core
// directory, unknown -p names, and the "watching" line.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "httpok/startup.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using startup::directory_problem;
using startup::first_program;
using startup::program_problem;

TEST(FirstProgram, IsThePlainFirstWord) {
  EXPECT_EQ(first_program("/usr/sbin/sendmail -t -i"), "/usr/sbin/sendmail");
  EXPECT_EQ(first_program("  msmtp\t-t"), "msmtp");
  EXPECT_EQ(first_program("gcore"), "gcore");
}

TEST(FirstProgram, IsNothingWhenOnlyTheShellCouldTell) {
  for (const char* command : {"", "   ", "exec /usr/sbin/sendmail -t", "FOO=1 sendmail -t",
                              "'/opt/my mailer' -t", "$HOME/bin/mail", "(cat)", "cat;true",
                              ": nothing", "true", "ulimit -c 0; gcore -o", "umask 077; gcore"}) {
    EXPECT_EQ(first_program(command), std::nullopt) << command;
  }
}

TEST(ProgramProblem, APathIsCheckedAsItIs) {
  TempDir dir;
  const std::string script = (dir / "mailer").string();
  write_file(script, "#!/bin/sh\n");
  ::chmod(script.c_str(), 0644);
  EXPECT_EQ(program_problem(script, ""), "'" + script + "' is not executable");
  ::chmod(script.c_str(), 0755);
  EXPECT_EQ(program_problem(script, ""), std::nullopt);
  EXPECT_EQ(program_problem((dir / "nope").string(), ""),
            "'" + (dir / "nope").string() + "' does not exist");
  EXPECT_EQ(program_problem(dir.path().string(), ""),
            "'" + dir.path().string() + "' is a directory");
}

TEST(ProgramProblem, ANameIsLookedUpInPath) {
  TempDir dir;
  std::filesystem::create_directories(dir / "bin");
  write_file(dir / "bin" / "mailer", "#!/bin/sh\n");
  ::chmod((dir / "bin" / "mailer").c_str(), 0755);
  write_file(dir / "bin" / "plain", "not a program\n");
  ::chmod((dir / "bin" / "plain").c_str(), 0644);
  const std::string path = "/nonexistent:" + (dir / "bin").string();
  EXPECT_EQ(program_problem("mailer", path), std::nullopt);
  EXPECT_EQ(program_problem("sh", "/usr/bin:/bin"), std::nullopt);
  EXPECT_EQ(program_problem("plain", path), "'plain' is not found in PATH (" + path + ")");
  EXPECT_EQ(program_problem("nosuch-mailer", path),
            "'nosuch-mailer' is not found in PATH (" + path + ")");
}

TEST(DirectoryProblem, NamesWhatIsWrong) {
  TempDir dir;
  EXPECT_EQ(directory_problem(dir.path().string()), std::nullopt);
  EXPECT_EQ(directory_problem((dir / "nope").string()),
            "'" + (dir / "nope").string() + "' does not exist");
  write_file(dir / "file", "");
  EXPECT_EQ(directory_problem((dir / "file").string()),
            "'" + (dir / "file").string() + "' is not a directory");
}

TEST(DirectoryProblem, AnUnwritableDirectoryIsNamed) {
  TempDir dir;
  const auto cores = dir / "cores";
  std::filesystem::create_directories(cores);
  // Anyone may look in (mkdtemp made it 0700); no one but root may write in cores.
  std::filesystem::permissions(
      dir.path(), std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
      std::filesystem::perm_options::add);
  std::filesystem::permissions(
      cores, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
                 std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                 std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
  // Root may write anywhere: the check runs in a child as nobody then, so that it means
  // the same for every user.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0))
      ::_exit(3);
    const auto problem = directory_problem(cores.string());
    ::_exit(problem == "'" + cores.string() + "' is not writable: Permission denied" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: another text; 3: cannot become nobody";
}

Config one_target(std::vector<std::string> programs) {
  Config config;
  Target target;
  target.probe.url = "http://u:s3cret@127.0.0.1:8080/health";
  target.restart.programs = std::move(programs);
  config.targets.push_back(target);
  return config;
}

TEST(LocalChecks, NoneWithoutMailCoreFilesOrTlsKeys) {
  Config config = one_target({"web"});
  EXPECT_TRUE(startup::local_checks(config).empty());  // nothing to look at, on no thread
  config.email = "ops@example.com";
  EXPECT_EQ(startup::local_checks(config).sendmail, config.sendmail);
  config.email.reset();
  config.coredir = "/var/tmp";
  const startup::LocalChecks cores = startup::local_checks(config);
  EXPECT_EQ(cores.gcore, config.gcore);
  EXPECT_EQ(cores.coredir, "/var/tmp");
  config.coredir.reset();
  config.targets[0].probe.tls.client_key = "/etc/httpok/client.key";
  // An http target never reads its key (set in [httpok] for all, say): not looked at.
  EXPECT_TRUE(startup::local_checks(config).empty());
  config.targets[0].probe.url = "https://127.0.0.1:8443/health";
  config.targets.push_back(config.targets[0]);
  config.targets[1].name = "other";
  const startup::LocalChecks keys = startup::local_checks(config);
  ASSERT_EQ(keys.keys.size(), 1U);  // one file, checked once
  EXPECT_EQ(keys.keys[0].first, "/etc/httpok/client.key");
  EXPECT_EQ(keys.keys[0].second, config.targets[0].name + ": ");
  EXPECT_FALSE(keys.sendmail || keys.gcore || keys.coredir);
}

TEST(LocalChecks, OnlyProgramsAndTheCoreDirectoryNeedTheThreadPool) {
  startup::LocalChecks checks;
  checks.keys.emplace_back("/etc/httpok/client.key", "");
  // Read already, when the TLS context was made: looked at on the loop, no thread.
  EXPECT_FALSE(checks.may_block());
  EXPECT_EQ(checks.what(), "the TLS key");
  checks.keys.emplace_back("/etc/httpok/other.key", "other: ");
  EXPECT_EQ(checks.what(), "the TLS keys");
  checks.gcore = "gcore -o";
  checks.coredir = "/var/tmp";
  EXPECT_TRUE(checks.may_block());
  EXPECT_EQ(checks.what(), "the TLS keys, the gcore program and the core directory");
  checks.sendmail = "/usr/sbin/sendmail -t -i";
  EXPECT_EQ(checks.what(),
            "the sendmail program, the TLS keys, the gcore program and the core directory");
  checks.keys.clear();
  checks.gcore.reset();
  checks.coredir.reset();
  EXPECT_TRUE(checks.may_block());
  EXPECT_EQ(checks.what(), "the sendmail program");
}

TEST(LocalWarnings, OnlyForWhatIsUsed) {
  TempDir dir;
  Config config = one_target({"web"});
  config.sendmail = "/nonexistent/sendmail -t -i";
  config.gcore = "/nonexistent/gcore -o";
  // No -m and no -d: neither program is ever run, so neither is checked.
  EXPECT_TRUE(startup::local_warnings(startup::local_checks(config), "/usr/bin:/bin").empty());

  config.email = "ops@example.com";
  config.coredir = (dir / "cores").string();
  EXPECT_EQ(startup::local_warnings(startup::local_checks(config), "/usr/bin:/bin"),
            (std::vector<std::string>{
                "httpok: warning: mail will fail: '/nonexistent/sendmail' does not exist (-s "
                "'/nonexistent/sendmail -t -i')",
                "httpok: warning: core files will fail: '/nonexistent/gcore' does not exist (-g "
                "'/nonexistent/gcore -o')",
                "httpok: warning: core files will fail: the core directory '" +
                    (dir / "cores").string() + "' does not exist (-d)"}));

  config.sendmail = "cat >/dev/null";
  config.gcore = "sh -c 'echo core'";
  std::filesystem::create_directories(dir / "cores");
  EXPECT_TRUE(startup::local_warnings(startup::local_checks(config), "/usr/bin:/bin").empty());
}

TEST(LocalWarnings, ATlsKeyThatAnyoneCanReadOncePerFile) {
  TempDir dir;
  const std::string key = (dir / "client.key").string();
  write_file(key, "not really a key\n");
  Config config = one_target({"web"});
  config.targets[0].probe.url = "https://127.0.0.1:8443/health";
  config.targets[0].probe.tls.client_key = key;
  config.targets.push_back(config.targets[0]);
  config.targets[1].name = "other";
  std::filesystem::permissions(
      key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_TRUE(startup::local_warnings(startup::local_checks(config), "/usr/bin:/bin").empty());
  std::filesystem::permissions(key, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  EXPECT_EQ(startup::local_warnings(startup::local_checks(config), "/usr/bin:/bin"),
            std::vector<std::string>{"httpok: " + config.targets[0].name +
                                     ": warning: anyone can read the TLS key '" + key +
                                     "' (mode 0604); chmod o-r it"});
}

TEST(ProcessWarnings, NameThePNamesThatMatchNoProcess) {
  const std::vector<ProcessInfo> infos = {{"web", "web", "RUNNING", 20, 10},
                                          {"w1", "workers", "RUNNING", 20, 11}};
  Config config = one_target({"web", "workers:w1", "w1", "nosuch", "other:web", "nosuch"});
  EXPECT_EQ(startup::process_warnings(config, infos),
            (std::vector<std::string>{
                "httpok: warning: supervisord has no process named 'nosuch' (-p)",
                "httpok: warning: supervisord has no process named 'other:web' (-p)"}));
  config.targets[0].restart.any = true;  // -a overrides -p
  EXPECT_TRUE(startup::process_warnings(config, infos).empty());
}

TEST(ProcessWarnings, NotEagerWithNoKnownProcessIsNeverChecked) {
  Config config = one_target({"nosuch"});
  config.targets[0].restart.eager = false;
  EXPECT_EQ(startup::process_warnings(config, {}),
            (std::vector<std::string>{
                "httpok: warning: supervisord has no process named 'nosuch' (-p)",
                "httpok: warning: with -E, http://u:***@127.0.0.1:8080/health is checked only "
                "while one of its processes is RUNNING, and supervisord has none of them"}));
  config.targets[0].restart.programs = {"nosuch", "nosuch"};  // one name, given twice
  EXPECT_EQ(startup::process_warnings(config, {}).size(), 2u);
  config.targets[0].restart.programs.clear();
  EXPECT_EQ(startup::process_warnings(config, {}),
            (std::vector<std::string>{"httpok: warning: with -E and neither -p nor -a, "
                                      "http://u:***@127.0.0.1:8080/health is never checked"}));
}

TEST(WatchingLine, SaysWhatIsWatchedWithThePasswordMasked) {
  Config config = one_target({"web"});
  EXPECT_EQ(startup::watching_text(config, config.targets[0]),
            "watching http://u:***@127.0.0.1:8080/health every TICK (timeout 10 s) for web");
  config.targets[0].restart.programs = {"web", "workers:w1"};
  config.targets[0].restart.eager = false;
  config.targets[0].probe.timeout = std::chrono::seconds(2);
  config.email = "ops@example.com";
  EXPECT_EQ(startup::watching_text(config, config.targets[0]),
            "watching http://u:***@127.0.0.1:8080/health every TICK (timeout 2 s) for web, "
            "workers:w1, only while one of them is RUNNING; mail to ops@example.com");
  config.targets[0].restart.any = true;
  config.targets[0].restart.eager = true;
  config.targets[0].interval = std::chrono::seconds(15);
  config.email.reset();
  EXPECT_EQ(startup::watching_text(config, config.targets[0]),
            "watching http://u:***@127.0.0.1:8080/health every 15 s (timeout 2 s) for every "
            "process but this listener");
  config.targets[0].restart.any = false;
  config.targets[0].restart.programs.clear();
  config.targets[0].interval.reset();
  EXPECT_EQ(startup::watching_text(config, config.targets[0]),
            "watching http://u:***@127.0.0.1:8080/health every TICK (timeout 2 s) for no "
            "process (neither -p nor -a is given)");
}

}  // namespace
}  // namespace httpok::test
