// The XML-RPC client against a real supervisord (UNIX socket and TCP with credentials),
// and against scripted servers for what supervisord cannot be made to do.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

#include <mutex>
#include <optional>

#include "httpok/supervisor_client.hpp"
#include "scripted_server.hpp"
#include "support/supervisord.hpp"

namespace httpok {
namespace {

using namespace std::chrono_literals;
using test::ScriptedServer;
using test::Supervisord;

// A loop for one test, proved empty at the end.
class Loop {
 public:
  Loop() {
    uv_loop_init(&loop_);
    dns_ = net::Dns::create(&loop_).value();
  }
  ~Loop() {
    dns_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  uv_loop_t* get() { return &loop_; }
  net::Dns& dns() { return *dns_; }
  template <class T>
  void run_until(const std::optional<T>& done) {
    while (!done && uv_run(&loop_, UV_RUN_ONCE) != 0) {
    }
  }

 private:
  uv_loop_t loop_;
  std::unique_ptr<net::Dns> dns_;  // the clients' lookups
};

std::unique_ptr<SupervisorClient> make_client(Loop& loop, const std::string& url,
                                              const std::string& user = "",
                                              const std::string& password = "",
                                              std::chrono::milliseconds timeout = 10s,
                                              std::chrono::milliseconds wait_timeout = 10s) {
  auto c = SupervisorClient::create(
      loop.get(), loop.dns(),
      {url, user, password, timeout, wait_timeout, !user.empty(), !password.empty()});
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error());
  return c.ok() ? std::move(c).value() : nullptr;
}

RpcResult<std::vector<ProcessInfo>> all_info(Loop& loop, SupervisorClient& client) {
  std::optional<RpcResult<std::vector<ProcessInfo>>> got;
  client.get_all_process_info([&](RpcResult<std::vector<ProcessInfo>> r) { got = std::move(r); });
  loop.run_until(got);
  return got.value_or(RpcResult<std::vector<ProcessInfo>>{});
}

RpcResult<bool> stop_or_start(Loop& loop, SupervisorClient& client, bool stop,
                              const std::string& name) {
  std::optional<RpcResult<bool>> got;
  auto cb = [&](RpcResult<bool> r) { got = std::move(r); };
  if (stop) {
    client.stop_process(name, cb);
  } else {
    client.start_process(name, cb);
  }
  loop.run_until(got);
  return got.value_or(RpcResult<bool>{});
}

const char* kPrograms =
    "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\nstopwaitsecs=1\n\n"
    "[group:grp]\nprograms=member\n\n"
    "[program:member]\ncommand=sleep 1000\nstartsecs=0\nstopwaitsecs=1\n";

TEST(SupervisorClient, UnixSocketListStopStartAndFaults) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  Supervisord sv;
  sv.start(kPrograms);
  ASSERT_TRUE(sv.wait_for_state("sleeper", "RUNNING", 20s));
  ASSERT_TRUE(sv.wait_for_state("grp:member", "RUNNING", 20s));
  Loop loop;
  auto client = make_client(loop, sv.server_url());
  ASSERT_TRUE(client);

  const auto infos = all_info(loop, *client);
  ASSERT_TRUE(infos.ok()) << infos.error.describe();
  ASSERT_EQ(infos.value->size(), 2u);
  // Sorted by group, then name, as supervisord lists them.
  EXPECT_EQ((*infos.value)[0].group, "grp");
  EXPECT_EQ((*infos.value)[0].name, "member");
  EXPECT_EQ((*infos.value)[1].name, "sleeper");
  EXPECT_EQ((*infos.value)[1].state, kStateRunning);
  EXPECT_EQ((*infos.value)[1].statename, "RUNNING");
  EXPECT_GT((*infos.value)[1].pid, 0);

  EXPECT_TRUE(stop_or_start(loop, *client, true, "grp:member").ok());
  EXPECT_EQ(sv.state_of("grp:member"), "STOPPED");
  EXPECT_TRUE(stop_or_start(loop, *client, false, "grp:member").ok());
  EXPECT_EQ(sv.state_of("grp:member"), "RUNNING");

