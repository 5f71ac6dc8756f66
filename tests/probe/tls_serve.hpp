// Serves one HTTPS exchange on a ScriptedServer connection with the test TLS server
// (memory BIOs pumped over the real socket). Test-only.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <string>

#include "scripted_server.hpp"
#include "tls_test_support.hpp"

namespace httpok::test {

struct TlsServed {
  bool handshake_done = false;
  bool session_reused = false;
  bool client_certificate = false;  // the client sent one
  std::string server_name;
  std::string request;  // the last one
  int requests = 0;     // answered on this connection
  std::string error;
};

// Handshake, read the request headers, send `response`, close_notify. With `stall`, the
// server reads the ClientHello and then never answers. With `requests` > 1, that many
// requests are answered on the connection (keep-alive) before the close_notify.
inline TlsServed serve_tls(ScriptedServer::Connection& c,
                           const tls::testing::TestServerContext& context,
                           const std::string& response, bool stall = false, int requests = 1) {
  TlsServed served;
  tls::testing::TestServer server(context);
  auto flush = [&] {
    const std::string out = server.take_output();
    if (!out.empty())
      c.send(out);
  };
  char buf[16384];
  std::string pending;  // the request being read
  for (;;) {
    pollfd fd{c.fd(), POLLIN, 0};
    if (::poll(&fd, 1, 100) == 0) {
      if (!c.pause(0))
        return served;  // the server is stopping
      continue;
    }
    const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0)
      return served;
    if (stall) {
      c.hold();
      return served;
    }
    server.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    if (!server.handshake_done()) {
      const int rc = server.accept();
      flush();
      if (rc < 0) {
        served.error = server.error();
        return served;
      }
      if (rc == 0)
        continue;
      served.handshake_done = true;
      served.session_reused = server.session_reused();
      served.client_certificate = server.client_sent_certificate();
      served.server_name = server.server_name();
    }
    pending += server.read_available();
    if (pending.find("\r\n\r\n") != std::string::npos) {
      served.request = std::move(pending);
      pending.clear();
      server.write(response);
      if (++served.requests < requests) {
        flush();
        continue;
      }
      server.shutdown();
      flush();
      return served;
    }
  }
}

}  // namespace httpok::test
