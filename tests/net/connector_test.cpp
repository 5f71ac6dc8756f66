// The connector on a real loop: an IP literal or a UNIX socket is connected at once (no
// turn of the loop first), a failure that comes back at once is told only after start()
// returns, early bytes go with a connection made at once or wait for one that is not,
// and the literal is parsed once, when the target is made.
#include "httpok/connector.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "httpok/dns.hpp"
#include "httpok/net.hpp"
#include "support/name_server.hpp"
#include "support/test_support.hpp"

namespace httpok::net {
namespace {

// A client as the probe and the RPC client are: its Stream's handler forwards the
// connect to the connector, which tells it through Events.
class Client final : Stream::Handler, Connector::Events {
 public:
  Client(uv_loop_t* loop, Dns& dns) : stream(loop, *this), connector(loop, dns, stream, *this) {}

  Stream stream;
  Connector connector;
  bool in_start = false;
  bool called_in_start = false;
  bool connected = false;
  bool stream_called = false;  // the Stream's connect callback came
  std::optional<ConnectFailure> failure;
  int status = 0;

  // Returns what the connector's start() does: true when connected at once.
  bool start(const ConnectTarget& target, std::string_view early = {}) {
    in_start = true;
    const bool at_once = connector.start(target, early);
    in_start = false;
    return at_once;
  }
  bool done() const { return connected || failure.has_value(); }

