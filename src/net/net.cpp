#include "httpok/net.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace httpok::net {

std::string errno_text(int uv_status) {
  if (uv_status == UV_ETIMEDOUT)
    return "timed out";
  if (uv_status <= UV_EAI_ADDRFAMILY && uv_status >= UV_EAI_PROTOCOL) {
    return resolve_error_text(uv_status);  // getaddrinfo's codes are not errno values
  }
  if (uv_status < 0 && uv_status > -1000 && uv_status != UV_EOF) {
    // Other libuv errors on Unix are negated errno values: Python's "[Errno N] strerror".
    return "[Errno " + std::to_string(-uv_status) + "] " + std::strerror(-uv_status);
  }
  return uv_strerror(uv_status);
}

std::string duration_text(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0)
    return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

bool literal_address(const std::string& host, std::uint16_t port, IpAddress& out) {
  out = IpAddress{};
  if (uv_ip4_addr(host.c_str(), port, &out.v4) == 0)
    return true;
  out = IpAddress{};
  if (uv_ip6_addr(host.c_str(), port, &out.v6) == 0)
    return true;
  out = IpAddress{};
  return false;
}

std::string resolve_error_text(int uv_status) {
  int code = 0;
  switch (uv_status) {
    case UV_EAI_NONAME:
      code = EAI_NONAME;
      break;
    case UV_EAI_AGAIN:
      code = EAI_AGAIN;
      break;
    case UV_EAI_FAIL:
      code = EAI_FAIL;
      break;
    case UV_EAI_NODATA:
      code = EAI_NODATA;
      break;
    case UV_EAI_FAMILY:
      code = EAI_FAMILY;
      break;
    case UV_EAI_MEMORY:
      code = EAI_MEMORY;
      break;
    case UV_EAI_SERVICE:
      code = EAI_SERVICE;
      break;
    case UV_EAI_SOCKTYPE:
      code = EAI_SOCKTYPE;
      break;
    default:
      return uv_strerror(uv_status);
  }
  // Python's socket.gaierror: "[Errno -2] Name or service not known".
  return "[Errno " + std::to_string(code) + "] " + gai_strerror(code);
}

// The handle and the requests that refer to it. Freed in the close callback only.
struct Stream::Box {
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  };
  uv_connect_t connect_req;
  Stream* owner = nullptr;  // nullptr once the Stream let go of it
};

namespace {

struct WriteBox {
  uv_write_t req;
  std::string data;
};

// One read buffer for every stream: reads are consumed before the callback returns and
// the loop is single-threaded.
char g_read_buffer[64 * 1024];

void free_box_cb(uv_handle_t* handle) {
  // The union is the Box's first member, so the handle's address is the Box's.
  delete reinterpret_cast<Stream::Box*>(handle);  // NOLINT
}

}  // namespace

Stream::Stream(uv_loop_t* loop, Handler& handler) : loop_(loop), handler_(handler) {}

Stream::~Stream() {
  close();
}

void Stream::close() {
  if (box_ == nullptr)
    return;
  box_->owner = nullptr;
  box_->handle.data = nullptr;
  uv_close(&box_->handle, free_box_cb);
  box_ = nullptr;
}

int Stream::open_box(uv_handle_type type) {
  close();
  auto* box = new Box{};
  const int rc =
      type == UV_NAMED_PIPE ? uv_pipe_init(loop_, &box->pipe, 0) : uv_tcp_init(loop_, &box->tcp);
  if (rc < 0) {
    delete box;  // not in the loop
    return rc;
  }
  box->owner = this;
  box->handle.data = box;
  box->connect_req.data = box;
  box_ = box;
  return 0;
}

int Stream::connect_tcp(const sockaddr* address) {
  int rc = open_box(UV_TCP);
  if (rc < 0)
    return rc;
  uv_tcp_nodelay(&box_->tcp, 1);
  rc = uv_tcp_connect(&box_->connect_req, &box_->tcp, address, on_connect_cb);
  // Reading is asked for with the connect: libuv then registers the socket once for both
  // and turns it to reads alone when it connects (one epoll_ctl), where reading from the
  // connect callback costs two (libuv forgets a socket it stops watching, and adds it
  // again). libuv reports the connect before any read.
  if (rc == 0)
    rc = start_reading();
  if (rc < 0)
    close();
  return rc;
}

int Stream::connect_tcp(const sockaddr* address, std::string_view early) {
  if (early.empty())
    return connect_tcp(address);
  int rc = open_box(UV_TCP);
  if (rc < 0)
    return rc;
  const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    rc = -errno;  // libuv's codes are negated errno values on Unix
    close();
    return rc;
  }
  const int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const socklen_t length =
      address->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  do {
    rc = ::connect(fd, address, length);
  } while (rc < 0 && errno == EINTR);
  ssize_t sent = 0;
  if (rc == 0 || errno == EINPROGRESS) {
    // A socket still connecting takes nothing (EAGAIN); one that failed to connect says
    // why (ECONNREFUSED), as SO_ERROR would.
    do {
      sent = ::send(fd, early.data(), early.size(), MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0 && errno == EAGAIN)
      sent = 0;
  } else {
    sent = -1;
  }
  rc = sent < 0 ? -errno : uv_tcp_open(&box_->tcp, fd);
  if (rc < 0) {
    ::close(fd);  // not the handle's: libuv did not take it
    close();
    return rc;
  }
  const auto written = static_cast<std::size_t>(sent);
  if (written == early.size()) {
    rc = start_reading();
    if (rc < 0)
      close();
    return rc < 0 ? rc : kConnected;
  }
  // Reading starts once the connection is made: libuv would read the failure of a connect
  // (EPOLLERR) before the write could tell it.
  rc = queue_write(early.substr(written), on_early_written_cb);
  if (rc < 0)
    close();
  return rc;
}