  const auto bad = stop_or_start(loop, *client, true, "nope");
  ASSERT_FALSE(bad.ok());
  ASSERT_TRUE(bad.error.fault.has_value());
  EXPECT_EQ(bad.error.describe(), "<Fault 10: 'BAD_NAME: nope'>");
  const auto again = stop_or_start(loop, *client, false, "sleeper");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error.describe(), "<Fault 60: 'ALREADY_STARTED: sleeper'>");
  client.reset();
}

TEST(SupervisorClient, TcpWithCredentials) {
  if (!Supervisord::available())
    GTEST_SKIP() << "supervisord is not installed";
  test::SupervisordOptions options;
  options.inet_http_server = true;
  options.username = "admin";
  options.password = "s3cret";
  Supervisord sv(options);
  sv.start(kPrograms);
  ASSERT_TRUE(sv.wait_for_state("sleeper", "RUNNING", 20s));
  const std::string url = "http://127.0.0.1:" + std::to_string(sv.inet_port());
  Loop loop;
  auto good = make_client(loop, url, "admin", "s3cret");
  const auto ok = all_info(loop, *good);
  EXPECT_TRUE(ok.ok()) << ok.error.describe();

  auto wrong = make_client(loop, url, "admin", "wrong");
  const auto refused = all_info(loop, *wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(refused.error.fault.has_value());
  EXPECT_EQ(refused.error.describe(), "supervisord refused the credentials of user 'admin'");

  auto no_password = make_client(loop, url, "admin");
  EXPECT_EQ(all_info(loop, *no_password).error.describe(),
            "supervisord refused the credentials of user 'admin' (SUPERVISOR_PASSWORD is not set)");

  auto none = make_client(loop, url);
  EXPECT_EQ(all_info(loop, *none).error.describe(),
            "supervisord asks for credentials: set SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD in "
            "the listener's environment=");
}

TEST(SupervisorClient, UnreachableSocket) {
  Loop loop;
  auto client = make_client(loop, "unix:///nonexistent/supervisor.sock");
  const auto r = all_info(loop, *client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.describe(),
            "cannot reach supervisord at unix:///nonexistent/supervisor.sock: [Errno 2] No "
            "such file or directory");
}

TEST(SupervisorClient, SocketPresentButNothingListening) {
  // What a supervisord killed with SIGKILL leaves behind: the socket file, no listener.
  test::TempDir dir;
  const std::string path = (dir / "supervisor.sock").string();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(fd);  // bound, never listened on: the file stays
  ASSERT_TRUE(std::filesystem::exists(path));
  Loop loop;
  auto client = make_client(loop, "unix://" + path);
  const auto r = all_info(loop, *client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.describe(),
            "cannot reach supervisord at unix://" + path + ": [Errno 111] Connection refused");
}

TEST(SupervisorClient, UnresolvableHostInPythonsWords) {
  Loop loop;
  // Generous limits: a name server that does not answer takes seconds per try to fail.
  auto client = make_client(loop, "http://nonexistent.invalid:9001", "", "", 60s, 60s);
  const auto r = all_info(loop, *client);
  ASSERT_FALSE(r.ok());
  // e.g. "[Errno -2] Name or service not known", as Python's socket.gaierror says it.
  EXPECT_EQ(r.error.describe().rfind(
                "cannot reach supervisord at http://nonexistent.invalid:9001: [Errno -", 0),
            0u)
      << r.error.describe();
}

TEST(SupervisorClient, CallDeadline) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.hold();
  });
  Loop loop;
  auto client =
      make_client(loop, "http://127.0.0.1:" + std::to_string(server.port()), "", "", 300ms, 600ms);
  // stopProcess and startProcess wait for the process: they have their own, longer limit.
  const auto r = stop_or_start(loop, *client, true, "web");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.describe(), "supervisord did not answer supervisor.stopProcess within 600 ms");
  const auto list = all_info(loop, *client);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error.describe(),
            "supervisord did not answer supervisor.getAllProcessInfo within 300 ms");
}

