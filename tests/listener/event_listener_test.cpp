// The libuv shell of the event protocol with real file descriptors: pipes, sockets and
// regular files on stdin and stdout.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "httpok/event_listener.hpp"

namespace httpok {
namespace {

std::string frame(int serial) {
  const std::string payload = "when:1700000000";
  return "ver:3.0 server:supervisor serial:" + std::to_string(serial) +
         " pool:httpok poolserial:" + std::to_string(serial) +
         " eventname:TICK_5 len:" + std::to_string(payload.size()) + "\n" + payload;
}

// A regular file in /tmp, removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/httpok-listener-XXXXXX";
    fd_ = ::mkstemp(name);
    path_ = name;
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(::write(fd_, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::lseek(fd_, 0, SEEK_SET);
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  std::string content() const {
    std::string out;
    char buf[4096];
    for (off_t at = 0;;) {
      const ssize_t n = ::pread(fd_, buf, sizeof buf, at);
      if (n <= 0)
        return out;
      out.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
  }

 private:
  int fd_ = -1;
  std::string path_;
};

// Everything readable now from a non-blocking fd.
std::string drain(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0)
      return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

struct Recorder final : EventListener::Handler {
  void on_event(const Event& event) override { events.emplace_back(event.eventname()); }
  void on_input_end(bool was_clean) override {
    ++ends;
    clean = was_clean;
    listener->close();
  }
  void on_protocol_error(const std::string& message) override {
    error = message;
    if (close_on_error)
      listener->close();
  }
  void on_output_error(const std::string& message) override {
    output_errors.push_back(message);
    listener->close();
  }

  EventListener* listener = nullptr;
  bool close_on_error = true;
  std::vector<std::string> events;
  int ends = 0;
  bool clean = false;
  std::string error;
  std::vector<std::string> output_errors;
};

class EventListenerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    for (const int fd : fds_)
      ::close(fd);
  }
  std::array<int, 2> pipe_pair() {
    std::array<int, 2> p{};
    EXPECT_EQ(::pipe2(p.data(), O_CLOEXEC), 0);
    fds_.insert(fds_.end(), p.begin(), p.end());
    return p;
  }
  // A connected TCP pair over loopback (a UNIX socket would pass as a pipe).
  std::array<int, 2> tcp_pair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(listener, 1), 0);
    EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    std::array<int, 2> p{};
    p[0] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(::connect(p[0], reinterpret_cast<sockaddr*>(&addr), len), 0);
    p[1] = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    ::close(listener);
    fds_.insert(fds_.end(), p.begin(), p.end());
    return p;
  }

  uv_loop_t loop_;
  Recorder recorder_;
  std::vector<int> fds_;
};

TEST_F(EventListenerTest, StdoutThatIsASocketIsRefusedBeforeReady) {
  const auto in = pipe_pair();
  const auto out = tcp_pair();
  {
    EventListener listener(&loop_, recorder_, in[0], out[0]);
    recorder_.listener = &listener;
    EXPECT_EQ(listener.start(), UV_EINVAL);
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(drain(out[1]), "");
}

TEST_F(EventListenerTest, StdinThatIsASocketIsRefusedBeforeReady) {
  const auto in = tcp_pair();
  const auto out = pipe_pair();
  {
    EventListener listener(&loop_, recorder_, in[0], out[1]);
    recorder_.listener = &listener;
    EXPECT_EQ(listener.start(), UV_EINVAL);
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(drain(out[0]), "");  // no READY: supervisord would wait for events in vain
}

TEST_F(EventListenerTest, RegularFileOnStdinIsReadToItsEnd) {
  TempFile in(frame(1) + frame(2) + frame(1));
  const auto out = pipe_pair();
  EventListener listener(&loop_, recorder_, in.fd(), out[1]);
  recorder_.listener = &listener;
  ASSERT_EQ(listener.start(), 0);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(recorder_.events, (std::vector<std::string>{"TICK_5", "TICK_5"}));  // serial 1 once
  EXPECT_EQ(listener.duplicates(), 1u);
  EXPECT_EQ(recorder_.ends, 1);
  EXPECT_TRUE(recorder_.clean);
  EXPECT_EQ(drain(out[0]), "READY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\nRESULT 2\nOKREADY\n");
}

TEST_F(EventListenerTest, ProtocolErrorWithFilesOnBothSidesKeepsTheListenerUsable) {
  // The handler need not close at once: the listener stays valid (checked by the
  // sanitizer build) until it is closed or destroyed.
  TempFile in("this is not an event header\n");
  TempFile out("");
  recorder_.close_on_error = false;
  {
    EventListener listener(&loop_, recorder_, in.fd(), out.fd());
    recorder_.listener = &listener;
    ASSERT_EQ(listener.start(), 0);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_NE(recorder_.error, "");
    EXPECT_EQ(listener.events_seen(), 0u);
  }
  EXPECT_EQ(out.content(), "READY\n");
}

}  // namespace
}  // namespace httpok
