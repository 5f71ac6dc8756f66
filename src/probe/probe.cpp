#include "httpok/probe.hpp"

#include <algorithm>
#include <cstring>

#include "httpok/tls.hpp"

namespace httpok {

namespace {

// Plaintext out of TLS is consumed before the next read: one buffer serves all probes.
char g_plaintext[16 * 1024];

}  // namespace

Result<std::shared_ptr<const ProbeSpec>> compile_probe_spec(const ProbeSettings& settings,
                                                            tls::ContextCache& contexts) {
  using R = Result<std::shared_ptr<const ProbeSpec>>;
  auto url = parse_url(settings.url);
  if (!url)
    return R::failure(url.error());
  auto spec = std::make_shared<ProbeSpec>();
  spec->settings = settings;
  spec->url = std::move(url).value();
  spec->request = build_request(spec->url, settings.method, settings.headers);
  if (settings.body_regex) {
    auto regex = BodyRegex::compile(*settings.body_regex);
    if (!regex)
      return R::failure("bad body_regex '" + *settings.body_regex + "': " + regex.error());
    spec->body_regex = std::move(regex).value();
  }
  if (spec->url.https()) {
    auto context = contexts.get(settings.tls);
    if (!context)
      return R::failure(context.error());
    spec->tls = std::move(context).value();
  }
  return R(std::shared_ptr<const ProbeSpec>(std::move(spec)));
}

Probe::Probe(uv_loop_t* loop)
    : loop_(loop),
      stream_(loop, *this),
      resolver_(loop),
      deadline_(loop),
      retry_timer_(loop),
      attempt_timer_(loop) {}

Probe::~Probe() {
  cancel();
}

std::uint64_t Probe::elapsed_us() const {
  return (uv_hrtime() - started_ns_) / 1000;
}

bool Probe::start(std::shared_ptr<const ProbeSpec> spec, Callback done) {
  if (running_ || spec == nullptr)
    return false;
  running_ = true;
  spec_ = std::move(spec);
  done_ = std::move(done);
  result_ = ProbeResult{};
  started_ns_ = uv_hrtime();
  last_connect_error_ = 0;
  next_address_ = 0;
  // The needle points into the spec, which this probe holds: nothing is copied.
  // A regular expression is searched for in the whole body (up to max_body), kept for it.
  parser_.reset(ResponseParser::Options{spec_->settings.max_body, spec_->needle(),
                                        spec_->body_regex != nullptr,
                                        spec_->settings.method == "HEAD", spec_->absent()});
  // The deadline counts from now, not from the start of this loop iteration (which may
  // lie far back after slow work, such as loading TLS files at start-up).
  uv_update_time(loop_);
  deadline_.start(static_cast<std::uint64_t>(spec_->settings.timeout.count()),
                  [this] { on_deadline(); });

  if (spec_->url.https() && spec_->tls == nullptr) {
    // Defer the failure: `done` is never called before start() returns.
    phase_ = Phase::connecting;
    retry_timer_.start(0, [this] { fail(ProbeFailure::tls, "https is not configured"); });
    return true;
  }
  if (!spec_->settings.unix_socket.empty()) {
    phase_ = Phase::connecting;
    retry_timer_.start(0, [this] { connect_unix(); });
    return true;
  }
  sockaddr_storage literal{};
  if (net::literal_address(spec_->url.host, spec_->url.port, literal)) {
    addresses_.assign(1, literal);
    phase_ = Phase::connecting;
    retry_timer_.start(0, [this] { connect_next(); });
    return true;
  }
  phase_ = Phase::resolving;
  const int rc = resolver_.resolve(spec_->url.host, spec_->url.port,
                                   [this](int status, std::vector<sockaddr_storage> addresses) {
                                     result_.timings.resolved_us = elapsed_us();
                                     if (status < 0) {
                                       fail(ProbeFailure::dns, net::resolve_error_text(status));
                                       return;
                                     }
                                     addresses_ = std::move(addresses);
                                     phase_ = Phase::connecting;
                                     connect_next();
                                   });
  if (rc < 0) {
    retry_timer_.start(0, [this, rc] { fail(ProbeFailure::dns, net::resolve_error_text(rc)); });
  }
  return true;
}

void Probe::connect_next() {
  while (next_address_ < addresses_.size()) {
    const auto* address = reinterpret_cast<const sockaddr*>(&addresses_[next_address_]);
    const int rc = stream_.connect_tcp(address);
    if (rc == 0) {
      const std::size_t left = addresses_.size() - next_address_;
      if (left > 1) {
        // An address that drops the SYN (a broken IPv6 route, say) must not use up the
        // whole deadline: each attempt gets its share of what is left.
        const std::uint64_t timeout_us =
            static_cast<std::uint64_t>(spec_->settings.timeout.count()) * 1000;
        const std::uint64_t used = elapsed_us();
        const std::uint64_t share_ms = (timeout_us > used ? timeout_us - used : 0) / left / 1000;
        attempt_timer_.start(share_ms, [this] {
          last_connect_error_ = UV_ETIMEDOUT;
          ++next_address_;
          connect_next();
        });
      }
      return;
    }
    if (is_local_error(rc)) {
      // No socket to try with: every other address would fail the same way.
      return fail(ProbeFailure::local, "cannot connect: " + net::errno_text(rc));
    }
    last_connect_error_ = rc;
    ++next_address_;
  }
  // Every address failed. A refused connection is retried after retry_time while the
  // deadline leaves room for it (superlance meant to; it never did for http).
  const auto retry_us = static_cast<std::uint64_t>(spec_->settings.retry_time.count()) * 1000;
  const auto timeout_us = static_cast<std::uint64_t>(spec_->settings.timeout.count()) * 1000;
  if (last_connect_error_ == UV_ECONNREFUSED && elapsed_us() + retry_us < timeout_us) {
    stream_.close();
    retry_timer_.start(static_cast<std::uint64_t>(spec_->settings.retry_time.count()), [this] {
      next_address_ = 0;
      connect_next();
    });
    return;
  }
  fail(ProbeFailure::connect, net::errno_text(last_connect_error_));
}

void Probe::connect_unix() {
  const int rc = stream_.connect_unix(spec_->settings.unix_socket);
  if (rc < 0)
    on_connect(rc);
}

void Probe::on_connect(int status) {
  attempt_timer_.stop();
  if (status < 0) {
    if (is_local_error(status))
      return fail(ProbeFailure::local, "cannot connect: " + net::errno_text(status));
    if (!spec_->settings.unix_socket.empty()) {
      // Refused (nobody listens yet): tried again after retry_time, as a TCP port is.
      const auto retry = spec_->settings.retry_time;
      const auto timeout_us = static_cast<std::uint64_t>(spec_->settings.timeout.count()) * 1000;
      if (status == UV_ECONNREFUSED &&
          elapsed_us() + static_cast<std::uint64_t>(retry.count()) * 1000 < timeout_us) {
        stream_.close();
        retry_timer_.start(static_cast<std::uint64_t>(retry.count()), [this] { connect_unix(); });
        return;
      }
      return fail(ProbeFailure::connect,
                  net::errno_text(status) + " (UNIX socket " + spec_->settings.unix_socket + ")");
    }
    last_connect_error_ = status;
    ++next_address_;
    connect_next();
    return;
  }
  result_.timings.connected_us = elapsed_us();
  if (spec_->url.https()) {
    phase_ = Phase::tls_handshake;
    tls_session_ = std::make_unique<tls::ClientSession>(
        spec_->tls, spec_->url.host, spec_->url.port, spec_->settings.tls_server_name);
    drive_tls();
    return;
  }
  phase_ = Phase::exchanging;
  send_request();
}

void Probe::send_request() {
  const int rc = stream_.write(spec_->request);
  if (rc < 0)
    fail(ProbeFailure::protocol, net::errno_text(rc));
}

bool Probe::flush_tls() {
  if (tls_session_ == nullptr || tls_session_->pending_output() == 0)
    return true;
  const int rc = stream_.write(tls_session_->take_output());
  if (rc < 0) {
    fail(ProbeFailure::protocol, net::errno_text(rc));
    return false;
  }
  return true;
}

void Probe::fail_tls() {
  // Copied first: fail() frees the session. The alert OpenSSL queued is sent if it can
  // be; the TLS reason, not a write error, is the outcome.
  const std::string why = tls_session_->error_text();
  if (tls_session_->pending_output() > 0)
    (void)stream_.write(tls_session_->take_output());
  fail(ProbeFailure::tls, why);
}

void Probe::drive_tls() {
  tls::ClientSession& session = *tls_session_;
  // Our phase, not OpenSSL's: a TLS 1.2 server may ask for a new handshake later, which
  // read() goes through by itself (the request must not be sent again).
  if (phase_ == Phase::tls_handshake) {
    const tls::Status s = session.handshake();
    if (s == tls::Status::error)
      return fail_tls();
    if (!flush_tls())
      return;
    if (s != tls::Status::ok)
      return;  // want more ciphertext
    result_.timings.tls_done_us = elapsed_us();
    last_tls_resumed_ = session.session_reused();
    phase_ = Phase::exchanging;
    if (session.write(spec_->request) == tls::Status::error)
      return fail_tls();
    if (!flush_tls())
      return;
  }
  for (;;) {
    std::size_t n = 0;
    const tls::Status s = session.read(g_plaintext, sizeof g_plaintext, n);
    switch (s) {
      case tls::Status::ok:
        if (on_plaintext(std::string_view(g_plaintext, n)))
          return;
        continue;
      case tls::Status::want_more:
        flush_tls();  // e.g. a key update answer
        return;
      case tls::Status::closed_clean:
      case tls::Status::closed_abrupt: {
        const ResponseParser::State state = parser_.finish();
        if (state == ResponseParser::State::complete)
          return on_response_complete();
        std::string text = parser_.error();
        if (s == tls::Status::closed_abrupt)
          text += " (" + session.error_text() + ")";
        return fail(ProbeFailure::protocol, text);
      }
      case tls::Status::error:
        return fail_tls();
    }
  }
}

bool Probe::on_plaintext(std::string_view bytes) {
  if (result_.timings.first_byte_us == 0)
    result_.timings.first_byte_us = elapsed_us();
  switch (parser_.feed(bytes)) {
    case ResponseParser::State::in_progress:
      return false;
    case ResponseParser::State::complete:
      on_response_complete();
      return true;
    case ResponseParser::State::error:
      fail(ProbeFailure::protocol, parser_.error());
      return true;
  }
  return true;
}

void Probe::on_data(std::string_view bytes) {
  if (tls_session_ != nullptr) {
    tls_session_->feed(bytes);
    drive_tls();
    return;
  }
  on_plaintext(bytes);
}

void Probe::on_eof() {
  if (tls_session_ != nullptr) {
    tls_session_->feed_eof();
    drive_tls();
    return;
  }
  if (parser_.finish() == ResponseParser::State::complete)
    return on_response_complete();
  fail(ProbeFailure::protocol, parser_.error());
}

void Probe::on_stream_error(int status) {
  fail(phase_ == Phase::connecting ? ProbeFailure::connect : ProbeFailure::protocol,
       net::errno_text(status));
}

void Probe::on_response_complete() {
  result_.status = parser_.status();
  result_.reason = parser_.reason();
  result_.outcome = status_outcome(spec_->url.original, result_.status, result_.reason);
  const bool needle = !spec_->needle().empty();
  bool found = !needle || parser_.needle_found();
  const auto& codes = spec_->settings.codes;
  const bool expected = std::find(codes.begin(), codes.end(), result_.status) != codes.end();
  if (spec_->body_regex != nullptr && found && expected && !parser_.absent_found()) {
    switch (spec_->body_regex->search(parser_.body(), regex_scratch_)) {
      case BodyRegex::Match::found:
        break;
      case BodyRegex::Match::not_found:
        found = false;
        break;
      case BodyRegex::Match::gave_up:
        // The pattern's cost, not the target's fault: nothing is restarted.
        return fail(ProbeFailure::local,
                    "body_regex '" + spec_->body_regex->pattern() +
                        "' gave up on this body (too much backtracking); simplify the pattern");
    }
  }
  result_.failure =
      classify_response(result_.status, spec_->settings.codes,
                        needle || spec_->body_regex != nullptr, found, parser_.absent_found());
  finish();
}

void Probe::on_deadline() {
  static constexpr const char* kWhile[] = {"", "resolving the host name", "connecting",
                                           "in the TLS handshake", "waiting for the response"};
  std::string text = "timed out after " + net::duration_text(spec_->settings.timeout) + " " +
                     kWhile[static_cast<int>(phase_)];
  if (phase_ == Phase::connecting && last_connect_error_ != 0) {
    text += " (last error: " + net::errno_text(last_connect_error_) + ")";
  }
  fail(ProbeFailure::timeout, text);
}

void Probe::fail(ProbeFailure failure, const std::string& text) {
  if (!running_)
    return;
  result_.failure = failure;
  result_.outcome = error_outcome(spec_->url.original, text);
  finish();
}

void Probe::finish() {
  if (!running_)
    return;
  if (tls_session_ != nullptr && tls_session_->handshake_done()) {
    // A clean close_notify keeps the session resumable.
    tls_session_->close();
    if (tls_session_->pending_output() > 0)
      stream_.write(tls_session_->take_output());
  }
  result_.timings.total_us = elapsed_us();
  Callback done = std::move(done_);
  cancel();
  // Last: the callback may start the next probe or destroy this one.
  const ProbeResult result = std::move(result_);
  if (done)
    done(result);
}

void Probe::cancel() {
  running_ = false;
  phase_ = Phase::idle;
  deadline_.stop();
  retry_timer_.stop();
  attempt_timer_.stop();
  resolver_.cancel();
  stream_.close();
  tls_session_.reset();
  done_ = nullptr;
  spec_.reset();
}

}  // namespace httpok
