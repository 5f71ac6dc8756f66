#include "httpok/probe.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "httpok/tls.hpp"

namespace httpok {

namespace {

// Plaintext out of TLS is consumed before the next read: one buffer serves all probes.
char g_plaintext[16 * 1024];
// So is ciphertext on its way to the socket (Stream::write copies what it cannot write
// at once).
char g_ciphertext[16 * 1024];

}  // namespace

Result<std::shared_ptr<const ProbeSpec>> compile_probe_spec(const ProbeSettings& settings,
                                                            tls::ContextCache& contexts,
                                                            bool certificate_expiry) {
  return compile_probe_spec(std::make_shared<const ProbeSettings>(settings), contexts,
                            certificate_expiry);
}

Result<std::shared_ptr<const ProbeSpec>> compile_probe_spec(
    std::shared_ptr<const ProbeSettings> shared, tls::ContextCache& contexts,
    bool certificate_expiry) {
  using R = Result<std::shared_ptr<const ProbeSpec>>;
  const ProbeSettings& settings = *shared;
  auto url = parse_url(settings.url);
  if (!url)
    return R::failure(url.error());
  auto spec = std::make_shared<ProbeSpec>();
  spec->settings = std::move(shared);
  spec->certificate_expiry = certificate_expiry;
  // The URL itself is not kept: its request is built, its host and port are the
  // connection's, and the rest is the settings' text.
  spec->https = url.value().https();
  spec->request =
      build_request(url.value(), settings.method, settings.headers, settings.reuse_connection);
  const std::uint16_t port = url.value().port;
  spec->connect.set_host(std::move(url).value().host, port);
  spec->connect.unix_path = settings.unix_socket;
  spec->connect.budget = settings.timeout;
  spec->connect.retry_refused = settings.retry_time;
  if (settings.body_regex) {
    auto regex = BodyRegex::compile(*settings.body_regex);
    if (!regex)
      return R::failure("bad body_regex '" + *settings.body_regex + "': " + regex.error());
    spec->body_regex = std::move(regex).value();
  }
  if (spec->https) {
    auto context = contexts.get(settings.tls);
    if (!context)
      return R::failure(context.error());
    spec->tls = std::move(context).value();
  }
  return R(std::shared_ptr<const ProbeSpec>(std::move(spec)));
}

Probe::Probe(uv_loop_t* loop, net::Dns& dns)
    : loop_(loop),
      stream_(loop, *this),
      connector_(loop, dns, stream_, *this),
      deadline_(loop),
      defer_(loop) {}

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
  keep_ = false;
  reused_ = false;
  retried_ = false;
  started_ns_ = uv_hrtime();
  // The needle points into the spec, which this probe holds: nothing is copied.
  // A regular expression is searched for in the whole body (up to max_body), kept for it.
  parser_.reset(ResponseParser::Options{spec_->settings->max_body, spec_->needle(),
                                        spec_->body_regex != nullptr,
                                        spec_->settings->method == "HEAD", spec_->absent()});
  // The deadline counts from now, not from the start of this loop iteration (which may
  // lie far back after slow work, such as loading TLS files at start-up).
  uv_update_time(loop_);
  deadline_.start(static_cast<std::uint64_t>(spec_->settings->timeout.count()),
                  [this] { on_deadline(); });

  if (spec_->https && spec_->tls == nullptr) {
    // Defer the failure: `done` is never called before start() returns. No phase began.
    phase_ = Phase::idle;
    defer_.start(0, [this] { fail(ProbeFailure::tls, "https is not configured"); });
    return true;
  }
  if (kept_spec_ != nullptr) {
    const bool same = kept_spec_ == spec_;
    kept_spec_.reset();
    // An hour at most: a certificate the server renewed, or an address that moved, is
    // seen within it.
    constexpr std::uint64_t kMaxAgeNs = 3600ull * 1000 * 1000 * 1000;
    if (same && stream_.is_open() && started_ns_ - connected_ns_ < kMaxAgeNs) {
      // The connection of the last check of this spec: straight to the request.
      reused_ = true;
      result_.timings.reused = true;
      phase_ = Phase::exchanging;
      if (tls_session_ == nullptr) {
        send_request();
      } else {
        result_.tls = TlsHandshake::kept;
        result_.cert_not_after = kept_cert_not_after_;
        result_.chain_not_after = kept_chain_not_after_;
        if (tls_session_->write(spec_->request) == tls::Status::error)
          fail_tls();
        else
          flush_tls();
      }
      return true;
    }
    drop_connection();
  }
  connect(spec_->connect);
  return true;
}

