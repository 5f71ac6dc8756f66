// TLS client sessions over memory buffers (OpenSSL 3 memory BIOs). Nothing here owns a
// socket or knows libuv: the caller moves ciphertext between the network and a
// ClientSession (feed() in, take_output() out) and asks it to advance. That keeps the
// layer testable by pumping bytes between a client and a server in one process.
//
// Typical use by a prober, on every readable/writable event:
//   session.feed(bytes_from_socket);          // or session.feed_eof() on TCP EOF
//   Status s = session.handshake();           // later: write(), read()
//   socket.write(session.take_output());      // after EVERY call, even on error
//                                             // (alerts and close_notify are output too)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "httpok/result.hpp"
#include "httpok/target.hpp"

namespace httpok::tls {

// What a ClientSession call achieved.
enum class Status {
  ok,             // the step is done (handshake complete, data written, data read)
  want_more,      // blocked on ciphertext from the network: feed() more, then call again
  closed_clean,   // read(): the server sent close_notify; no more plaintext will come
  closed_abrupt,  // read(): the TCP connection ended (feed_eof) without close_notify
  error,          // fatal; error_text() says why. The session is unusable.
};

std::string_view to_string(Status status) noexcept;

// One client SSL_CTX for one TlsOptions value (trust store, client certificate, verify
// mode) and the client-side session cache used for resumption. Shared: every
// ClientSession holds a shared_ptr to its context, so the context outlives them all.
// Usually owned by a ContextCache; not thread-safe (one event loop).
class ClientContext {
 public:
  // Start-up: builds the SSL_CTX and loads the files named in `options`. Errors are one
  // line naming the option and the file, e.g. "--cafile /x: No such file or directory".
  static Result<std::shared_ptr<ClientContext>> create(const TlsOptions& options);

  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  const TlsOptions& options() const noexcept;
  // Number of resumption keys with a cached session (for tests and diagnostics).
  std::size_t cached_sessions() const noexcept;
  // Drops every cached session (e.g. after a configuration reload).
  void clear_sessions() noexcept;

  struct Impl;

 private:
  explicit ClientContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class ClientSession;
};

// True when `dir` holds certificates under OpenSSL's hashed names ("5ad8a5d6.0"), as
// Debian's /etc/ssl/certs does: then the system store is read from there, a CA when a
// chain needs it, instead of loading the whole bundle into each context.
bool has_hashed_certificates(const std::string& dir);

// Gives every distinct TlsOptions value one shared ClientContext. Owned by the app (or
// whoever builds the probes); contexts stay alive while a session still uses them.
class ContextCache {
 public:
  // Returns the context for `options`, creating it on first use. Creation errors are
  // returned (not cached), see ClientContext::create.
  Result<std::shared_ptr<ClientContext>> get(const TlsOptions& options);
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  // A handful of distinct option sets at most: a linear search is the right structure.
  std::vector<std::pair<TlsOptions, std::shared_ptr<ClientContext>>> entries_;
};

// One TLS client connection attempt, byte-driven. Owned by the probe that makes the
// attempt; destroy it with the connection. Not copyable or movable (OpenSSL keeps a
// pointer to it for callbacks).
//
// Host name rules: `host` is the URL host, a DNS name or an IP literal (IPv6 with or
// without brackets). A name is sent as SNI and verified against the certificate's
// DNS SANs (or CN); an IP literal sends no SNI and is verified against IP SANs.
// `server_name` (--tls-server-name), when not empty, replaces the host for both SNI and
// verification; it belongs to the session, not the context, so one context serves any.
// With TlsOptions::insecure nothing is verified (SNI is still sent).
//
// Resumption: the session is cached in the context under (host, port, server name) and
// offered on the next ClientSession with the same key, unless session_resumption is off.
class ClientSession {
 public:
  ClientSession(std::shared_ptr<ClientContext> context, std::string_view host, std::uint16_t port,
                std::string_view server_name = {});
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Ciphertext received from the network.
  void feed(std::string_view ciphertext);
  // The TCP peer closed its side: once fed bytes are used up, reads see end of file.
  void feed_eof() noexcept;

  // Ciphertext to send to the network, produced by any call below (handshake records,
  // application data, alerts, close_notify). Call after every operation.
  std::size_t pending_output() const noexcept;
  std::string take_output();
  // Moves at most `cap` pending output bytes into `buf`; returns how many.
  std::size_t take_output(char* buf, std::size_t cap) noexcept;

  // Drives the handshake: ok (done; also when already done), want_more, error.
  Status handshake() noexcept;
  // Encrypts all of `plaintext` (needs a completed handshake): ok or error. want_more is
  // possible only while OpenSSL waits for the server mid-renegotiation: feed input and
  // call write() again with the same bytes.
  Status write(std::string_view plaintext) noexcept;
  // Decrypts up to `cap` bytes into `buf`, setting `n`. ok means n > 0; otherwise n == 0
  // and the status is want_more, closed_clean, closed_abrupt or error. Plaintext already
  // read before a close is returned first; the close is reported by the next call.
  Status read(char* buf, std::size_t cap, std::size_t& n) noexcept;
  // Queues close_notify (once; nothing after an error). Call take_output() afterwards.
  void close() noexcept;

  bool handshake_done() const noexcept;
  // True once a read has met the end of the session (close_notify, the TCP close or an
  // error), even when it still handed out plaintext that came before it.
  bool ended() const noexcept;
  // True once the handshake resumed a cached session.
  bool session_reused() const noexcept;
  // "TLSv1.3", "TLSv1.2", ... once the handshake is done; empty before.
  std::string protocol_version() const;
  // When the server's certificates expire, in seconds since the epoch (0: not known).
  // `leaf` is the certificate the server presented for itself (also known after a
  // resumed handshake, from the session). `chain` is the earliest expiry of the chain
  // that verification built, from the leaf up to the trusted root: known only after a
  // full handshake whose chain verified (not when resumed, nor with --insecure and a
  // certificate that does not verify).
  struct Expiry {
    std::int64_t leaf = 0;
    std::int64_t chain = 0;
  };
  Expiry certificate_expiry() const noexcept;
  // Why the last call returned error or closed_abrupt, in one line, e.g.
  // "certificate verify failed: self-signed certificate (use --cafile or --insecure)",
  // "certificate verify failed: host name mismatch: certificate is for other.example",
  // "TLS handshake failed: wrong version number", "TLS error: tlsv13 alert certificate
  // required", "connection closed without TLS close_notify".
  const std::string& error_text() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace httpok::tls
