// c-ares driven by libuv: one uv_poll_t per socket c-ares opens (its socket-state
// callback says which), one timer for its retransmissions, and answers handed to the
// clients from a timer of their own, never from inside c-ares.
#include "httpok/dns.hpp"

#include <ares.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace httpok::net {

namespace {

constexpr const char* kResolvConf = "/etc/resolv.conf";
// How often, at most, a new lookup looks whether /etc/resolv.conf changed (glibc looks on
// every lookup; a stat() every few seconds costs nothing at any rate of probes).
constexpr std::uint64_t kResolvCheckMs = 2000;
// A lookup joins a query of the same name sent at most this long ago. An older one may be
// stuck in c-ares' retransmissions (up to 75 s against a silent server): a new lookup then
// asks afresh, as a new getaddrinfo would.
constexpr std::uint64_t kJoinMs = 1000;

int uv_status_of(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:
      return 0;
    case ARES_ENOTFOUND:
    case ARES_EBADNAME:
      return UV_EAI_NONAME;
    case ARES_ENODATA:
      return UV_EAI_NODATA;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:
    case ARES_ESERVFAIL:
    case ARES_EREFUSED:
      return UV_EAI_AGAIN;  // "Temporary failure in name resolution", as getaddrinfo says
    case ARES_ENOMEM:
      return UV_EAI_MEMORY;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return UV_EAI_CANCELED;
    default:
      return UV_EAI_FAIL;
  }
}

void set_port(sockaddr_storage& address, std::uint16_t port) {
  if (address.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in&>(address).sin_port = htons(port);
  } else if (address.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6&>(address).sin6_port = htons(port);
  }
}

}  // namespace

struct Dns::Query {
  struct Waiter {
    std::uint64_t id;
    std::uint16_t port;
    Callback done;  // null once delivered or cancelled
  };
  Dns* dns = nullptr;
  Channel* channel = nullptr;
  std::string host;
  std::uint64_t sent_ms = 0;  // uv_now() when it was sent
  std::vector<Waiter> waiters;
  int status = 0;
  std::vector<sockaddr_storage> addresses;  // port 0; each waiter gets its own port
};

// One ares_channel with its handles. Owned by the Dns; the handles are freed in their
// close callbacks, after the channel object is gone.
struct Dns::Channel {
  explicit Channel(Dns& owner) : dns(owner), timer(new uv_timer_t{}) {
    uv_timer_init(owner.loop_, timer);
    timer->data = this;
  }
  ~Channel() {
    close_handles();
    if (channel != nullptr)
      ares_destroy(channel);  // answers the queries still out with ARES_EDESTRUCTION
  }

  // A socket c-ares opened, watched for what c-ares waits for on it.
  struct Poll {
    uv_poll_t handle{};  // first: the close callback casts it back
    Channel* channel = nullptr;
    ares_socket_t fd = ARES_SOCKET_BAD;
  };

  static void on_socket_state(void* data, ares_socket_t fd, int want_read, int want_write) {
    auto* self = static_cast<Channel*>(data);
    if (self->closed)
      return;
    auto it = self->polls.find(fd);
    if (!want_read && !want_write) {
      if (it != self->polls.end()) {
        close_poll(it->second);
        self->polls.erase(it);
      }
      return;
    }
    Poll* poll = nullptr;
    if (it == self->polls.end()) {
      poll = new Poll{};
      if (uv_poll_init_socket(self->dns.loop_, &poll->handle, fd) != 0) {
        delete poll;
        return;  // c-ares times the query out
      }
      poll->channel = self;
      poll->fd = fd;
      poll->handle.data = poll;
      self->polls.emplace(fd, poll);
    } else {
      poll = it->second;
    }
    uv_poll_start(&poll->handle, (want_read ? UV_READABLE : 0) | (want_write ? UV_WRITABLE : 0),
                  [](uv_poll_t* handle, int status, int events) {
                    auto* box = static_cast<Poll*>(handle->data);
                    Channel* owner = box->channel;
                    if (owner == nullptr || owner->closed)
                      return;
                    // On an error, let c-ares read the socket and find out itself.
                    const bool readable = status < 0 || (events & UV_READABLE) != 0;
                    const bool writable = status < 0 || (events & UV_WRITABLE) != 0;
                    ares_process_fd(owner->channel, readable ? box->fd : ARES_SOCKET_BAD,
                                    writable ? box->fd : ARES_SOCKET_BAD);
                    owner->arm_timer();
                  });
  }

