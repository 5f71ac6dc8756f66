// TLS client over OpenSSL memory BIOs: see include/httpok/tls.hpp for the contract.
//
// Every OpenSSL call that can fail is preceded by clear_errors() and followed, on
// failure, by draining the error queue into a text: the queue is per thread, and a stale
// entry left by one session would otherwise be blamed on the next one.
#include "httpok/tls.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace httpok::tls {
namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};
struct SslSessionFree {
  void operator()(SSL_SESSION* session) const noexcept { SSL_SESSION_free(session); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SslSessionPtr = std::unique_ptr<SSL_SESSION, SslSessionFree>;

// The reason of one queued OpenSSL error, e.g. "wrong version number".
std::string reason_text(unsigned long code) {
  if (ERR_SYSTEM_ERROR(code)) {
    return std::generic_category().message(static_cast<int>(ERR_GET_REASON(code)));
  }
  if (const char* reason = ERR_reason_error_string(code)) {
    return reason;
  }
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// Empties the error queue before a call whose failure is read from it. ERR_clear_error
// wipes every slot of the queue whether or not it holds anything (about 800 instructions
// in OpenSSL 3), and a check makes a dozen such calls: peeking first costs a tenth.
void clear_errors() noexcept {
  if (ERR_peek_error() != 0)
    ERR_clear_error();
}

// Takes the whole error queue, oldest first.
std::vector<unsigned long> take_errors() {
  std::vector<unsigned long> codes;
  while (unsigned long code = ERR_get_error()) {
    codes.push_back(code);
  }
  ERR_clear_error();
  return codes;
}

// The reasons of `codes` in one line, duplicates dropped.
std::string join_reasons(const std::vector<unsigned long>& codes) {
  std::string text;
  for (unsigned long code : codes) {
    std::string reason = reason_text(code);
    if (text.find(reason) != std::string::npos) {
      continue;
    }
    if (!text.empty()) {
      text += ": ";
    }
    text += reason;
  }
  return text;
}

// Drains the whole error queue into one line.
std::string drain_errors() {
  return join_reasons(take_errors());
}

bool has_reason(const std::vector<unsigned long>& codes, int lib, int reason) {
  for (unsigned long code : codes) {
    if (!ERR_SYSTEM_ERROR(code) && ERR_GET_LIB(code) == lib && ERR_GET_REASON(code) == reason) {
      return true;
    }
  }
  return false;
}

// Certificate fields are attacker-controlled; keep them to one printable line.
std::string printable(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return out;
}

std::string ip_text(const unsigned char* bytes, int length) {
  char buf[INET6_ADDRSTRLEN] = {};
  int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
  if (family == 0 || inet_ntop(family, bytes, buf, sizeof buf) == nullptr) {
    return "?";
  }
  return buf;
}

// The names a certificate is valid for (DNS and IP SANs, else the subject CN), for the
// "host name mismatch: certificate is for ..." text. At most a few, then "...".
std::string certificate_names(X509* cert) {
  constexpr std::size_t kMaxNames = 5;
  std::vector<std::string> names;
  bool more = false;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    std::string text;
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      text = printable({reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                        static_cast<std::size_t>(ASN1_STRING_length(dns))});
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      text = ip_text(ASN1_STRING_get0_data(ip), ASN1_STRING_length(ip));
    } else {
      continue;
    }
    if (names.size() == kMaxNames) {
      more = true;
      break;
    }
    names.push_back(std::move(text));
  }
  GENERAL_NAMES_free(sans);
  if (names.empty()) {
    const X509_NAME* subject = X509_get_subject_name(cert);
    int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index >= 0) {
      ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
      unsigned char* utf8 = nullptr;
      int length = ASN1_STRING_to_UTF8(&utf8, cn);
      if (length >= 0) {
        names.push_back(
            printable({reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length)}));
      }
      OPENSSL_free(utf8);
    }
  }
  std::string joined;
  for (const std::string& name : names) {
    joined += joined.empty() ? "" : ", ";
    joined += name;
  }
  if (more) {
    joined += ", ...";
  }
  return joined;
}

// A host is verified as an IP address when it parses as one; brackets and an IPv6 zone
// ("[fe80::1%eth0]") are URL syntax, not part of the address.
std::optional<std::string> ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (auto zone = host.find('%'); zone != std::string_view::npos) {
    host = host.substr(0, zone);
  }
  std::string candidate(host);
  unsigned char buf[16];
  if (inet_pton(AF_INET, candidate.c_str(), buf) == 1 ||
      inet_pton(AF_INET6, candidate.c_str(), buf) == 1) {
    return candidate;
  }
  return std::nullopt;
}

