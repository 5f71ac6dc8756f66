#include "support/name_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace httpok::test {

TestNameServer::TestNameServer(std::map<std::string, std::string> names, bool silent)
    : names_(std::move(names)), silent_(silent) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof address;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &len) != 0 ||
      ::pipe2(stop_pipe_, O_CLOEXEC) != 0)
    throw std::runtime_error("TestNameServer: cannot open a UDP socket");
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

TestNameServer::~TestNameServer() {
  (void)!::write(stop_pipe_[1], "x", 1);
  thread_.join();
  ::close(fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

std::vector<std::string> TestNameServer::asked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return asked_;
}

void TestNameServer::serve() {
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0)
      return;
    unsigned char query[512];
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    const ssize_t n =
        ::recvfrom(fd_, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 12)
      continue;
    // The question: labels up to the root, then QTYPE and QCLASS.
    std::string name;
    std::size_t at = 12;
    while (at < static_cast<std::size_t>(n) && query[at] != 0) {
      const std::size_t label = query[at];
      if (at + 1 + label > static_cast<std::size_t>(n))
        break;
      if (!name.empty())
        name += '.';
      name.append(reinterpret_cast<const char*>(query + at + 1), label);
      at += 1 + label;
    }
    const std::size_t question_end = at + 5;  // root byte, QTYPE, QCLASS
    if (question_end > static_cast<std::size_t>(n))
      continue;
    const int qtype = (query[at + 1] << 8) | query[at + 2];
    ++queries_;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      asked_.push_back(name);
    }
    if (silent_)
      continue;
    const auto known = names_.find(name);
    std::string answer(reinterpret_cast<const char*>(query), question_end);
    answer[2] = static_cast<char>(0x80 | (query[2] & 0x01));             // QR, RD as asked
    answer[3] = static_cast<char>(known == names_.end() ? 0x83 : 0x80);  // RA, NXDOMAIN or 0
    answer[4] = 0;
    answer[5] = 1;  // one question
    answer[8] = answer[9] = answer[10] = answer[11] = 0;
    // The name's addresses, in the order given ("127.0.0.2,127.0.0.1"): A queries only.
    std::vector<in_addr> ips;
    if (known != names_.end() && qtype == 1) {
      for (std::size_t begin = 0; begin <= known->second.size();) {
        const std::size_t end = std::min(known->second.find(',', begin), known->second.size());
        in_addr ip{};
        if (ips.size() < 255 &&
            ::inet_pton(AF_INET, known->second.substr(begin, end - begin).c_str(), &ip) == 1)
          ips.push_back(ip);  // the count below is one byte
        begin = end + 1;
      }
    }
    answer[6] = 0;
    answer[7] = static_cast<char>(ips.size());
    for (const in_addr& ip : ips) {
      const unsigned char record[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
      answer.append(reinterpret_cast<const char*>(record), sizeof record);
      answer.append(reinterpret_cast<const char*>(&ip), 4);
    }
    ::sendto(fd_, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
  }
}

}  // namespace httpok::test
