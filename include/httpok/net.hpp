// libuv networking shells: a stream connection (TCP or UNIX socket), timers, signals.
// Name lookups are dns.hpp; opening a connection to a host is connector.hpp.
// Each owns its handle or request through a heap "box" that is freed only in libuv's
// close (or completion) callback, so the C++ object can be destroyed at any time: a late
// callback finds no owner and returns.
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace httpok::net {

// Text for a libuv error in Python's socket style: "[Errno 111] Connection refused".
std::string errno_text(int uv_status);
// Text for a failed name lookup as Python writes it: "[Errno -2] Name or service not known".
std::string resolve_error_text(int uv_status);

// "10 s" for whole seconds, else "300 ms": how deadlines are named in messages.
std::string duration_text(std::chrono::milliseconds duration);

// An IPv4 or IPv6 address with its port, as connect() takes it, in 28 bytes.
union IpAddress {
  sockaddr any;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

// Fills `out` when `host` is an IPv4 or IPv6 literal (no DNS needed); false otherwise.
bool literal_address(const std::string& host, std::uint16_t port, IpAddress& out);

// One connection. Owned by its client (a probe attempt or an RPC call).
class Stream {
 public:
  // Called on the loop. A handler may call close() or destroy the Stream from any of them.
  class Handler {
   public:
    virtual void on_connect(int status) = 0;
    virtual void on_data(std::string_view bytes) = 0;
    virtual void on_eof() = 0;
    virtual void on_stream_error(int status) = 0;  // read or write failed

   protected:
    ~Handler() = default;
  };

  Stream(uv_loop_t* loop, Handler& handler);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Start connecting; on an error return on_connect is never called. Closes any earlier one.
  int connect_tcp(const sockaddr* address);
  // The same, sending `early` (the first bytes of the exchange; copied when they cannot
  // go at once) as soon as the connection is made. Made at once (a loopback or local
  // address, as a rule), they are sent at once, and kConnected says so: no on_connect
  // comes. Else it returns 0, and on_connect comes once they are written, with the
  // connect's outcome: a write error then counts as the connect's. On loopback this
  // saves the loop a poll for writability and the SO_ERROR after it; a connection still
  // under way costs two failed writes (EAGAIN) more. Linux: send() on a socket still
  // connecting says EAGAIN there (BSDs say ENOTCONN).
  static constexpr int kConnected = 1;
  int connect_tcp(const sockaddr* address, std::string_view early);
  int connect_unix(const std::string& path);
  // Queues bytes to send (copied unless they can be written at once).
  int write(std::string_view bytes);
  // Idempotent; no handler call comes after it.
  void close();
  bool is_open() const { return box_ != nullptr; }

  // Opaque; public only so the close callback can free it.
  struct Box;

 private:
  static void on_connect_cb(uv_connect_t* req, int status);
  static void on_read_cb(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write_cb(uv_write_t* req, int status);
  static void on_early_written_cb(uv_write_t* req, int status);
  // Queues bytes for uv_write (copied) with `done` as its callback.
  int queue_write(std::string_view bytes, uv_write_cb done);
  int start_reading();
  // Closes what is open and puts a new Box's handle in the loop: a pipe (UV_NAMED_PIPE)
  // or else TCP. 0, or libuv's error (then nothing is open).
  int open_box(uv_handle_type type);

  uv_loop_t* loop_;
  Handler& handler_;
  Box* box_ = nullptr;
};

// Owns one uv_timer_t. Destroying it stops the timer; the handle is freed in its close cb.
class Timer {
 public:
  explicit Timer(uv_loop_t* loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  void start(std::uint64_t timeout_ms, std::function<void()> fire);
  void stop();
  // The timer no longer keeps the loop alive by itself (uv_unref).
  void unref();

 private:
  uv_timer_t* handle_;
  std::function<void()> fire_;
};

// Owns one uv_signal_t: calls `fire` on the loop each time the signal comes. It never
// keeps the loop alive by itself. Destroying it stops watching; the handle is freed in
// its close callback.
class SignalWatcher {
 public:
  explicit SignalWatcher(uv_loop_t* loop);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  // Returns a libuv error code.
  int start(int signum, std::function<void(int signum)> fire);

 private:
  uv_signal_t* handle_;
  std::function<void(int)> fire_;
};

}  // namespace httpok::net