// Never prompt for a pass phrase: OpenSSL's default would read the terminal.
int refuse_password(char*, int, int, void*) {
  return -1;
}

// Start-up check that gives "No such file or directory" rather than OpenSSL's
// "system lib" when a file cannot be opened.
std::optional<std::string> unreadable_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return std::generic_category().message(EISDIR);
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return std::generic_category().message(errno);
  }
  std::fclose(file);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::want_more:
      return "want_more";
    case Status::closed_clean:
      return "closed_clean";
    case Status::closed_abrupt:
      return "closed_abrupt";
    case Status::error:
      return "error";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------
// ClientContext

struct ClientContext::Impl {
  TlsOptions options;
  SslCtxPtr ctx;
  // Last resumable session per resumption key; declared after ctx so it is freed first.
  std::unordered_map<std::string, SslSessionPtr> sessions;
};

struct ClientSession::Impl {
  std::shared_ptr<ClientContext> context;
  ClientContext::Impl* shared = nullptr;  // context->impl_, reachable from C callbacks
  SslPtr ssl;
  BIO* network_in = nullptr;   // feed() writes here, OpenSSL reads; owned by ssl
  BIO* network_out = nullptr;  // OpenSSL writes here, take_output() reads; owned by ssl
  std::string resumption_key;
  std::string certificate_names;  // captured by the verify callback on a name mismatch
  std::string checked_name;       // the host name or IP address the certificate must match
  std::string error;
  std::optional<Status> terminal;  // closed_clean, closed_abrupt or error, once reached
  bool eof = false;
  bool close_sent = false;

  enum class Op { handshake, read, write };
  Status classify(int ret, Op op);
  Status fail(std::string text) {
    error = std::move(text);
    terminal = Status::error;
    return Status::error;
  }
};

namespace {

ClientSession::Impl* session_of(const SSL* ssl) {
  return static_cast<ClientSession::Impl*>(SSL_get_app_data(ssl));
}

// Client-side session cache. TLS 1.3 delivers sessions after the handshake, as
// NewSessionTicket messages read along with the response, so the callback (not
// SSL_get1_session after the handshake) is what sees them. The cache keeps a copy: the
// object passed in is the connection's own, which OpenSSL marks not resumable when the
// connection later ends in an error, such as a TCP close without close_notify after a
// complete close-delimited response (no reason to drop the session, RFC 5246 7.2.1).
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  ClientSession::Impl* impl = session_of(ssl);
  if (impl == nullptr || impl->shared == nullptr || !impl->shared->options.session_resumption ||
      !SSL_SESSION_is_resumable(session)) {
    return 0;
  }
  if (SSL_SESSION* copy = SSL_SESSION_dup(session)) {
    impl->shared->sessions[impl->resumption_key] = SslSessionPtr(copy);
  }
  return 0;  // OpenSSL keeps (and frees) the reference it passed in
}

// Keeps OpenSSL's verdict; only remembers which names the leaf certificate carries when
// the host check fails, for the error text.
int on_verify(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok == 1) {
    return 1;
  }
  int err = X509_STORE_CTX_get_error(store);
  if (err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    X509* leaf = X509_STORE_CTX_get0_cert(store);
    if (ClientSession::Impl* impl = ssl ? session_of(ssl) : nullptr; impl && leaf) {
      impl->certificate_names = certificate_names(leaf);
    }
  }
  return 0;
}

}  // namespace

ClientContext::ClientContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientContext::~ClientContext() = default;

const TlsOptions& ClientContext::options() const noexcept {
  return impl_->options;
}
std::size_t ClientContext::cached_sessions() const noexcept {
  return impl_->sessions.size();
}
void ClientContext::clear_sessions() noexcept {
  impl_->sessions.clear();
}

bool has_hashed_certificates(const std::string& dir) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // OpenSSL's lookup names: 8 hex digits of the subject's hash, a dot, a counter.
    if (name.size() >= 10 && name[8] == '.' && name.find_first_not_of("0123456789abcdef") == 8 &&
        name.find_first_not_of("0123456789", 9) == std::string::npos)
      return true;
  }
  return false;
}