void Stream::on_early_written_cb(uv_write_t* req, int status) {
  auto* w = static_cast<WriteBox*>(req->data);
  auto* box = static_cast<Box*>(req->handle->data);
  delete w;
  if (status == UV_ECANCELED || box == nullptr || box->owner == nullptr)
    return;
  Stream* self = box->owner;
  if (status == 0) {
    const int rc = self->start_reading();
    if (rc < 0)
      status = rc;
  }
  self->handler_.on_connect(status);
}

int Stream::connect_unix(const std::string& path) {
  if (const int rc = open_box(UV_NAMED_PIPE); rc < 0)
    return rc;
  // uv_pipe_connect reports every error through the callback.
  uv_pipe_connect(&box_->connect_req, &box_->pipe, path.c_str(), on_connect_cb);
  return 0;
}

void Stream::on_connect_cb(uv_connect_t* req, int status) {
  auto* box = static_cast<Box*>(req->data);
  Stream* self = box->owner;
  if (self == nullptr || status == UV_ECANCELED)
    return;
  if (box->handle.type == UV_NAMED_PIPE && status == 0) {
    const int rc = self->start_reading();  // a TCP stream reads from its connect on
    if (rc < 0)
      status = rc;
  } else if (status < 0) {
    uv_read_stop(&box->stream);  // no read of a socket that did not connect
  }
  self->handler_.on_connect(status);
}

int Stream::start_reading() {
  return uv_read_start(
      &box_->stream,
      [](uv_handle_t*, std::size_t, uv_buf_t* buf) {
        buf->base = g_read_buffer;
        buf->len = sizeof g_read_buffer;
      },
      on_read_cb);
}

void Stream::on_read_cb(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* box = static_cast<Box*>(stream->data);
  if (box == nullptr || box->owner == nullptr)
    return;
  Stream* self = box->owner;
  if (nread > 0) {
    self->handler_.on_data(std::string_view(g_read_buffer, static_cast<std::size_t>(nread)));
  } else if (nread == UV_EOF) {
    uv_read_stop(stream);
    self->handler_.on_eof();
  } else if (nread < 0) {
    uv_read_stop(stream);
    self->handler_.on_stream_error(static_cast<int>(nread));
  }
}

int Stream::write(std::string_view bytes) {
  if (box_ == nullptr)
    return UV_ENOTCONN;
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  int written = uv_try_write(&box_->stream, &buf, 1);
  if (written == UV_EAGAIN)
    written = 0;
  if (written < 0)
    return written;
  if (static_cast<std::size_t>(written) == bytes.size())
    return 0;
  return queue_write(bytes.substr(static_cast<std::size_t>(written)), on_write_cb);
}

int Stream::queue_write(std::string_view bytes, uv_write_cb done) {
  auto* w = new WriteBox{};
  w->data.assign(bytes);
  w->req.data = w;
  const uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  const int rc = uv_write(&w->req, &box_->stream, &buf, 1, done);
  if (rc < 0)
    delete w;
  return rc;
}

void Stream::on_write_cb(uv_write_t* req, int status) {
  auto* w = static_cast<WriteBox*>(req->data);
  auto* box = static_cast<Box*>(req->handle->data);
  delete w;
  if (status < 0 && status != UV_ECANCELED && box != nullptr && box->owner != nullptr) {
    box->owner->handler_.on_stream_error(status);
  }
}

Timer::Timer(uv_loop_t* loop) : handle_(new uv_timer_t{}) {
  uv_timer_init(loop, handle_);
  handle_->data = this;
}

Timer::~Timer() {
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void Timer::start(std::uint64_t timeout_ms, std::function<void()> fire) {
  fire_ = std::move(fire);
  uv_timer_start(
      handle_,
      [](uv_timer_t* h) {
        auto* self = static_cast<Timer*>(h->data);
        if (self == nullptr)
          return;
        // Move out first: the callback may restart or destroy this timer.
        std::function<void()> f = std::move(self->fire_);
        f();
      },
      timeout_ms, 0);
}

void Timer::stop() {
  uv_timer_stop(handle_);
  fire_ = nullptr;
}

void Timer::unref() {
  uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
}

SignalWatcher::SignalWatcher(uv_loop_t* loop) : handle_(new uv_signal_t{}) {
  uv_signal_init(loop, handle_);
  handle_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
}

SignalWatcher::~SignalWatcher() {
  handle_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
}

int SignalWatcher::start(int signum, std::function<void(int)> fire) {
  fire_ = std::move(fire);
  return uv_signal_start(
      handle_,
      [](uv_signal_t* h, int sig) {
        auto* self = static_cast<SignalWatcher*>(h->data);
        if (self == nullptr || !self->fire_)
          return;
        // A copy: the callback may destroy this watcher (signals are rare; this is cheap).
        std::function<void(int)> f = self->fire_;
        f(sig);
      },
      signum);
}

}  // namespace httpok::net
