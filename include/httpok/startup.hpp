// Start-up checks: what httpok will need only once a check fails (supervisord's process
// names, the sendmail and gcore programs, the core directory) is looked at once at start,
// so that a mistake shows in the log then, not at the first failure in the night. Every
// finding is a warning line and never fatal: supervisord would only restart the listener
// in a loop. Used by the app before its first READY.
#pragma once

#include <optional>
#include <string>
#include <string_view>
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

// The warnings about the sendmail and gcore programs, the core directory and TLS keys
// that anyone can read (local checks, no supervisord needed), each a whole log line.
// `path` is the PATH value.
std::vector<std::string> local_warnings(const Config& config, std::string_view path);

// The warnings after supervisord listed its processes: -p names that match none.
std::vector<std::string> process_warnings(const Config& config,
                                          const std::vector<ProcessInfo>& infos);

// What httpok watches, one line per target: "watching URL every TICK (timeout 10 s) for
// web" (the log adds "httpok: " and, with several targets, the target's name). A password
// in the URL is masked.
std::string watching_text(const Config& config, const Target& target);

}  // namespace httpok::startup
