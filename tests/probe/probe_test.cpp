#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "httpok/dns.hpp"
#include "httpok/probe.hpp"
#include "httpok/tls.hpp"
#include "scripted_server.hpp"
#include "support/name_server.hpp"
#include "support/test_support.hpp"

namespace httpok {
namespace {

using test::ScriptedServer;
using namespace std::chrono_literals;

ProbeSettings make_target(const std::string& url, std::chrono::milliseconds timeout = 5000ms) {
  ProbeSettings t;
  t.url = url;
  t.timeout = timeout;
  return t;
}

std::unique_ptr<net::Dns> make_dns(uv_loop_t* loop) {
  auto dns = net::Dns::from_environment(loop);  // HTTPOK_DNS_SERVERS, for a test name server
  EXPECT_TRUE(dns.ok()) << (dns.ok() ? "" : dns.error());
  return dns.ok() ? std::move(dns).value() : nullptr;
}

std::shared_ptr<const ProbeSpec> compiled(const ProbeSettings& settings) {
  tls::ContextCache contexts;
  auto spec = compile_probe_spec(settings, contexts);
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error());
  return spec.ok() ? spec.value() : nullptr;
}

// Runs one probe on a fresh loop and proves every handle was closed afterwards.
ProbeResult run_probe(const ProbeSettings& target) {
  uv_loop_t loop;
  EXPECT_EQ(uv_loop_init(&loop), 0);
  std::optional<ProbeResult> result;
  int calls = 0;
  {
    const auto spec = compiled(target);
    const auto dns = make_dns(&loop);
    Probe probe(&loop, *dns);
    EXPECT_TRUE(probe.start(spec, [&](const ProbeResult& r) {
      result = r;
      ++calls;
    }));
    EXPECT_EQ(probe.spec(), spec.get());
    // A second start while one runs is refused (a TICK never starts a probe twice).
    EXPECT_FALSE(probe.start(spec, [&](const ProbeResult&) { ++calls; }));
    EXPECT_TRUE(probe.running());
    while (!result && uv_run(&loop, UV_RUN_ONCE) != 0) {
    }
    EXPECT_FALSE(probe.running());
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
  EXPECT_EQ(calls, 1);
  return result.value_or(ProbeResult{});
}

// Runs one probe of `spec` on a fresh loop while `serve` runs on a thread of its own,
// started once the probe has and `first` (when given) has turned the loop as it needs;
// proves every handle was closed afterwards.
std::optional<ProbeResult> run_probe_while_serving(
    const std::shared_ptr<const ProbeSpec>& spec, const std::function<void()>& serve,
    const std::function<void(uv_loop_t*, const std::optional<ProbeResult>&)>& first = {}) {
  uv_loop_t loop;
  EXPECT_EQ(uv_loop_init(&loop), 0);
  std::optional<ProbeResult> result;
  std::thread server;
  {
    const auto dns = make_dns(&loop);
    Probe probe(&loop, *dns);
    EXPECT_TRUE(probe.start(spec, [&](const ProbeResult& r) { result = r; }));
    if (first)
      first(&loop, result);
    server = std::thread(serve);
    while (!result && uv_run(&loop, UV_RUN_ONCE) != 0) {
    }
  }
  server.join();
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
  return result;
}

TEST(Probe, Ok200AndTheRequestIsSuperlances) {
  std::string request;
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    request = c.read_request();
    c.send(ScriptedServer::response(200, "OK", "hello"));
  });
  const ProbeResult r = run_probe(make_target(server.url("/tasty?x=1#frag")));
  ASSERT_TRUE(server.wait_finished(1, std::chrono::seconds(10)));
  EXPECT_TRUE(r.ok()) << r.outcome;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.outcome, "");  // a good check builds no text; a failure's is tested below
  EXPECT_EQ(request, "GET /tasty?x=1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                         "\r\nUser-Agent: httpok\r\nAccept-Encoding: identity\r\n"
                         "Connection: close\r\n\r\n");
  EXPECT_GT(r.timings.connected_us, 0u);
  EXPECT_GE(r.timings.first_byte_us, r.timings.connected_us);
  EXPECT_GE(r.timings.total_us, r.timings.first_byte_us);
  // The phases add up to the total, and http has no TLS phase.
  std::uint64_t sum = 0;
  for (const ProbePhase& phase : probe_phases(r.timings)) {
    EXPECT_STRNE(phase.name, "tls");
    sum += phase.us;
  }
  EXPECT_EQ(sum, r.timings.total_us);
  EXPECT_EQ(phases_text(r.timings).rfind("connect ", 0), 0u) << phases_text(r.timings);
}

TEST(Probe, HeadWithItsOwnHeadersEndsWithTheHeaders) {
  std::string request;
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    request = c.read_request();
    // A HEAD answer announces a body it does not send (were it a GET, the close would
    // cut that body short: a protocol failure).
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
  });
  ProbeSettings settings = make_target(server.url("/health"), 5000ms);
  settings.method = "HEAD";
  settings.headers = {"Host: api.internal", "X-Check: 1"};
  const ProbeResult r = run_probe(settings);
  ASSERT_TRUE(server.wait_finished(1, std::chrono::seconds(10)));
  EXPECT_TRUE(r.ok()) << r.outcome;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(request,
            "HEAD /health HTTP/1.1\r\nUser-Agent: httpok\r\nAccept-Encoding: identity\r\n"
            "Host: api.internal\r\nX-Check: 1\r\nConnection: close\r\n\r\n");
}