namespace {

// True when the default bundle file is a file of the default directory (Debian:
// /usr/lib/ssl/cert.pem is /etc/ssl/certs/ca-certificates.crt, and /usr/lib/ssl/certs is
// /etc/ssl/certs): both are made from the same CAs, so the directory alone holds them all.
// Elsewhere (RHEL's bundle in /etc/pki/tls, beside a directory an admin may have hashed
// for one private CA) the bundle may hold CAs the directory lacks.
bool bundle_is_in_directory(const char* file, const char* dir) {
  std::error_code ec;
  const auto bundle = std::filesystem::canonical(file, ec);
  if (ec)
    return false;
  const auto folder = std::filesystem::canonical(dir, ec);
  return !ec && bundle.parent_path() == folder;
}

// The system trust store, read as it is needed: from the hashed directory, where each
// CA certificate is its own file, read when a chain needs it, rather than the whole bundle
// into every context at start (megabytes, and milliseconds of parsing). Only where that
// directory holds the bundle's CAs too (above); otherwise, and where SSL_CERT_FILE or
// SSL_CERT_DIR say where the store is, OpenSSL's own defaults (bundle and directory).
void use_system_store(SSL_CTX* ctx) {
  static const bool hashed =
      std::getenv(X509_get_default_cert_file_env()) == nullptr &&
      std::getenv(X509_get_default_cert_dir_env()) == nullptr &&
      has_hashed_certificates(X509_get_default_cert_dir()) &&
      bundle_is_in_directory(X509_get_default_cert_file(), X509_get_default_cert_dir());
  const int ok = hashed ? SSL_CTX_load_verify_dir(ctx, X509_get_default_cert_dir())
                        : SSL_CTX_set_default_verify_paths(ctx);
  if (ok != 1)
    ERR_clear_error();  // no system store: only --cafile/--capath can help, not fatal
}

}  // namespace

Result<std::shared_ptr<ClientContext>> ClientContext::create(const TlsOptions& options) {
  using R = Result<std::shared_ptr<ClientContext>>;
  ERR_clear_error();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->ctx.reset(SSL_CTX_new(TLS_client_method()));
  SSL_CTX* ctx = impl->ctx.get();
  if (ctx == nullptr) {
    return R::failure("cannot create TLS context: " + drain_errors());
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_default_passwd_cb(ctx, refuse_password);

  // The system trust store is the default; --cafile/--capath add to it.
  use_system_store(ctx);
  if (!options.cafile.empty()) {
    if (auto why = unreadable_file(options.cafile)) {
      return R::failure("--cafile " + options.cafile + ": " + *why);
    }
    if (SSL_CTX_load_verify_file(ctx, options.cafile.c_str()) != 1) {
      return R::failure("--cafile " + options.cafile +
                        ": cannot load CA certificates: " + drain_errors());
    }
  }
  if (!options.capath.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(options.capath, ec)) {
      return R::failure("--capath " + options.capath + ": " +
                        (ec ? ec.message() : std::generic_category().message(ENOTDIR)));
    }
    if (SSL_CTX_load_verify_dir(ctx, options.capath.c_str()) != 1) {
      return R::failure("--capath " + options.capath +
                        ": cannot use CA directory: " + drain_errors());
    }
  }
  if (options.insecure) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, on_verify);
  }

  if (!options.client_key.empty() && options.client_cert.empty()) {
    return R::failure("--client-key " + options.client_key + " needs --client-cert");
  }
  if (!options.client_cert.empty()) {
    // Without --client-key the key is expected in the certificate file.
    const std::string& key_file =
        options.client_key.empty() ? options.client_cert : options.client_key;
    const char* key_option = options.client_key.empty() ? "--client-cert " : "--client-key ";
    if (auto why = unreadable_file(options.client_cert)) {
      return R::failure("--client-cert " + options.client_cert + ": " + *why);
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, options.client_cert.c_str()) != 1) {
      return R::failure("--client-cert " + options.client_cert +
                        ": cannot load certificate: " + drain_errors());
    }
    if (auto why = unreadable_file(key_file)) {
      return R::failure(key_option + key_file + ": " + *why);
    }
    // OpenSSL compares the key with the certificate while loading it (key values
    // mismatch); SSL_CTX_check_private_key covers any path where it does not.
    std::string mismatch =
        key_option + key_file + ": private key does not match --client-cert " + options.client_cert;
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      std::vector<unsigned long> codes = take_errors();
      if (has_reason(codes, ERR_LIB_X509, X509_R_KEY_VALUES_MISMATCH)) {
        return R::failure(mismatch);
      }
      return R::failure(key_option + key_file +
                        ": cannot load private key: " + join_reasons(codes));
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      ERR_clear_error();
      return R::failure(mismatch);
    }
  }

  if (options.session_resumption) {
    // Client cache only, kept by on_new_session keyed by host/port/server name (OpenSSL's
    // internal store is for servers).
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, on_new_session);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
  ERR_clear_error();
  return std::shared_ptr<ClientContext>(new ClientContext(std::move(impl)));
}

