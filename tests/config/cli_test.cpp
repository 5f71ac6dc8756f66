#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "httpok/config.hpp"
#include "httpok_version.h"

namespace httpok {
namespace {

using namespace std::chrono_literals;
using Args = std::vector<std::string>;

// Parses a command line that must be accepted and returns its config.
Config run_config(const Args& args) {
  CliResult result = parse_command_line(args);
  EXPECT_EQ(result.action, CliAction::run) << "error: " << result.error;
  EXPECT_EQ(result.config.targets.size(), 1u);
  if (result.config.targets.empty()) {
    result.config.targets.emplace_back();
  }
  return result.config;
}

Target run_target(const Args& args) {
  return run_config(args).targets.front();
}

// Parses a command line that must be a usage error and returns the error line.
std::string usage_error(const Args& args) {
  CliResult result = parse_command_line(args);
  EXPECT_EQ(result.action, CliAction::usage_error);
  EXPECT_EQ(result.error.find('\n'), std::string::npos) << result.error;
  return result.error;
}

CliAction action_of(const Args& args) {
  return parse_command_line(args).action;
}

// ---- defaults ----

TEST(CliDefaults, UrlAloneGivesSuperlanceDefaults) {
  const Config config = run_config({"http://localhost:8080/tasty"});
  ASSERT_EQ(config.targets.size(), 1u);
  const Target& target = config.targets.front();
  EXPECT_EQ(target.name, "default");  // the command line's one target
  EXPECT_EQ(target.probe.url, "http://localhost:8080/tasty");
  EXPECT_EQ(target.probe.codes, std::vector<int>{200});
  EXPECT_EQ(target.probe.body, std::nullopt);
  EXPECT_EQ(target.probe.timeout, 10s);
  EXPECT_EQ(target.probe.retry_time, 10s);
  EXPECT_EQ(target.probe.max_body, 1024u * 1024u);
  EXPECT_EQ(target.probe.tls, TlsOptions{});
  EXPECT_EQ(target.probe.tls_server_name, "");
  EXPECT_FALSE(target.probe.tls.insecure);
  EXPECT_TRUE(target.probe.tls.session_resumption);
  EXPECT_TRUE(target.restart.programs.empty());
  EXPECT_FALSE(target.restart.any);
  EXPECT_TRUE(target.restart.eager);
  EXPECT_EQ(config.sendmail, "/usr/sbin/sendmail -t -i");
  EXPECT_EQ(config.email, std::nullopt);
  EXPECT_EQ(config.gcore, "/usr/bin/gcore -o");
  EXPECT_EQ(config.coredir, std::nullopt);
  EXPECT_EQ(config.name, std::nullopt);
  EXPECT_EQ(config.rpc_timeout, 30s);
  EXPECT_EQ(config.action_timeout, 60s);
  EXPECT_EQ(validate(config), std::nullopt);
}

TEST(CliDefaults, ResultIsEmptyErrorOnSuccess) {
  const CliResult result = parse_command_line({"http://x"});
  EXPECT_EQ(result.action, CliAction::run);
  EXPECT_EQ(result.error, "");
}

// ---- every option, short and long ----

TEST(CliOptions, Program) {
  EXPECT_EQ(run_target({"-p", "foo", "u"}).restart.programs, Args{"foo"});
  EXPECT_EQ(run_target({"-pfoo", "u"}).restart.programs, Args{"foo"});
  EXPECT_EQ(run_target({"--program", "foo", "u"}).restart.programs, Args{"foo"});
  EXPECT_EQ(run_target({"--program=foo", "u"}).restart.programs, Args{"foo"});
  EXPECT_EQ(run_target({"-p", "grp:foo", "u"}).restart.programs, Args{"grp:foo"});
}

TEST(CliOptions, ProgramAccumulatesInOrder) {
  EXPECT_EQ(run_target({"-p", "a", "--program", "b", "-pc", "--program=a", "u"}).restart.programs,
            (Args{"a", "b", "c", "a"}));
}

TEST(CliOptions, Any) {
  EXPECT_TRUE(run_target({"-a", "u"}).restart.any);
  EXPECT_TRUE(run_target({"--any", "u"}).restart.any);
}

TEST(CliOptions, AnyKeepsProgramsForTheActionCode) {
  const Target target = run_target({"-p", "foo", "-a", "-p", "bar", "u"});
  EXPECT_TRUE(target.restart.any);
  EXPECT_EQ(target.restart.programs, (Args{"foo", "bar"}));
}

TEST(CliOptions, Timeout) {
  EXPECT_EQ(run_target({"-t", "5", "u"}).probe.timeout, 5s);
  EXPECT_EQ(run_target({"-t5", "u"}).probe.timeout, 5s);
  EXPECT_EQ(run_target({"--timeout", "7", "u"}).probe.timeout, 7s);
  EXPECT_EQ(run_target({"--timeout=86400", "u"}).probe.timeout, 86400s);
  EXPECT_EQ(run_target({"-t", "1", "u"}).probe.timeout, 1s);
  EXPECT_EQ(run_target({"-t", "3", "-t", "4", "u"}).probe.timeout, 4s);
}

TEST(CliOptions, TimeoutReadLikePythonInt) {
  EXPECT_EQ(run_target({"-t", " 12 ", "u"}).probe.timeout, 12s);
  EXPECT_EQ(run_target({"-t", "+12", "u"}).probe.timeout, 12s);
  EXPECT_EQ(run_target({"-t", "012", "u"}).probe.timeout, 12s);
  EXPECT_EQ(run_target({"-t", "1_2", "u"}).probe.timeout, 12s);
}

TEST(CliOptions, Code) {
  EXPECT_EQ(run_target({"-c", "204", "u"}).probe.codes, std::vector<int>{204});
  EXPECT_EQ(run_target({"-c204", "u"}).probe.codes, std::vector<int>{204});
  EXPECT_EQ(run_target({"--code", "301", "u"}).probe.codes, std::vector<int>{301});
  EXPECT_EQ(run_target({"--code=100", "u"}).probe.codes, std::vector<int>{100});
  EXPECT_EQ(run_target({"-c", "599", "u"}).probe.codes, std::vector<int>{599});
  EXPECT_EQ(run_target({"-c", "999", "u"}).probe.codes,
            std::vector<int>{999});  // some sites use it
}

TEST(CliOptions, CodesAccumulateAndReplaceTheDefault) {
  EXPECT_EQ(run_target({"-c", "200", "-c", "302", "--code", "404", "-c", "200", "u"}).probe.codes,
            (std::vector<int>{200, 302, 404, 200}));
}

TEST(CliOptions, Body) {
  EXPECT_EQ(run_target({"-b", "ok", "u"}).probe.body, "ok");
  EXPECT_EQ(run_target({"-bok", "u"}).probe.body, "ok");
  EXPECT_EQ(run_target({"--body", "all good", "u"}).probe.body, "all good");
  EXPECT_EQ(run_target({"--body=a=b", "u"}).probe.body, "a=b");
  EXPECT_EQ(run_target({"-b", "x", "-b", "y", "u"}).probe.body, "y");
}

TEST(CliOptions, EmptyBodyMeansNoBodyCheckAsInSuperlance) {
  EXPECT_EQ(run_target({"-b", "", "u"}).probe.body, std::nullopt);
  EXPECT_EQ(run_target({"-b", "x", "--body=", "u"}).probe.body, std::nullopt);
}

TEST(CliOptions, SendmailProgram) {
  EXPECT_EQ(run_config({"-s", "/bin/mail", "u"}).sendmail, "/bin/mail");
  EXPECT_EQ(run_config({"--sendmail_program", "msmtp -t", "u"}).sendmail, "msmtp -t");
  EXPECT_EQ(run_config({"--sendmail_program=cat", "u"}).sendmail, "cat");
}

TEST(CliOptions, SendmailWithDashIsNotAnOption) {
  EXPECT_EQ(usage_error({"--sendmail-program", "x", "u"}),
            "httpok: option --sendmail-program not recognized");
}

TEST(CliOptions, Email) {
  EXPECT_EQ(run_config({"-m", "ops@example.com", "u"}).email, "ops@example.com");
  EXPECT_EQ(run_config({"--email", "a@b", "u"}).email, "a@b");
  EXPECT_EQ(run_config({"--email=a@b", "u"}).email, "a@b");
  EXPECT_EQ(run_config({"-m", "a@b", "-m", "", "u"}).email, std::nullopt);
}

TEST(CliOptions, Gcore) {
  EXPECT_EQ(run_config({"-g", "/opt/gcore", "u"}).gcore, "/opt/gcore");
  EXPECT_EQ(run_config({"--gcore", "gdb-core -o", "u"}).gcore, "gdb-core -o");
  EXPECT_EQ(run_config({"--gcore=", "u"}).gcore, "");
}

TEST(CliOptions, Coredir) {
  EXPECT_EQ(run_config({"-d", "/var/cores", "u"}).coredir, "/var/cores");
  EXPECT_EQ(run_config({"--coredir", "/tmp", "u"}).coredir, "/tmp");
  EXPECT_EQ(run_config({"--coredir=/tmp", "u"}).coredir, "/tmp");
  EXPECT_EQ(run_config({"-d", "", "u"}).coredir, std::nullopt);
}

TEST(CliOptions, EagerLastWins) {
  EXPECT_FALSE(run_target({"-E", "u"}).restart.eager);
  EXPECT_FALSE(run_target({"--not-eager", "u"}).restart.eager);
  EXPECT_TRUE(run_target({"-e", "u"}).restart.eager);
  EXPECT_TRUE(run_target({"--eager", "u"}).restart.eager);
  EXPECT_TRUE(run_target({"-E", "-e", "u"}).restart.eager);
  EXPECT_FALSE(run_target({"-e", "-E", "u"}).restart.eager);
  EXPECT_FALSE(run_target({"--eager", "-eE", "u"}).restart.eager);
  EXPECT_TRUE(run_target({"--not-eager", "--eager", "u"}).restart.eager);
}

TEST(CliOptions, Name) {
  EXPECT_EQ(run_config({"-n", "web", "u"}).name, "web");
  EXPECT_EQ(run_config({"--name", "web 1", "u"}).name, "web 1");
  EXPECT_EQ(run_config({"--name=web", "u"}).name, "web");
  // superlance tells an empty name from none: the subject becomes "httpok []: ...".
  EXPECT_EQ(run_config({"-n", "", "u"}).name, std::string());
}

TEST(CliOptions, MaxBody) {
  EXPECT_EQ(run_target({"--max-body", "1", "u"}).probe.max_body, 1u);
  EXPECT_EQ(run_target({"--max-body=2048", "u"}).probe.max_body, 2048u);
  EXPECT_EQ(run_target({"--max-body", "64k", "u"}).probe.max_body, 64u * 1024u);
  EXPECT_EQ(run_target({"--max-body", "64K", "u"}).probe.max_body, 64u * 1024u);
  EXPECT_EQ(run_target({"--max-body", "2m", "u"}).probe.max_body, 2u * 1024u * 1024u);
  EXPECT_EQ(run_target({"--max-body", "1024M", "u"}).probe.max_body, 1024u * 1024u * 1024u);
}

TEST(CliOptions, RpcTimeout) {
  EXPECT_EQ(run_config({"--rpc-timeout", "5", "u"}).rpc_timeout, 5s);
  EXPECT_EQ(run_config({"--rpc-timeout=120", "u"}).rpc_timeout, 120s);
}

TEST(CliOptions, ActionTimeout) {
  EXPECT_EQ(run_config({"--action-timeout", "5", "u"}).action_timeout, 5s);
  EXPECT_EQ(run_config({"--action-timeout=600", "u"}).action_timeout, 600s);
  EXPECT_EQ(run_config({"u"}).core_interval, 0s);
  EXPECT_EQ(run_target({"u"}).interval, std::nullopt);
  EXPECT_EQ(run_target({"u"}).probe.method, "GET");
  EXPECT_EQ(run_target({"u"}).probe.body_absent, std::nullopt);
  EXPECT_EQ(run_target({"--body-absent", "maintenance", "u"}).probe.body_absent, "maintenance");
  EXPECT_EQ(run_target({"u"}).probe.body_regex, std::nullopt);
  EXPECT_EQ(run_target({"u"}).restart.policy, PolicySettings{});  // superlance's: 1, 1, none
  const Target policed = run_target(
      {"--fails", "3", "--rises", "2", "--max-restarts", "4", "--restart-window", "120", "u"});
  EXPECT_EQ(policed.restart.policy.fails, 3u);
  EXPECT_EQ(policed.restart.policy.rises, 2u);
  EXPECT_EQ(policed.restart.policy.max_restarts, 4u);
  EXPECT_EQ(policed.restart.policy.restart_window, 120s);
  EXPECT_EQ(run_target({"--grace", "30", "u"}).restart.policy.grace, 30s);
  EXPECT_EQ(run_target({"--grace", "0", "u"}).restart.policy.grace, 0s);
  EXPECT_EQ(run_target({"u"}).cert_expiry_days, 0u);
  EXPECT_EQ(run_target({"--cert-expiry-days", "14", "u"}).cert_expiry_days, 14u);
  EXPECT_FALSE(run_target({"u"}).restart.notify_recovery);
  EXPECT_TRUE(run_target({"--notify-recovery", "u"}).restart.notify_recovery);
  EXPECT_FALSE(run_target({"u"}).restart.revive);
  EXPECT_TRUE(run_target({"--revive", "u"}).restart.revive);
  EXPECT_FALSE(run_target({"u"}).restart.dry_run);
  EXPECT_TRUE(run_target({"--dry-run", "u"}).restart.dry_run);
  EXPECT_EQ(run_target({"u"}).restart.presignal, "");
  EXPECT_EQ(run_target({"--presignal", "sigquit", "u"}).restart.presignal, "QUIT");
  EXPECT_EQ(run_target({"--presignal", "10", "u"}).restart.presignal, "10");
  EXPECT_EQ(run_target({"--presignal-wait", "0", "u"}).restart.presignal_wait, 0s);
  EXPECT_EQ(run_target({"u"}).restart.presignal_wait, 5s);
  EXPECT_EQ(usage_error({"--presignal", "40", "u"}),
            "httpok: invalid value for --presignal: '40' (expected a signal name such as QUIT "
            "or USR1, or a number from 1 to 31)");
  EXPECT_EQ(usage_error({"--presignal", "NOPE", "u"}),
            "httpok: invalid value for --presignal: 'NOPE' (expected a signal name such as QUIT "
            "or USR1, or a number)");
  EXPECT_EQ(usage_error({"--fails", "0", "u"}),
            "httpok: invalid value for --fails: '0' (expected a whole number from 1 to 10000)");
  EXPECT_EQ(usage_error({"--max-restarts", "-1", "u"}),
            "httpok: invalid value for --max-restarts: '-1' (expected a whole number from 0 to "
            "10000)");
  EXPECT_EQ(usage_error({"--restart-window", "0", "u"}),
            "httpok: invalid value for --restart-window: '0' (expected a whole number of "
            "seconds, 1 or more)");
  EXPECT_EQ(run_target({"--body-regex", "\"status\": *\"ok\"", "u"}).probe.body_regex,
            "\"status\": *\"ok\"");
  EXPECT_EQ(usage_error({"--body-regex", "a[", "u"}),
            "httpok: invalid value for --body-regex: 'a[' (expected a regular expression; "
            "missing terminating ] for character class at offset 2)");
  EXPECT_EQ(run_target({"--unix-socket", "/run/app.sock", "u"}).probe.unix_socket, "/run/app.sock");
  EXPECT_EQ(usage_error({"--unix-socket", "", "u"}),
            "httpok: invalid value for --unix-socket: '' (expected the path of a socket)");
  EXPECT_TRUE(run_target({"u"}).probe.headers.empty());
  EXPECT_EQ(
      run_target({"--header", "Host: api.internal", "--header", "X-Check:1", "u"}).probe.headers,
      (std::vector<std::string>{"Host: api.internal", "X-Check:1"}));
  EXPECT_EQ(usage_error({"--header", "Bad Name: x", "u"}),
            "httpok: invalid value for --header: 'Bad Name: x' (expected a header line Name: "
            "value, not a space or another character that a name cannot hold)");
  EXPECT_EQ(usage_error({"--header", "X: a\r\nY: b", "u"}),
            "httpok: invalid value for --header: 'X: a\\r\\nY: b' (expected a header line Name: "
            "value, not a control character such as CR or LF)");
  EXPECT_EQ(usage_error({"--method", "POST", "u"}),
            "httpok: invalid value for --method: 'POST' (expected GET or HEAD)");
  EXPECT_EQ(run_target({"--interval", "15", "u"}).interval, 15s);
  EXPECT_EQ(usage_error({"--interval", "0", "u"}),
            "httpok: invalid value for --interval: '0' (expected a whole number of seconds, 1 or "
            "more)");
  EXPECT_EQ(run_config({"--core-interval", "600", "u"}).core_interval, 600s);
  EXPECT_EQ(run_config({"--core-interval=0", "u"}).core_interval, 0s);
  EXPECT_EQ(usage_error({"--core-interval", "-1", "u"}),
            "httpok: invalid value for --core-interval: '-1' (expected a whole number of seconds "
            "from 0 to 86400)");
  EXPECT_EQ(usage_error({"--core-interval", "86401", "u"}),
            "httpok: invalid value for --core-interval: '86401' (expected a whole number of "
            "seconds from 0 to 86400)");
  EXPECT_EQ(run_config({"u"}).wait_timeout, 300s);
  EXPECT_EQ(run_config({"--wait-timeout", "45", "u"}).wait_timeout, 45s);
  EXPECT_EQ(run_config({"--w=46", "u"}).wait_timeout, 46s);
}

TEST(CliOptions, TlsOptions) {
  const Target target =
      run_target({"--insecure", "--cafile", "/ca.pem", "--capath=/certs", "--client-cert", "c.pem",
                  "--client-key=k.pem", "--tls-server-name", "api.example",
                  "--no-session-resumption", "https://10.0.0.1/"});
  EXPECT_TRUE(target.probe.tls.insecure);
  EXPECT_EQ(target.probe.tls.cafile, "/ca.pem");
  EXPECT_EQ(target.probe.tls.capath, "/certs");
  EXPECT_EQ(target.probe.tls.client_cert, "c.pem");
  EXPECT_EQ(target.probe.tls.client_key, "k.pem");
  EXPECT_EQ(target.probe.tls_server_name, "api.example");
  EXPECT_FALSE(target.probe.tls.session_resumption);
}

TEST(CliOptions, FlagsRejectValues) {
  EXPECT_EQ(usage_error({"--any=1", "u"}), "httpok: option --any must not have an argument");
  EXPECT_EQ(usage_error({"--insecure=yes", "u"}),
            "httpok: option --insecure must not have an argument");
  EXPECT_EQ(usage_error({"--help=", "u"}), "httpok: option --help must not have an argument");
  EXPECT_EQ(usage_error({"--version=1"}), "httpok: option --version must not have an argument");
  EXPECT_EQ(usage_error({"--no-session-resumption=", "u"}),
            "httpok: option --no-session-resumption must not have an argument");
}

TEST(CliOptions, ValueMayBeEmptyOrLookLikeAnOption) {
  EXPECT_EQ(run_target({"--program=", "u"}).restart.programs, Args{""});
  EXPECT_EQ(run_target({"--program==x", "u"}).restart.programs, Args{"=x"});
  const Target target = run_target({"-p", "-a", "--program", "--any", "-p", "--", "u"});
  EXPECT_EQ(target.restart.programs, (Args{"-a", "--any", "--"}));
  EXPECT_FALSE(target.restart.any);
  EXPECT_EQ(target.probe.url, "u");
}

// ---- help and version ----

TEST(CliHelp, HelpNeedsNoUrl) {
  EXPECT_EQ(action_of({"-h"}), CliAction::help);
  EXPECT_EQ(action_of({"--help"}), CliAction::help);
  EXPECT_EQ(action_of({"--he"}), CliAction::help);
  EXPECT_EQ(action_of({"--h"}), CliAction::help);
}

TEST(CliHelp, HelpAnywhereAmongTheOptions) {
  EXPECT_EQ(action_of({"-p", "x", "-h", "u"}), CliAction::help);
  EXPECT_EQ(action_of({"-a", "--help", "u", "v", "w"}), CliAction::help);
  EXPECT_EQ(action_of({"-ah"}), CliAction::help);
  EXPECT_EQ(action_of({"-a", "-h", "--", "u"}), CliAction::help);
}

TEST(CliHelp, HelpWinsOverBadValues) {
  // superlance checks -h before converting values.
  EXPECT_EQ(action_of({"-t", "abc", "-c", "x", "-h"}), CliAction::help);
}

TEST(CliHelp, HelpAfterTheUrlIsAPositional) {
  EXPECT_EQ(action_of({"u", "-h"}), CliAction::usage_error);
  EXPECT_EQ(action_of({"--", "-h"}), CliAction::run);
  EXPECT_EQ(run_target({"--", "-h"}).probe.url, "-h");
}

TEST(CliHelp, HelpAsAValueIsNotHelp) {
  EXPECT_EQ(usage_error({"-p", "-h"}), "httpok: missing URL");
}

TEST(CliHelp, OptionErrorsComeBeforeHelp) {
  EXPECT_EQ(usage_error({"-h", "--bogus"}), "httpok: option --bogus not recognized");
  EXPECT_EQ(usage_error({"-h", "-p"}), "httpok: option -p requires argument");
}

TEST(CliVersion, Version) {
  EXPECT_EQ(action_of({"--version"}), CliAction::version);
  EXPECT_EQ(action_of({"--vers"}), CliAction::version);
  EXPECT_EQ(action_of({"--v"}), CliAction::version);
  EXPECT_EQ(action_of({"-a", "--version", "u", "v"}), CliAction::version);
  EXPECT_EQ(usage_error({"-V"}), "httpok: option -V not recognized");
  EXPECT_EQ(usage_error({"-v"}), "httpok: option -v not recognized");
}

TEST(CliVersion, FirstOfHelpAndVersionWins) {
  EXPECT_EQ(action_of({"--version", "-h"}), CliAction::version);
  EXPECT_EQ(action_of({"-h", "--version"}), CliAction::help);
}

// ---- positionals ----

TEST(CliPositionals, MissingUrl) {
  EXPECT_EQ(usage_error({}), "httpok: missing URL");
  EXPECT_EQ(usage_error({"-a", "-p", "x"}), "httpok: missing URL");
  EXPECT_EQ(usage_error({"--"}), "httpok: missing URL");
}

TEST(CliPositionals, PosixStopAtFirstNonOption) {
  EXPECT_EQ(usage_error({"http://x", "-p", "foo"}),
            "httpok: expected one URL, got 3 arguments: 'http://x' '-p' 'foo' (options must "
            "come before the URL)");
  EXPECT_EQ(usage_error({"-a", "http://x", "http://y"}),
            "httpok: expected one URL, got 2 arguments: 'http://x' 'http://y' (options must "
            "come before the URL)");
}

TEST(CliPositionals, MissingUrlIsReportedBeforeBadValues) {
  EXPECT_EQ(usage_error({"-t", "abc"}), "httpok: missing URL");
}

TEST(CliPositionals, DoubleDashEndsOptions) {
  EXPECT_EQ(run_target({"--", "http://x"}).probe.url, "http://x");
  const Target target = run_target({"-a", "--", "-p"});
  EXPECT_EQ(target.probe.url, "-p");
  EXPECT_TRUE(target.restart.programs.empty());
  EXPECT_EQ(action_of({"--", "--", "u"}), CliAction::usage_error);
  EXPECT_EQ(action_of({"--", "u", "--"}), CliAction::usage_error);
}

TEST(CliPositionals, LoneDashIsAPositional) {
  EXPECT_EQ(run_target({"-a", "-"}).probe.url, "-");
  EXPECT_EQ(action_of({"-", "-a"}), CliAction::usage_error);
}

TEST(CliPositionals, EmptyWordIsAPositional) {
  EXPECT_EQ(run_target({""}).probe.url, "");
  EXPECT_EQ(action_of({"", "-a"}), CliAction::usage_error);
}

TEST(CliPositionals, TooManyArgumentsAreQuoted) {
  EXPECT_EQ(usage_error({"a b", "it's\n"}),
            "httpok: expected one URL, got 2 arguments: 'a b' \"it's\\n\" (options must come "
            "before the URL)");
}

// ---- clustering ----

TEST(CliClustering, FlagsThenValueOption) {
  const Target target = run_target({"-ap", "foo", "u"});
  EXPECT_TRUE(target.restart.any);
  EXPECT_EQ(target.restart.programs, Args{"foo"});
}

TEST(CliClustering, ValueTakesTheRestOfTheWord) {
  const Target target = run_target({"-aEpfoo", "-t30", "u"});
  EXPECT_TRUE(target.restart.any);
  EXPECT_FALSE(target.restart.eager);
  EXPECT_EQ(target.restart.programs, Args{"foo"});
  EXPECT_EQ(target.probe.timeout, 30s);
  EXPECT_EQ(run_target({"-pa", "u"}).restart.programs, Args{"a"});
  EXPECT_FALSE(run_target({"-pa", "u"}).restart.any);
}

TEST(CliClustering, LettersAfterAFlagAreMoreFlags) {
  EXPECT_EQ(usage_error({"-afoo", "u"}), "httpok: option -f not recognized");
  EXPECT_EQ(usage_error({"-aeEx", "u"}), "httpok: option -x not recognized");
}

TEST(CliClustering, ValueOptionLastInClusterTakesNextWord) {
  EXPECT_EQ(run_target({"-ac", "201", "u"}).probe.codes, std::vector<int>{201});
  EXPECT_EQ(usage_error({"-ac"}), "httpok: option -c requires argument");
}

// ---- long-option prefixes ----

TEST(CliPrefixes, UniquePrefixesOfSuperlanceOptions) {
  EXPECT_EQ(run_target({"--prog", "foo", "u"}).restart.programs, Args{"foo"});
  EXPECT_EQ(run_target({"--p=foo", "u"}).restart.programs, Args{"foo"});
  EXPECT_EQ(run_target({"--cod", "204", "u"}).probe.codes, std::vector<int>{204});
  EXPECT_EQ(run_config({"--cor", "/c", "u"}).coredir, "/c");
  EXPECT_EQ(run_target({"--b", "x", "u"}).probe.body, "x");
  EXPECT_EQ(run_config({"--s", "cat", "u"}).sendmail, "cat");
  EXPECT_EQ(run_config({"--sendmail", "cat", "u"}).sendmail, "cat");
  EXPECT_EQ(run_config({"--em", "a@b", "u"}).email, "a@b");
  EXPECT_EQ(run_config({"--g", "gc", "u"}).gcore, "gc");
  EXPECT_TRUE(run_target({"-E", "--ea", "u"}).restart.eager);
  EXPECT_EQ(run_config({"--na", "n", "u"}).name, "n");
  EXPECT_FALSE(run_target({"--not", "u"}).restart.eager);
}

TEST(CliPrefixes, LegacyPrefixesKeepTheirSuperlanceMeaning) {
  // --a was --any in superlance although --action-timeout now exists.
  Target target = run_target({"--a", "u"});
  EXPECT_TRUE(target.restart.any);
  EXPECT_TRUE(run_target({"--an", "u"}).restart.any);
  // --t was --timeout although --tls-server-name now exists.
  EXPECT_EQ(run_target({"--t", "5", "u"}).probe.timeout, 5s);
  EXPECT_EQ(run_target({"--t=6", "u"}).probe.timeout, 6s);
  // --no was --not-eager although --no-session-resumption now exists.
  target = run_target({"--no", "u"});
  EXPECT_FALSE(target.restart.eager);
  EXPECT_TRUE(target.probe.tls.session_resumption);
  // --core was --coredir although --core-interval now exists.
  const Config config = run_config({"--core", "/cores", "u"});
  EXPECT_EQ(config.coredir, "/cores");
  EXPECT_EQ(config.core_interval, 0s);
}

TEST(CliPrefixes, NewOptionsByUniquePrefix) {
  EXPECT_EQ(run_config({"--ac", "9", "u"}).action_timeout, 9s);
  EXPECT_EQ(run_config({"--core-", "9", "u"}).core_interval, 9s);
  EXPECT_EQ(run_target({"--tl", "h", "u"}).probe.tls_server_name, "h");
  const Target target = run_target({"--no-", "u"});
  EXPECT_FALSE(target.probe.tls.session_resumption);
  EXPECT_TRUE(target.restart.eager);
  EXPECT_EQ(run_target({"--max-b", "10", "u"}).probe.max_body, 10u);
  // Since --max-restarts, --ma is no longer a unique prefix of --max-body.
  EXPECT_EQ(usage_error({"--ma", "10", "u"}), "httpok: option --ma not a unique prefix");
  EXPECT_EQ(run_target({"--meth", "head", "u"}).probe.method, "HEAD");
  // Since --metrics-file, --me and --met are no longer unique prefixes of --method.
  EXPECT_EQ(usage_error({"--met", "head", "u"}), "httpok: option --met not a unique prefix");
  EXPECT_EQ(usage_error({"--me", "head", "u"}), "httpok: option --me not a unique prefix");
  EXPECT_EQ(run_config({"--metr", "/m.prom", "u"}).metrics_file, "/m.prom");
  EXPECT_EQ(run_config({"u"}).log_format, log::Format::text);
  EXPECT_EQ(run_config({"--log-format", "JSON", "u"}).log_format, log::Format::json);
  EXPECT_FALSE(run_config({"u"}).log_timestamps);
  EXPECT_TRUE(run_config({"--log-t", "u"}).log_timestamps);
  EXPECT_EQ(usage_error({"--log-format", "xml", "u"}),
            "httpok: invalid value for --log-format: 'xml' (expected text or json)");
  EXPECT_EQ(run_target({"--hea", "X-A: 1", "u"}).probe.headers, std::vector<std::string>{"X-A: 1"});
  EXPECT_EQ(action_of({"--he", "u"}), CliAction::help);  // superlance's --he is --help
  // Since --method, --m is no longer a unique prefix of --max-body.
  EXPECT_EQ(usage_error({"--m", "10", "u"}), "httpok: option --m not a unique prefix");
  EXPECT_TRUE(run_target({"--ins", "u"}).probe.tls.insecure);
  EXPECT_EQ(run_target({"--int", "5", "u"}).interval, 5s);
  // Since --interval, --i is no longer a unique prefix of --insecure.
  EXPECT_EQ(usage_error({"--i", "u"}), "httpok: option --i not a unique prefix");
  EXPECT_EQ(run_config({"--rp", "3", "u"}).rpc_timeout, 3s);
  // Since --rises and --restart-window, --r is no longer a unique prefix of --rpc-timeout.
  EXPECT_EQ(usage_error({"--r", "3", "u"}), "httpok: option --r not a unique prefix");
  EXPECT_EQ(run_target({"--caf", "f", "u"}).probe.tls.cafile, "f");
  EXPECT_EQ(run_target({"--cap", "d", "u"}).probe.tls.capath, "d");
  EXPECT_EQ(run_target({"--client-c", "c", "--client-k", "k", "u"}).probe.tls.client_cert, "c");
  EXPECT_EQ(run_target({"--client-c", "c", "--client-k", "k", "u"}).probe.tls.client_key, "k");
}

TEST(CliPrefixes, AmbiguousPrefixes) {
  EXPECT_EQ(usage_error({"--e", "u"}), "httpok: option --e not a unique prefix");
  EXPECT_EQ(usage_error({"--c", "200", "u"}), "httpok: option --c not a unique prefix");
  EXPECT_EQ(usage_error({"--co", "200", "u"}), "httpok: option --co not a unique prefix");
  EXPECT_EQ(usage_error({"--n", "x", "u"}), "httpok: option --n not a unique prefix");
  EXPECT_EQ(usage_error({"--ca", "f", "u"}), "httpok: option --ca not a unique prefix");
  EXPECT_EQ(usage_error({"--client", "f", "u"}), "httpok: option --client not a unique prefix");
  EXPECT_EQ(usage_error({"--=x", "u"}), "httpok: option -- not a unique prefix");
}

TEST(CliPrefixes, PrefixErrorsNameTheFullOption) {
  EXPECT_EQ(usage_error({"--prog"}), "httpok: option --program requires argument");
  EXPECT_EQ(usage_error({"--an=1", "u"}), "httpok: option --any must not have an argument");
  EXPECT_EQ(usage_error({"--t"}), "httpok: option --timeout requires argument");
}

// ---- option errors ----

TEST(CliErrors, UnknownOptions) {
  EXPECT_EQ(usage_error({"--foo", "u"}), "httpok: option --foo not recognized");
  EXPECT_EQ(usage_error({"--foo=bar", "u"}), "httpok: option --foo not recognized");
  EXPECT_EQ(usage_error({"--anyx", "u"}), "httpok: option --anyx not recognized");
  EXPECT_EQ(usage_error({"-x", "u"}), "httpok: option -x not recognized");
  EXPECT_EQ(usage_error({"-a", "-z", "u"}), "httpok: option -z not recognized");
}

TEST(CliErrors, MissingArguments) {
  EXPECT_EQ(usage_error({"-p"}), "httpok: option -p requires argument");
  EXPECT_EQ(usage_error({"-a", "-t"}), "httpok: option -t requires argument");
  EXPECT_EQ(usage_error({"--program"}), "httpok: option --program requires argument");
  EXPECT_EQ(usage_error({"--max-body"}), "httpok: option --max-body requires argument");
  EXPECT_EQ(usage_error({"--cafile"}), "httpok: option --cafile requires argument");
}

TEST(CliErrors, ErrorsStopAtTheFirstProblem) {
  EXPECT_EQ(usage_error({"--foo", "--bar", "u"}), "httpok: option --foo not recognized");
  EXPECT_EQ(usage_error({"-t", "x", "-c", "y", "u"}),
            "httpok: invalid value for -t/--timeout: 'x' (expected a whole number of seconds, "
            "1 or more)");
  EXPECT_EQ(usage_error({"-c", "y", "-t", "x", "u"}),
            "httpok: invalid value for -c/--code: 'y' (expected an HTTP status code from 100 "
            "to 999)");
}

// ---- bad values ----

TEST(CliValues, BadTimeouts) {
  const std::string expected = "(expected a whole number of seconds, 1 or more)";
  EXPECT_EQ(usage_error({"-t", "abc", "u"}),
            "httpok: invalid value for -t/--timeout: 'abc' " + expected);
  EXPECT_EQ(usage_error({"-t", "0", "u"}),
            "httpok: invalid value for -t/--timeout: '0' " + expected);
  EXPECT_EQ(usage_error({"--timeout=-5", "u"}),
            "httpok: invalid value for -t/--timeout: '-5' " + expected);
  EXPECT_EQ(usage_error({"--ti", "", "u"}),
            "httpok: invalid value for -t/--timeout: '' " + expected);
  EXPECT_EQ(usage_error({"-t", "1.5", "u"}),
            "httpok: invalid value for -t/--timeout: '1.5' " + expected);
  EXPECT_EQ(usage_error({"-t", "86401", "u"}),
            "httpok: invalid value for -t/--timeout: '86401' (expected a whole number of "
            "seconds, at most 86400)");
  EXPECT_EQ(usage_error({"-t", "99999999999999999999999", "u"}),
            "httpok: invalid value for -t/--timeout: '99999999999999999999999' (expected a "
            "whole number of seconds, at most 86400)");
}

TEST(CliValues, BadCodes) {
  const std::string expected = "(expected an HTTP status code from 100 to 999)";
  std::vector<int> twos;
  for (int code = 200; code <= 299; ++code)
    twos.push_back(code);
  EXPECT_EQ(run_target({"-c", "2xx", "u"}).probe.codes, twos);
  EXPECT_EQ(run_target({"-c", "200-202", "-c", "304", "-c", "201,500", "u"}).probe.codes,
            (std::vector<int>{200, 201, 202, 304, 500}));
  EXPECT_EQ(usage_error({"-c", "300-200", "u"}),
            "httpok: invalid value for -c/--code: '300-200' (expected HTTP status codes from 100 "
            "to 999, ranges like 200-299 or classes like 2xx, separated by commas)");
  EXPECT_EQ(usage_error({"-c", "99x", "u"}),
            "httpok: invalid value for -c/--code: '99x' " + expected);
  EXPECT_EQ(usage_error({"-c", "42", "u"}),
            "httpok: invalid value for -c/--code: '42' " + expected);
  EXPECT_EQ(usage_error({"--code", "99", "u"}),
            "httpok: invalid value for -c/--code: '99' " + expected);
  EXPECT_EQ(usage_error({"-c", "1000", "u"}),
            "httpok: invalid value for -c/--code: '1000' " + expected);
  EXPECT_EQ(usage_error({"-c", "200", "-c", "", "u"}),
            "httpok: invalid value for -c/--code: '' " + expected);
}

TEST(CliValues, BadMaxBody) {
  const std::string expected =
      "(expected a whole number of bytes from 1 to 1073741824, optionally followed by K or M)";
  for (const char* value : {"0", "0k", "x", "1.5M", "1G", "-1", "", "k", "1025M", "1 k"}) {
    EXPECT_EQ(usage_error({"--max-body", value, "u"}),
              std::string("httpok: invalid value for --max-body: '") + value + "' " + expected);
  }
}

TEST(CliValues, BadRpcAndActionTimeouts) {
  EXPECT_EQ(usage_error({"--rpc-timeout", "x", "u"}),
            "httpok: invalid value for --rpc-timeout: 'x' (expected a whole number of seconds, "
            "1 or more)");
  EXPECT_EQ(usage_error({"--action-timeout=0", "u"}),
            "httpok: invalid value for --action-timeout: '0' (expected a whole number of "
            "seconds, 1 or more)");
  EXPECT_EQ(usage_error({"--rpc-timeout", "100000", "u"}),
            "httpok: invalid value for --rpc-timeout: '100000' (expected a whole number of "
            "seconds, at most 86400)");
}

TEST(CliValues, ValuesAreQuotedOnOneLine) {
  EXPECT_EQ(usage_error({"-t", "1\n2", "u"}),
            "httpok: invalid value for -t/--timeout: '1\\n2' (expected a whole number of "
            "seconds, 1 or more)");
  EXPECT_EQ(usage_error({"-c", "it's", "u"}),
            "httpok: invalid value for -c/--code: \"it's\" (expected an HTTP status code from "
            "100 to 999)");
}

// ---- validate ----

Config valid_config() {
  return run_config({"http://x"});
}

TEST(CliValidate, AcceptsOrdinaryValues) {
  Config config = run_config({"-m", "ops@example.com", "-n", "web", "-s", "a\nb", "-g", "c\nd",
                              "--client-cert", "c.pem", "--client-key", "k.pem", "u"});
  EXPECT_EQ(validate(config), std::nullopt);
}

TEST(CliValidate, RejectsLineBreaksInEmail) {
  Config config = run_config({"-m", "a@b\nBcc: evil@example.com", "u"});
  EXPECT_EQ(validate(config),
            "httpok: invalid value for -m/--email: 'a@b\\nBcc: evil@example.com' (line breaks "
            "are not allowed: they would inject mail headers)");
  config.email = "a@b\r";
  EXPECT_EQ(validate(config),
            "httpok: invalid value for -m/--email: 'a@b\\r' (line breaks are not allowed: they "
            "would inject mail headers)");
}

TEST(CliValidate, RejectsLineBreaksInName) {
  Config config = valid_config();
  config.name = "web\nBcc: x";
  EXPECT_EQ(validate(config),
            "httpok: invalid value for -n/--name: 'web\\nBcc: x' (line breaks are not allowed: "
            "the name is part of the mail subject)");
  config.name = "\r";
  EXPECT_NE(validate(config), std::nullopt);
}

TEST(CliValidate, ClientCertAndKeyGoTogether) {
  Config config = run_config({"--client-key", "k.pem", "u"});
  EXPECT_EQ(validate(config), "httpok: --client-key 'k.pem' needs --client-cert as well");
  config = run_config({"--client-cert", "c.pem", "u"});
  EXPECT_EQ(validate(config), "httpok: --client-cert 'c.pem' needs --client-key as well");
}

TEST(CliValidate, NeedsATarget) {
  Config config = valid_config();
  config.targets.clear();
  EXPECT_EQ(validate(config), "httpok: no URL to watch");
}

TEST(CliValidate, ChecksEveryTarget) {
  Config config = valid_config();
  Target second = config.targets.front();
  second.probe.tls.client_key = "k.pem";
  config.targets.push_back(second);
  EXPECT_EQ(validate(config), "httpok: --client-key 'k.pem' needs --client-cert as well");
}

// ---- texts ----

TEST(CliTexts, VersionText) {
  EXPECT_EQ(version_text(), std::string("httpok ") + HTTPOK_VERSION + "\n");
}

TEST(CliTexts, UsageListsEveryOption) {
  const std::string usage = usage_text();
  ASSERT_FALSE(usage.empty());
  EXPECT_EQ(usage.back(), '\n');
  for (const char* option : {"-p, --program",
                             "-a, --any",
                             "-t, --timeout",
                             "-c, --code",
                             "-b, --body",
                             "-s, --sendmail_program",
                             "-m, --email",
                             "-g, --gcore",
                             "-d, --coredir",
                             "-e, --eager",
                             "-E, --not-eager",
                             "-n, --name",
                             "-h, --help",
                             "--version",
                             "--max-body",
                             "--rpc-timeout",
                             "--action-timeout",
                             "--insecure",
                             "--wait-timeout",
                             "--cafile",
                             "--capath",
                             "--client-cert",
                             "--client-key",
                             "--tls-server-name",
                             "--no-session-resumption",
                             "--core-interval",
                             "--interval"}) {
    EXPECT_NE(usage.find(option), std::string::npos) << option;
  }
}

TEST(CliValues, TlsServerNameMustNameSomething) {
  EXPECT_EQ(run_target({"--tls-server-name", "api.example.", "u"}).probe.tls_server_name,
            "api.example.");
  for (const char* bad : {"", ".", "a b", "x\ny"}) {
    EXPECT_NE(
        usage_error({"--tls-server-name", bad, "u"}).find("invalid value for --tls-server-name: "),
        std::string::npos)
        << bad;
  }
}

TEST(CliTexts, UsageFitsInEightyColumns) {
  const std::string usage = usage_text();
  std::size_t start = 0;
  while (start < usage.size()) {
    const std::size_t end = usage.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 80u) << usage.substr(start, end - start);
    start = end + 1;
  }
}

}  // namespace
}  // namespace httpok
