// The target types: what to probe and what to restart when the probe fails. Made by
// `config`, used by `tls` (the TLS options), `probe` (the probe settings) and the app.
// Plain values with no dependencies, so that whatever `config` links (a config-file
// parser) never leaks into the network modules.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace httpok {

// What one client SSL_CTX is made of, and nothing else: targets with equal TlsOptions
// share one context. The name to send and verify belongs to each connection
// (ProbeSettings::tls_server_name), so many names never build many contexts.
struct TlsOptions {
  bool insecure = false;           // --insecure: no certificate or host-name check
  std::string cafile;              // --cafile FILE
  std::string capath;              // --capath DIR
  std::string client_cert;         // --client-cert FILE
  std::string client_key;          // --client-key FILE
  bool session_resumption = true;  // --no-session-resumption turns it off

  bool operator==(const TlsOptions&) const = default;
};

// What to probe and what a good answer is.
struct ProbeSettings {
  std::string url;
  // When the config file took part of the URL from the environment: the URL as written,
  // with %(ENV_X)s in place of what it stood for. Outputs show it instead of `url`
  // (shown_url() in http.hpp, which also masks the password).
  std::string written_url;
  std::vector<int> codes{200};                  // -c, accumulated; [200] when none given
  std::optional<std::string> body;              // -b: substring the body must contain
  std::optional<std::string> body_absent;       // --body-absent: a text that fails the check
  std::optional<std::string> body_regex;        // --body-regex: a PCRE2 pattern the body must match
  std::chrono::milliseconds timeout{10000};     // -t: one deadline for the whole probe
  std::chrono::milliseconds retry_time{10000};  // pause before retrying a refused connect
  std::size_t max_body = 1024 * 1024;           // --max-body: bytes of body read at most
  TlsOptions tls;
  std::string tls_server_name;       // --tls-server-name NAME (SNI and name to verify)
  std::string method = "GET";        // --method: GET or HEAD
  std::vector<std::string> headers;  // --header "Name: value", in the order given
  // --unix-socket: connect to this UNIX socket instead of the URL's host and port (the URL
  // still gives the Host header and the path), as curl's --unix-socket does.
  std::string unix_socket;
  // --reuse-connection: keep the connection open between checks (HTTP/1.1 keep-alive), as
  // Envoy's health checker does; off by default, as a new connection also tests the app's
  // accept path. A request that fails on a kept connection before any byte of the answer
  // is sent again once on a new one, within the same deadline.
  bool reuse_connection = false;

  bool operator==(const ProbeSettings&) const = default;
};

// When a target acts, and how often a program may be restarted (policy.hpp applies it).
// The defaults are superlance's: act on every failure, without limit.
struct PolicySettings {
  std::uint32_t fails = 1;         // --fails: consecutive failed probes before acting
  std::uint32_t rises = 1;         // --rises: good probes in a row before it has recovered
  std::uint32_t max_restarts = 0;  // --max-restarts: per program in restart_window; 0: none
  std::chrono::seconds restart_window{600};  // --restart-window
  std::chrono::seconds grace{0};  // --grace: failures do not count while a program is younger

  bool operator==(const PolicySettings&) const = default;
};

// What to restart when the probe fails, and when to probe at all.
struct RestartSettings {
  std::vector<std::string> programs;  // -p, accumulated: names or group:name namespecs
  bool any = false;                   // -a: every process (except the listener itself)
  bool eager = true;                  // -e / -E (last wins)
  bool notify_recovery = false;       // --notify-recovery: mail "recovered" too
  bool revive = false;    // --revive: start a FATAL or EXITED program instead of skipping it
  bool dry_run = false;   // --dry-run: say what would be done, do nothing
  std::string presignal;  // --presignal: a signal name ("QUIT") sent before the stop
  std::chrono::seconds presignal_wait{5};  // --presignal-wait: then this long
  PolicySettings policy;

  bool operator==(const RestartSettings&) const = default;
};

// One watched target. The command line makes one, named "default".
struct Target {
  std::string name = "default";
  ProbeSettings probe;
  RestartSettings restart;
  // --interval: probed on its own clock, this often; nothing: on every TICK event.
  std::optional<std::chrono::milliseconds> interval;
  // --cert-expiry-days: warn (log and mail, once a day) when a certificate of the
  // server expires within this many days; 0: never.
  std::uint32_t cert_expiry_days = 0;
  // The mail address of this target's reports, instead of the global one (config file).
  std::optional<std::string> email;

  bool operator==(const Target&) const = default;
};

}  // namespace httpok