Result<std::shared_ptr<ClientContext>> ContextCache::get(const TlsOptions& options) {
  for (const auto& [key, context] : entries_) {
    if (key == options) {
      return context;
    }
  }
  auto created = ClientContext::create(options);
  if (created.ok()) {
    entries_.emplace_back(options, created.value());
  }
  return created;
}

// ---------------------------------------------------------------------------------------
// ClientSession

ClientSession::ClientSession(std::shared_ptr<ClientContext> context, std::string_view host,
                             std::uint16_t port, std::string_view server_name)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.context = std::move(context);
  s.shared = s.context->impl_.get();
  const TlsOptions& options = s.shared->options;
  clear_errors();

  s.ssl.reset(SSL_new(s.shared->ctx.get()));
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (!s.ssl || in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    s.ssl.reset();
    s.fail("cannot create TLS session: " + drain_errors());
    return;
  }
  // An empty input BIO means "no bytes yet" (retry), not end of file, until feed_eof().
  BIO_set_mem_eof_return(in, -1);
  SSL_set_bio(s.ssl.get(), in, out);
  s.network_in = in;
  s.network_out = out;
  SSL_set_app_data(s.ssl.get(), &s);
  SSL_set_connect_state(s.ssl.get());

  std::string_view name = server_name.empty() ? host : server_name;
  std::optional<std::string> ip = ip_literal(name);
  std::string dns_name(name);
  if (!ip && !dns_name.empty() && dns_name.back() == '.') {
    dns_name.pop_back();  // SNI and certificates carry names without the root dot
  }
  s.resumption_key =
      std::string(host) + ':' + std::to_string(port) + '/' + std::string(server_name);

  // RFC 6066: SNI carries host names only, never IP literals.
  if (!ip && !dns_name.empty() && SSL_set_tlsext_host_name(s.ssl.get(), dns_name.c_str()) != 1) {
    s.fail("invalid TLS server name '" + printable(dns_name) + "': " + drain_errors());
    return;
  }
  if (!options.insecure) {
    if (!ip && dns_name.empty()) {
      // SSL_set1_host("") sets no name at all: any trusted certificate would pass.
      s.fail("invalid host name to verify '" + printable(name) + "'");
      return;
    }
    // As Python's ssl module: "*" must be a whole label ("f*.example" matches nothing).
    X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(s.ssl.get()),
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s.ssl.get()), ip->c_str())
                 : SSL_set1_host(s.ssl.get(), dns_name.c_str());
    if (set != 1) {
      s.fail("invalid host name to verify '" + printable(name) + "'");
      ERR_clear_error();
      return;
    }
    s.checked_name = printable(ip ? *ip : dns_name);
  }
  if (options.session_resumption) {
    auto cached = s.shared->sessions.find(s.resumption_key);
    if (cached != s.shared->sessions.end()) {
      if (SSL_set_session(s.ssl.get(), cached->second.get()) != 1) {
        s.shared->sessions.erase(cached);
        ERR_clear_error();
      } else if (SSL_SESSION_get_protocol_version(cached->second.get()) == TLS1_3_VERSION) {
        // RFC 8446 C.4: a TLS 1.3 ticket is offered once (the SSL holds its own
        // reference). The server's next ticket, if it sends one, takes its place.
        s.shared->sessions.erase(cached);
      }
    }
  }
}

ClientSession::~ClientSession() {
  // Callbacks must not reach a half-destroyed Impl while SSL_free runs.
  if (impl_->ssl) {
    SSL_set_app_data(impl_->ssl.get(), nullptr);
  }
}

