// Lookups through c-ares on the loop: answers from a name server and from /etc/hosts,
// overlapping lookups of one name sharing one query, cancel, and shutdown with lookups in
// flight (the loop ends at once, nothing calls back).
#include "httpok/dns.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "httpok/connector.hpp"
#include "support/name_server.hpp"
#include "support/test_support.hpp"

namespace httpok::net {
namespace {

using namespace std::chrono_literals;
using test::TestNameServer;

struct Answer {
  int status = 1;
  std::vector<sockaddr_storage> addresses;
};

std::string text_of(const sockaddr_storage& address) {
  char buffer[INET6_ADDRSTRLEN] = {};
  std::uint16_t port = 0;
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &in.sin_addr, buffer, sizeof buffer);
    port = ntohs(in.sin_port);
  } else {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &in6.sin6_addr, buffer, sizeof buffer);
    port = ntohs(in6.sin6_port);
  }
  return std::string(buffer) + ":" + std::to_string(port);
}

class DnsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    dns_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  Dns& dns(const std::string& servers) {
    auto created = Dns::create(&loop_, servers);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error());
    dns_ = std::move(created).value();
    return *dns_;
  }
  // Runs the loop until `done` holds (the loop has work until then).
  template <class F>
  void run_until(F done) {
    while (!done() && uv_run(&loop_, UV_RUN_ONCE) != 0) {
    }
  }

  uv_loop_t loop_;
  std::unique_ptr<Dns> dns_;
};

TEST_F(DnsTest, OverlappingLookupsOfOneNameShareOneQueryEachWithItsPort) {
  TestNameServer server(std::map<std::string, std::string>{{"app.test", "127.0.0.1"}});
  Dns& d = dns(server.servers());
  constexpr int kLookups = 20;
  std::vector<std::unique_ptr<Resolver>> resolvers;
  std::vector<std::optional<Answer>> answers(kLookups);
  for (int i = 0; i < kLookups; ++i) {
    resolvers.push_back(std::make_unique<Resolver>(d));
    resolvers.back()->resolve("app.test", static_cast<std::uint16_t>(8000 + i),
                              [&answers, i](int status, std::vector<sockaddr_storage> found) {
                                answers[i] = Answer{status, std::move(found)};
                              });
  }
  EXPECT_FALSE(answers[0].has_value());  // never before resolve() returns
  run_until([&] { return answers.back().has_value(); });
  for (int i = 0; i < kLookups; ++i) {
    ASSERT_TRUE(answers[i].has_value()) << i;
    EXPECT_EQ(answers[i]->status, 0) << i;
    ASSERT_EQ(answers[i]->addresses.size(), 1u) << i;
    EXPECT_EQ(text_of(answers[i]->addresses[0]), "127.0.0.1:" + std::to_string(8000 + i));
  }
  EXPECT_EQ(d.queries_sent(), 1u);
  EXPECT_LE(server.queries(), 2);  // one A and one AAAA question, for all twenty

  // Once answered, the next lookup asks again (answers are not cached).
  std::optional<Answer> again;
  resolvers[0]->resolve("app.test", 80, [&](int status, std::vector<sockaddr_storage> found) {
    again = Answer{status, std::move(found)};
  });
  run_until([&] { return again.has_value(); });
  EXPECT_EQ(again->status, 0);
  EXPECT_EQ(d.queries_sent(), 2u);
}