// A one-connection HTTP server on a UNIX socket, for unix_socket targets.
class UnixServer {
 public:
  explicit UnixServer(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    thread_ = std::thread([this] {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0)
        return;
      char buf[4096];
      std::string got;
      while (got.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(client, buf, sizeof buf);
        if (n <= 0)
          break;
        got.append(buf, static_cast<std::size_t>(n));
      }
      request_ = got;
      const std::string answer = ScriptedServer::response(200, "OK", "via the socket");
      EXPECT_EQ(::write(client, answer.data(), answer.size()), static_cast<ssize_t>(answer.size()));
      ::close(client);
    });
  }
  ~UnixServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  // Once the one exchange is over.
  std::string request() {
    thread_.join();
    thread_ = std::thread([] {});
    return request_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
  std::string request_;
};

TEST(Probe, AUnixSocketTargetConnectsThereWithTheUrlsHostAndPath) {
  const std::string path = "/tmp/httpok-probe-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  UnixServer server(path);
  ProbeSettings settings = make_target("http://localhost/health?x=1");
  settings.unix_socket = path;
  const ProbeResult r = run_probe(settings);
  EXPECT_TRUE(r.ok()) << r.outcome;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(server.request().rfind("GET /health?x=1 HTTP/1.1\r\nHost: localhost\r\n", 0), 0u);
}

TEST(Probe, AMissingUnixSocketIsAConnectFailureNamingIt) {
  ProbeSettings settings = make_target("http://localhost/health");
  settings.unix_socket = "/nonexistent/app.sock";
  const ProbeResult r = run_probe(settings);
  EXPECT_EQ(r.failure, ProbeFailure::connect);
  EXPECT_EQ(r.outcome,
            "error contacting http://localhost/health:\n\n [Errno 2] No such file or "
            "directory (UNIX socket /nonexistent/app.sock)");
}

TEST(Probe, BodyAbsentTextFailsTheCheckEvenSplitAcrossReads) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 35\r\n\r\n{\"status\":\"mainte");
    c.pause(50);
    c.send("nance\",\"ok\":true}\n");
  });
  ProbeSettings settings = make_target(server.url());
  settings.body = "\"ok\":true";         // present
  settings.body_absent = "maintenance";  // present too: a bad body
  const ProbeResult r = run_probe(settings);
  EXPECT_EQ(r.failure, ProbeFailure::body) << r.outcome;
  EXPECT_EQ(failure_subject(server.url(), r.failure), server.url() + ": bad body returned");
  settings.body_absent = "down";
  ScriptedServer fine([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "{\"ok\":true}"));
  });
  settings.url = fine.url();
  EXPECT_TRUE(run_probe(settings).ok());
}

TEST(Probe, BodyRegexMatchesTheBodyEvenSplitAcrossReadsWithinMaxBody) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    const std::string head = "{\"status\":  ", tail = "\"ok\", \"n\": 12}";
    c.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(head.size() + tail.size()) +
           "\r\n\r\n" + head);
    c.pause(50);
    c.send(tail);
  });
  ProbeSettings t = make_target(server.url());
  t.body_regex = "\"status\": *\"ok\"";
  EXPECT_TRUE(run_probe(t).ok());
  t.body_regex = "\"status\": *\"down\"";
  const ProbeResult bad = run_probe(t);
  EXPECT_EQ(bad.failure, ProbeFailure::body);
  EXPECT_EQ(bad.outcome, "status contacting " + server.url() + ": 200 OK");
  // Both -b and the pattern must hold.
  t.body_regex = "\"n\": [0-9]+";
  t.body = "status";
  EXPECT_TRUE(run_probe(t).ok());
  t.body = "missing";
  EXPECT_EQ(run_probe(t).failure, ProbeFailure::body);
  // Only the first max_body bytes are searched.
  t.body.reset();
  t.max_body = 16;
  EXPECT_EQ(run_probe(t).failure, ProbeFailure::body);
}

TEST(Probe, ABodyRegexThatBacktracksTooMuchIsALocalErrorNotTheTargets) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", std::string(40, 'a') + "b"));
  });
  ProbeSettings t = make_target(server.url());
  t.body_regex = "(a+)+$";
  const ProbeResult r = run_probe(t);
  EXPECT_EQ(r.failure, ProbeFailure::local);
  EXPECT_EQ(r.outcome, "error contacting " + server.url() +
                           ":\n\n body_regex '(a+)+$' gave up on this body (too much "
                           "backtracking); simplify the pattern");
}

TEST(ProbeSpec, ABadBodyRegexIsRefusedNamingIt) {
  ProbeSettings t = make_target("http://127.0.0.1:1/");
  t.body_regex = "(ok";
  tls::ContextCache contexts;
  const auto spec = compile_probe_spec(t, contexts);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error(), "bad body_regex '(ok': missing closing parenthesis at offset 3");
}

