// A name server on 127.0.0.1 (UDP, port 0) for the lookup tests: it answers A queries of
// the names it is given (one address or several, in order), NXDOMAIN for others, no
// address for AAAA; or, silent, it never answers at all. A fake, because a real one cannot be
// pointed at loopback names without changing the machine's configuration; httpok is told to use it
// through HTTPOK_DNS_SERVERS (servers()).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httpok::test {

class TestNameServer {
 public:
  // names: host name -> IPv4 address ("127.0.0.1") or addresses ("127.0.0.2,127.0.0.1");
  // silent: never answer.
  explicit TestNameServer(std::map<std::string, std::string> names = {}, bool silent = false);
  ~TestNameServer();
  TestNameServer(const TestNameServer&) = delete;
  TestNameServer& operator=(const TestNameServer&) = delete;

  int port() const noexcept { return port_; }
  std::string servers() const { return "127.0.0.1:" + std::to_string(port_); }
  // Datagrams received so far (each is one question: A or AAAA).
  int queries() const noexcept { return queries_; }
  // The names asked about, in order.
  std::vector<std::string> asked() const;

 private:
  void serve();

  std::map<std::string, std::string> names_;
  bool silent_;
  int fd_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<int> queries_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> asked_;
  std::thread thread_;
};

}  // namespace httpok::test
