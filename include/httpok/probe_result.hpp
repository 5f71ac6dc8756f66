// The pure core of a probe: how a result is classified and the texts superlance writes
// for it. No I/O; the libuv shell that runs a probe is probe.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace httpok {

enum class ProbeFailure {
  none,      // healthy
  dns,       // the host name did not resolve
  connect,   // no address accepted the connection
  timeout,   // the deadline passed first
  tls,       // handshake or TLS record failure, certificate verification included
  protocol,  // malformed or truncated response, connection reset
  status,    // a response whose status is not one of the expected codes
  body,      // expected status, but the body lacks the -b text within --max-body bytes
  local,     // this machine ran out of something (file descriptors, memory, ports): not
             // the target's failure, never a reason to restart it
};

std::string_view to_string(ProbeFailure failure) noexcept;

// Microseconds since the probe started at which each phase ended (0: not reached).
struct ProbeTimings {
  std::uint64_t resolved_us = 0;
  std::uint64_t connected_us = 0;
  std::uint64_t tls_done_us = 0;
  std::uint64_t first_byte_us = 0;
  std::uint64_t total_us = 0;
  // https over TCP: how long the ClientHello took to make. It is made before the connect,
  // to go out with it, so it ran inside the first phase (resolve or connect); once the
  // connection is made it is counted as tls, not there.
  std::uint64_t tls_hello_us = 0;
  // A check that failed before its response was complete: the phase it was in, which
  // ran from the end of the last phase to total_us.
  enum class Unfinished : std::uint8_t { none, resolve, connect, tls, processing, transfer };
  Unfinished unfinished = Unfinished::none;
  // On a kept connection (reuse_connection): no resolve, connect or TLS phase, and the
  // request went out at 0.
  bool reused = false;
};

// The phases a check went through, in order, as blackbox_exporter names them: resolve,
// connect, tls, processing (request sent to first byte) and transfer (first byte to the
// end), each with its duration in microseconds. A phase that did not happen (no lookup
// for an IP address, no TLS for http, no response) is not in the list, nor is the one a
// failed check was in when it ended.
struct ProbePhase {
  const char* name;
  std::uint64_t us;
};
std::vector<ProbePhase> probe_phases(const ProbeTimings& timings);
// "resolve 0.1 ms, connect 0.2 ms, processing 12.0 ms, transfer 0.1 ms"; "" when none.
// A check that failed in the middle of a phase ends with that phase as what it was doing
// until the end: "resolving", "connecting", "handshaking", "waiting" (for the first byte of
// the response) or "receiving" (the rest of it), as in "connect 0.2 ms, waiting 4999.7 ms".
std::string phases_text(const ProbeTimings& timings);

// kept: no handshake, the connection of an earlier one was reused (reuse_connection); its
// certificates' expiry is that handshake's.
enum class TlsHandshake : std::uint8_t { none, full, resumed, kept };

struct ProbeResult {
  ProbeFailure failure = ProbeFailure::none;
  int status = 0;       // HTTP status when a response came
  std::string reason;   // its reason phrase
  std::string outcome;  // a failure's text, superlance's: the first line of the mail ("" when ok)
  ProbeTimings timings;
  int http_version = 0;         // 11 for HTTP/1.1, when a response came
  std::string_view local_kind;  // local failures: what ran out ("EMFILE", "body_regex")
  // https: when the server's certificate and the earliest of its verified chain expire,
  // in seconds since the epoch; 0 when not known (see tls::ClientSession::Expiry). A
  // resumed handshake knows no chain.
  std::int64_t cert_not_after = 0;
  std::int64_t chain_not_after = 0;
  TlsHandshake tls = TlsHandshake::none;  // whether a TLS handshake completed, and how
  bool ok() const noexcept { return failure == ProbeFailure::none; }
};

// "status contacting <URL>: <code> <reason>"
std::string status_outcome(const std::string& url, int status, const std::string& reason);
// "error contacting <URL>:\n\n <error>"
std::string error_outcome(const std::string& url, const std::string& error);
// none, status or body, for a complete response.
// `absent_found`: the --body-absent text was in the body (a bad body as well).
ProbeFailure classify_response(int status, const std::vector<int>& codes, bool body_required,
                               bool body_found, bool absent_found = false) noexcept;
// superlance's subject text (without the "httpok: " prefix): "<URL>: bad status returned"
// for every failure but a bad body, which is "<URL>: bad body returned".
std::string failure_subject(const std::string& url, ProbeFailure failure);
// The outcome on one line (for httpok's own log line).
std::string one_line(const std::string& text);
// httpok's own log line for a result: the outcome on one line, then where the time went:
// "error contacting URL: timed out ... (connect 0.2 ms, waiting 4999.7 ms)".
std::string outcome_line(const ProbeResult& result);

}  // namespace httpok
