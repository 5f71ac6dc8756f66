#include "scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace httpok::test {

std::string ScriptedServer::Connection::read_request() {
  std::string got;
  char buf[4096];
  while (got.find("\r\n\r\n") == std::string::npos) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR)
      return "";
    if (fds[1].revents != 0)
      return "";
    if (fds[0].revents == 0)
      continue;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0)
      return got;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

void ScriptedServer::Connection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool ScriptedServer::Connection::pause(int ms) {
  pollfd fd{stop_fd_, POLLIN, 0};
  return ::poll(&fd, 1, ms) == 0;
}

ScriptedServer::ScriptedServer(Behaviour behaviour, bool ipv6)
    : behaviour_(std::move(behaviour)), ipv6_(ipv6) {
  if (::pipe(stop_pipe_) != 0)
    return;
  const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return;
  }
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  listen_fd_ = fd;
  thread_ = std::thread([this] { run(); });
}

ScriptedServer::~ScriptedServer() {
  if (stop_pipe_[1] >= 0)
    (void)!::write(stop_pipe_[1], "x", 1);
  if (thread_.joinable())
    thread_.join();
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
  for (const int fd : stop_pipe_) {
    if (fd >= 0)
      ::close(fd);
  }
}

std::string ScriptedServer::url(const std::string& path) const {
  return std::string(ipv6_ ? "http://[::1]:" : "http://127.0.0.1:") + std::to_string(port_) + path;
}

std::string ScriptedServer::response(int status, const std::string& reason,
                                     const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

bool ScriptedServer::wait_finished(int n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(finished_mutex_);
  return finished_cv_.wait_for(lock, timeout, [&] { return finished_ >= n; });
}

void ScriptedServer::run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR)
      return;
    if (fds[1].revents != 0)
      return;
    if (fds[0].revents == 0)
      continue;
    const int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0)
      continue;
    ++connections_;
    Connection c(conn, stop_pipe_[0]);
    behaviour_(c);
    ::close(conn);
    {
      const std::lock_guard lock(finished_mutex_);
      ++finished_;
    }
    finished_cv_.notify_all();
  }
}

}  // namespace httpok::test
