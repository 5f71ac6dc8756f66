// The config file: every key, the expansions, includes, the errors with file:line, and
// how it combines with the command line. Real files in a temp dir; the environment of
// %(ENV_X)s is injected.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>

#include "httpok/config.hpp"
#include "httpok/config_file.hpp"
#include "support/test_support.hpp"

namespace httpok::test {
namespace {

using namespace std::chrono_literals;

class ConfigFile : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    write_file(path, text);
    return path.string();
  }

  Result<Config> load(const std::string& text) {
    return load_config_file(write("httpok.conf", text), env());
  }

  // The error line of a file that must not load, with the temp dir's path taken out.
  std::string error_of(const std::string& text) {
    auto result = load(text);
    EXPECT_FALSE(result.ok());
    if (result.ok())
      return "";
    std::string error = result.error();
    const std::string prefix = dir_.path().string() + "/";
    for (std::size_t at; (at = error.find(prefix)) != std::string::npos;)
      error.erase(at, prefix.size());
    return error;
  }

  EnvLookup env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      const auto it = env_.find(name);
      return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  }

  TempDir dir_;
  std::map<std::string, std::string> env_{
      {"API_TOKEN", "s3cret"}, {"HOST", "127.0.0.1"}, {"TEN", "10"}};
};

TEST_F(ConfigFile, EveryKey) {
  auto result = load(R"([httpok]                      ; globals, and defaults for every target
email = ops@example.com
sendmail_program = /usr/sbin/sendmail -t
name = web-42
gcore = /usr/bin/gcore -o
coredir = /var/cores
rpc_timeout = 7
wait_timeout = 70
action_timeout = 17
core_interval = 600
max_concurrent = 64
jitter = 0.25
timeout = 5

[target:api]
url = https://%(ENV_HOST)s:8443/health
programs = api, workers:*     ; names, group:name, or group:* for a whole group
codes = 200-204, 304, 5xx
body = "status":"ok"
interval = 15
max_body = 4K
eager = false
any = no
email = api-team@example.com
insecure = off
cafile = %(here)s/internal-ca.pem
capath = /etc/ssl/certs
client_cert = /etc/httpok/client.pem
client_key = /etc/httpok/client.key
tls_server_name = api.internal
session_resumption = false

[target:web]
url = http://127.0.0.1:8080/
programs = web
timeout = 9
any = YES
)");
  ASSERT_TRUE(result.ok()) << result.error();
  const Config& c = result.value();
  EXPECT_EQ(c.email, "ops@example.com");
  EXPECT_EQ(c.sendmail, "/usr/sbin/sendmail -t");
  EXPECT_EQ(c.name, "web-42");
  EXPECT_EQ(c.gcore, "/usr/bin/gcore -o");
  EXPECT_EQ(c.coredir, "/var/cores");
  EXPECT_EQ(c.rpc_timeout, 7s);
  EXPECT_EQ(c.wait_timeout, 70s);
  EXPECT_EQ(c.action_timeout, 17s);
  EXPECT_EQ(c.core_interval, 600s);
  EXPECT_EQ(c.max_concurrent, 64u);
  EXPECT_EQ(c.jitter, 0.25);
  ASSERT_EQ(c.targets.size(), 2u);

  const Target& api = c.targets[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(api.probe.url, "https://127.0.0.1:8443/health");
  EXPECT_EQ(api.restart.programs, (std::vector<std::string>{"api", "workers:*"}));
  std::vector<int> codes = {200, 201, 202, 203, 204, 304};
  for (int code = 500; code <= 599; ++code)
    codes.push_back(code);
  EXPECT_EQ(api.probe.codes, codes);
  EXPECT_EQ(api.probe.body, "\"status\":\"ok\"");
  EXPECT_EQ(api.probe.timeout, 5s);  // the default from [httpok]
  EXPECT_EQ(api.interval, 15s);
  EXPECT_EQ(api.probe.max_body, 4096u);
  EXPECT_FALSE(api.restart.eager);
  EXPECT_FALSE(api.restart.any);
  EXPECT_EQ(api.email, "api-team@example.com");
  EXPECT_FALSE(api.probe.tls.insecure);
  EXPECT_EQ(api.probe.tls.cafile, (dir_ / "internal-ca.pem").string());
  EXPECT_EQ(api.probe.tls.capath, "/etc/ssl/certs");
  EXPECT_EQ(api.probe.tls.client_cert, "/etc/httpok/client.pem");
  EXPECT_EQ(api.probe.tls.client_key, "/etc/httpok/client.key");
  EXPECT_EQ(api.probe.tls_server_name, "api.internal");
  EXPECT_FALSE(api.probe.tls.session_resumption);

  const Target& web = c.targets[1];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.probe.timeout, 9s);  // its own over the default
  EXPECT_EQ(web.probe.codes, std::vector<int>{200});
  EXPECT_TRUE(web.restart.any);
  EXPECT_TRUE(web.restart.eager);
  EXPECT_EQ(web.interval, std::nullopt);  // on every TICK
  EXPECT_EQ(web.email, std::nullopt);
}

