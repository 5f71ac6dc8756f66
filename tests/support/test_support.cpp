#include "support/test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace httpok::test {

namespace {

using Clock = std::chrono::steady_clock;

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Writes all of `request` and reads until EOF, both bounded by `deadline`.
std::string exchange_on(int fd, const std::string& request, Clock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < request.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
      return {};
    }
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR && errno != EAGAIN) {
      return {};
    }
    sent += n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  std::string response;
  std::array<char, 16384> buf{};
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
      return response;
    }
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      return response;
    }
    if (n > 0) {
      response.append(buf.data(), static_cast<std::size_t>(n));
    }
  }
}

// connect() on a non-blocking socket, bounded by `deadline`; true when connected.
bool connect_by(int fd, const sockaddr* addr, socklen_t len, Clock::time_point deadline) {
  if (::connect(fd, addr, len) == 0) {
    return true;
  }
  if (errno != EINPROGRESS && errno != EAGAIN) {
    return false;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
    return false;
  }
  int err = 0;
  socklen_t err_len = sizeof err;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) == 0 && err == 0;
}

}  // namespace

std::filesystem::path support_dir() {
  return HTTPOK_TEST_SUPPORT_DIR;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "httpok-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw system_error("mkdtemp " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  if (std::getenv("HTTPOK_KEEP_TEST_DIRS") != nullptr) {
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  const bool created = !std::filesystem::exists(path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
  // Whatever the umask: httpok refuses a config file that anyone can write.
  if (created) {
    std::filesystem::permissions(path, std::filesystem::perms::others_write,
                                 std::filesystem::perm_options::remove);
  }
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string read_file_or_empty(const std::filesystem::path& path) {
  return read_file(path).value_or(std::string());
}

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

// A non-blocking TCP socket connected to 127.0.0.1:port by `deadline`; -1 when not.
int connect_loopback(int port, Clock::time_point deadline) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return -1;
  }
  const sockaddr_in addr = loopback(port);
  if (!connect_by(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr, deadline)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when 127.0.0.1:port can be bound right now.
bool can_bind(int port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    throw system_error("socket");
  }
  const sockaddr_in addr = loopback(port);
  return ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

// The first port of the kernel's ephemeral range (outgoing connections take theirs there).
int ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  int high = 0;
  return (in >> low >> high) ? low : 32768;
}

}  // namespace

int free_tcp_port() {
  // Below the ephemeral range, so that no connection made meanwhile (by this test or one
  // running in parallel) takes the port before the program told to use it binds it. Each
  // process starts somewhere else and never hands out the same port twice.
  constexpr int kFirst = 10000;
  const int span = std::max(ephemeral_low() - kFirst, 1000);
  static std::atomic<int> next{static_cast<int>((::getpid() * 7919L) % span)};
  for (int tries = 0; tries < span; ++tries) {
    const int port = kFirst + next.fetch_add(1) % span;
    if (port < 65536 && can_bind(port)) {
      return port;
    }
  }
  throw std::runtime_error("no free TCP port below the ephemeral range");
}

bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (predicate()) {
      return true;
    }
    if (Clock::now() >= deadline) {
      return predicate();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string exchange_unix(const std::string& socket_path, const std::string& request,
                          std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd.get() < 0 || socket_path.size() >= sizeof addr.sun_path) {
    return {};
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (!connect_by(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr, deadline)) {
    return {};
  }
  return exchange_on(fd.get(), request, deadline);
}

std::string exchange_tcp(int port, const std::string& request, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Fd fd(connect_loopback(port, deadline));
  if (fd.get() < 0) {
    return {};
  }
  return exchange_on(fd.get(), request, deadline);
}

bool tcp_accepts(int port) {
  Fd fd(connect_loopback(port, Clock::now() + std::chrono::seconds(1)));
  return fd.get() >= 0;
}

std::vector<int> fill_accept_queue(int listening) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (::getsockname(listening, reinterpret_cast<sockaddr*>(&address), &size) != 0)
    throw system_error("getsockname");
  std::vector<int> in;
  while (in.size() < 64) {
    // Of a listening socket, TCP_INFO gives the accept queue's length and its limit; it
    // is full (and drops SYNs) past the limit.
    tcp_info info{};
    socklen_t length = sizeof info;
    if (::getsockopt(listening, IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
      throw system_error("getsockopt TCP_INFO");
    if (info.tcpi_unacked > info.tcpi_sacked)
      return in;
    const int fd =
        connect_loopback(ntohs(address.sin_port), Clock::now() + std::chrono::seconds(5));
    if (fd < 0)
      throw std::runtime_error("cannot connect to fill an accept queue");
    in.push_back(fd);
  }
  throw std::runtime_error("an accept queue that never filled");
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  std::array<int, 2> out{};
  if (::pipe2(out.data(), O_CLOEXEC) != 0) {
    throw system_error("pipe2");
  }
  Fd read_end(out[0]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (err != 0) {
    return {-1, std::string("cannot run ") + argv[0] + ": " + std::strerror(err)};
  }

  CommandResult result;
  const auto deadline = Clock::now() + timeout;
  std::array<char, 4096> buf{};
  for (;;) {
    pollfd p{read_end.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready == 0) {
      ::kill(pid, SIGKILL);  // too slow: its output so far is still returned
      break;
    }
    const ssize_t n = ::read(read_end.get(), buf.data(), buf.size());
    if (n == 0 || (n < 0 && errno != EINTR)) {
      break;
    }
    if (n > 0) {
      result.output.append(buf.data(), static_cast<std::size_t>(n));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

namespace {

// "connect 0.2 ms, waiting 4999.7 ms": phases, each a known name and a time in ms.
bool is_timings(std::string_view text) {
  static const char* const kNames[] = {"resolve",  "connect",   "tls",        "processing",
                                       "transfer", "resolving", "connecting", "handshaking",
                                       "waiting",  "receiving"};
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    if (space == std::string_view::npos ||
        std::find(std::begin(kNames), std::end(kNames), text.substr(0, space)) == std::end(kNames))
      return false;
    text.remove_prefix(space + 1);
    const std::size_t ms = text.find(" ms");
    const std::string_view number = text.substr(0, ms);
    const std::size_t dot = number.find('.');
    if (ms == std::string_view::npos || dot == 0 || dot == std::string_view::npos ||
        dot + 2 != number.size() ||
        number.find_first_not_of("0123456789.") != std::string_view::npos)
      return false;
    text.remove_prefix(ms + 3);
    if (text.substr(0, 2) == ", ")
      text.remove_prefix(2);
    else if (!text.empty())
      return false;
  }
  return true;
}

}  // namespace

std::string without_timings(const std::string& log) {
  // Only httpok's own lines: timings anywhere else (in the block, in a mail) stay, and
  // fail the test that compares them.
  std::string out;
  for (std::size_t at = 0; at < log.size();) {
    std::size_t end = log.find('\n', at);
    end = end == std::string::npos ? log.size() : end + 1;
    std::string line = log.substr(at, end - at);
    if (line.rfind("httpok: ", 0) == 0) {
      // Each " (...)" group made of timings goes, wherever it is on the line.
      for (std::size_t open = line.find(" ("); open != std::string::npos;) {
        const std::size_t close = line.find(')', open);
        if (close != std::string::npos &&
            is_timings(std::string_view(line).substr(open + 2, close - open - 2))) {
          line.erase(open, close + 1 - open);
          open = line.find(" (", open);
        } else {
          open = line.find(" (", open + 1);
        }
      }
    }
    out += line;
    at = end;
  }
  return out;
}

bool is_timestamp(std::string_view text) {
  // 2026-12-01T14:30:03.123Z
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size())
    return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(text[i]))
                         : text[i] != kShape[i])
      return false;
  }
  return true;
}

}  // namespace httpok::test
