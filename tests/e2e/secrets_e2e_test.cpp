// Secrets never show: a URL's password, Authorization and Cookie headers, values taken
// from the environment (%(ENV_X)s) and SUPERVISOR_PASSWORD are planted in a config file
// and the listener's environment, two targets fail under a real supervisord (which asks
// for the password), and every output is searched for them: the listener's log, the
// mail, the metrics file, --check-config and --once, in text and in JSON. The requests
// the server got show that each secret was in use.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "child.hpp"
#include "scripted_server.hpp"
#include "support/supervisord.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kSecrets{
    "pw-4aa1",      // the password in api's URL
    "tok-5bb2",     // URL_TOKEN, in admin's URL
    "key-6cc3",     // API_KEY, in a header of [httpok] that both targets send
    "bearer-7dd4",  // admin's Authorization header
    "cookie-8ee5",  // api's Cookie header
    "sv-9ff6",      // SUPERVISOR_PASSWORD
};

// Every secret that `text` holds, joined; "" when none.
std::string leaked(const std::string& text) {
  std::string out;
  for (const std::string& secret : kSecrets) {
    if (text.find(secret) != std::string::npos)
      out += secret + " ";
  }
  return out;
}

TEST(Secrets, NeverShowInLogsMailMetricsOrTheConfig) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  std::mutex mutex;
  std::vector<std::string> requests;
  ScriptedServer app([&](ScriptedServer::Connection& c) {
    const std::string request = c.read_request();
    {
      std::lock_guard<std::mutex> lock(mutex);
      requests.push_back(request);
    }
    c.send(ScriptedServer::response(500, "Internal Server Error", ""));
  });
  SupervisordOptions options;
  options.inet_http_server = true;
  options.username = "admin";
  options.password = "sv-9ff6";
  options.inet_port = free_tcp_port();
  Supervisord sv(options);
  const auto dir = sv.dir();
  const std::string base = "127.0.0.1:" + std::to_string(app.port());
  write_file(dir / "httpok.conf",
             "[httpok]\nemail = ops@example.com\nsendmail_program = " +
                 (support_dir() / "fake-sendmail.sh").string() +
                 " -t -i\nmetrics_file = " + (dir / "httpok.prom").string() +
                 "\nheader = X-Api-Key: %(ENV_API_KEY)s\ntimeout = 2\n\n"
                 "[target:api]\nurl = http://user:pw-4aa1@" +
                 base +
                 "/health\nprograms = web\nheader = Cookie: session=cookie-8ee5\n\n"
                 "[target:admin]\nurl = http://" +
                 base +
                 "/admin?token=%(ENV_URL_TOKEN)s\nprograms = web\n"
                 "header = Authorization: Bearer bearer-7dd4\n");
  const std::string env = "URL_TOKEN=\"tok-5bb2\",API_KEY=\"key-6cc3\"";
  sv.start(
      "[program:web]\ncommand=sleep 1000\nstartsecs=1\nstopwaitsecs=2\n\n"
      "[eventlistener:httpok]\ncommand=" +
      httpok_binary() + " --config " + (dir / "httpok.conf").string() +
      "\nevents=TICK_5\nstartsecs=0\nautostart=false\nserverurl=http://127.0.0.1:" +
      std::to_string(options.inet_port) + "\nstderr_logfile=" + (dir / "httpok.err").string() +
      "\nenvironment=SUPERVISOR_USERNAME=\"admin\",SUPERVISOR_PASSWORD=\"sv-9ff6\"," + env +
      ",FAKE_SENDMAIL_OUT=\"" + (dir / "mail.txt").string() + "\"\n");
  ASSERT_TRUE(sv.wait_for_state("web", "RUNNING", 20s)) << sv.log();
  sv.ctl({"start", "httpok"});
  ASSERT_TRUE(sv.wait_for_state("httpok", "RUNNING", 20s)) << sv.log();
  auto err = [&] { return read_file_or_empty(dir / "httpok.err"); };
  auto mail = [&] { return read_file_or_empty(dir / "mail.txt"); };
  // Both targets' restarts, each with its mail (supervisord took the password: the
  // restarts went through).
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string m = mail();
        const std::size_t first = m.find("=== end");
        return first != std::string::npos && m.find("=== end", first + 1) != std::string::npos;
      },
      40s))
      << err() << mail();
  // The metrics of that round (written at most every 5 s).
  const auto metrics = [&] { return read_file_or_empty(dir / "httpok.prom"); };
  EXPECT_TRUE(wait_until(
      [&] { return metrics().find("httpok_restarts_total{program=\"web\"}") != std::string::npos; },
      20s))
      << metrics();
  sv.ctl({"stop", "httpok"});
  ASSERT_TRUE(sv.wait_for_state("httpok", "STOPPED", 10s)) << sv.log();
  const std::string log = err();
  EXPECT_NE(log.find("web restarted\n"), std::string::npos) << log;
  EXPECT_NE(log.find("http://user:***@" + base + "/health"), std::string::npos) << log;
  EXPECT_NE(log.find("http://" + base + "/admin?token=%(ENV_URL_TOKEN)s"), std::string::npos)
      << log;
  EXPECT_EQ(leaked(log), "") << log;
  EXPECT_EQ(leaked(mail()), "") << mail();
  EXPECT_NE(mail().find("Subject: httpok: http://user:***@" + base + "/health"), std::string::npos)
      << mail();
  EXPECT_EQ(leaked(metrics()), "") << metrics();

  // The same config, resolved and checked once, with the same environment.
  const std::map<std::string, std::string> cli_env{{"URL_TOKEN", "tok-5bb2"},
                                                   {"API_KEY", "key-6cc3"},
                                                   {"SUPERVISOR_USERNAME", "admin"},
                                                   {"SUPERVISOR_PASSWORD", "sv-9ff6"}};
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--check-config"},
                                               {"--once"},
                                               {"--once", "--log-format", "json"}}) {
    std::vector<std::string> argv{httpok_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--config", (dir / "httpok.conf").string()});
    Child child(argv, cli_env);
    child.close_stdin();
    const auto status = child.wait_exit(20s);
    ASSERT_TRUE(status.has_value()) << args[0];
    EXPECT_EQ(*status, args[0] == "--once" ? 1 : 0) << child.out() << child.err();
    EXPECT_NE(child.out(), "") << args[0];
    EXPECT_EQ(leaked(child.out() + child.err()), "") << child.out() << child.err();
    if (args[0] == "--check-config") {
      // What was written as %(ENV_X)s prints so, and loads again.
      EXPECT_NE(child.out().find("header = X-Api-Key: %(ENV_API_KEY)s\n"), std::string::npos)
          << child.out();
      EXPECT_NE(child.out().find("?token=%(ENV_URL_TOKEN)s\n"), std::string::npos) << child.out();
      EXPECT_NE(child.out().find("header = Authorization: ***\n"), std::string::npos)
          << child.out();
    }
  }

  // Every secret but supervisord's was sent to the app, so each was in use.
  std::lock_guard<std::mutex> lock(mutex);
  std::string all;
  for (const std::string& request : requests)
    all += request;
  for (const char* sent :
       {"GET /admin?token=tok-5bb2 ", "X-Api-Key: key-6cc3\r\n",
        "Authorization: Bearer bearer-7dd4\r\n", "Cookie: session=cookie-8ee5\r\n",
        "Authorization: Basic dXNlcjpwdy00YWEx\r\n"})  // user:pw-4aa1
    EXPECT_NE(all.find(sent), std::string::npos) << sent << "\n" << all;
}

}  // namespace
}  // namespace httpok::test
