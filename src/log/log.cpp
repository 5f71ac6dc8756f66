#include "httpok/log.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace httpok::log {

void raw(std::string_view text) noexcept {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // stderr may share a non-blocking file description with a libuv pipe.
        pollfd pfd{STDERR_FILENO, POLLOUT, 0};
        if (::poll(&pfd, 1, 1000) > 0)
          continue;
      }
      return;  // nowhere else to report it
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void line(std::string_view text) noexcept {
  try {
    std::string buffer;
    buffer.reserve(text.size() + 1);
    buffer.append(text);
    buffer += '\n';
    raw(buffer);
  } catch (...) {
    raw(text);
    raw("\n");
  }
}

}  // namespace httpok::log
