#include "httpok/connector.hpp"

#include <cstring>

namespace httpok::net {

bool is_local_error(int uv_status) noexcept {
  return uv_status == UV_EMFILE || uv_status == UV_ENFILE || uv_status == UV_ENOMEM ||
         uv_status == UV_ENOBUFS || uv_status == UV_EADDRNOTAVAIL;
}

Connector::Connector(uv_loop_t* loop, Dns& dns, Stream& stream, Events& events)
    : loop_(loop),
      stream_(stream),
      events_(events),
      resolver_(dns),
      step_timer_(loop),
      attempt_timer_(loop) {}

std::uint64_t Connector::elapsed_ms() const {
  return uv_now(loop_) - started_ms_;
}

void ConnectTarget::set_host(std::string name, std::uint16_t port_number) {
  host = std::move(name);
  port = port_number;
  literal_address(host, port, literal);
}

int Connector::connect_tcp(const sockaddr* address) {
  return early_.empty() ? stream_.connect_tcp(address) : stream_.connect_tcp(address, early_);
}

bool Connector::start(const ConnectTarget& target, std::string_view early) {
  cancel();
  target_ = &target;
  early_ = early;
  started_ms_ = uv_now(loop_);
  last_error_ = 0;
  refused_ = false;
  next_ = 0;
  if (!target.unix_path.empty() || target.is_literal()) {
    // Connect at once. A failure that comes back at once is reported on the next turn of
    // the loop: the client never hears from the connector before start() returns.
    int rc = 0;
    if (!target.unix_path.empty()) {
      rc = stream_.connect_unix(target.unix_path);
    } else {
      addresses_.resize(1);
      std::memcpy(&addresses_[0], &target.literal, sizeof target.literal);
      rc = connect_tcp(&target.literal.any);
    }
    if (rc == Stream::kConnected)
      return true;
    if (rc < 0)
      step_timer_.start(0, [this, rc] { attempt_failed(rc); });
    return false;
  }
  resolving_ = true;
  resolver_.resolve(
      target.host, target.port, [this](int status, std::vector<sockaddr_storage> addresses) {
        resolving_ = false;
        events_.on_resolved();
        if (status < 0)
          return events_.on_connect_failed(
              status == UV_EAI_MEMORY ? ConnectFailure::local : ConnectFailure::dns, status);
        addresses_ = std::move(addresses);
        connect_next();
      });
  return false;
}

void Connector::connect_next() {
  if (next_ >= addresses_.size())  // every address failed
    return pass_failed();
  const int rc = connect_tcp(reinterpret_cast<const sockaddr*>(&addresses_[next_]));
  if (rc == Stream::kConnected)
    return events_.on_connected();
  if (rc < 0)
    return attempt_failed(rc);
  const std::size_t left = addresses_.size() - next_;
  if (left > 1) {
    // An address that drops the SYN (a broken IPv6 route, say) must not use up the whole
    // budget: each attempt gets its share of what is left.
    const auto budget = static_cast<std::uint64_t>(target_->budget.count());
    const std::uint64_t used = elapsed_ms();
    attempt_timer_.start((budget > used ? budget - used : 0) / left, [this] {
      last_error_ = UV_ETIMEDOUT;
      ++next_;
      connect_next();
    });
  }
}

void Connector::attempt_failed(int status) {
  if (is_local_error(status) && status != UV_EADDRNOTAVAIL) {
    // No socket to try with: every other address would fail the same way.
    return events_.on_connect_failed(ConnectFailure::local, status);
  }
  // EADDRNOTAVAIL is one address's: out of local ports, or a family this host cannot use
  // (::1 where IPv6 is turned off) while the next address, 127.0.0.1, answers.
  if (status != UV_EADDRNOTAVAIL || last_error_ == 0 || last_error_ == UV_EADDRNOTAVAIL)
    last_error_ = status;
  refused_ = refused_ || status == UV_ECONNREFUSED;
  if (!target_->unix_path.empty())
    return pass_failed();  // its only address
  ++next_;
  connect_next();
}

void Connector::pass_failed() {
  // What the peer said counts most: a refusal from any address (nobody listens, and it
  // may be starting: tried again), then the last other error; EADDRNOTAVAIL only when
  // every address said it (out of local ports: this machine's).
  const int status = refused_ ? UV_ECONNREFUSED : last_error_;
  if (!retry_later(status))
    events_.on_connect_failed(
        status == UV_EADDRNOTAVAIL ? ConnectFailure::local : ConnectFailure::connect, status);
}

bool Connector::retry_later(int status) {
  if (status != UV_ECONNREFUSED || !target_->retry_refused)
    return false;
  const auto retry = static_cast<std::uint64_t>(target_->retry_refused->count());
  if (elapsed_ms() + retry >= static_cast<std::uint64_t>(target_->budget.count()))
    return false;
  stream_.close();
  step_timer_.start(retry, [this] {
    refused_ = false;
    if (!target_->unix_path.empty()) {
      const int rc = stream_.connect_unix(target_->unix_path);
      if (rc < 0)
        attempt_failed(rc);
      return;
    }
    next_ = 0;
    connect_next();
  });
  return true;
}

void Connector::on_connect(int status) {
  if (target_ == nullptr)
    return;
  attempt_timer_.stop();
  if (status == 0)
    return events_.on_connected();
  // Refused (nobody listens yet): a UNIX socket is tried again after retry_refused, as a
  // TCP port is; a TCP connection goes on to the next address.
  attempt_failed(status);
}

void Connector::cancel() {
  resolver_.cancel();
  step_timer_.stop();
  attempt_timer_.stop();
  resolving_ = false;
  addresses_.clear();
  target_ = nullptr;  // a connect under way that still calls back is not told
}

}  // namespace httpok::net
