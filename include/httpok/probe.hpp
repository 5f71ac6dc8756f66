// One check of one target: resolve, connect, (TLS), request, response, all under one
// deadline, on the libuv loop. The classification and outcome texts are its pure core,
// probe_result.hpp.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "httpok/body_regex.hpp"
#include "httpok/connector.hpp"
#include "httpok/http.hpp"
#include "httpok/net.hpp"
#include "httpok/probe_result.hpp"
#include "httpok/result.hpp"
#include "httpok/target.hpp"

namespace httpok {

namespace tls {
class ClientContext;
class ClientSession;
class ContextCache;
}  // namespace tls

// A target compiled for probing, once, at start-up (later also on reload): the URL's
// scheme, host and port, the request bytes, what a good answer is, and the TLS context. Immutable
// and shared by reference (std::shared_ptr<const ProbeSpec>): a probe holds it while it runs and
// copies nothing of it. Its settings are not copied either: the app's point into the Config (which
// they keep alive), one copy for 10 000 targets instead of two.
struct ProbeSpec {
  std::shared_ptr<const ProbeSettings> settings;
  bool https = false;                           // the URL's scheme
  std::string request;                          // built once, sent by every probe
  net::ConnectTarget connect;                   // where and how to connect: the URL's host
  std::shared_ptr<tls::ClientContext> tls;      // for https; null for http
  std::shared_ptr<const BodyRegex> body_regex;  // --body-regex; null when none
  bool certificate_expiry = false;  // https: read the certificates' expiry (metrics, warnings)
  std::string_view needle() const noexcept {  // the -b text ("" when none)
    return settings->body ? std::string_view(*settings->body) : std::string_view{};
  }
  std::string_view absent() const noexcept {  // the --body-absent text ("" when none)
    return settings->body_absent ? std::string_view(*settings->body_absent) : std::string_view{};
  }
};

// Builds the spec of `settings`; for an https URL its TLS context comes from `contexts`
// (so targets with the same TlsOptions share one, and the TLS files of an http target are
// never read). The error names the URL or the TLS file and what is wrong.
// `settings` is shared, not copied (an aliasing pointer into the Config that holds it).
// `certificate_expiry`: a check of an https URL reads when the server's certificates
// expire (ProbeResult::cert_not_after), for whoever needs it; otherwise nothing is read.
Result<std::shared_ptr<const ProbeSpec>> compile_probe_spec(
    std::shared_ptr<const ProbeSettings> settings, tls::ContextCache& contexts,
    bool certificate_expiry = false);
// The same with a copy of `settings`, for whoever has no shared owner of them (tests).
Result<std::shared_ptr<const ProbeSpec>> compile_probe_spec(const ProbeSettings& settings,
                                                            tls::ContextCache& contexts,
                                                            bool certificate_expiry = false);

// A probe engine: runs one probe of one spec at a time, and any spec one after another
// (its socket, timers and parser are reused). Owned by the application; may be destroyed
// at any time, which cancels a running probe without calling back.
class Probe final : private net::Stream::Handler, private net::Connector::Events {
 public:
  using Callback = std::function<void(const ProbeResult&)>;

  // `dns` outlives the engine.
  Probe(uv_loop_t* loop, net::Dns& dns);
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  bool running() const noexcept { return running_; }
  // Starts a probe of `spec`; `done` is called once, later, on the loop. Returns false
  // (and never calls `done`) when one is already running.
  bool start(std::shared_ptr<const ProbeSpec> spec, Callback done);
  // Stops a running probe; `done` is not called.
  void cancel();

  // The spec of the running probe; null when idle.
  const ProbeSpec* spec() const noexcept { return spec_.get(); }
  // reuse_connection: the spec whose connection this idle engine keeps open for its next
  // check; null when it keeps none.
  const ProbeSpec* kept_for() const noexcept { return kept_spec_.get(); }
  // Called when the connection this idle engine kept for `spec` ends (the server closed
  // it, or spoke unasked): the engine keeps nothing any more. For its pool.
  using LetGo = std::function<void(Probe& engine, const ProbeSpec* spec)>;
  void on_let_go(LetGo let_go) { let_go_ = std::move(let_go); }
  // True when the last TLS handshake of this probe resumed a session.
  bool last_tls_resumed() const noexcept { return last_tls_resumed_; }