void ClientSession::feed(std::string_view ciphertext) {
  while (!ciphertext.empty() && impl_->network_in != nullptr) {
    int chunk = static_cast<int>(std::min<std::size_t>(ciphertext.size(), INT_MAX));
    int written = BIO_write(impl_->network_in, ciphertext.data(), chunk);
    if (written <= 0) {
      ERR_clear_error();
      impl_->fail("out of memory buffering TLS input");
      return;
    }
    ciphertext.remove_prefix(static_cast<std::size_t>(written));
  }
}

void ClientSession::feed_eof() noexcept {
  impl_->eof = true;
  if (impl_->network_in != nullptr) {
    BIO_set_mem_eof_return(impl_->network_in, 0);
  }
}

std::size_t ClientSession::pending_output() const noexcept {
  return impl_->network_out ? BIO_ctrl_pending(impl_->network_out) : 0;
}

std::size_t ClientSession::take_output(char* buf, std::size_t cap) noexcept {
  std::size_t taken = 0;
  while (taken < cap && pending_output() > 0) {
    int chunk = static_cast<int>(std::min<std::size_t>(cap - taken, INT_MAX));
    int got = BIO_read(impl_->network_out, buf + taken, chunk);
    if (got <= 0) {
      break;
    }
    taken += static_cast<std::size_t>(got);
  }
  return taken;
}

std::string ClientSession::take_output() {
  std::string out(pending_output(), '\0');
  out.resize(take_output(out.data(), out.size()));
  return out;
}

Status ClientSession::Impl::classify(int ret, Op op) {
  int code = SSL_get_error(ssl.get(), ret);
  switch (code) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:  // memory BIOs never refuse a write; treated alike
      clear_errors();
      return Status::want_more;
    case SSL_ERROR_ZERO_RETURN:
      clear_errors();
      if (op == Op::read) {
        terminal = Status::closed_clean;
        return Status::closed_clean;
      }
      return fail(op == Op::handshake ? "TLS handshake failed: server closed the TLS connection"
                                      : "TLS connection closed by the server");
    case SSL_ERROR_SYSCALL:
    case SSL_ERROR_SSL: {
      // OpenSSL 3 reports EOF without close_notify as SSL_R_UNEXPECTED_EOF_WHILE_READING;
      // older behaviour (SYSCALL with an empty queue) is treated the same.
      unsigned long first = ERR_peek_error();
      bool unexpected_eof = (code == SSL_ERROR_SYSCALL && first == 0) ||
                            (ERR_GET_LIB(first) == ERR_LIB_SSL &&
                             ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
      if (unexpected_eof && eof) {
        ERR_clear_error();
        if (op == Op::read) {
          error = "connection closed without TLS close_notify";
          terminal = Status::closed_abrupt;
          return Status::closed_abrupt;
        }
        return fail(op == Op::handshake ? "TLS handshake failed: connection closed by the server"
                                        : "connection closed without TLS close_notify");
      }
      long verify = SSL_get_verify_result(ssl.get());
      bool verify_failed = ERR_GET_LIB(first) == ERR_LIB_SSL &&
                           ERR_GET_REASON(first) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
                           verify != X509_V_OK;
      std::string reasons = drain_errors();
      if (verify_failed) {
        std::string text = "certificate verify failed: ";
        switch (verify) {
          case X509_V_ERR_HOSTNAME_MISMATCH:
          case X509_V_ERR_IP_ADDRESS_MISMATCH:
            // Both sides: what was checked and what the certificate is for.
            text += verify == X509_V_ERR_HOSTNAME_MISMATCH ? "host name mismatch"
                                                           : "IP address mismatch";
            text += ": checked '" + checked_name + "'";
            if (!certificate_names.empty()) {
              text += ", certificate is for " + certificate_names;
            }
            break;
          case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
          case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
          case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
          case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
          case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            // Untrusted issuer: the usual fix is one of these two options.
            text += X509_verify_cert_error_string(verify);
            text += " (use --cafile or --insecure)";
            break;
          default:
            text += X509_verify_cert_error_string(verify);
            break;
        }
        return fail(std::move(text));
      }
      if (reasons.empty()) {
        reasons = code == SSL_ERROR_SYSCALL ? "I/O error" : "unknown error";
      }
      return fail((op == Op::handshake ? "TLS handshake failed: " : "TLS error: ") + reasons);
    }
    default:
      ERR_clear_error();
      return fail("TLS error: unexpected SSL_get_error " + std::to_string(code));
  }
}