TEST(ConfigExample, TheShippedExampleLoads) {
  auto result = load_config_file(std::string(HTTPOK_EXAMPLES_DIR) + "/httpok.conf", process_env);
  ASSERT_TRUE(result.ok()) << result.error();
  const Config& c = result.value();
  EXPECT_EQ(c.email, "ops@example.com");
  EXPECT_EQ(c.jitter, 0.1);
  EXPECT_EQ(c.metrics_file, "/var/lib/prometheus/node-exporter/httpok.prom");
  // Its own two targets, then those of conf.d/ (its [include]), in file name order.
  ASSERT_EQ(c.targets.size(), 4u);
  EXPECT_EQ(c.targets[0].name, "api");
  EXPECT_EQ(c.targets[0].interval, 15s);
  EXPECT_EQ(c.targets[0].email, "api-team@example.com");
  EXPECT_EQ(c.targets[0].probe.timeout, 5s);
  EXPECT_EQ(c.targets[0].restart.policy.fails, 3u);
  EXPECT_EQ(c.targets[0].restart.policy.rises, 2u);
  EXPECT_EQ(c.targets[0].restart.policy.max_restarts, 5u);
  EXPECT_EQ(c.targets[1].name, "web");
  EXPECT_FALSE(c.targets[1].restart.eager);
  EXPECT_EQ(c.targets[1].probe.body_regex, "version [0-9]+\\.[0-9]+");
  EXPECT_EQ(c.targets[2].name, "billing");
  EXPECT_EQ(c.targets[2].probe.unix_socket, "/run/billing/gunicorn.sock");
  EXPECT_EQ(c.targets[2].restart.policy.grace, 30s);
  EXPECT_EQ(c.targets[3].name, "shop");
  EXPECT_EQ(c.targets[3].restart.policy.fails, 2u);
  EXPECT_EQ(validate(c), std::nullopt);
}

TEST_F(ConfigFile, LogFormatAndTimestampsAreGlobal) {
  auto result =
      load("[httpok]\nlog_format = json\nlog_timestamps = yes\n\n[target:a]\nurl = http://a/\n");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().log_format, log::Format::json);
  EXPECT_TRUE(result.value().log_timestamps);
  const std::string text = describe_config(result.value());
  EXPECT_NE(text.find("log_format = json\nlog_timestamps = true\n"), std::string::npos) << text;
}