 private:
  enum class Phase { idle, resolving, connecting, tls_handshake, exchanging };

  void on_connect(int status) override { connector_.on_connect(status); }
  void on_data(std::string_view bytes) override;
  void on_eof() override;
  void on_stream_error(int status) override;
  void on_resolved() override;
  void on_connected() override;
  void on_connect_failed(net::ConnectFailure failure, int status) override;

  void send_request();
  // Resolves (unless the host is an address or a UNIX socket) and connects to `target`.
  void connect(const net::ConnectTarget& target);
  std::string_view make_client_hello();  // into hello_; empty when the session cannot start
  // A request on a kept connection failed before any byte of the answer: the same check
  // again on a new connection, once, within the same deadline. False when it may not.
  bool retry_on_a_new_connection();
  // Closes the connection (kept or not) and forgets the TLS session on it.
  void drop_connection();
  // Stops the check's timers and connector; the connection stays as it is.
  void stop();
  // An idle kept connection heard from its server (bytes, EOF, an error): it is closed.
  void on_idle_event();
  void drive_tls();
  // Sends what the TLS session has for the socket; 0, or the write's libuv error.
  int send_tls_output();
  // The same for a probe under way; false when a failed write failed the probe.
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
  std::shared_ptr<const ProbeSpec> spec_;  // while a probe runs
  net::Stream stream_;
  net::Connector connector_;
  net::Timer deadline_;
  net::Timer defer_;  // a failure found at start, reported from the loop
  ResponseParser parser_;
  std::unique_ptr<tls::ClientSession> tls_session_;
  Phase phase_ = Phase::idle;
  bool running_ = false;
  bool last_tls_resumed_ = false;
  // reuse_connection: the connection is kept after this check (set when the answer ended
  // where its framing says and allows it); this check runs on a kept one; it was retried.
  bool keep_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool request_early_ = false;  // the connector sends the request with the connect
  std::string hello_;  // the ClientHello the connector sends with the connect (its room reused)
  std::shared_ptr<const ProbeSpec> kept_spec_;  // idle, with a connection kept for it
  LetGo let_go_;
  std::uint64_t connected_ns_ = 0;        // when the connection was made
  net::ConnectTarget retry_connect_;      // a retry's target: the time left as budget
  std::int64_t kept_cert_not_after_ = 0;  // the kept connection's handshake said
  std::int64_t kept_chain_not_after_ = 0;
  std::uint64_t started_ns_ = 0;
  Callback done_;
  ProbeResult result_;
};

// The probe engines of a process: an idle one is reused, so there are never more than
// were busy at once (the scheduler caps that at max_concurrent), plus one per
// reuse_connection target that keeps its connection between checks, at most `max_kept`
// (each holds a file descriptor; beyond it a check's connection is closed as usual).
// Owned by the application; `dns` outlives it.
class EnginePool {
 public:
  EnginePool(uv_loop_t* loop, net::Dns& dns, std::size_t max_kept = 1024)
      : loop_(loop), dns_(dns), max_kept_(max_kept) {}
  // Its engines call back into it (on_let_go): it stays where it was made.
  EnginePool(const EnginePool&) = delete;
  EnginePool& operator=(const EnginePool&) = delete;
  // An engine for a check of `spec`: the one that keeps a connection for it, else an idle
  // one, else a new one.
  Probe& take(const ProbeSpec* spec = nullptr);
  // Back after its check: kept for its spec while it keeps a connection, else idle.
  void give(Probe& engine);
  // The connection kept for `spec`, if any, is closed (its target is gone, or has a new
  // spec); `spec` must still be alive.
  void forget(const ProbeSpec* spec);
  // Stops every running probe without calling back, and closes every kept connection.
  void cancel_all();
  std::size_t size() const noexcept { return engines_.size(); }
  std::size_t kept() const noexcept { return kept_.size(); }

 private:
  uv_loop_t* loop_;
  net::Dns& dns_;
  std::vector<std::unique_ptr<Probe>> engines_;
  std::vector<Probe*> idle_;
  std::size_t max_kept_;
  // By the spec they keep a connection for; an engine whose kept connection ends leaves at
  // once (Probe::on_let_go), so this counts live connections only.
  std::unordered_map<const ProbeSpec*, Probe*> kept_;
};

}  // namespace httpok
