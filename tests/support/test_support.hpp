// Small helpers shared by the tests: temp dirs, whole-file I/O, a free TCP port, polling.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace httpok::test {

// Where the support scripts (webapp.py, fake-sendmail.sh, fake-gcore.sh) live.
std::filesystem::path support_dir();

// A fresh directory under the system temp dir, removed with everything in it on
// destruction (kept when HTTPOK_KEEP_TEST_DIRS is set, to look at after a failure).
// Owned by the test that creates it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes (replaces) a file; throws std::runtime_error on failure. A file it creates is
// not writable by others, whatever the umask (httpok refuses such a config file).
void write_file(const std::filesystem::path& path, const std::string& content);

// The whole file, or nullopt when it cannot be read (e.g. does not exist yet).
std::optional<std::string> read_file(const std::filesystem::path& path);

// The whole file, or "" when it cannot be read.
std::string read_file_or_empty(const std::filesystem::path& path);

// A TCP port on 127.0.0.1 that was free a moment ago, below the kernel's ephemeral range
// (so no outgoing connection takes it meanwhile), never the same twice in one process.
// For programs that must be told a port up front, such as supervisord's inet_http_server.
int free_tcp_port();

// Calls `predicate` every 20 ms until it returns true (then true) or `timeout` has passed
// (then false, after one last call).
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

// One request/response over a fresh connection: sends `request`, reads until the peer
// closes or `timeout` passes. Returns what was read ("" when the connection failed).
std::string exchange_unix(const std::string& socket_path, const std::string& request,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
std::string exchange_tcp(int port, const std::string& request,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// How many times `what` occurs in `text` (overlapping occurrences count).
std::size_t count_of(const std::string& text, const std::string& what);

// `log` without the timings httpok's own failure lines ("httpok: ...") end with
// (" (connect 0.2 ms, waiting 4999.7 ms)"), which differ from run to run.
std::string without_timings(const std::string& log);

// True when `text` is a time as --log-timestamps writes it: 2026-12-01T14:30:03.123Z.
bool is_timestamp(std::string_view text);

// True when something accepts a TCP connection on 127.0.0.1:port (within 1 s).
bool tcp_accepts(int port);

// Connects to `listening` (a TCP socket listening on 127.0.0.1) until its accept queue
// is full, as the kernel counts it: the kernel then drops the next SYN, and its sender
// sends it again a second later. Returns the connections that got in, for the caller to
// close once the next connect to the port has been tried.
std::vector<int> fill_accept_queue(int listening);

// Result of a finished child process run by run_command.
struct CommandResult {
  int exit_status = -1;  // -1 when killed by a signal or not started
  std::string output;    // stdout and stderr, interleaved
};

// Runs argv[0] (searched in PATH) with argv, stdin from /dev/null, and collects its output;
// the child is killed when it runs longer than `timeout`.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace httpok::test