TEST_F(ConfigFile, HeaderLinesAddUpAndMethodIsChecked) {
  auto result = load(
      "[httpok]\nheader = User-Agent: probe\n\n[target:a]\nurl = http://a/\nmethod = head\n"
      "header = Host: api.internal\nheader = Authorization: Bearer %(ENV_API_TOKEN)s\n"
      "unix_socket = %(here)s/app.sock\nbody_absent = \"status\":\"down\"\n"
      "body_regex = \"version\": *\"[0-9.]+\"\nfails = 3\nmax_restarts = 2\ngrace = 45\n"
      "notify_recovery = yes\nrevive = on\ndry_run = true\npresignal = Usr1\npresignal_wait = 2\n"
      "restart_window = 120\ncert_expiry_days = 21\n");
  ASSERT_TRUE(result.ok()) << result.error();
  const Target& a = result.value().targets[0];
  EXPECT_EQ(a.probe.method, "HEAD");
  EXPECT_EQ(a.probe.unix_socket, (dir_ / "app.sock").string());
  EXPECT_EQ(a.probe.body_absent, "\"status\":\"down\"");
  EXPECT_EQ(a.probe.body_regex, "\"version\": *\"[0-9.]+\"");
  EXPECT_EQ(a.restart.policy.fails, 3u);
  EXPECT_EQ(a.restart.policy.rises, 1u);
  EXPECT_EQ(a.restart.policy.max_restarts, 2u);
  EXPECT_EQ(a.restart.policy.restart_window, std::chrono::seconds(120));
  EXPECT_EQ(a.restart.policy.grace, std::chrono::seconds(45));
  EXPECT_TRUE(a.restart.notify_recovery);
  EXPECT_TRUE(a.restart.revive);
  EXPECT_TRUE(a.restart.dry_run);
  EXPECT_EQ(a.restart.presignal, "USR1");
  EXPECT_EQ(a.restart.presignal_wait, std::chrono::seconds(2));
  EXPECT_EQ(a.cert_expiry_days, 21u);
  EXPECT_EQ(a.probe.headers, (std::vector<std::string>{"User-Agent: probe", "Host: api.internal",
                                                       "Authorization: Bearer s3cret"}));
  const std::string text = describe_config(result.value());
  EXPECT_NE(text.find("method = HEAD\n"), std::string::npos) << text;
  EXPECT_NE(text.find("body_regex = \"version\": *\"[0-9.]+\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("fails = 3\nrises = 1\nnotify_recovery = true\nrevive = true\n"
                      "dry_run = true\npresignal = USR1\npresignal_wait = 2\ngrace = 45\n"
                      "max_restarts = 2\n"
                      "restart_window = 120\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("header = Host: api.internal\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cert_expiry_days = 21\n"), std::string::npos) << text;
  // Written with its secret from the environment: as written, which shows nothing.
  EXPECT_NE(text.find("header = Authorization: Bearer %(ENV_API_TOKEN)s\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
}

TEST_F(ConfigFile, ANulByteIsAnError) {
  // libinih would stop at the NUL, and the next line's header would be seen by no one.
  using namespace std::string_literals;
  EXPECT_EQ(error_of("[target:a]\nurl = http://a/\nbody = x\0junk\n[target:a]\n"s),
            "httpok: httpok.conf:3: a NUL byte in this line");
}

TEST_F(ConfigFile, IndentedCommentsAndBlankLinesAreNoValues) {
  auto result = load(
      "[target:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nurl = http://a/\n  ; a comment\n"
      "\t# another\n   \ntimeout = 3\n");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().targets[0].name, std::string(42, 'a'));
  EXPECT_EQ(result.value().targets[0].probe.timeout, 3s);
}

TEST_F(ConfigFile, TheDefaultsAreCheckedWhenNoTargetTakesThem) {
  const std::string path = write("globals.conf", "[httpok]\nname = web\ntimeout = abc\n");
  const CliResult cli = parse_command_line({"--config", path, "http://127.0.0.1:1/"});
  ASSERT_EQ(cli.action, CliAction::run) << cli.error;
  const auto resolved = resolve_config(cli);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error(), "httpok: " + path +
                                  ":3: invalid value for timeout in [httpok]: 'abc' (expected a "
                                  "whole number of seconds, 1 or more)");
}

TEST_F(ConfigFile, DefaultsAfterATargetSectionStillCount) {
  auto result = load("[target:a]\nurl = http://a/\n\n[httpok]\ntimeout = 3\n");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().targets[0].probe.timeout, 3s);
}

TEST_F(ConfigFile, ExpansionsAsSupervisordDoesThem) {
  auto result = load(
      "[target:a]\nurl = http://%(ENV_HOST)s/x?token=%(ENV_API_TOKEN)s\nbody = 100%% ok\n"
      "cafile = %(here)s/ca.pem\nKEY_CASE = ignored\n");
  EXPECT_FALSE(result.ok());  // KEY_CASE is an unknown key (keys are case-insensitive)
  result = load(
      "[target:a]\nURL = http://%(ENV_HOST)s/x?token=%(ENV_API_TOKEN)s\nbody = 100%% ok\n"
      "cafile = %(here)s/ca.pem\n");
  ASSERT_TRUE(result.ok()) << result.error();
  const Target& a = result.value().targets[0];
  EXPECT_EQ(a.probe.url, "http://127.0.0.1/x?token=s3cret");
  EXPECT_EQ(a.probe.body, "100% ok");
  EXPECT_EQ(a.probe.tls.cafile, (dir_ / "ca.pem").string());
}

TEST_F(ConfigFile, IncludesAreGlobsRelativeToTheIncludingFile) {
  write("conf.d/b.conf", "[target:b]\nurl = http://b/\n");
  write("conf.d/a.conf", "[target:a]\nurl = http://a/\ncafile = %(here)s/ca.pem\n");
  write("conf.d/skip.txt", "[target:skip]\nurl = http://skip/\n");
  write("more/c.conf", "[target:c]\nurl = http://c/\n");
  auto result =
      load("[httpok]\ntimeout = 4\n\n[include]\nfiles = conf.d/*.conf more/c.conf none/*.conf\n");
  ASSERT_TRUE(result.ok()) << result.error();
  const auto& targets = result.value().targets;
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0].name, "a");  // in glob order
  EXPECT_EQ(targets[1].name, "b");
  EXPECT_EQ(targets[2].name, "c");
  EXPECT_EQ(targets[0].probe.tls.cafile, (dir_ / "conf.d" / "ca.pem").string());
  EXPECT_EQ(targets[2].probe.timeout, 4s);
}