TEST(Probe, AFailureNamesTheUrlAsGivenQueryAndFragmentIncluded) {
  // superlance's text, in the case it is told: a 200 whose body lacks -b's text.
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "hello"));
  });
  ProbeSettings t = make_target(server.url("/tasty?x=1#frag"));
  t.body = "goodbye";
  const ProbeResult r = run_probe(t);
  EXPECT_EQ(r.failure, ProbeFailure::body);
  EXPECT_EQ(r.outcome, "status contacting " + server.url("/tasty?x=1#frag") + ": 200 OK");
}

TEST(Probe, Status500IsAFailure) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(500, "Internal Server Error", "oops"));
  });
  const ProbeResult r = run_probe(make_target(server.url()));
  EXPECT_EQ(r.failure, ProbeFailure::status);
  EXPECT_EQ(r.outcome, "status contacting " + server.url() + ": 500 Internal Server Error");
}

TEST(Probe, ExpectedCodesList) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(301, "Moved Permanently", ""));
  });
  ProbeSettings t = make_target(server.url());
  EXPECT_EQ(run_probe(t).failure, ProbeFailure::status);  // redirects are not followed
  t.codes = {200, 301};
  EXPECT_TRUE(run_probe(t).ok());
}

TEST(Probe, BodyPresentSplitAcrossReads) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nall systems ");
    c.pause(50);
    c.send("go!!!!!!");
  });
  ProbeSettings t = make_target(server.url());
  t.body = "systems go";
  const ProbeResult r = run_probe(t);
  EXPECT_TRUE(r.ok()) << r.outcome;
}

TEST(Probe, BodyAbsent) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "all systems down"));
  });
  ProbeSettings t = make_target(server.url());
  t.body = "systems go";
  const ProbeResult r = run_probe(t);
  EXPECT_EQ(r.failure, ProbeFailure::body);
  EXPECT_EQ(r.outcome, "status contacting " + server.url() + ": 200 OK");
}

TEST(Probe, Chunked) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nsyst\r\n");
    c.pause(20);
    c.send("6\r\nems go\r\n0\r\n\r\n");
  });
  ProbeSettings t = make_target(server.url());
  t.body = "systems go";
  EXPECT_TRUE(run_probe(t).ok());
}

TEST(Probe, CloseDelimited) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.0 200 OK\r\n\r\nsystems go, and then the server closes");
  });
  ProbeSettings t = make_target(server.url());
  t.body = "then the server closes";
  EXPECT_TRUE(run_probe(t).ok());
}

TEST(Probe, TruncatedBodyIsAProtocolFailure) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  });
  const ProbeResult r = run_probe(make_target(server.url()));
  EXPECT_EQ(r.failure, ProbeFailure::protocol);
  EXPECT_NE(r.outcome.find("error contacting " + server.url() + ":\n\n "), std::string::npos);
  EXPECT_EQ(r.timings.unfinished, ProbeTimings::Unfinished::transfer);
  EXPECT_NE(phases_text(r.timings).find(", receiving "), std::string::npos);
}

TEST(Probe, ClosedWithoutResponse) {
  ScriptedServer server([](ScriptedServer::Connection& c) { c.read_request(); });
  const ProbeResult r = run_probe(make_target(server.url()));
  EXPECT_EQ(r.failure, ProbeFailure::protocol);
  EXPECT_EQ(r.outcome,
            error_outcome(server.url(), "Remote end closed connection without response"));
}

// A port on which nothing listens: bound, never listening, so connects are refused.
struct RefusingPort {
  int fd = -1;
  std::uint16_t port = 0;
  RefusingPort() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~RefusingPort() { ::close(fd); }
};

TEST(Probe, ConnectionRefused) {
  RefusingPort refusing;
  const std::string url = "http://127.0.0.1:" + std::to_string(refusing.port) + "/";
  const ProbeResult r = run_probe(make_target(url, 2000ms));  // retry_time 10 s: no room
  EXPECT_EQ(r.failure, ProbeFailure::connect);
  EXPECT_EQ(r.outcome, "error contacting " + url + ":\n\n [Errno 111] Connection refused");
}

TEST(Probe, ARequestThatWaitsForItsConnectionIsSentOnceWhenItIsMade) {
  // The accept queue is full when the probe connects: its SYN is dropped and sent again
  // a second later, so the connection is not made within connect(), and the request
  // waits for it. The server makes room only once the probe has started.
  RefusingPort port;
  ASSERT_EQ(::listen(port.fd, 1), 0);
  const std::vector<int> fillers = test::fill_accept_queue(port.fd);
  const auto spec =
      compiled(make_target("http://127.0.0.1:" + std::to_string(port.port) + "/up", 5000ms));
  std::string received;
  const auto result = run_probe_while_serving(spec, [&] {
    for (std::size_t i = 0; i <= fillers.size(); ++i) {
      pollfd p{port.fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) != 1)
        return;
      const int conn = ::accept(port.fd, nullptr, nullptr);
      if (i < fillers.size()) {  // a filler: the queue has room again
        ::close(conn);
        continue;
      }
      const timeval wait{5, 0};
      ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
      char buf[1024];
      while (received.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(conn, buf, sizeof buf, 0);
        if (n <= 0)
          break;
        received.append(buf, static_cast<std::size_t>(n));
      }
      const std::string resp = ScriptedServer::response(200, "OK", "up");
      (void)!::send(conn, resp.data(), resp.size(), MSG_NOSIGNAL);
      // Whatever else comes until the probe closes: a second request would show here.
      for (ssize_t n = 0; (n = ::recv(conn, buf, sizeof buf, 0)) > 0;)
        received.append(buf, static_cast<std::size_t>(n));
      ::close(conn);
    }
  });
  for (const int fd : fillers)
    ::close(fd);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->ok()) << result->outcome;
  EXPECT_EQ(test::count_of(received, "GET /up HTTP/1.1"), 1u) << received;
  EXPECT_GE(result->timings.connected_us, 500'000u);  // by the SYN sent again, not at once
}

