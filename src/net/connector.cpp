#include "httpok/connector.hpp"

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

void Connector::start(const ConnectTarget& target) {
  cancel();
  target_ = &target;
  started_ms_ = uv_now(loop_);
  last_error_ = 0;
  next_ = 0;
  if (!target.unix_path.empty()) {
    step_timer_.start(0, [this] { connect_unix(); });
    return;
  }
  sockaddr_storage literal{};
  if (literal_address(target.host, target.port, literal)) {
    addresses_.assign(1, literal);
    step_timer_.start(0, [this] { connect_next(); });
    return;
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
}

void Connector::connect_next() {
  while (next_ < addresses_.size()) {
    const int rc = stream_.connect_tcp(reinterpret_cast<const sockaddr*>(&addresses_[next_]));
    if (rc == 0) {
      const std::size_t left = addresses_.size() - next_;
      if (left > 1) {
        // An address that drops the SYN (a broken IPv6 route, say) must not use up the
        // whole budget: each attempt gets its share of what is left.
        const auto budget = static_cast<std::uint64_t>(target_->budget.count());
        const std::uint64_t used = elapsed_ms();
        attempt_timer_.start((budget > used ? budget - used : 0) / left, [this] {
          last_error_ = UV_ETIMEDOUT;
          ++next_;
          connect_next();
        });
      }
      return;
    }
    if (is_local_error(rc)) {
      // No socket to try with: every other address would fail the same way.
      return events_.on_connect_failed(ConnectFailure::local, rc);
    }
    last_error_ = rc;
    ++next_;
  }
  // Every address failed.
  if (retry_later(last_error_))
    return;
  events_.on_connect_failed(ConnectFailure::connect, last_error_);
}

void Connector::connect_unix() {
  const int rc = stream_.connect_unix(target_->unix_path);
  if (rc < 0)
    on_connect(rc);
}

bool Connector::retry_later(int status) {
  if (status != UV_ECONNREFUSED || !target_->retry_refused)
    return false;
  const auto retry = static_cast<std::uint64_t>(target_->retry_refused->count());
  if (elapsed_ms() + retry >= static_cast<std::uint64_t>(target_->budget.count()))
    return false;
  stream_.close();
  step_timer_.start(retry, [this] {
    if (!target_->unix_path.empty())
      return connect_unix();
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
  if (is_local_error(status))
    return events_.on_connect_failed(ConnectFailure::local, status);
  last_error_ = status;
  if (!target_->unix_path.empty()) {
    // Refused (nobody listens yet): tried again after retry_refused, as a TCP port is.
    if (retry_later(status))
      return;
    return events_.on_connect_failed(ConnectFailure::connect, status);
  }
  ++next_;
  connect_next();
}

void Connector::cancel() {
  resolver_.cancel();
  step_timer_.stop();
  attempt_timer_.stop();
  resolving_ = false;
  addresses_.clear();
}

}  // namespace httpok::net