TEST_F(ConfigFile, AFileThatAnyoneCanWriteIsRefusedIncludedOrNot) {
  namespace fs = std::filesystem;
  const std::string main =
      write("httpok.conf", "[target:a]\nurl = http://a/\n\n[include]\nfiles = c.conf\n");
  const std::string included = write("c.conf", "[target:c]\nurl = http://c/\n");
  ASSERT_TRUE(load_config_file(main, env()).ok());
  // Group-writable is someone's choice (a team's group); anyone is not.
  fs::permissions(included, fs::perms::group_write, fs::perm_options::add);
  ASSERT_TRUE(load_config_file(main, env()).ok());
  for (const std::string& path : {included, main}) {
    fs::permissions(path, fs::perms::others_write, fs::perm_options::add);
    auto result = load_config_file(main, env());
    ASSERT_FALSE(result.ok()) << path;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(fs::status(path).permissions() & fs::perms::mask));
    EXPECT_EQ(result.error(), "httpok: refusing the config file '" + path +
                                  "': anyone can write it (mode " + mode +
                                  "), and it names the commands httpok runs; chmod o-w it" +
                                  (path == included ? " (included from " + main + ":5)" : ""));
  }
}

TEST_F(ConfigFile, ErrorsNameTheFileTheLineTheKeyAndTheValue) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : {
           Case{"[target:api]\nurl = http://x/\ntiemout = 5\n",
                "httpok: httpok.conf:3: unknown key 'tiemout' in [target:api]"},
           Case{"[targets:x]\nurl = http://x/\n",
                "httpok: httpok.conf:1: unknown section [targets:x] (expected [httpok], "
                "[target:NAME] or [include])"},
           Case{"[target:a]\nurl = http://a/\n\n[target:a]\nurl = http://b/\n",
                "httpok: httpok.conf:4: duplicate target name 'a' (first defined at "
                "httpok.conf:1)"},
           Case{"[target:a]\n", "httpok: httpok.conf:1: [target:a] has no url"},
           Case{"[target:a]\nurl = 127.0.0.1:8080/health\n",
                "httpok: httpok.conf:2: invalid URL '127.0.0.1:8080/health': missing scheme: "
                "write http://127.0.0.1:8080/health (url in [target:a])"},
           Case{"[target:a]\nurl = http://a/\ntimeout = 0\n",
                "httpok: httpok.conf:3: invalid value for timeout in [target:a]: '0' (expected "
                "a whole number of seconds, 1 or more)"},
           Case{"[target:a]\nurl = http://a/\ncodes = 200-99\n",
                "httpok: httpok.conf:3: invalid value for codes in [target:a]: '200-99' "
                "(expected HTTP status codes from 100 to 999, ranges like 200-299 or classes "
                "like 2xx, separated by commas)"},
           Case{"[target:a]\nurl = http://a/\neager = maybe\n",
                "httpok: httpok.conf:3: invalid value for eager in [target:a]: 'maybe' "
                "(expected true or false)"},
           Case{"[target:a]\nurl = https://a/\ncert_expiry_days = 5000\n",
                "httpok: httpok.conf:3: invalid value for cert_expiry_days in [target:a]: "
                "'5000' (expected a whole number from 0 to 3650)"},
           Case{"[httpok]\nlog_format = yaml\n",
                "httpok: httpok.conf:2: invalid value for log_format in [httpok]: 'yaml' "
                "(expected text or json)"},
           Case{"[httpok]\njitter = 0.9\n",
                "httpok: httpok.conf:2: invalid value for jitter in [httpok]: '0.9' (expected a "
                "fraction from 0 to 0.5)"},
           Case{"[httpok]\nmax_concurrent = 0\n",
                "httpok: httpok.conf:2: invalid value for max_concurrent in [httpok]: '0' "
                "(expected a whole number from 1 to 100000)"},
           Case{"[target:a]\nurl = http://a/\nrpc_timeout = 3\n",
                "httpok: httpok.conf:3: unknown key 'rpc_timeout' in [target:a] (it belongs to "
                "[httpok])"},
           Case{"[httpok]\nurl = http://a/\n",
                "httpok: httpok.conf:2: key 'url' in [httpok]: a URL belongs to a [target:NAME]"},
           Case{"url = http://a/\n",
                "httpok: httpok.conf:1: key 'url' before any section (expected [httpok] or "
                "[target:NAME] first)"},
           Case{"[target:a]\nurl = http://a/%(ENV_NOPE)s\n",
                "httpok: httpok.conf:2: %(ENV_NOPE)s in url: the environment variable NOPE is "
                "not set"},
           Case{"[target:a]\nurl = http://a/%(home)s\n",
                "httpok: httpok.conf:2: unknown expansion %(home)s in url (expected "
                "%(ENV_NAME)s or %(here)s)"},
           Case{"[target:a]\nurl = http://a/\nbody = 100%\n",
                "httpok: httpok.conf:3: bad expansion in body: '100%' (expected %(ENV_NAME)s, "
                "%(here)s or %%)"},
           Case{"[target:a]\nurl = http://a/\nbody_regex = \"status\": *(\"ok\"\n",
                "httpok: httpok.conf:3: invalid value for body_regex in [target:a]: "
                "'\"status\": *(\"ok\"' (expected a regular expression; missing closing "
                "parenthesis at offset 16)"},
           Case{"[target:a]\nurl = http://a/\nmethod = POST\n",
                "httpok: httpok.conf:3: invalid value for method in [target:a]: 'POST' "
                "(expected GET or HEAD)"},
           Case{"[target:a]\nurl = http://a/\nheader = no colon\n",
                "httpok: httpok.conf:3: invalid value for header in [target:a]: 'no colon' "
                "(expected a header line Name: value, not no name before a colon)"},
           Case{"[target:a]\nurl = http://a/\n  continued\n",
                "httpok: httpok.conf:3: an indented line (a value does not continue on the next "
                "line: remove the indent)"},
           // libinih would take it as a key of its own, supervisord as the value continued.
           Case{"[target:a]\nurl = http://a/\n  timeout = 5\n",
                "httpok: httpok.conf:3: an indented line (a value does not continue on the next "
                "line: remove the indent)"},
           Case{"[target:a]\nurl = http://a/\n\f[target:a]\n",
                "httpok: httpok.conf:3: an indented line (a value does not continue on the next "
                "line: remove the indent)"},
           Case{"[target:a]\nurl = http://a/\nbody = x\n\n[target:a]\n",
                "httpok: httpok.conf:5: duplicate target name 'a' (first defined at "
                "httpok.conf:1)"},
           // libinih keeps 49 bytes of a section name: a longer one would be another's.
           Case{"[target:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nurl = http://a/\n",
                "httpok: httpok.conf:1: invalid target name in "
                "[target:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]: longer than 42 "
                "characters"},
           Case{"[target:a b]\nurl = http://a/\n",
                "httpok: httpok.conf:1: invalid target name in [target:a b]: expected letters, "
                "digits or punctuation, no spaces"},
           Case{"[include]\nfile = x.conf\n",
                "httpok: httpok.conf:2: unknown key 'file' in [include] (expected files)"},
       }) {
    EXPECT_EQ(error_of(c.text), c.error) << c.text;
  }
}