TEST(ProbeSpec, IsCompiledOnceWithItsRequestAndTlsContext) {
  tls::ContextCache contexts;
  ProbeSettings http = make_target("http://u:p@127.0.0.1:8080/health?x=1");
  http.tls.cafile = "/nonexistent/ca.pem";  // not read: the URL is http
  auto spec = compile_probe_spec(http, contexts);
  ASSERT_TRUE(spec.ok()) << spec.error();
  EXPECT_EQ(spec.value()->connect.port, 8080);
  EXPECT_EQ(spec.value()->connect.host, "127.0.0.1");
  EXPECT_FALSE(spec.value()->https);
  EXPECT_EQ(spec.value()->request, build_get_request(parse_url(http.url).value()));
  EXPECT_EQ(spec.value()->tls, nullptr);
  EXPECT_EQ(spec.value()->needle(), "");
  EXPECT_EQ(contexts.size(), 0u);

  ProbeSettings https = make_target("https://127.0.0.1/");
  https.body = "ok";
  auto a = compile_probe_spec(https, contexts);
  https.tls_server_name = "other.example";  // the session's, not the context's
  auto b = compile_probe_spec(https, contexts);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.value()->tls, nullptr);
  EXPECT_EQ(a.value()->tls, b.value()->tls);
  EXPECT_EQ(contexts.size(), 1u);
  EXPECT_EQ(a.value()->needle(), "ok");

  https.tls.cafile = "/nonexistent/ca.pem";
  auto bad_file = compile_probe_spec(https, contexts);
  ASSERT_FALSE(bad_file.ok());
  EXPECT_NE(bad_file.error().find("--cafile /nonexistent/ca.pem"), std::string::npos)
      << bad_file.error();
  auto bad_url = compile_probe_spec(make_target("ftp://x/"), contexts);
  ASSERT_FALSE(bad_url.ok());
  EXPECT_NE(bad_url.error().find("unsupported scheme 'ftp'"), std::string::npos);
}