 private:
  void on_connect(int s) override {
    stream_called = true;
    connector.on_connect(s);
  }
  void on_data(std::string_view) override {}
  void on_eof() override {}
  void on_stream_error(int) override {}
  void on_connected() override {
    called_in_start |= in_start;
    connected = true;
  }
  void on_connect_failed(ConnectFailure f, int s) override {
    called_in_start |= in_start;
    failure = f;
    status = s;
  }
};

// A listening socket on loopback (port 0) or at a UNIX path; closed at the end. Bound only
// (`listen` false), a TCP port refuses every connection, and no other can take it.
class Listening {
 public:
  explicit Listening(int family, const std::string& path = "", bool listen = true,
                     int backlog = 8) {
    fd_ = ::socket(family, SOCK_STREAM, 0);
    if (family == AF_UNIX) {
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      path.copy(address.sun_path, sizeof address.sun_path - 1);
      ::unlink(path.c_str());
      EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
      path_ = path;
    } else {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
      socklen_t size = sizeof address;
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
      port_ = ntohs(address.sin_port);
    }
    if (listen) {
      EXPECT_EQ(::listen(fd_, backlog), 0);
    }
  }
  // The bytes that the next connection in the accept queue sent, up to `size` of them;
  // "<none>" when none comes within 5 s.
  std::string accept_and_read(std::size_t size) const {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, 5000) != 1)
      return "<none>";
    const int conn = ::accept(fd_, nullptr, nullptr);
    EXPECT_GE(conn, 0);
    const timeval wait{5, 0};
    ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    std::string got;
    char buf[1024];
    while (got.size() < size) {
      const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(conn);
    return got;
  }
  ~Listening() {
    ::close(fd_);
    if (!path_.empty())
      ::unlink(path_.c_str());
  }
  std::uint16_t port() const { return port_; }
  std::vector<int> fill_accept_queue() const { return test::fill_accept_queue(fd_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string path_;
};

class ConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    auto created = Dns::create(&loop_, "");
    ASSERT_TRUE(created.ok());
    dns_ = std::move(created).value();
  }
  void TearDown() override {
    dns_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  // Starts `client` with no file descriptor free: the socket cannot even be made.
  static void start_out_of_descriptors(Client& client, const ConnectTarget& target,
                                       std::string_view early = {}) {
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    const int lowest_free = ::dup(0);
    ASSERT_GE(lowest_free, 0);
    ::close(lowest_free);
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(lowest_free);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    EXPECT_FALSE(client.start(target, early));
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  }
  static void expect_connect_failure(const Client& client, int status) {
    ASSERT_TRUE(client.failure.has_value());
    EXPECT_EQ(*client.failure, ConnectFailure::connect);
    EXPECT_EQ(client.status, status);
  }
  void run_until_done(Client& client) {
    bool late = false;
    Timer guard(&loop_);
    guard.start(10000, [&] { late = true; });
    guard.unref();  // the loop still runs dry (and returns) when nothing else is left
    while (!client.done() && !late && uv_run(&loop_, UV_RUN_ONCE) != 0) {
    }
    EXPECT_FALSE(late) << "no outcome within 10 s";
  }

  uv_loop_t loop_;
  std::unique_ptr<Dns> dns_;
};

TEST(ConnectTarget, AnIpLiteralIsParsedOnceWhenTheHostIsSet) {
  ConnectTarget target;
  target.set_host("127.0.0.1", 8080);
  ASSERT_TRUE(target.is_literal());
  EXPECT_EQ(target.literal.v4.sin_family, AF_INET);
  EXPECT_EQ(ntohs(target.literal.v4.sin_port), 8080);
  EXPECT_EQ(ntohl(target.literal.v4.sin_addr.s_addr), INADDR_LOOPBACK);
  target.set_host("::1", 443);
  ASSERT_TRUE(target.is_literal());
  EXPECT_EQ(target.literal.v6.sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(target.literal.v6.sin6_port), 443);
  target.set_host("localhost", 80);  // a name: looked up on each connection
  EXPECT_FALSE(target.is_literal());
  EXPECT_EQ(target.host, "localhost");
}

TEST_F(ConnectorTest, AnIpLiteralIsConnectedAtOnceWithoutATurnOfTheLoop) {
  Listening server(AF_INET);
  Client client(&loop_, *dns_);
  ConnectTarget target;
  target.set_host("127.0.0.1", server.port());
  client.start(target);
  EXPECT_TRUE(client.stream.is_open());  // the connect is under way, not queued
  EXPECT_FALSE(client.done());
  run_until_done(client);
  EXPECT_TRUE(client.connected);
  EXPECT_FALSE(client.called_in_start);
}

TEST_F(ConnectorTest, EarlyBytesOnAConnectionMadeAtOnceAreSentBeforeStartReturns) {
  Listening server(AF_INET);
  Client client(&loop_, *dns_);
  ConnectTarget target;
  target.set_host("127.0.0.1", server.port());
  const std::string request = "GET / HTTP/1.1\r\n\r\n";
  ASSERT_TRUE(client.start(target, request));  // loopback connects within connect()
  EXPECT_EQ(server.accept_and_read(request.size()), request);
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_FALSE(client.stream_called);  // start() said it all: no callback comes
  EXPECT_FALSE(client.done());
  client.stream.close();
}

TEST_F(ConnectorTest, EarlyBytesWaitForAConnectionThatIsNotMadeAtOnce) {
  // With the accept queue full the kernel drops the SYN, and the client sends it again a
  // second later. The request goes once the connection is made, and only then is the
  // client told.
  Listening server(AF_INET, "", true, 1);
  const std::vector<int> fillers = server.fill_accept_queue();
  Client client(&loop_, *dns_);
  ConnectTarget target;
  target.set_host("127.0.0.1", server.port());
  const std::string request = "GET /slow HTTP/1.1\r\n\r\n";
  EXPECT_FALSE(client.start(target, request));
  EXPECT_TRUE(client.stream.is_open());
  EXPECT_FALSE(client.done());
  for (const int fd : fillers) {
    EXPECT_EQ(server.accept_and_read(0), "");  // room again in the queue
    ::close(fd);
  }
  run_until_done(client);
  EXPECT_TRUE(client.connected);
  EXPECT_FALSE(client.called_in_start);
  EXPECT_EQ(server.accept_and_read(request.size()), request);
  client.stream.close();
}

TEST_F(ConnectorTest, EarlyBytesToAPortThatRefusesFailAsAConnectDoes) {
  const Listening refusing(AF_INET, "", false);
  Client client(&loop_, *dns_);
  ConnectTarget target;
  target.set_host("127.0.0.1", refusing.port());
  EXPECT_FALSE(client.start(target, "GET / HTTP/1.1\r\n\r\n"));  // refused within send()
  EXPECT_FALSE(client.done());
  run_until_done(client);
  expect_connect_failure(client, UV_ECONNREFUSED);
  EXPECT_FALSE(client.called_in_start);
}

TEST_F(ConnectorTest, EarlyBytesWaitingForAConnectionThatIsRefusedFailAsAConnectDoes) {
  // The SYN is dropped (the accept queue is full), then the port closes: the SYN sent
  // again a second later is refused, and the write that waited says so.
  std::optional<Listening> server(std::in_place, AF_INET, "", true, 1);
  const std::vector<int> fillers = server->fill_accept_queue();
  Client client(&loop_, *dns_);
  ConnectTarget target;
  target.set_host("127.0.0.1", server->port());
  EXPECT_FALSE(client.start(target, "GET / HTTP/1.1\r\n\r\n"));
  server.reset();
  run_until_done(client);
  expect_connect_failure(client, UV_ECONNREFUSED);
  for (const int fd : fillers)
    ::close(fd);
}

// A name whose first address refuses (nobody listens yet) and whose last cannot be reached
// at all: the refusal is what counts, so it is tried again while the budget leaves room,
// and the failure told is the refusal, not the last address's error.
TEST_F(ConnectorTest, ARefusalFromAnyAddressIsTriedAgainAndIsWhatIsTold) {
  const Listening refusing(AF_INET, "", false);
  test::TestNameServer names(
      std::map<std::string, std::string>{{"app.test", "127.0.0.1,255.255.255.255"}});
  auto created = Dns::create(&loop_, names.servers());
  ASSERT_TRUE(created.ok());
  std::unique_ptr<Dns> dns = std::move(created).value();
  Client client(&loop_, *dns);
  ConnectTarget target;
  target.set_host("app.test", refusing.port());
  target.budget = std::chrono::milliseconds(400);
  target.retry_refused = std::chrono::milliseconds(100);
  EXPECT_FALSE(client.start(target));
  run_until_done(client);
  expect_connect_failure(client, UV_ECONNREFUSED);
  EXPECT_EQ(names.queries(), 2);  // one lookup (A and AAAA): the retries need none
  client.connector.cancel();
  dns.reset();
}

TEST_F(ConnectorTest, AUnixSocketIsConnectedAtOnceAndAMissingOneFailsFromTheLoop) {
  const std::string path =
      ::testing::TempDir() + "/connector-test-" + std::to_string(::getpid()) + ".sock";
  {
    Listening server(AF_UNIX, path);
    Client client(&loop_, *dns_);
    ConnectTarget target;
    target.unix_path = path;
    client.start(target);
    EXPECT_TRUE(client.stream.is_open());
    run_until_done(client);
    EXPECT_TRUE(client.connected);
  }
  Client client(&loop_, *dns_);
  ConnectTarget target;
  target.unix_path = path;  // removed with its server
  client.start(target);
  EXPECT_FALSE(client.done());
  run_until_done(client);
  expect_connect_failure(client, UV_ENOENT);
  EXPECT_FALSE(client.called_in_start);
}

TEST_F(ConnectorTest, AFailureAtOnceIsToldOnlyAfterStartReturns) {
  // Out of descriptors: the socket cannot even be made, so connect fails inside start(),
  // with early bytes (our own socket) or without (libuv's).
  Listening server(AF_INET);
  ConnectTarget target;
  target.set_host("127.0.0.1", server.port());
  for (const std::string_view early : {std::string_view(), std::string_view("GET / HTTP/1.1")}) {
    SCOPED_TRACE(early.empty() ? "no early bytes" : "early bytes");
    Client client(&loop_, *dns_);
    start_out_of_descriptors(client, target, early);
    EXPECT_FALSE(client.stream.is_open());  // it failed at once
    EXPECT_FALSE(client.done());
    EXPECT_FALSE(client.called_in_start);
    run_until_done(client);
    ASSERT_TRUE(client.failure.has_value());
    EXPECT_EQ(*client.failure, ConnectFailure::local);
    EXPECT_EQ(client.status, UV_EMFILE);
  }
}

TEST_F(ConnectorTest, ACancelledFailureAtOnceIsNeverTold) {
  Client client(&loop_, *dns_);
  ConnectTarget target;
  target.set_host("127.0.0.1", 1);
  start_out_of_descriptors(client, target);
  client.connector.cancel();
  uv_run(&loop_, UV_RUN_NOWAIT);
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_FALSE(client.done());
}

TEST_F(ConnectorTest, AConnectUnderWayWhenCancelledIsNeverTold) {
  const Listening refusing(AF_INET, "", false);  // refused, from the loop
  Client client(&loop_, *dns_);
  ConnectTarget target;
  target.set_host("127.0.0.1", refusing.port());
  client.start(target);
  ASSERT_TRUE(client.stream.is_open());
  client.connector.cancel();
  while (!client.stream_called && uv_run(&loop_, UV_RUN_ONCE) != 0) {
  }
  EXPECT_TRUE(client.stream_called);  // refused: the stream's callback came
  EXPECT_FALSE(client.done());        // and the connector told nobody
  client.stream.close();
}

}  // namespace
}  // namespace httpok::net
