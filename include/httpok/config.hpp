// Configuration of httpok: the immutable value the command line (and later a config
// file) is parsed into. Parsing is a pure function: no I/O, no process exit.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "httpok/log.hpp"
#include "httpok/result.hpp"
#include "httpok/target.hpp"

namespace httpok {

// A value of the config file that came from the environment (%(ENV_X)s, a secret as
// often as not), and the text it was written as, which --check-config prints instead.
struct EnvironmentValue {
  std::string section;  // "httpok", or "target:NAME" (a default of [httpok] too)
  std::string key;      // "url", "header", ...
  std::string value;    // as resolved
  std::string text;     // as written, %(here)s resolved: valid config text

  bool operator==(const EnvironmentValue&) const = default;
};

struct Config {
  std::vector<Target> targets;
  std::string sendmail = "/usr/sbin/sendmail -t -i";  // -s
  std::optional<std::string> email;                   // -m
  std::string gcore = "/usr/bin/gcore -o";            // -g
  std::optional<std::string> coredir;                 // -d
  std::optional<std::string> name;                    // -n
  std::chrono::milliseconds rpc_timeout{30000};       // --rpc-timeout
  std::chrono::milliseconds wait_timeout{300000};     // --wait-timeout (stop/start)
  std::chrono::milliseconds action_timeout{60000};    // --action-timeout
  std::chrono::milliseconds core_interval{0};         // --core-interval (0: a core per restart)
  std::size_t max_concurrent = 256;                   // probes in flight at most
  double jitter = 0;                           // 0 to 0.5: spread of interval targets' due times
  std::optional<std::string> metrics_file;     // --metrics-file: Prometheus text, after rounds
  log::Format log_format = log::Format::text;  // --log-format
  bool log_timestamps = false;                 // --log-timestamps
  bool log_rounds = false;                     // --log-rounds: a line when a round ends
  std::vector<EnvironmentValue> from_environment;  // the file's values from %(ENV_X)s

  bool operator==(const Config&) const = default;
};

enum class CliAction {
  run,          // config is valid: start the listener
  help,         // print usage_text() on stdout, exit 0
  version,      // print version_text() on stdout, exit 0
  usage_error,  // print error (when not empty) on stderr, usage on stdout, exit 255
};

struct CliResult {
  CliAction action = CliAction::usage_error;
  Config config;      // meaningful for run only: the command line's own (no file read yet)
  std::string error;  // one line naming the option and the value (no newline); may be empty
  std::optional<std::string> config_file;  // --config FILE
  bool check_config = false;               // --check-config: print the result, do not run
  bool once = false;                       // --once: probe every target once, print, exit
  // The global options given (their long names), which override the config file's.
  std::vector<std::string> globals_given;
};

// Parses the arguments after argv[0], superlance-compatible (see man/httpok.1).
CliResult parse_command_line(const std::vector<std::string>& args);

// The configuration to run: the config file's when there is one, with the global options
// given on the command line over its [httpok] values, plus the command line's URL as the
// target "default". Reads the file; the error is one line (exit status 2).
Result<Config> resolve_config(const CliResult& cli);

// The resolved configuration as a config file, with every secret masked (a URL's password,
// an Authorization or Cookie value): what --check-config prints.
std::string describe_config(const Config& config);

// Checks that need no I/O but are not usage errors (exit 2 before READY): e.g. CR or LF
// in the mail address or the name. Returns the error line, or nothing when fine.
std::optional<std::string> validate(const Config& config);

std::string usage_text();    // ends with a newline
std::string version_text();  // "httpok X.Y.Z\n"

}  // namespace httpok