TEST(Probe, OneEngineProbesOneSpecAfterAnother) {
  ScriptedServer ok([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  ScriptedServer down([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(503, "Service Unavailable", "needle"));
  });
  ProbeSettings needs_body = make_target(down.url());
  needs_body.codes = {503};
  needs_body.body = "needle";
  const auto first = compiled(make_target(ok.url()));
  const auto second = compiled(needs_body);
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  {
    const auto dns = make_dns(&loop);
    Probe engine(&loop, *dns);
    std::vector<ProbeResult> results;
    for (const auto& spec : {first, second, first}) {
      std::optional<ProbeResult> result;
      ASSERT_TRUE(engine.start(spec, [&](const ProbeResult& r) { result = r; }));
      while (!result && uv_run(&loop, UV_RUN_ONCE) != 0) {
      }
      ASSERT_TRUE(result.has_value());
      results.push_back(*result);
    }
    EXPECT_TRUE(results[0].ok()) << results[0].outcome;
    EXPECT_EQ(results[0].status, 200);
    EXPECT_TRUE(results[1].ok()) << results[1].outcome;  // 503 expected, needle found
    EXPECT_EQ(results[1].status, 503);
    EXPECT_TRUE(results[2].ok()) << results[2].outcome;
    EXPECT_EQ(ok.connections(), 2);
    EXPECT_EQ(down.connections(), 1);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(Probe, TheNextProbeMayStartFromInsideTheCallback) {
  // As the app does: an engine's callback hands the engine to the next target at once.
  ScriptedServer ok([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", "fine"));
  });
  const auto refused = compiled(make_target("http://127.0.0.1:1/"));
  const auto fine = compiled(make_target(ok.url()));
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  std::vector<ProbeResult> results;
  {
    const auto dns = make_dns(&loop);
    Probe engine(&loop, *dns);
    ASSERT_TRUE(engine.start(refused, [&](const ProbeResult& first) {
      results.push_back(first);
      EXPECT_FALSE(engine.running());
      EXPECT_TRUE(
          engine.start(fine, [&](const ProbeResult& second) { results.push_back(second); }));
    }));
    while (results.size() < 2 && uv_run(&loop, UV_RUN_ONCE) != 0) {
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].failure, ProbeFailure::connect);
  EXPECT_TRUE(results[1].ok()) << results[1].outcome;
}

TEST(Probe, RefusedConnectIsRetriedWithinTheDeadline) {
  RefusingPort refusing;
  const std::string url = "http://127.0.0.1:" + std::to_string(refusing.port) + "/";
  ProbeSettings t = make_target(url, 5000ms);
  t.retry_time = 300ms;
  const auto serve = [&] {
    pollfd p{refusing.fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1)
      return;
    const int conn = ::accept(refusing.fd, nullptr, nullptr);
    char buf[1024];
    (void)!::recv(conn, buf, sizeof buf, 0);
    const std::string resp = ScriptedServer::response(200, "OK", "up");
    (void)!::send(conn, resp.data(), resp.size(), MSG_NOSIGNAL);
    ::close(conn);
  };
  // The first attempt goes out on the first turn of the loop and is refused; the service
  // comes up 0.1 s later, before the retry.
  const auto refused_first = [&](uv_loop_t* loop, const std::optional<ProbeResult>& so_far) {
    const auto up_at = std::chrono::steady_clock::now() + 100ms;
    while (std::chrono::steady_clock::now() < up_at)
      uv_run(loop, UV_RUN_NOWAIT);
    EXPECT_FALSE(so_far.has_value());
    EXPECT_EQ(::listen(refusing.fd, 8), 0);
  };
  const auto result = run_probe_while_serving(compiled(t), serve, refused_first);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->ok()) << result->outcome;
  // Connected by the retry, 0.3 s after the refusal (the loop's timers count whole
  // milliseconds from a cached clock, hence the margin), not by the first try.
  EXPECT_GE(result->timings.connected_us, 250'000u);
}

TEST(Probe, DnsFailure) {
  // A generous deadline: a name server that does not answer takes the resolver's own
  // time-outs (seconds per try) to fail, and the text must still be the resolver's.
  const ProbeResult r = run_probe(make_target("http://nonexistent.invalid/", 60s));
  EXPECT_EQ(r.failure, ProbeFailure::dns);
  // Python's socket.gaierror text, e.g. "[Errno -2] Name or service not known" (or
  // "[Errno -3] Temporary failure in name resolution" on a machine without DNS).
  EXPECT_EQ(r.outcome.rfind("error contacting http://nonexistent.invalid/:\n\n [Errno -", 0), 0u)
      << r.outcome;
}

TEST(Probe, ServerThatNeverAnswersHitsTheDeadline) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.hold();
  });
  const ProbeResult r = run_probe(make_target(server.url(), 500ms));
  EXPECT_EQ(r.failure, ProbeFailure::timeout);
  EXPECT_EQ(r.outcome,
            error_outcome(server.url(), "timed out after 500 ms waiting for the response"));
  // The log line says where the time went: connected, then waiting until the deadline.
  EXPECT_EQ(r.timings.unfinished, ProbeTimings::Unfinished::processing);
  const std::string text = phases_text(r.timings);
  EXPECT_EQ(text.rfind("connect ", 0), 0u) << text;
  const std::size_t waiting = text.find(", waiting ");
  ASSERT_NE(waiting, std::string::npos) << text;
  EXPECT_GT(std::stod(text.substr(waiting + 10)), 400.0) << text;  // about the 500 ms
}

TEST(Probe, DrippingServerStillHitsTheOneDeadline) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    while (c.pause(200))
      c.send("x");  // one byte every 200 ms, forever
  });
  const ProbeResult r = run_probe(make_target(server.url(), 1000ms));
  EXPECT_EQ(r.failure, ProbeFailure::timeout);
  // One deadline for the whole probe, not per read (generous bound against a slow CI).
  EXPECT_LT(r.timings.total_us, 4'000'000u);
}

TEST(Probe, BodyBeyondMaxBodyIsNotSeen) {
  const std::string body = std::string(5000, 'a') + "systems go";
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(ScriptedServer::response(200, "OK", body));
  });
  ProbeSettings t = make_target(server.url());
  t.body = "systems go";
  t.max_body = 4096;
  EXPECT_EQ(run_probe(t).failure, ProbeFailure::body);
  t.max_body = 8192;
  EXPECT_TRUE(run_probe(t).ok());
}

TEST(Probe, LargeBodyWithoutMatchStopsReadingAtTheCap) {
  // 64 MiB of body with a 64 KiB cap: the probe hangs up long before the server is done
  // (socket buffers hold a few MiB at most), so the server cannot send it all.
  constexpr std::size_t kTotal = std::size_t{64} << 20;
  std::atomic<std::size_t> sent{0};
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kTotal) + "\r\n\r\n");
    const std::string chunk(65536, 'z');
    while (sent < kTotal) {
      const ssize_t n = ::send(c.fd(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return;  // the probe hung up
      sent += static_cast<std::size_t>(n);
    }
  });
  ProbeSettings t = make_target(server.url());
  t.max_body = 65536;
  const ProbeResult r = run_probe(t);
  EXPECT_TRUE(r.ok()) << r.outcome;
  ASSERT_TRUE(server.wait_finished(1, 30s));
  EXPECT_LT(sent.load(), kTotal);
}

