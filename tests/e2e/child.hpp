// Runs the httpok binary with pipes on stdin, stdout and stderr, for end-to-end tests.
// Owned by the test; the destructor kills a child still running.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace httpok::test {

class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void write_stdin(const std::string& bytes);
  void close_stdin();
  // Reads stdout/stderr into the buffers below until `done` holds or `timeout` passes.
  bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  // Waits for exit (reading the pipes meanwhile); the exit status, or nothing on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  int pid() const { return pid_; }

 private:
  void pump(int timeout_ms);
  int pid_ = -1;
  int in_ = -1, out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::optional<int> status_;
};

// Path of the binary under test (HTTPOK_BINARY, set by meson).
std::string httpok_binary();

}  // namespace httpok::test