TEST_F(ConfigFile, AnIncludedFilesErrorNamesThatFile) {
  write("conf.d/bad.conf", "[target:x]\nurl = http://x/\nnope = 1\n");
  EXPECT_EQ(error_of("[include]\nfiles = conf.d/*.conf\n"),
            "httpok: conf.d/bad.conf:3: unknown key 'nope' in [target:x] (included from "
            "httpok.conf:2)");
  write("loop.conf", "[include]\nfiles = loop.conf\n");
  EXPECT_NE(error_of("[include]\nfiles = loop.conf\n").find("includes nested more than 8 deep"),
            std::string::npos);
}

TEST_F(ConfigFile, AFileThatCannotBeReadIsNamed) {
  auto result = load_config_file((dir_ / "missing.conf").string(), env());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "httpok: cannot read the config file '" +
                                (dir_ / "missing.conf").string() + "': No such file or directory");
  result = load_config_file(dir_.path().string(), env());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("it is a directory"), std::string::npos);
}

TEST_F(ConfigFile, LongLinesAreReadAndTooLongOnesRefused) {
  const std::string token(10000, 't');
  auto result = load("[target:a]\nurl = http://a/?token=" + token + "\n");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().targets[0].probe.url, "http://a/?token=" + token);
  EXPECT_EQ(
      error_of("[target:a]\nurl = http://a/?token=" + std::string(70000, 't') + "\ntimeout = zz\n"),
      "httpok: httpok.conf:2: line longer than 65533 bytes");
  // 65533 bytes, whatever the line end; one more is too many.
  const std::string longest = "body = " + std::string(65533 - 7, 'b');
  for (const char* end : {"\n", "\r\n", ""}) {
    result = load("[target:a]\nurl = http://a/\n" + longest + end);
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(result.value().targets[0].probe.body, std::string(65533 - 7, 'b'));
    EXPECT_EQ(error_of("[target:a]\nurl = http://a/\n" + longest + "b" + end),
              "httpok: httpok.conf:3: line longer than 65533 bytes");
  }
}

