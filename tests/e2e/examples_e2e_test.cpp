// The supervisord examples of examples/, loaded into a real supervisord as an operator
// would: each file's sections as they are, but for the paths that name the installed
// system (/usr/bin/httpok, /etc/httpok/, the node_exporter directory), which point into
// the test's own directory. httpok must reach RUNNING and stay there, with nothing on its
// stderr but its start.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "child.hpp"
#include "support/supervisord.hpp"
#include "support/test_support.hpp"
#include "tls_test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

fs::path examples_dir() {
  const char* root = std::getenv("HTTPOK_SOURCE_ROOT");
  return fs::path(root != nullptr ? root : ".") / "examples";
}

// `text` with every `from` replaced by `to`; fails the test when `from` is not in it, so
// that an example that stops naming a path cannot pass unchanged.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  EXPECT_NE(text.find(from), std::string::npos) << "no '" << from << "' in:\n" << text;
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string example(const std::string& name) {
  return read_file_or_empty(examples_dir() / name);
}

// Starts supervisord with `sections` (an example's text) after `programs` (what it
// watches), with the installed binary's path pointing at the one under test, and expects
// httpok RUNNING (started for 2 s) in `supervisorctl status`, with no error on its stderr.
void expect_runs(Supervisord& sv, const std::string& sections, const std::string& programs = {}) {
  const std::string err_log = (sv.dir() / "httpok.err").string();
  std::string text =
      replaced(sections, "command=/usr/bin/httpok ", "command=" + httpok_binary() + " ");
  text = replaced(text, "[eventlistener:httpok]\n",
                  "[eventlistener:httpok]\nstartsecs=2\nstderr_logfile=" + err_log + "\n");
  sv.start(programs + "\n" + text);
  ASSERT_TRUE(sv.wait_for_state("httpok", "RUNNING", 20s))
      << sv.ctl({"status"}) << sv.log() << read_file_or_empty(err_log);
  const std::string status = sv.ctl({"status", "httpok"});
  EXPECT_NE(status.find("RUNNING"), std::string::npos) << status;
  const std::string err = read_file_or_empty(err_log);
  EXPECT_EQ(err.find("httpok: error"), std::string::npos) << err;
}

TEST(Examples, SingleUrlIsTheDropInLine) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  const std::string web =
      "python3 " + (support_dir() / "webapp.py").string() + " " + std::to_string(free_tcp_port());
  expect_runs(sv, example("supervisord-single.conf"),
              "[program:web]\ncommand=" + web + "\nstopwaitsecs=2\n");
  EXPECT_TRUE(sv.wait_for_state("web", "RUNNING", 20s)) << sv.log();
}

TEST(Examples, ManyTargetsFromHttpokConfAndConfD) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  // /etc/httpok/: httpok.conf and conf.d/ as the package installs them, and the private
  // CA that httpok.conf names (%(here)s/internal-ca.pem).
  const fs::path etc = sv.dir() / "etc-httpok";
  fs::create_directories(etc / "conf.d");
  for (const char* snippet : {"shop.conf", "billing.conf"})
    write_file(etc / "conf.d" / snippet, example(std::string("conf.d/") + snippet));
  const fs::path textfile_dir = sv.dir() / "node-exporter";
  fs::create_directories(textfile_dir);
  write_file(etc / "httpok.conf",
             replaced(example("httpok.conf"), "/var/lib/prometheus/node-exporter/",
                      textfile_dir.string() + "/"));
  tls::testing::TestPki pki;
  fs::copy_file(pki.ca_file(), etc / "internal-ca.pem");

  expect_runs(sv, replaced(example("supervisord-multi.conf"), "/etc/httpok/", etc.string() + "/"));
  // Every target of httpok.conf and of conf.d/ is watched; the metrics file is written
  // after the first check (api's, on its own clock).
  const std::string err = read_file_or_empty(sv.dir() / "httpok.err");
  for (const char* target : {"api", "web", "shop", "billing"})
    EXPECT_NE(err.find(std::string("httpok: ") + target + ": watching "), std::string::npos)
        << target << "\n"
        << err;
  std::string metrics;
  EXPECT_TRUE(wait_until(
      [&] {
        metrics = read_file_or_empty(textfile_dir / "httpok.prom");
        return metrics.find("httpok_probe_success{target=\"api\"") != std::string::npos;
      },
      10s))
      << metrics << err;
}

}  // namespace
}  // namespace httpok::test
