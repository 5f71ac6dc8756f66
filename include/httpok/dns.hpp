// Name lookups on the loop with c-ares: no thread pool, so a lookup never waits for a slot
// behind others, and every lookup in flight can be dropped at once when httpok stops.
// Lookups of the same host name that overlap share one query.
#pragma once

#include <uv.h>

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "httpok/net.hpp"
#include "httpok/result.hpp"

namespace httpok::net {

// One per loop, owned by the application; the probes' and the supervisord client's
// Resolvers point to it, and it outlives them. It reads /etc/hosts for every lookup (so
// localhost, names in /etc/hosts and IP literals resolve as getaddrinfo does) and the name
// servers from /etc/resolv.conf, again when that file changes; or, when `servers` is not
// empty, uses those ("127.0.0.1:5353,[::1]:53", c-ares' CSV form) instead.
class Dns {
 public:
  static Result<std::unique_ptr<Dns>> create(uv_loop_t* loop, const std::string& servers = {});
  // With the servers of HTTPOK_DNS_SERVERS when it is set (an error then names it).
  static Result<std::unique_ptr<Dns>> from_environment(uv_loop_t* loop);
  ~Dns();
  Dns(const Dns&) = delete;
  Dns& operator=(const Dns&) = delete;

  // Drops every lookup in flight without calling back and closes the handles, so the loop
  // can end. Lookups asked for afterwards fail with UV_EAI_CANCELED.
  void shutdown();
  // Queries sent so far (lookups that joined one in flight are not counted).
  std::uint64_t queries_sent() const noexcept { return queries_sent_; }

  // Opaque; public for the c-ares callbacks.
  struct Channel;
  struct Query;

 private:
  friend class Resolver;
  using Callback = std::function<void(int status, std::vector<sockaddr_storage> addresses)>;
  Dns(uv_loop_t* loop, std::string servers);
  Result<std::unique_ptr<Channel>> open_channel();
  // Starts or joins the lookup of `host`; the answer comes later, never from inside.
  std::shared_ptr<Query> lookup(const std::string& host, std::uint16_t port, std::uint64_t id,
                                Callback done);
  void reopen_when_resolv_conf_changed();
  void completed(Channel& channel, Query& query);
  // New lookups of its name no longer join `query`, which stays alive until c-ares
  // answers it.
  void detach(Query& query);
  void deliver();
  void retire_idle_channels();

  uv_loop_t* loop_;
  std::string servers_;
  std::unique_ptr<Channel> channel_;
  std::vector<std::unique_ptr<Channel>> retired_;  // old resolv.conf, queries still out
  std::unordered_map<std::string, std::shared_ptr<Query>> in_flight_;  // by host name
  std::unordered_map<Query*, std::shared_ptr<Query>> detached_;        // still out
  std::vector<std::shared_ptr<Query>> ready_;       // answered, waiting to be delivered
  std::vector<std::shared_ptr<Query>> delivering_;  // being delivered
  Timer deliver_timer_;
  std::uint64_t next_id_ = 0;
  std::uint64_t queries_sent_ = 0;
  bool closed_ = false;
  std::uint64_t resolv_checked_ms_ = 0;
  struct FileStamp {
    long long mtime_ns = -1;
    unsigned long long inode = 0;
    long long size = -1;
    bool operator==(const FileStamp&) const = default;
  } resolv_conf_;
  static FileStamp resolv_conf_stamp();  // empty when it cannot be read
};

// One lookup for one client (a probe engine, an RPC call). Destroying it, or cancel(),
// drops its answer; a lookup that others share goes on for them.
class Resolver {
 public:
  using Callback = std::function<void(int status, std::vector<sockaddr_storage> addresses)>;
  explicit Resolver(Dns& dns) : dns_(dns) {}
  ~Resolver() { cancel(); }
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // The addresses of `host` with `port`, best first (as getaddrinfo orders them), or a
  // UV_EAI_* status. `done` is called once, on the loop, never before resolve() returns.
  void resolve(const std::string& host, std::uint16_t port, Callback done);
  void cancel();

 private:
  Dns& dns_;
  std::weak_ptr<Dns::Query> query_;
  std::uint64_t id_ = 0;
};

}  // namespace httpok::net