TEST_F(ConfigFile, AByteOrderMarkIsSkipped) {
  auto result = load("\xEF\xBB\xBF[target:a]\nurl = http://a/\n");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().targets[0].name, "a");
}

TEST_F(ConfigFile, NestedIncludesNameEveryLevel) {
  write("inc/b.conf", "[include]\nfiles = c.conf\n");
  write("inc/c.conf", "[target:c]\nurl = http://c/\nnope = 1\n");
  EXPECT_EQ(error_of("[include]\nfiles = inc/b.conf\n"),
            "httpok: inc/c.conf:3: unknown key 'nope' in [target:c] (included from "
            "inc/b.conf:2) (included from httpok.conf:2)");
}

TEST_F(ConfigFile, ValuesCheckedWhereTheyStand) {
  env_["M"] = "a@b\nBcc: evil@example.com";
  // Quoted as written: a value from the environment may be a secret.
  EXPECT_EQ(error_of("[target:a]\nurl = http://a/\nemail = %(ENV_M)s\n"),
            "httpok: httpok.conf:3: invalid value for email in [target:a]: '%(ENV_M)s' (line "
            "breaks are not allowed: they would inject mail headers)");
  EXPECT_EQ(error_of("[httpok]\nemail = %(ENV_M)s\n"),
            "httpok: httpok.conf:2: invalid value for email in [httpok]: '%(ENV_M)s' (line "
            "breaks are not allowed: they would inject mail headers)");
  EXPECT_EQ(error_of("[target:a]\nurl = https://a/\nclient_key = /k\n"),
            "httpok: httpok.conf:1: [target:a] has client_key without client_cert");
  EXPECT_EQ(error_of("[target:a]\nurl = http://a/%(ENV_A) and %(ENV_B)s\n"),
            "httpok: httpok.conf:2: bad expansion in url: 'http://a/%(ENV_A) and %(ENV_B)s' "
            "(expected %(ENV_NAME)s, %(here)s or %%)");
  // An empty email in a target: no mail for it, whatever the global one.
  auto result = load("[httpok]\nemail = ops@example.com\n[target:a]\nurl = http://a/\nemail =\n");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().targets[0].email, "");
}

