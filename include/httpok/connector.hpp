// Opening one connection, for the probe and the supervisord client alike: a UNIX socket,
// or a host name resolved through the shared Dns (an IP literal without it) and each of
// its addresses tried in turn with its share of the time left, a refused connection tried
// again while the deadline leaves room, and this machine's own errors told apart from the
// target's.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "httpok/dns.hpp"
#include "httpok/net.hpp"

namespace httpok::net {

// Whether a libuv error is this machine's, not the peer's: EMFILE, ENFILE, ENOMEM,
// ENOBUFS, EADDRNOTAVAIL (out of descriptors, memory or local ports). The connector
// takes EADDRNOTAVAIL as one address's failure (a family the host cannot use gives it
// too), and this machine's only when every address gives it.
bool is_local_error(int uv_status) noexcept;

enum class ConnectFailure {
  dns,      // the host name did not resolve (status: a UV_EAI_* code)
  connect,  // no address (or the UNIX socket) took the connection
  local,    // this machine ran out of something: never the peer's failure
};

struct ConnectTarget {
  // A name or an IP literal, and its port: set both through set_host(), which keeps
  // `literal` in step (a host set by hand is looked up, even an IP literal).
  std::string host;  // unused with unix_path
  std::uint16_t port = 0;
  // `host` as an address when it is an IP literal (AF_UNSPEC otherwise), found once by
  // set_host(), so that no connection parses it again.
  IpAddress literal{};
  std::string unix_path;  // connect here instead, when not empty
  // The whole time the connection may take; each address gets its share of what is left.
  std::chrono::milliseconds budget{10000};
  // A refused connection is tried again after this, while the budget leaves room.
  std::optional<std::chrono::milliseconds> retry_refused;

  // Sets host and port, and `literal` when the host is an IP address.
  void set_host(std::string name, std::uint16_t port_number);
  bool is_literal() const noexcept { return literal.any.sa_family != AF_UNSPEC; }
};

// Connects a Stream owned by the client. The client's Stream::Handler forwards
// on_connect() here; the connector then tells the client through its Events. Owned by
// the client, reused from one connection to the next; never calls back before start()
// returns, nor after cancel().
class Connector {
 public:
  class Events {
   public:
    virtual void on_resolved() {}  // the name lookup ended (not called for literals)
    virtual void on_connected() = 0;
    virtual void on_connect_failed(ConnectFailure failure, int status) = 0;

   protected:
    ~Events() = default;
  };

  Connector(uv_loop_t* loop, Dns& dns, Stream& stream, Events& events);
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // `early`: the first bytes of the exchange, sent as the connection is made (see
  // Stream::connect_tcp; not on a UNIX socket), kept alive by the client until it is
  // told the outcome (every address and retry sends them). True when the connection was
  // made at once and they are sent: then nothing more is told.
  [[nodiscard]] bool start(const ConnectTarget& target, std::string_view early = {});
  // From the client's Stream::Handler::on_connect.
  void on_connect(int status);
  void cancel();

  bool resolving() const noexcept { return resolving_; }
  // The last error of an attempt that failed (0: none), for a deadline message.
  int last_error() const noexcept { return last_error_; }

 private:
  void connect_next();
  int connect_tcp(const sockaddr* address);  // with early_, when there are any
  // An attempt failed (at once, or in its connect callback): the next address, a retry of
  // a refused one, or the failure told.
  void attempt_failed(int status);
  // Every address of this pass failed (or the UNIX socket did): a retry, or the failure told.
  void pass_failed();
  // Tries again after retry_refused when the budget leaves room; false when it does not.
  bool retry_later(int status);
  std::uint64_t elapsed_ms() const;

  uv_loop_t* loop_;
  Stream& stream_;
  Events& events_;
  Resolver resolver_;
  Timer step_timer_;     // a failure at once reported later, and the retry of a refused one
  Timer attempt_timer_;  // one address's share of the budget
  const ConnectTarget* target_ = nullptr;  // while connecting; the client's
  std::string_view early_;                 // the client's
  std::vector<sockaddr_storage> addresses_;
  std::size_t next_ = 0;
  int last_error_ = 0;
  bool refused_ = false;  // an address of this pass refused the connection
  std::uint64_t started_ms_ = 0;
  bool resolving_ = false;
};

}  // namespace httpok::net