Status ClientSession::handshake() noexcept {
  Impl& s = *impl_;
  if (s.terminal == Status::error) {
    return Status::error;
  }
  if (SSL_is_init_finished(s.ssl.get())) {
    return Status::ok;
  }
  clear_errors();
  int ret = SSL_do_handshake(s.ssl.get());
  if (ret == 1) {
    return Status::ok;
  }
  Status status = s.classify(ret, Impl::Op::handshake);
  if (status == Status::error) {
    // A session that ended in a failed handshake is not worth offering again.
    s.shared->sessions.erase(s.resumption_key);
  }
  return status;
}

Status ClientSession::write(std::string_view plaintext) noexcept {
  Impl& s = *impl_;
  if (s.terminal == Status::error || s.terminal == Status::closed_abrupt) {
    return Status::error;
  }
  if (!SSL_is_init_finished(s.ssl.get())) {
    return s.fail("TLS write before the handshake finished");
  }
  if (plaintext.empty()) {
    return Status::ok;
  }
  // Partial writes are off (OpenSSL's default), so success means every byte was taken.
  clear_errors();
  std::size_t written = 0;
  int ret = SSL_write_ex(s.ssl.get(), plaintext.data(), plaintext.size(), &written);
  return ret == 1 ? Status::ok : s.classify(ret, Impl::Op::write);
}

Status ClientSession::read(char* buf, std::size_t cap, std::size_t& n) noexcept {
  Impl& s = *impl_;
  n = 0;
  if (s.terminal) {
    return *s.terminal;
  }
  while (n < cap) {
    clear_errors();
    std::size_t got = 0;
    int ret = SSL_read_ex(s.ssl.get(), buf + n, cap - n, &got);
    if (ret == 1) {
      n += got;
      continue;
    }
    Status status = s.classify(ret, Impl::Op::read);
    if (status == Status::want_more) {
      break;
    }
    if (status == Status::error) {
      // A broken connection (a bad record, a fatal alert) is not resumed; a mere TCP close
      // without close_notify is (see on_new_session).
      s.shared->sessions.erase(s.resumption_key);
    }
    // A close or error after some plaintext: hand out the plaintext now; `terminal`
    // reports the close on the next call.
    return n > 0 ? Status::ok : status;
  }
  return n > 0 ? Status::ok : Status::want_more;
}

void ClientSession::close() noexcept {
  Impl& s = *impl_;
  if (s.close_sent || !s.ssl || s.terminal == Status::error ||
      s.terminal == Status::closed_abrupt || !SSL_is_init_finished(s.ssl.get())) {
    return;
  }
  s.close_sent = true;
  clear_errors();
  SSL_shutdown(s.ssl.get());  // 0 or 1: close_notify is queued either way
  clear_errors();
}

bool ClientSession::ended() const noexcept {
  return impl_->terminal.has_value();
}

bool ClientSession::handshake_done() const noexcept {
  return impl_->ssl && SSL_is_init_finished(impl_->ssl.get());
}

bool ClientSession::session_reused() const noexcept {
  return impl_->ssl && SSL_session_reused(impl_->ssl.get()) == 1;
}

std::string ClientSession::protocol_version() const {
  return handshake_done() ? SSL_get_version(impl_->ssl.get()) : std::string();
}

namespace {

// A certificate's notAfter in seconds since the epoch; 0 when it cannot be read.
std::int64_t not_after(const X509* cert) noexcept {
  std::tm tm{};
  const ASN1_TIME* time = cert != nullptr ? X509_get0_notAfter(cert) : nullptr;
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1)
    return 0;
  return static_cast<std::int64_t>(::timegm(&tm));
}

}  // namespace

ClientSession::Expiry ClientSession::certificate_expiry() const noexcept {
  Expiry expiry;
  if (!handshake_done())
    return expiry;
  SSL* ssl = impl_->ssl.get();
  expiry.leaf = not_after(SSL_get0_peer_certificate(ssl));
  // With --insecure OpenSSL builds a chain too, but one that need not verify.
  STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl);
  if (chain != nullptr && SSL_get_verify_result(ssl) == X509_V_OK) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      const std::int64_t at = not_after(sk_X509_value(chain, i));
      if (at != 0 && (expiry.chain == 0 || at < expiry.chain))
        expiry.chain = at;
    }
  }
  return expiry;
}

const std::string& ClientSession::error_text() const noexcept {
  return impl_->error;
}

}  // namespace httpok::tls