TEST(Probe, Ipv6Loopback) {
  ScriptedServer server(
      [](ScriptedServer::Connection& c) {
        c.read_request();
        c.send(ScriptedServer::response(200, "OK", "v6"));
      },
      true);
  if (!server.listening())
    GTEST_SKIP() << "no IPv6 loopback on this machine";
  EXPECT_TRUE(run_probe(make_target(server.url())).ok());
}

TEST(Probe, HttpsWithoutContextFailsClearly) {
  // compile_probe_spec always gives an https spec its context; a spec made by hand may not.
  auto spec = std::make_shared<ProbeSpec>();
  spec->settings = std::make_shared<const ProbeSettings>(make_target("https://127.0.0.1:1/"));
  spec->https = true;
  spec->connect.set_host("127.0.0.1", 1);
  spec->request = build_get_request(parse_url(spec->settings->url).value());
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  std::optional<ProbeResult> result;
  {
    const auto dns = make_dns(&loop);
    Probe probe(&loop, *dns);
    ASSERT_TRUE(probe.start(spec, [&](const ProbeResult& r) { result = r; }));
    EXPECT_FALSE(result.has_value());  // never before start() returns
    while (!result && uv_run(&loop, UV_RUN_ONCE) != 0) {
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->failure, ProbeFailure::tls);
  EXPECT_NE(result->outcome.find("https is not configured"), std::string::npos);
}

TEST(Probe, CancelCallsNothingAndLeaksNothing) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.hold();
  });
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  int calls = 0;
  {
    const auto dns = make_dns(&loop);
    Probe probe(&loop, *dns);
    probe.start(compiled(make_target(server.url())), [&](const ProbeResult&) { ++calls; });
    // Run until the server has the connection, then cancel mid-exchange.
    while (server.connections() == 0)
      uv_run(&loop, UV_RUN_NOWAIT);
    probe.cancel();
    EXPECT_FALSE(probe.running());
    EXPECT_EQ(probe.spec(), nullptr);  // an idle engine holds no target
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
  EXPECT_EQ(calls, 0);
}

// Resets the connection (RST, not FIN): SO_LINGER with a zero time, then close.
void reset(ScriptedServer::Connection& c) {
  const linger hard{1, 0};
  ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::shutdown(c.fd(), SHUT_RD);
}

// reuse_connection: one HTTP/1.1 connection for a target's checks, through the pool that
// keeps it for the target's spec; a dead kept connection is never a failure.
const std::string kKeepAlive = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

struct Reuse : ::testing::Test {
  Reuse() {
    EXPECT_EQ(uv_loop_init(&loop), 0);
    dns = make_dns(&loop);
    pool = std::make_unique<EnginePool>(&loop, *dns);
  }
  ~Reuse() override {
    pool.reset();  // closes the kept connections
    dns.reset();
    uv_run(&loop, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop), 0);
  }
  // One check of `spec` on the pool's engine for it, then the engine back to the pool.
  ProbeResult check(const std::shared_ptr<const ProbeSpec>& spec) {
    Probe& engine = pool->take(spec.get());
    std::optional<ProbeResult> result;
    EXPECT_TRUE(engine.start(spec, [&](const ProbeResult& r) { result = r; }));
    while (!result && uv_run(&loop, UV_RUN_ONCE) != 0) {
    }
    pool->give(engine);
    return result.value_or(ProbeResult{});
  }
  static std::shared_ptr<const ProbeSpec> reusing(const std::string& url) {
    ProbeSettings t = make_target(url, 2000ms);
    t.reuse_connection = true;
    return compiled(t);
  }

  uv_loop_t loop;
  std::unique_ptr<net::Dns> dns;
  std::unique_ptr<EnginePool> pool;
  std::mutex mutex;
  std::vector<std::string> requests;
  void record(const std::string& request) {
    std::lock_guard<std::mutex> lock(mutex);
    requests.push_back(request);
  }
};

TEST_F(Reuse, AKeptConnectionServesTheNextChecks) {
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    for (std::string request = c.read_request(); !request.empty(); request = c.read_request()) {
      record(request);
      c.send(kKeepAlive);
    }
  });
  const auto spec = reusing(server.url());
  for (int i = 0; i < 3; ++i) {
    const ProbeResult r = check(spec);
    EXPECT_TRUE(r.ok()) << r.outcome;
    EXPECT_EQ(pool->kept(), 1u);
    // A reused check has no connect phase, and its processing counts from 0.
    EXPECT_EQ(r.timings.reused, i > 0);
    const std::string phases = phases_text(r.timings);
    EXPECT_EQ(phases.find("connect "), i > 0 ? std::string::npos : 0u) << phases;
    EXPECT_NE(phases.find("processing "), std::string::npos) << phases;
  }
  EXPECT_EQ(server.connections(), 1);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].find("Connection:"), std::string::npos) << requests[0];
}

TEST_F(Reuse, ADeadKeptConnectionIsTriedAgainOnANewOne) {
  // Each connection answers one request, then takes the next one and hangs up unanswered
  // (a server that closed its side as the request went out), or resets it.
  for (const bool reset_it : {false, true}) {
    requests.clear();
    ScriptedServer server([&](ScriptedServer::Connection& c) {
      record(c.read_request());
      c.send(kKeepAlive);
      c.read_request();
      if (reset_it)
        reset(c);
    });
    const auto spec = reusing(server.url());
    for (int i = 0; i < 3; ++i) {
      const ProbeResult r = check(spec);
      EXPECT_TRUE(r.ok()) << reset_it << " " << i << ": " << r.outcome;
    }
    EXPECT_EQ(server.connections(), 3) << reset_it;  // checks 2 and 3 each retried once
    pool->forget(spec.get());
  }
}

