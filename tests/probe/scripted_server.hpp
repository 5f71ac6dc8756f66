// A real TCP server on 127.0.0.1 (or ::1), port 0, running a scripted behaviour per
// connection on its own thread: answers, stalls, drips, closes. Owned by the test.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace httpok::test {

class ScriptedServer {
 public:
  // One accepted connection, valid during the behaviour call.
  class Connection {
   public:
    Connection(int fd, int stop_fd) : fd_(fd), stop_fd_(stop_fd) {}
    // Reads until the end of the request headers; returns them ("" on EOF or stop).
    std::string read_request();
    void send(std::string_view bytes);
    // Waits `ms` milliseconds unless the server stops; false when it stops.
    bool pause(int ms);
    // Blocks until the server stops (a peer that never answers).
    void hold() {
      while (pause(1000)) {
      }
    }
    int fd() const { return fd_; }

   private:
    int fd_;
    int stop_fd_;
  };
  using Behaviour = std::function<void(Connection&)>;

  explicit ScriptedServer(Behaviour behaviour, bool ipv6 = false);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  // False when the address family is not available here (e.g. no IPv6).
  bool listening() const { return listen_fd_ >= 0; }
  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  // Waits until `n` behaviour calls have returned, so what they wrote can be read safely
  // (the client may see the last byte before the behaviour ends). False on time-out.
  bool wait_finished(int n, std::chrono::milliseconds timeout);
  std::string url(const std::string& path = "/") const;

  // A response with Content-Length.
  static std::string response(int status, const std::string& reason, const std::string& body);

 private:
  void run();

  Behaviour behaviour_;
  bool ipv6_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::mutex finished_mutex_;
  std::condition_variable finished_cv_;
  int finished_ = 0;
  std::thread thread_;
};

}  // namespace httpok::test
