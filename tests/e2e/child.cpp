#include "child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

extern char** environ;

namespace httpok::test {

std::string httpok_binary() {
  const char* p = std::getenv("HTTPOK_BINARY");
  return p != nullptr ? p : "httpok";
}

Child::Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    if (kv.rfind("SUPERVISOR_", 0) == 0)
      continue;  // only what the test gives
    if (env.count(kv.substr(0, kv.find('='))) != 0)
      continue;  // the test's value replaces the inherited one
    envs.push_back(kv);
  }
  for (const auto& [k, v] : env)
    envs.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv)
    cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : envs)
    cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  const int rc = posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_ = in[1];
  out_fd_ = out[0];
  err_fd_ = err[0];
  if (rc != 0)
    throw std::runtime_error("posix_spawn failed");
  ::signal(SIGPIPE, SIG_IGN);
}

Child::~Child() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  for (const int fd : {in_, out_fd_, err_fd_}) {
    if (fd >= 0)
      ::close(fd);
  }
}

void Child::write_stdin(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(in_, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    off += static_cast<std::size_t>(n);
  }
}

void Child::close_stdin() {
  if (in_ >= 0)
    ::close(in_);
  in_ = -1;
}

void Child::pump(int timeout_ms) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (::poll(fds, 2, timeout_ms) <= 0)
    return;
  char buf[4096];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].revents == 0)
      continue;
    const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
    if (n > 0)
      (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
    if (n == 0) {
      // EOF: stop polling that pipe.
      ::close(fds[i].fd);
      (i == 0 ? out_fd_ : err_fd_) = -1;
    }
  }
}

bool Child::wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end)
      return false;
    if (out_fd_ < 0 && err_fd_ < 0) {
      ::usleep(10000);
      continue;
    }
    pump(20);
  }
  return true;
}

std::optional<int> Child::wait_exit(std::chrono::milliseconds timeout) {
  if (status_)
    return status_;
  wait_for(
      [&] {
        int st = 0;
        const int r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
          status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
          return true;
        }
        return false;
      },
      timeout);
  if (status_) {
    // Collect what is left in the pipes.
    while (out_fd_ >= 0 || err_fd_ >= 0)
      pump(100);
  }
  return status_;
}

}  // namespace httpok::test
