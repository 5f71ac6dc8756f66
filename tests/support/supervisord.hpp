// A real supervisord for integration tests, run from its own temp dir.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace httpok::test {

struct SupervisordOptions {
  // Adds an [inet_http_server] on 127.0.0.1 at a free port, with these credentials when
  // username is not empty.
  bool inet_http_server = false;
  std::string username;
  std::string password;
  // The inet_http_server's port; 0 picks a free one at start(). Set it up front when the
  // sections must name it (e.g. an eventlistener's serverurl=).
  int inet_port = 0;
  std::string loglevel = "info";
  // How long start() waits for supervisord to answer, and the destructor for it to stop
  // (it stops its programs first: give them a small stopwaitsecs).
  std::chrono::milliseconds start_timeout{20000};
  std::chrono::milliseconds stop_timeout{20000};
};

// One supervisord process with its config, socket, logs and child logs in a temp dir.
// Owned by the test that creates it; the destructor stops supervisord (SIGTERM; SIGKILL
// to it and its children after stop_timeout), and removes the dir. When the test has
// failed, the destructor writes supervisord.log to stderr first.
//
//   Supervisord sv;
//   sv.start("[program:app]\ncommand=sleep 1000\nstopwaitsecs=1\n");
//   ASSERT_TRUE(sv.wait_for_state("app", "RUNNING", 10s));
//
// In the sections, `%(here)s` (supervisord's own expansion) is dir().
class Supervisord {
 public:
  explicit Supervisord(SupervisordOptions options = {});
  ~Supervisord();
  Supervisord(const Supervisord&) = delete;
  Supervisord& operator=(const Supervisord&) = delete;

  // True when supervisord and supervisorctl were found at configure time; tests GTEST_SKIP
  // otherwise.
  static bool available();

  // Writes supervisord.conf (the fixed sections + `sections`), starts supervisord in its
  // own process group and returns once it answers XML-RPC on its UNIX socket. Throws
  // std::runtime_error (with the log) when it exits or does not answer in time. Once it
  // has stopped (stop(), kill()), it may be started again: the same dir, the same socket.
  void start(const std::string& sections);

  // SIGTERM, then waits; SIGKILL after stop_timeout. Idempotent.
  void stop();
  // SIGKILL, as a crash: supervisord stops nothing and its socket file stays. Its programs
  // are killed after it, as they would otherwise outlive the test.
  void kill();

  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  std::filesystem::path config_path() const { return dir() / "supervisord.conf"; }
  std::string socket_path() const { return (dir() / "supervisor.sock").string(); }
  // What supervisord gives its children as SUPERVISOR_SERVER_URL: unix://<socket_path>.
  std::string server_url() const { return "unix://" + socket_path(); }
  int inet_port() const noexcept { return inet_port_; }  // 0 without inet_http_server
  pid_t pid() const noexcept { return pid_; }
  bool running();  // started and not exited (reaps it when it has)

  // Runs `supervisorctl -c <conf> args...`; returns its stdout and stderr.
  std::string ctl(const std::vector<std::string>& args) const;

  // One XML-RPC call over the UNIX socket; `params` are <param> elements, already encoded.
  // Returns the HTTP response (status line, headers and body), or "" when it got none.
  std::string rpc(const std::string& method, const std::string& params = {}) const;

  // The statename of a process (name or group:name) from supervisor.getProcessInfo, or
  // nullopt when supervisord does not know it or does not answer.
  std::optional<std::string> state_of(const std::string& name) const;
  // The pid of a process from supervisor.getProcessInfo (0 when it is not running), or
  // nullopt when supervisord does not know it or does not answer.
  std::optional<pid_t> pid_of(const std::string& name) const;
  // Polls state_of every 20 ms.
  bool wait_for_state(const std::string& name, const std::string& state,
                      std::chrono::milliseconds timeout) const;

  std::string log() const;  // supervisord.log so far
  bool wait_for_log(const std::string& substring, std::chrono::milliseconds timeout) const;
  // What a program wrote on `channel` ("stdout" or "stderr"), read from the AUTO child log
  // file in dir() (so not for programs that set their own *_logfile); "" if none yet.
  std::string child_log(const std::string& name, const std::string& channel = "stdout") const;

 private:
  SupervisordOptions options_;
  TempDir dir_;
  int inet_port_ = 0;
  pid_t pid_ = 0;
  bool reaped_ = false;
};

// A <param> holding one string, for Supervisord::rpc.
std::string xmlrpc_string_param(const std::string& value);

}  // namespace httpok::test