TEST_F(DnsTest, AnUnknownNameIsNameOrServiceNotKnown) {
  TestNameServer server;
  Dns& d = dns(server.servers());
  Resolver resolver(d);
  std::optional<Answer> answer;
  resolver.resolve("nosuch.test", 80, [&](int status, std::vector<sockaddr_storage> found) {
    answer = Answer{status, std::move(found)};
  });
  run_until([&] { return answer.has_value(); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, UV_EAI_NONAME);
  EXPECT_TRUE(answer->addresses.empty());
  EXPECT_EQ(resolve_error_text(answer->status), "[Errno -2] Name or service not known");
}

TEST_F(DnsTest, LocalhostAndIpLiteralsNeedNoNameServer) {
  TestNameServer silent({}, true);
  Dns& d = dns(silent.servers());
  Resolver by_name(d), by_literal(d);
  std::optional<Answer> name, literal;
  by_name.resolve("localhost", 8080, [&](int status, std::vector<sockaddr_storage> found) {
    name = Answer{status, std::move(found)};
  });
  by_literal.resolve("::1", 9001, [&](int status, std::vector<sockaddr_storage> found) {
    literal = Answer{status, std::move(found)};
  });
  EXPECT_FALSE(name.has_value());  // even a hosts-file answer comes from the loop
  run_until([&] { return name.has_value() && literal.has_value(); });
  ASSERT_TRUE(name.has_value());
  ASSERT_EQ(name->status, 0);
  std::vector<std::string> texts;
  for (const auto& address : name->addresses)
    texts.push_back(text_of(address));
  EXPECT_NE(std::find(texts.begin(), texts.end(), "127.0.0.1:8080"), texts.end());
  ASSERT_TRUE(literal.has_value());
  ASSERT_EQ(literal->status, 0);
  ASSERT_EQ(literal->addresses.size(), 1u);
  EXPECT_EQ(text_of(literal->addresses[0]), "::1:9001");
  EXPECT_EQ(silent.queries(), 0);  // /etc/hosts, not the name server
}

TEST_F(DnsTest, ACancelledLookupNeverCallsBackAndTheOthersStillGetTheAnswer) {
  TestNameServer server(std::map<std::string, std::string>{{"app.test", "127.0.0.1"}});
  Dns& d = dns(server.servers());
  Resolver cancelled(d), kept(d);
  int cancelled_calls = 0;
  std::optional<Answer> answer;
  cancelled.resolve("app.test", 80, [&](int, std::vector<sockaddr_storage>) { ++cancelled_calls; });
  kept.resolve("app.test", 81, [&](int status, std::vector<sockaddr_storage> found) {
    answer = Answer{status, std::move(found)};
  });
  cancelled.cancel();
  run_until([&] { return answer.has_value(); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 0);
  EXPECT_EQ(cancelled_calls, 0);
}

TEST_F(DnsTest, ShutdownWithLookupsInFlightLetsTheLoopEndAtOnce) {
  TestNameServer silent({}, true);
  Dns& d = dns(silent.servers());
  Resolver resolver(d);
  int calls = 0;
  resolver.resolve("slow.test", 80, [&](int, std::vector<sockaddr_storage>) { ++calls; });
  ASSERT_TRUE(test::wait_until(
      [&] {
        uv_run(&loop_, UV_RUN_NOWAIT);
        return silent.queries() > 0;
      },
      10s));
  d.shutdown();
  const auto start = std::chrono::steady_clock::now();
  uv_run(&loop_, UV_RUN_DEFAULT);  // nothing left to wait for: c-ares' time-outs are gone
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_EQ(calls, 0);
  // A lookup asked for afterwards fails at once, from the loop.
  std::optional<Answer> late;
  resolver.resolve("app.test", 80, [&](int status, std::vector<sockaddr_storage> found) {
    late = Answer{status, std::move(found)};
  });
  EXPECT_FALSE(late.has_value());
  uv_run(&loop_, UV_RUN_DEFAULT);
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->status, UV_EAI_CANCELED);
}

TEST_F(DnsTest, ALookupNobodyWaitsForIsNotJoinedTheNextOneAsksAfresh) {
  // A probe timed out while its lookup was still out: c-ares may go on retransmitting it
  // for a minute. The next probe of the name must not join that query.
  TestNameServer silent({}, true);
  Dns& d = dns(silent.servers());
  Resolver first(d), second(d);
  first.resolve("slow.test", 80, [](int, std::vector<sockaddr_storage>) {});
  ASSERT_TRUE(test::wait_until(
      [&] {
        uv_run(&loop_, UV_RUN_NOWAIT);
        return silent.queries() > 0;
      },
      10s));
  first.cancel();
  second.resolve("slow.test", 80, [](int, std::vector<sockaddr_storage>) {});
  EXPECT_EQ(d.queries_sent(), 2u);
  d.shutdown();
}

TEST_F(DnsTest, ALookupAfterShutdownOfANameStillOutFailsFromTheLoop) {
  TestNameServer silent({}, true);
  Dns& d = dns(silent.servers());
  Resolver early(d), late(d);
  early.resolve("slow.test", 80, [](int, std::vector<sockaddr_storage>) {});
  d.shutdown();
  std::optional<int> status;
  late.resolve("slow.test", 80, [&](int s, std::vector<sockaddr_storage>) { status = s; });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(status, UV_EAI_CANCELED);
}

TEST_F(DnsTest, BadServersAreAStartUpError) {
  auto created = Dns::create(&loop_, "not an address");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().rfind("bad name servers 'not an address': ", 0), 0u) << created.error();
}

TEST(LocalError, ThisMachinesErrorsAreTold) {
  for (const int err :
       {int{UV_EMFILE}, int{UV_ENFILE}, int{UV_ENOMEM}, int{UV_ENOBUFS}, int{UV_EADDRNOTAVAIL}})
    EXPECT_TRUE(is_local_error(err)) << err;
  for (const int err :
       {int{UV_ECONNREFUSED}, int{UV_ECONNRESET}, int{UV_ETIMEDOUT}, int{UV_EHOSTUNREACH}, 0})
    EXPECT_FALSE(is_local_error(err)) << err;
}

}  // namespace
}  // namespace httpok::net
