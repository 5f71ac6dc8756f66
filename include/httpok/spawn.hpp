// Child processes (gcore, sendmail): a configured shell command line run as
// /bin/sh -c '<command> "$1" "$2"' with values passed as positional parameters.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace httpok {

struct SpawnRequest {
  std::string name;                           // its role ("sendmail", "gcore"): the shell's $0
  std::string command;                        // the shell command line as configured
  std::vector<std::string> args;              // appended as "$1" "$2" ... (never pasted in)
  std::string stdin_data;                     // written to the child's stdin, then closed
  std::chrono::milliseconds deadline{60000};  // the child is killed after this
};

struct SpawnResult {
  bool started = false;    // false: could not be spawned (error holds why)
  bool timed_out = false;  // killed at the deadline
  int exit_status = -1;
  int term_signal = 0;
  std::string stdout_data;
  std::string stderr_data;  // captured (never inherited), the first 4 KiB
  std::string error;  // describes any failure in one line, with what stderr said; empty on success
  bool success() const { return started && !timed_out && term_signal == 0 && exit_status == 0; }
};

// The shell line that runs `command` with n positional parameters: command "$1" ... "$n".
std::string shell_line_with_positionals(const std::string& command, std::size_t n);

// What a child wrote, fit for one log line: surrounding blanks trimmed, each line break as
// " | ", other control characters as '?', at most 500 bytes and then "...".
std::string one_line_summary(std::string_view text);

class Spawner {
 public:
  virtual ~Spawner() = default;
  using Callback = std::function<void(SpawnResult)>;
  virtual void run(SpawnRequest request, Callback done) = 0;
};

}  // namespace httpok