TEST_F(ConfigFile, WithTheCommandLine) {
  const std::string path = write("httpok.conf",
                                 "[httpok]\nemail = file@example.com\nname = file\n\n"
                                 "[target:api]\nurl = http://api/\n");
  // Global options override the file; the URL adds the target "default".
  CliResult cli =
      parse_command_line({"--config", path, "-m", "cli@example.com", "-p", "web", "http://web/"});
  ASSERT_EQ(cli.action, CliAction::run) << cli.error;
  auto resolved = resolve_config(cli);
  ASSERT_TRUE(resolved.ok()) << resolved.error();
  EXPECT_EQ(resolved.value().email, "cli@example.com");
  EXPECT_EQ(resolved.value().name, "file");
  ASSERT_EQ(resolved.value().targets.size(), 2u);
  EXPECT_EQ(resolved.value().targets[1].name, "default");
  EXPECT_EQ(resolved.value().targets[1].restart.programs, std::vector<std::string>{"web"});

  // Without a URL, only global options may be given.
  cli = parse_command_line({"--config", path, "-n", "cli"});
  ASSERT_EQ(cli.action, CliAction::run) << cli.error;
  resolved = resolve_config(cli);
  ASSERT_TRUE(resolved.ok()) << resolved.error();
  EXPECT_EQ(resolved.value().name, "cli");
  EXPECT_EQ(resolved.value().targets.size(), 1u);
  cli = parse_command_line({"--config", path, "-p", "web"});
  EXPECT_EQ(cli.action, CliAction::usage_error);
  EXPECT_EQ(cli.error,
            "httpok: -p sets a target's value: give a URL after the options, or set it in the "
            "config file");

  // A [target:default] and a URL on the command line would be two targets of one name.
  const std::string clash = write("clash.conf", "[target:default]\nurl = http://d/\n");
  cli = parse_command_line({"--config", clash, "http://web/"});
  resolved = resolve_config(cli);
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.error().find("the URL on the command line is the target 'default'"),
            std::string::npos);
}