TEST(SupervisorClient, AHundredMegabyteAnswerIsRefusedAndNotReadToItsEnd) {
  constexpr std::size_t kTotal = std::size_t{100} << 20;
  std::atomic<std::size_t> sent{0};
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: " +
           std::to_string(kTotal) + "\r\n\r\n<?xml version=\"1.0\"?><methodResponse>");
    const std::string chunk(65536, ' ');
    while (sent < kTotal) {
      const ssize_t n = ::send(c.fd(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return;  // the client hung up
      sent += static_cast<std::size_t>(n);
    }
  });
  Loop loop;
  auto client = make_client(loop, "http://127.0.0.1:" + std::to_string(server.port()));
  const auto r = all_info(loop, *client);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.describe(),
            "the answer of supervisord to supervisor.getAllProcessInfo is larger than " +
                std::to_string(xmlrpc::kMaxResponseBytes) + " bytes");
  ASSERT_TRUE(server.wait_finished(1, 30s));
  EXPECT_LT(sent.load(), kTotal);
}

TEST(SupervisorClient, RequestBytesAndBadAnswers) {
  // Shared with the server thread. The thread sends its own copy of the answer: ASan checks
  // send()'s buffer after the syscall, when the client may already have read the bytes and the
  // test moved on to the next answer.
  std::mutex mutex;
  std::string request_seen;
  std::string answer_text;
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    std::string got = c.read_request();
    std::string reply;
    {
      const std::lock_guard lock(mutex);
      request_seen = std::move(got);
      reply = answer_text;
    }
    c.send(reply);
  });
  const auto set_answer = [&](std::string a) {
    const std::lock_guard lock(mutex);
    answer_text = std::move(a);
  };
  const auto request = [&] {
    const std::lock_guard lock(mutex);
    return request_seen;
  };
  Loop loop;
  auto client = make_client(loop, "http://127.0.0.1:" + std::to_string(server.port()));

  set_answer(ScriptedServer::response(500, "Internal Server Error", "boom"));
  auto r = stop_or_start(loop, *client, false, "web");
  EXPECT_EQ(r.error.describe(),
            "supervisord answered supervisor.startProcess with HTTP 500 Internal Server Error");
  EXPECT_NE(request().find("POST /RPC2 HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(request().find("Authorization: Basic Og==\r\n"), std::string::npos);  // empty user:pass
  EXPECT_NE(request().find("Content-Type: text/xml\r\n"), std::string::npos);

  set_answer(ScriptedServer::response(200, "OK", "<?xml version='1.0'?><methodResponse><params>"));
  r = stop_or_start(loop, *client, false, "web");
  EXPECT_NE(r.error.describe().find("malformed XML-RPC answer"), std::string::npos)
      << r.error.describe();
  // The parser's message stays one line, however odd the document.
  set_answer(ScriptedServer::response(
      200, "OK", "<?xml version='1.0'?>\n<a>\xff\xfe\n" + std::string(10000, 'x') + "</a>"));
  r = stop_or_start(loop, *client, false, "web");
  EXPECT_EQ(r.error.describe().find('\n'), std::string::npos) << r.error.describe();
  EXPECT_LT(r.error.describe().size(), 400u);

  set_answer(ScriptedServer::response(
      200, "OK",
      "<?xml "
      "version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</"
      "name>\n"
      "<value><int>6</int></value>\n</member>\n<member>\n<name>faultString</name>\n"
      "<value><string>SHUTDOWN_STATE</string></value>\n</member>\n</struct></value>\n</fault>\n"
      "</methodResponse>\n"));
  const auto f = all_info(loop, *client);
  EXPECT_EQ(f.error.describe(), "<Fault 6: 'SHUTDOWN_STATE'>");
}

TEST(SupervisorClient, DestroyedWithCallsInFlightCallsNothing) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.hold();
  });
  Loop loop;
  int calls = 0;
  {
    auto client = make_client(loop, "http://127.0.0.1:" + std::to_string(server.port()));
    client->get_all_process_info([&](RpcResult<std::vector<ProcessInfo>>) { ++calls; });
    while (server.connections() == 0)
      uv_run(loop.get(), UV_RUN_NOWAIT);
    EXPECT_EQ(client->calls_in_flight(), 1u);
  }
  uv_run(loop.get(), UV_RUN_DEFAULT);
  EXPECT_EQ(calls, 0);
}

TEST(SupervisorClient, BadServerUrl) {
  Loop loop;
  for (const char* url : {"ftp://x", "unix://", "https://h:1"}) {
    auto c = SupervisorClient::create(loop.get(), loop.dns(), {url, "", "", 1s, 1s});
    ASSERT_FALSE(c.ok()) << url;
    EXPECT_NE(c.error().find(url), std::string::npos);
  }
}

}  // namespace
}  // namespace httpok