TEST_F(Reuse, A408OnAKeptConnectionIsItsEndNotTheAnswer) {
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(kKeepAlive);
    if (!c.read_request().empty())  // the idle timeout, as nginx or Go say it
      c.send("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  const auto spec = reusing(server.url());
  EXPECT_TRUE(check(spec).ok());
  const ProbeResult r = check(spec);
  EXPECT_TRUE(r.ok()) << r.outcome;
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(Reuse, AnIdleConnectionTheServerClosedIsNotUsed) {
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    record(c.read_request());
    c.send(kKeepAlive);  // and closes, which the idle engine hears
  });
  const auto spec = reusing(server.url());
  EXPECT_TRUE(check(spec).ok());
  ASSERT_TRUE(server.wait_finished(1, 10s));
  // The close arrives while the engine is idle, and it lets the connection go.
  Probe& engine = pool->take(spec.get());
  net::Timer guard(&loop);
  bool late = false;
  guard.start(10000, [&] { late = true; });
  while (engine.kept_for() != nullptr && !late && uv_run(&loop, UV_RUN_ONCE) != 0) {
  }
  guard.stop();
  EXPECT_EQ(engine.kept_for(), nullptr);
  pool->give(engine);
  const ProbeResult r = check(spec);
  EXPECT_TRUE(r.ok()) << r.outcome;
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(Reuse, WhatTheAnswerSaysDecides) {
  // Connection: close, HTTP/1.0 without keep-alive, a body cut at max_body, bytes after the
  // answer: the connection is not kept.
  const std::vector<std::string> answers{
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
      "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n"};
  for (const std::string& answer : answers) {
    // (The server takes one connection at a time: it hangs up after each answer.)
    ScriptedServer server([&](ScriptedServer::Connection& c) {
      c.read_request();
      c.send(answer);
    });
    const auto spec = reusing(server.url());
    EXPECT_TRUE(check(spec).ok()) << answer;
    EXPECT_EQ(pool->kept(), 0u) << answer;
    EXPECT_TRUE(check(spec).ok()) << answer;
    EXPECT_EQ(server.connections(), 2) << answer;
  }
}

TEST_F(Reuse, AFailedAnswerOnAKeptConnectionIsTheTargetsNotRetried) {
  std::atomic<int> answered{0};
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    for (std::string request = c.read_request(); !request.empty(); request = c.read_request())
      c.send(answered++ == 0 ? kKeepAlive : "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
  });
  const auto spec = reusing(server.url());
  EXPECT_TRUE(check(spec).ok());
  const ProbeResult r = check(spec);
  EXPECT_EQ(r.failure, ProbeFailure::status);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(Reuse, NoMoreKeptThanThePoolAllows) {
  pool = std::make_unique<EnginePool>(&loop, *dns, 1);  // room for one
  // (A scripted server takes one connection at a time: one server per target.)
  const auto keep_alive = [](ScriptedServer::Connection& c) {
    for (std::string request = c.read_request(); !request.empty(); request = c.read_request())
      c.send(kKeepAlive);
  };
  ScriptedServer server_a(keep_alive);
  ScriptedServer server_b(keep_alive);
  const auto a = reusing(server_a.url());
  const auto b = reusing(server_b.url());
  EXPECT_TRUE(check(a).ok());
  EXPECT_TRUE(check(b).ok());  // its connection closes after it: no room
  EXPECT_EQ(pool->kept(), 1u);
  EXPECT_TRUE(check(a).ok());  // still on its first connection
  EXPECT_TRUE(check(b).ok());  // a new one
  EXPECT_EQ(server_a.connections(), 1);
  EXPECT_EQ(server_b.connections(), 2);
}

TEST_F(Reuse, AKeptConnectionTheServerClosesLeavesThePoolAtOnce) {
  pool = std::make_unique<EnginePool>(&loop, *dns, 1);  // room for one
  ScriptedServer server_a([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send(kKeepAlive);  // and closes, which the idle engine hears
  });
  ScriptedServer server_b([](ScriptedServer::Connection& c) {
    for (std::string request = c.read_request(); !request.empty(); request = c.read_request())
      c.send(kKeepAlive);
  });
  const auto a = reusing(server_a.url());
  EXPECT_TRUE(check(a).ok());
  EXPECT_EQ(pool->kept(), 1u);
  net::Timer guard(&loop);
  bool late = false;
  guard.start(10000, [&] { late = true; });
  while (pool->kept() > 0 && !late && uv_run(&loop, UV_RUN_ONCE) != 0) {
  }
  guard.stop();
  EXPECT_EQ(pool->kept(), 0u);  // no check needed to find it dead
  const auto b = reusing(server_b.url());
  EXPECT_TRUE(check(b).ok());
  EXPECT_TRUE(check(b).ok());
  EXPECT_EQ(pool->kept(), 1u);
  EXPECT_EQ(server_b.connections(), 1);  // the room a's connection left is b's
}

TEST_F(Reuse, OffByDefault) {
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    record(c.read_request());
    c.send(kKeepAlive);
  });
  const auto spec = compiled(make_target(server.url(), 2000ms));
  EXPECT_TRUE(check(spec).ok());
  EXPECT_TRUE(check(spec).ok());
  EXPECT_EQ(pool->kept(), 0u);
  EXPECT_EQ(server.connections(), 2);
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_NE(requests[0].find("Connection: close\r\n"), std::string::npos) << requests[0];
}