void Probe::connect(const net::ConnectTarget& target) {
  phase_ = target.unix_path.empty() && !target.is_literal() ? Phase::resolving : Phase::connecting;
  // Over TCP, the first bytes go out as the connection is made: plain HTTP's request, or
  // https's ClientHello (one turn of the loop less: no wait to learn the socket connected).
  request_early_ = !spec_->https && target.unix_path.empty();
  std::string_view early = request_early_ ? std::string_view(spec_->request) : std::string_view();
  if (spec_->https) {
    tls_session_ = std::make_unique<tls::ClientSession>(
        spec_->tls, spec_->connect.host, spec_->connect.port, spec_->settings->tls_server_name);
    if (target.unix_path.empty())
      early = make_client_hello();
  }
  if (connector_.start(target, early))
    on_connected();
}

std::string_view Probe::make_client_hello() {
  // A session that cannot start says why once connected, as it did before (drive_tls).
  const std::uint64_t began = elapsed_us();
  if (tls_session_->handshake() != tls::Status::want_more)
    return {};
  hello_.resize(tls_session_->pending_output());
  hello_.resize(tls_session_->take_output(hello_.data(), hello_.size()));
  result_.timings.tls_hello_us = elapsed_us() - began;
  return hello_;
}

bool Probe::retry_on_a_new_connection() {
  // Only what a dead kept connection looks like: no byte of the answer came, and the
  // deadline has not passed (a timeout is the target's own).
  if (!reused_ || retried_ || result_.timings.first_byte_us != 0 || phase_ != Phase::exchanging)
    return false;
  retried_ = true;
  reused_ = false;
  drop_connection();
  parser_.reset();
  result_.tls = TlsHandshake::none;
  result_.cert_not_after = 0;
  result_.chain_not_after = 0;
  result_.timings.reused = false;
  // The addresses share what is left of the deadline, not all of it again.
  const auto spent = std::chrono::milliseconds(elapsed_us() / 1000);
  retry_connect_ = spec_->connect;
  retry_connect_.budget = std::max(std::chrono::milliseconds(1), spec_->settings->timeout - spent);
  connect(retry_connect_);
  return true;
}

void Probe::drop_connection() {
  stream_.close();
  tls_session_.reset();
}

void Probe::on_idle_event() {
  const std::shared_ptr<const ProbeSpec> spec = std::move(kept_spec_);  // alive for the pool
  drop_connection();
  if (spec != nullptr && let_go_)
    let_go_(*this, spec.get());  // last: the pool may hand this engine out again
}

void Probe::on_resolved() {
  result_.timings.resolved_us = elapsed_us();
  phase_ = Phase::connecting;
}

void Probe::on_connect_failed(net::ConnectFailure failure, int status) {
  switch (failure) {
    case net::ConnectFailure::dns:
      return fail(ProbeFailure::dns, net::resolve_error_text(status));
    case net::ConnectFailure::local:
      result_.local_kind = uv_err_name(status);
      return fail(ProbeFailure::local, "cannot connect: " + net::errno_text(status));
    case net::ConnectFailure::connect:
      if (!spec_->connect.unix_path.empty())
        return fail(ProbeFailure::connect,
                    net::errno_text(status) + " (UNIX socket " + spec_->connect.unix_path + ")");
      return fail(ProbeFailure::connect, net::errno_text(status));
  }
}

void Probe::on_connected() {
  result_.timings.connected_us = elapsed_us();
  connected_ns_ = started_ns_ + result_.timings.connected_us * 1000;
  if (spec_->https) {
    phase_ = Phase::tls_handshake;
    drive_tls();  // the session is connect()'s
    return;
  }
  phase_ = Phase::exchanging;
  if (!request_early_)
    send_request();  // else the connector sent it as it connected
}

void Probe::send_request() {
  const int rc = stream_.write(spec_->request);
  if (rc < 0)
    fail(ProbeFailure::protocol, net::errno_text(rc));
}