  static void close_poll(Poll* poll) {
    poll->channel = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&poll->handle),
             [](uv_handle_t* h) { delete reinterpret_cast<Poll*>(h); });
  }

  // The timer of c-ares' own time-outs and retransmissions, for the earliest query.
  void arm_timer() {
    if (closed)
      return;
    timeval tv{};
    if (ares_timeout(channel, nullptr, &tv) == nullptr) {
      uv_timer_stop(timer);
      return;
    }
    const auto ms = static_cast<std::uint64_t>(tv.tv_sec) * 1000 +
                    static_cast<std::uint64_t>((tv.tv_usec + 999) / 1000);
    uv_timer_start(
        timer,
        [](uv_timer_t* handle) {
          auto* self = static_cast<Channel*>(handle->data);
          if (self == nullptr || self->closed)
            return;
          ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
          self->arm_timer();
        },
        ms, 0);
  }

  void close_handles() {
    if (closed)
      return;
    closed = true;
    for (auto& [fd, poll] : polls)
      close_poll(poll);
    polls.clear();
    timer->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }

  Dns& dns;
  ares_channel channel = nullptr;
  std::unordered_map<ares_socket_t, Poll*> polls;
  uv_timer_t* timer;
  std::size_t pending = 0;  // queries sent on it and not answered yet
  bool closed = false;
};

Result<std::unique_ptr<Dns>> Dns::create(uv_loop_t* loop, const std::string& servers) {
  using R = Result<std::unique_ptr<Dns>>;
  if (const int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS)
    return R::failure(std::string("cannot initialise c-ares: ") + ares_strerror(rc));
  std::unique_ptr<Dns> dns(new Dns(loop, servers));
  auto channel = dns->open_channel();
  if (!channel)
    return R::failure(channel.error());
  dns->channel_ = std::move(channel).value();
  return R(std::move(dns));
}

Result<std::unique_ptr<Dns>> Dns::from_environment(uv_loop_t* loop) {
  const char* servers = std::getenv("HTTPOK_DNS_SERVERS");
  auto dns = create(loop, servers != nullptr ? servers : "");
  if (!dns && servers != nullptr)
    return Result<std::unique_ptr<Dns>>::failure(dns.error() + " (HTTPOK_DNS_SERVERS)");
  return dns;
}

Dns::Dns(uv_loop_t* loop, std::string servers)
    : loop_(loop), servers_(std::move(servers)), deliver_timer_(loop) {}

Dns::~Dns() {
  shutdown();
  // The channels' destructors answer their queries with ARES_EDESTRUCTION: closed_ makes
  // those answers no-ops, and the queries stay alive (in_flight_) until then.
  retired_.clear();
  channel_.reset();
  in_flight_.clear();
  detached_.clear();
  ready_.clear();
  ares_library_cleanup();
}

Result<std::unique_ptr<Dns::Channel>> Dns::open_channel() {
  using R = Result<std::unique_ptr<Channel>>;
  auto channel = std::make_unique<Channel>(*this);
  ares_options options{};
  options.sock_state_cb = &Channel::on_socket_state;
  options.sock_state_cb_data = channel.get();
  if (servers_.empty()) {
    resolv_conf_ = resolv_conf_stamp();
    resolv_checked_ms_ = uv_now(loop_);
  }
  if (const int rc = ares_init_options(&channel->channel, &options, ARES_OPT_SOCK_STATE_CB);
      rc != ARES_SUCCESS) {
    channel->channel = nullptr;
    return R::failure(std::string("cannot start the resolver: ") + ares_strerror(rc));
  }
  if (!servers_.empty()) {
    if (const int rc = ares_set_servers_ports_csv(channel->channel, servers_.c_str());
        rc != ARES_SUCCESS)
      return R::failure("bad name servers '" + servers_ + "': " + ares_strerror(rc));
  }
  return R(std::move(channel));
}

Dns::FileStamp Dns::resolv_conf_stamp() {
  struct stat st {};
  if (::stat(kResolvConf, &st) != 0)
    return FileStamp{};
  return FileStamp{static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec,
                   static_cast<unsigned long long>(st.st_ino), static_cast<long long>(st.st_size)};
}

void Dns::reopen_when_resolv_conf_changed() {
  if (!servers_.empty() || uv_now(loop_) - resolv_checked_ms_ < kResolvCheckMs)
    return;
  resolv_checked_ms_ = uv_now(loop_);
  const FileStamp before = resolv_conf_;
  if (resolv_conf_stamp() == before)
    return;
  auto fresh = open_channel();
  if (!fresh) {
    resolv_conf_ = before;  // try again at the next check
    return;
  }
  // Queries out on the old channel finish there; new ones use the new name servers.
  if (channel_->pending > 0) {
    retired_.push_back(std::move(channel_));
  }
  channel_ = std::move(fresh).value();
}