// The fault matrix, target side (tests/README.md): what a misbehaving server does to
// one probe. Each ends in a failure of the right kind within the deadline, and none
// makes the probe read without bound.

TEST(Fault, ResetMidHeaders) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nContent-Le");
    c.pause(50);
    reset(c);
  });
  const ProbeResult r = run_probe(make_target(server.url()));
  EXPECT_EQ(r.failure, ProbeFailure::protocol) << r.outcome;
  EXPECT_EQ(r.outcome, error_outcome(server.url(), "[Errno 104] Connection reset by peer"));
}

TEST(Fault, ResetMidBody) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf of it");
    c.pause(50);
    reset(c);
  });
  const ProbeResult r = run_probe(make_target(server.url()));
  EXPECT_EQ(r.failure, ProbeFailure::protocol) << r.outcome;
  EXPECT_EQ(r.outcome, error_outcome(server.url(), "[Errno 104] Connection reset by peer"));
  EXPECT_EQ(r.timings.unfinished, ProbeTimings::Unfinished::transfer);
}

TEST(Fault, AcceptsAndNeverReads) {
  ScriptedServer server([](ScriptedServer::Connection& c) { c.hold(); });  // reads nothing
  const ProbeResult r = run_probe(make_target(server.url(), 500ms));
  EXPECT_EQ(r.failure, ProbeFailure::timeout);
  EXPECT_EQ(r.outcome,
            error_outcome(server.url(), "timed out after 500 ms waiting for the response"));
}

TEST(Fault, HundredMegabytesOfHeadersAreCutAtTheCap) {
  std::atomic<std::size_t> sent{0};
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    c.read_request();
    std::string lines = "HTTP/1.1 200 OK\r\n";
    while (lines.size() < 65536)
      lines += "X-Padding: " + std::string(100, 'p') + "\r\n";
    while (sent < (std::size_t{100} << 20)) {
      const ssize_t n = ::send(c.fd(), lines.data(), lines.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return;  // the probe hung up
      sent += static_cast<std::size_t>(n);
    }
  });
  const ProbeResult r = run_probe(make_target(server.url()));
  EXPECT_EQ(r.failure, ProbeFailure::protocol) << r.outcome;
  EXPECT_EQ(r.outcome, error_outcome(server.url(), "response headers longer than 65536 bytes"));
  ASSERT_TRUE(server.wait_finished(1, 30s));
  EXPECT_LT(sent.load(), std::size_t{100} << 20);  // it stopped reading
}

TEST(Fault, EndlessChunkedBodyIsReadUpToMaxBody) {
  std::atomic<std::size_t> sent{0};
  ScriptedServer server([&](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "1000\r\n" + std::string(0x1000, 'c') + "\r\n";
    for (;;) {  // no last chunk, ever
      const ssize_t n = ::send(c.fd(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return;
      sent += static_cast<std::size_t>(n);
    }
  });
  ProbeSettings t = make_target(server.url());
  t.max_body = 65536;
  t.body = "never there";
  const ProbeResult r = run_probe(t);
  EXPECT_EQ(r.failure, ProbeFailure::body) << r.outcome;
  ASSERT_TRUE(server.wait_finished(1, 30s));
  EXPECT_LT(sent.load(), std::size_t{64} << 20);
}

TEST(Fault, InvalidHttpIsAProtocolFailure) {
  ScriptedServer server([](ScriptedServer::Connection& c) {
    c.read_request();
    c.send("SSH-2.0-OpenSSH_9.2\r\n");
  });
  const ProbeResult r = run_probe(make_target(server.url()));
  EXPECT_EQ(r.failure, ProbeFailure::protocol) << r.outcome;
  EXPECT_NE(r.outcome.find("malformed HTTP response"), std::string::npos) << r.outcome;
}

TEST(Fault, ANameServerThatNeverAnswersEndsAtTheDeadline) {
  test::TestNameServer silent({}, /*silent=*/true);
  ::setenv("HTTPOK_DNS_SERVERS", silent.servers().c_str(), 1);
  const ProbeResult r = run_probe(make_target("http://api.example:8080/", 1000ms));
  ::unsetenv("HTTPOK_DNS_SERVERS");
  EXPECT_EQ(r.failure, ProbeFailure::timeout) << r.outcome;
  EXPECT_EQ(r.outcome, error_outcome("http://api.example:8080/",
                                     "timed out after 1 s resolving the host name"))
      << r.outcome;
  EXPECT_EQ(r.timings.unfinished, ProbeTimings::Unfinished::resolve);
  EXPECT_GE(silent.queries(), 1);
}

}  // namespace
}  // namespace httpok