TEST_F(ConfigFile, CheckConfigPrintsALoadableFileWithSecretsMasked) {
  const std::string path =
      write("httpok.conf",
            "[httpok]\nemail = ops@example.com\n\n[target:api]\n"
            "url = https://user:%(ENV_API_TOKEN)s@api.example/a%%20b\n"
            "codes = 200-299, 304\nprograms = api, workers:*\ninterval = 15\n");
  auto loaded = load_config_file(path, env());
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  const std::string text = describe_config(loaded.value());
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  // The password is a value from the environment: it prints as written, and loads again.
  EXPECT_NE(text.find("url = https://user:%(ENV_API_TOKEN)s@api.example/a%%20b\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("codes = 200-299, 304\n"), std::string::npos) << text;
  EXPECT_NE(text.find("programs = api, workers:*\n"), std::string::npos) << text;
  // What it prints loads again, to the same settings.
  auto again = load_config_file(write("again.conf", text), env());
  ASSERT_TRUE(again.ok()) << again.error() << "\n" << text;
  EXPECT_EQ(again.value().targets, loaded.value().targets);
  // A password written in the file is masked (and so does not load again as it was).
  auto literal = load("[target:a]\nurl = https://user:pw-1@api.example/?k=%(ENV_API_TOKEN)s\n");
  ASSERT_TRUE(literal.ok()) << literal.error();
  EXPECT_NE(describe_config(literal.value())
                .find("url = https://user:***@api.example/?k=%(ENV_API_TOKEN)s\n"),
            std::string::npos)
      << describe_config(literal.value());
}

TEST_F(ConfigFile, AValueFromTheEnvironmentPrintsAsWrittenOnlyWhereItWasWritten) {
  // b's timeout is 10 as a's is, but written as 10; a's header, a default of [httpok]
  // that a does not override, comes from the environment for a and b alike.
  auto loaded = load(
      "[httpok]\nheader = X-Key: %(ENV_API_TOKEN)s\n\n[target:a]\nurl = http://a/\n"
      "timeout = %(ENV_TEN)s\n\n[target:b]\nurl = http://b/\ntimeout = 10\n\n"
      "[target:c]\nurl = http://c/\ntimeout = %(ENV_TEN)s\ntimeout = 10\n");
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  const std::string text = describe_config(loaded.value());
  const auto section = [&](const std::string& name) {
    const std::size_t start = text.find("[target:" + name + "]\n");
    return text.substr(start, text.find("\n\n", start) - start);
  };
  EXPECT_NE(section("a").find("timeout = %(ENV_TEN)s\n"), std::string::npos) << text;
  EXPECT_NE(section("b").find("timeout = 10\n"), std::string::npos) << text;
  EXPECT_NE(section("c").find("timeout = 10\n"), std::string::npos) << text;  // the last one
  for (const char* name : {"a", "b", "c"})
    EXPECT_NE(section(name).find("header = X-Key: %(ENV_API_TOKEN)s\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
}

TEST_F(ConfigFile, AValueFromTheEnvironmentPrintsAsWrittenHoweverItsValuePrints) {
  // resolve_config reads the process's own environment.
  const std::map<std::string, std::string> vars{{"HTTPOK_TEST_C", "2xx"},
                                                {"HTTPOK_TEST_T", "05"},
                                                {"HTTPOK_TEST_YES", "yes"},
                                                {"HTTPOK_TEST_M", "env@example.com"}};
  for (const auto& [name, value] : vars)
    ::setenv(name.c_str(), value.c_str(), 1);
  const std::string path =
      write("httpok.conf",
            "[httpok]\nemail = %(ENV_HTTPOK_TEST_M)s\nname = %(ENV_HTTPOK_TEST_T)s\n\n"
            "[target:a]\nurl = https://a/\ncodes = %(ENV_HTTPOK_TEST_C)s\n"
            "timeout = %(ENV_HTTPOK_TEST_T)s\ninsecure = %(ENV_HTTPOK_TEST_YES)s\n");
  const CliResult cli = parse_command_line({"--config", path, "-m", "cli@example.com"});
  ASSERT_EQ(cli.action, CliAction::run) << cli.error;
  const auto resolved = resolve_config(cli);
  for (const auto& [name, value] : vars)
    ::unsetenv(name.c_str());
  ASSERT_TRUE(resolved.ok()) << resolved.error();
  const std::string text = describe_config(resolved.value());
  // 2xx prints as 200-299, 05 as 5, yes as true; -m's address is not the file's.
  for (const char* line : {"codes = %(ENV_HTTPOK_TEST_C)s\n", "timeout = %(ENV_HTTPOK_TEST_T)s\n",
                           "insecure = %(ENV_HTTPOK_TEST_YES)s\n", "name = %(ENV_HTTPOK_TEST_T)s\n",
                           "email = cli@example.com\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST_F(ConfigFile, AnErrorQuotesAValueFromTheEnvironmentAsWritten) {
  auto bad_value = load("[target:a]\nurl = http://a/\ntimeout = %(ENV_API_TOKEN)s\n");
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.error().find("'%(ENV_API_TOKEN)s'"), std::string::npos) << bad_value.error();
  EXPECT_EQ(bad_value.error().find("s3cret"), std::string::npos) << bad_value.error();
  // A password that is not URL-encoded: the URL does not parse, and nothing of it shows.
  auto bad_url = load("[target:a]\nurl = http://user:a b@c/\n");
  ASSERT_FALSE(bad_url.ok());
  EXPECT_EQ(bad_url.error().find("a b"), std::string::npos) << bad_url.error();
  auto bad_env_url = load("[target:a]\nurl = http://user:%(ENV_API_TOKEN)s@c:x/\n");
  ASSERT_FALSE(bad_env_url.ok());
  EXPECT_EQ(bad_env_url.error().find("s3cret"), std::string::npos) << bad_env_url.error();
  EXPECT_NE(bad_env_url.error().find("'http://user:***@c:x/'"), std::string::npos)
      << bad_env_url.error();
}

}  // namespace
}  // namespace httpok::test