std::shared_ptr<Dns::Query> Dns::lookup(const std::string& host, std::uint16_t port,
                                        std::uint64_t id, Callback done) {
  auto query = std::make_shared<Query>();
  query->dns = this;
  query->host = host;
  query->waiters.push_back(Query::Waiter{id, port, std::move(done)});
  if (closed_) {
    query->status = UV_EAI_CANCELED;
    ready_.push_back(query);
    deliver_timer_.start(0, [this] { deliver(); });
    return query;
  }
  if (const auto it = in_flight_.find(host); it != in_flight_.end()) {
    if (uv_now(loop_) - it->second->sent_ms < kJoinMs) {
      it->second->waiters.push_back(std::move(query->waiters.front()));
      return it->second;
    }
    detach(*it->second);
  }
  reopen_when_resolv_conf_changed();
  query->sent_ms = uv_now(loop_);
  in_flight_.emplace(host, query);
  Channel& channel = *channel_;
  query->channel = &channel;
  ++channel.pending;
  ++queries_sent_;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;  // no ADDRCONFIG: like Python, try what the name has
  hints.ai_socktype = SOCK_STREAM;
  // May answer at once (a name in /etc/hosts): completed() only queues the answer.
  ares_getaddrinfo(
      channel.channel, host.c_str(), nullptr, &hints,
      [](void* arg, int status, int, ares_addrinfo* result) {
        auto* q = static_cast<Query*>(arg);
        if (!q->dns->closed_) {
          q->status = uv_status_of(status);
          for (const ares_addrinfo_node* node = result != nullptr ? result->nodes : nullptr;
               node != nullptr; node = node->ai_next) {
            if (node->ai_addrlen > sizeof(sockaddr_storage))
              continue;
            sockaddr_storage address{};
            std::memcpy(&address, node->ai_addr, node->ai_addrlen);
            q->addresses.push_back(address);
          }
          if (q->status == 0 && q->addresses.empty())
            q->status = UV_EAI_NONAME;
        }
        if (result != nullptr)
          ares_freeaddrinfo(result);
        q->dns->completed(*q->channel, *q);
      },
      query.get());
  if (!channel.closed)
    channel.arm_timer();
  return query;
}

void Dns::completed(Channel& channel, Query& query) {
  --channel.pending;
  if (closed_)
    return;
  if (const auto it = in_flight_.find(query.host);
      it != in_flight_.end() && it->second.get() == &query) {
    ready_.push_back(std::move(it->second));
    in_flight_.erase(it);
  } else if (const auto old = detached_.find(&query); old != detached_.end()) {
    ready_.push_back(std::move(old->second));  // for the waiters it still has, if any
    detached_.erase(old);
  } else {
    return;
  }
  deliver_timer_.start(0, [this] { deliver(); });
}

void Dns::detach(Query& query) {
  const auto it = in_flight_.find(query.host);
  if (it == in_flight_.end() || it->second.get() != &query)
    return;  // answered already, or detached
  detached_.emplace(&query, std::move(it->second));
  in_flight_.erase(it);
}

// From the loop, outside c-ares: a client may start, cancel or end anything from its
// callback, this Dns's shutdown included.
void Dns::deliver() {
  delivering_ = std::move(ready_);
  ready_.clear();
  for (std::size_t q = 0; q < delivering_.size(); ++q) {
    const std::shared_ptr<Query> query = delivering_[q];
    for (std::size_t i = 0; i < query->waiters.size(); ++i) {
      Query::Waiter& waiter = query->waiters[i];
      Callback done = std::move(waiter.done);
      waiter.done = nullptr;
      if (!done)
        continue;  // cancelled, or dropped by shutdown()
      std::vector<sockaddr_storage> addresses = query->addresses;
      for (sockaddr_storage& address : addresses)
        set_port(address, waiter.port);
      done(query->status, std::move(addresses));  // may cancel, resolve, shut down
    }
  }
  delivering_.clear();
  retire_idle_channels();
}

void Dns::retire_idle_channels() {
  std::erase_if(retired_, [](const std::unique_ptr<Channel>& c) { return c->pending == 0; });
}

void Dns::shutdown() {
  if (closed_)
    return;
  closed_ = true;
  deliver_timer_.stop();
  // Waiters are dropped, not erased: deliver() may be walking them.
  for (auto* queries : {&ready_, &delivering_})
    for (const auto& query : *queries)
      for (auto& waiter : query->waiters)
        waiter.done = nullptr;
  for (auto& [host, query] : in_flight_)
    for (auto& waiter : query->waiters)
      waiter.done = nullptr;
  for (auto& [key, query] : detached_)
    for (auto& waiter : query->waiters)
      waiter.done = nullptr;
  ready_.clear();
  for (auto& channel : retired_)
    channel->close_handles();
  if (channel_ != nullptr)
    channel_->close_handles();
}

void Resolver::resolve(const std::string& host, std::uint16_t port, Callback done) {
  cancel();
  id_ = ++dns_.next_id_;
  query_ = dns_.lookup(host, port, id_, std::move(done));
}

void Resolver::cancel() {
  const auto query = query_.lock();
  query_.reset();
  if (query == nullptr)
    return;
  bool waited_for = false;
  for (auto& waiter : query->waiters) {
    if (waiter.id == id_)
      waiter.done = nullptr;
    waited_for = waited_for || waiter.done != nullptr;
  }
  // Nobody waits for it any more: the next lookup of the name asks afresh.
  if (!waited_for)
    dns_.detach(*query);
}

}  // namespace httpok::net
