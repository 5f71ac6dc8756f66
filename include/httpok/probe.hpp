// One check of one target: resolve, connect, (TLS), request, response, all under one
// deadline, on the libuv loop. The classification and outcome text are pure functions.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "httpok/config.hpp"
#include "httpok/http.hpp"
#include "httpok/net.hpp"

namespace httpok {

namespace tls {
class ClientContext;
class ClientSession;
}  // namespace tls

enum class ProbeFailure {
  none,      // healthy
  dns,       // the host name did not resolve
  connect,   // no address accepted the connection
  timeout,   // the deadline passed first
  tls,       // handshake or TLS record failure, certificate verification included
  protocol,  // malformed or truncated response, connection reset
  status,    // a response whose status is not one of the expected codes
  body,      // expected status, but the body lacks the -b text within --max-body bytes
};
std::string_view to_string(ProbeFailure failure) noexcept;

// Microseconds since the probe started at which each phase ended (0: not reached).
struct ProbeTimings {
  std::uint64_t resolved_us = 0;
  std::uint64_t connected_us = 0;
  std::uint64_t tls_done_us = 0;
  std::uint64_t first_byte_us = 0;
  std::uint64_t total_us = 0;
};

struct ProbeResult {
  ProbeFailure failure = ProbeFailure::none;
  int status = 0;       // HTTP status when a response came
  std::string reason;   // its reason phrase
  std::string outcome;  // superlance's text: the first line of the mail
  ProbeTimings timings;
  bool ok() const noexcept { return failure == ProbeFailure::none; }
};

// "status contacting <URL>: <code> <reason>"
std::string status_outcome(const std::string& url, int status, const std::string& reason);
// "error contacting <URL>:\n\n <error>"
std::string error_outcome(const std::string& url, const std::string& error);
// none, status or body, for a complete response.
ProbeFailure classify_response(int status, const std::vector<int>& codes, bool body_required,
                               bool body_found) noexcept;
// superlance's subject text (without the "httpok: " prefix): "<URL>: bad status returned"
// for every failure but a bad body, which is "<URL>: bad body returned".
std::string failure_subject(const std::string& url, ProbeFailure failure);
// The outcome on one line (for httpok's own log line).
std::string one_line(const std::string& text);

// Checks one target, one probe at a time. Owned by the application (one per target);
// may be destroyed at any time, which cancels a running probe without calling back.
class Probe final : private net::Stream::Handler {
 public:
  using Callback = std::function<void(const ProbeResult&)>;

  // `tls_context` is required for https targets (built at start-up), null for http.
  Probe(uv_loop_t* loop, Target target, Url url, std::shared_ptr<tls::ClientContext> tls_context);
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  bool running() const noexcept { return running_; }
  // Starts a probe; `done` is called once, later, on the loop. Returns false (and never
  // calls `done`) when one is already running.
  bool start(Callback done);
  // Stops a running probe; `done` is not called.
  void cancel();

  const Target& target() const noexcept { return target_; }
  const Url& url() const noexcept { return url_; }
  // True when the last TLS handshake of this probe resumed a session.
  bool last_tls_resumed() const noexcept { return last_tls_resumed_; }

 private:
  enum class Phase { idle, resolving, connecting, tls_handshake, exchanging };

  void on_connect(int status) override;
  void on_data(std::string_view bytes) override;
  void on_eof() override;
  void on_stream_error(int status) override;

  void connect_next();
  void send_request();
  void drive_tls();
  // Sends pending TLS output; false when that failed the probe.
  bool flush_tls();
  void fail_tls();
  // Returns true when the probe finished.
  bool on_plaintext(std::string_view bytes);
  void on_response_complete();
  void on_deadline();
  void fail(ProbeFailure failure, const std::string& text);
  void finish();
  std::uint64_t elapsed_us() const;

  uv_loop_t* loop_;
  Target target_;
  Url url_;
  std::shared_ptr<tls::ClientContext> tls_context_;
  std::string request_;  // built once, sent by every probe
  net::Stream stream_;
  net::Resolver resolver_;
  net::Timer deadline_;
  net::Timer retry_timer_;
  net::Timer attempt_timer_;  // per-address share of the deadline
  ResponseParser parser_;
  std::unique_ptr<tls::ClientSession> tls_session_;
  std::vector<sockaddr_storage> addresses_;
  std::size_t next_address_ = 0;
  int last_connect_error_ = 0;
  Phase phase_ = Phase::idle;
  bool running_ = false;
  bool last_tls_resumed_ = false;
  std::uint64_t started_ns_ = 0;
  Callback done_;
  ProbeResult result_;
};

}  // namespace httpok