int Probe::send_tls_output() {
  while (const std::size_t n = tls_session_->take_output(g_ciphertext, sizeof g_ciphertext)) {
    if (const int rc = stream_.write(std::string_view(g_ciphertext, n)); rc < 0)
      return rc;
  }
  return 0;
}

bool Probe::flush_tls() {
  if (tls_session_ == nullptr)
    return true;
  const int rc = send_tls_output();
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
  (void)send_tls_output();
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
    if (s != tls::Status::ok) {
      flush_tls();
      return;  // want more ciphertext
    }
    // The handshake's last flight (TLS 1.3: the client's Finished) goes out with the
    // request, in one write.
    result_.timings.tls_done_us = elapsed_us();
    last_tls_resumed_ = session.session_reused();
    result_.tls = last_tls_resumed_ ? TlsHandshake::resumed : TlsHandshake::full;
    if (spec_->certificate_expiry) {
      const tls::ClientSession::Expiry expiry = session.certificate_expiry();
      result_.cert_not_after = expiry.leaf;
      result_.chain_not_after = expiry.chain;
    }
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
  if (!running_) {
    // A kept connection, idle: TLS 1.3 may still bring session tickets, which are no
    // answer; anything else is (a server that talks unasked is not one to keep).
    if (tls_session_ != nullptr) {
      tls_session_->feed(bytes);
      std::size_t n = 0;
      if (tls_session_->read(g_plaintext, sizeof g_plaintext, n) == tls::Status::want_more &&
          send_tls_output() == 0)
        return;
    }
    return on_idle_event();
  }
  if (tls_session_ != nullptr) {
    tls_session_->feed(bytes);
    drive_tls();
    return;
  }
  on_plaintext(bytes);
}

void Probe::on_eof() {
  if (!running_)
    return on_idle_event();  // the server closed a kept connection
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
  if (!running_)
    return on_idle_event();
  fail(phase_ == Phase::connecting ? ProbeFailure::connect : ProbeFailure::protocol,
       net::errno_text(status));
}

void Probe::on_response_complete() {
  // A server that closes a kept connection at its idle timeout may send a 408 as it goes,
  // to a request it never read: the end of the connection, not the target's answer.
  if (reused_ && parser_.status() == 408) {
    result_.timings.first_byte_us = 0;
    if (retry_on_a_new_connection())
      return;
  }
  phase_ = Phase::idle;  // what fails from here on (a body_regex giving up) is no phase's
  result_.status = parser_.status();
  result_.reason = parser_.reason();
  result_.http_version = parser_.http_version();
  const bool needle = !spec_->needle().empty();
  bool found = !needle || parser_.needle_found();
  const auto& codes = spec_->settings->codes;
  const bool expected = std::find(codes.begin(), codes.end(), result_.status) != codes.end();
  if (spec_->body_regex != nullptr && found && expected && !parser_.absent_found()) {
    switch (spec_->body_regex->search(parser_.body())) {
      case BodyRegex::Match::found:
        break;
      case BodyRegex::Match::not_found:
        found = false;
        break;
      case BodyRegex::Match::gave_up:
        // The pattern's cost, not the target's fault: nothing is restarted.
        result_.local_kind = "body_regex";
        return fail(ProbeFailure::local,
                    "body_regex '" + spec_->body_regex->pattern() +
                        "' gave up on this body (too much backtracking); simplify the pattern");
    }
  }
  result_.failure =
      classify_response(result_.status, spec_->settings->codes,
                        needle || spec_->body_regex != nullptr, found, parser_.absent_found());
  // Only a failure is told (the mail's first line): a good check builds no text.
  if (result_.failure != ProbeFailure::none)
    result_.outcome = status_outcome(shown_url(*spec_->settings), result_.status, result_.reason);
  // Not a TLS session the server ended with the answer (close_notify in the same read): the
  // next request on it would wait for an answer that never comes.
  keep_ = spec_->settings->reuse_connection && parser_.keep_alive() &&
          (tls_session_ == nullptr || !tls_session_->ended());
  finish();
}

