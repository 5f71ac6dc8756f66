// Start-up checks: what httpok will need only once a check fails (supervisord's process
// names, the sendmail and gcore programs, the core directory) is looked at once at start,
// so that a mistake shows in the log then, not at the first failure in the night. Every
// finding is a warning line and never fatal: supervisord would only restart the listener
// in a loop. Used by the app before its first READY.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "httpok/config.hpp"
#include "httpok/supervisor.hpp"

namespace httpok::startup {

// The program a shell command line starts: its first word, when that is a plain word (no
// quotes or other shell syntax, not a variable assignment, not a shell builtin or
// keyword). Nothing when only running the shell could tell.
std::optional<std::string> first_program(std::string_view command);

// Why `program` cannot be run, or nothing when it can: a name with a '/' is checked as it
// is, any other is looked up in `path` (a PATH value) as the shell would.
std::optional<std::string> program_problem(const std::string& program, std::string_view path);

// Why httpok cannot write files into `dir`, or nothing when it can.
std::optional<std::string> directory_problem(const std::string& dir);

// The -p values that name no process, by name or namespec, in the order given.
std::vector<std::string> unknown_programs(const std::vector<std::string>& programs,
                                          const std::vector<ProcessInfo>& infos);

// What the local checks (no supervisord needed) look at: the sendmail and gcore programs
// and the core directory when they will be used, and the TLS keys. Decided from the
// configuration alone, with no I/O.
struct LocalChecks {
  std::optional<std::string> sendmail;  // the -s command, when some target mails
  std::optional<std::string> gcore;     // the -g command, when core files are on (-d)
  std::optional<std::string> coredir;
  // Each TLS key file of an https target once, with the "target: " its warning starts
  // with (or nothing).
  std::vector<std::pair<std::string, std::string>> keys;
  bool empty() const noexcept { return !sendmail && !gcore && !coredir && keys.empty(); }
  // Whether looking may block, so that it needs the thread pool: the programs and the core
  // directory may be on a file system that hangs. The TLS keys were read when their
  // targets' TLS contexts were made, before the checks, so a stat() of them waits on
  // nothing new.
  bool may_block() const noexcept { return sendmail || gcore || coredir; }
  // What they look at, for the warning when they do not end in time: "the sendmail
  // program, the TLS keys, the gcore program and the core directory".
  std::string what() const;
};
LocalChecks local_checks(const Config& config);

// The warnings of those checks, each a whole log line: a program that cannot run, a core
// directory that cannot be written, a TLS key that anyone can read. `path` is the PATH
// value. Looks at the file system, which can block.
std::vector<std::string> local_warnings(const LocalChecks& checks, std::string_view path);

// The warnings after supervisord listed its processes: -p names that match none.
std::vector<std::string> process_warnings(const Config& config,
                                          const std::vector<ProcessInfo>& infos);

// What httpok watches, one line per target: "watching URL every TICK (timeout 10 s) for
// web" (the log adds "httpok: " and, with several targets, the target's name). A password
// in the URL is masked.
std::string watching_text(const Config& config, const Target& target);

}  // namespace httpok::startup