void Probe::on_deadline() {
  static constexpr const char* kWhile[] = {"", "resolving the host name", "connecting",
                                           "in the TLS handshake", "waiting for the response"};
  std::string text = "timed out after " + net::duration_text(spec_->settings->timeout) + " " +
                     kWhile[static_cast<int>(phase_)];
  if (phase_ == Phase::connecting && connector_.last_error() != 0) {
    text += " (last error: " + net::errno_text(connector_.last_error()) + ")";
  }
  fail(ProbeFailure::timeout, text);
}

void Probe::fail(ProbeFailure failure, const std::string& text) {
  if (!running_)
    return;
  if (failure != ProbeFailure::timeout && retry_on_a_new_connection())
    return;
  result_.failure = failure;
  result_.outcome = error_outcome(shown_url(*spec_->settings), text);
  using U = ProbeTimings::Unfinished;
  switch (phase_) {
    case Phase::idle:
      break;
    case Phase::resolving:
      result_.timings.unfinished = U::resolve;
      break;
    case Phase::connecting:
      result_.timings.unfinished = U::connect;
      break;
    case Phase::tls_handshake:
      result_.timings.unfinished = U::tls;
      break;
    case Phase::exchanging:
      result_.timings.unfinished = result_.timings.first_byte_us == 0 ? U::processing : U::transfer;
      break;
  }
  finish();
}

void Probe::finish() {
  if (!running_)
    return;
  const bool keep = keep_ && stream_.is_open();
  if (!keep && tls_session_ != nullptr && tls_session_->handshake_done()) {
    // A clean close_notify keeps the session resumable.
    tls_session_->close();
    (void)send_tls_output();
  }
  result_.timings.total_us = elapsed_us();
  Callback done = std::move(done_);
  if (keep) {
    // The connection stays open for this spec's next check (reuse_connection).
    if (result_.tls == TlsHandshake::full || result_.tls == TlsHandshake::resumed) {
      kept_cert_not_after_ = result_.cert_not_after;
      kept_chain_not_after_ = result_.chain_not_after;
    }
    kept_spec_ = spec_;
    stop();
  } else {
    cancel();
  }
  // Last: the callback may start the next probe or destroy this one.
  const ProbeResult result = std::move(result_);
  if (done)
    done(result);
}

Probe& EnginePool::take(const ProbeSpec* spec) {
  if (spec != nullptr && !kept_.empty()) {
    if (const auto it = kept_.find(spec); it != kept_.end()) {
      Probe* engine = it->second;
      kept_.erase(it);
      return *engine;
    }
  }
  if (idle_.empty()) {
    engines_.push_back(std::make_unique<Probe>(loop_, dns_));
    engines_.back()->on_let_go([this](Probe& engine, const ProbeSpec* kept_for) {
      if (const auto it = kept_.find(kept_for); it != kept_.end() && it->second == &engine) {
        kept_.erase(it);
        idle_.push_back(&engine);
      }
    });
    return *engines_.back();
  }
  Probe* engine = idle_.back();
  idle_.pop_back();
  return *engine;
}

void EnginePool::give(Probe& engine) {
  if (engine.kept_for() != nullptr && kept_.size() >= max_kept_)
    engine.cancel();  // no room: this connection closes as any other check's
  if (engine.kept_for() == nullptr)
    return idle_.push_back(&engine);
  Probe*& kept = kept_[engine.kept_for()];
  if (kept != nullptr && kept != &engine) {
    // One check of a target at a time should make this impossible: the older connection
    // closes rather than being lost.
    kept->cancel();
    idle_.push_back(kept);
  }
  kept = &engine;
}

void EnginePool::forget(const ProbeSpec* spec) {
  if (kept_.empty())
    return;
  if (const auto it = kept_.find(spec); it != kept_.end()) {
    it->second->cancel();
    idle_.push_back(it->second);
    kept_.erase(it);
  }
}

void EnginePool::cancel_all() {
  for (auto& engine : engines_)
    engine->cancel();
  for (const auto& [spec, engine] : kept_)
    idle_.push_back(engine);
  kept_.clear();
}

void Probe::stop() {
  running_ = false;
  phase_ = Phase::idle;
  deadline_.stop();
  defer_.stop();
  connector_.cancel();
  done_ = nullptr;
  spec_.reset();
}

void Probe::cancel() {
  stop();
  kept_spec_.reset();
  drop_connection();
}

}  // namespace httpok
