// HTTP/1.1 client pieces, all pure: URL parsing, request building, and an llhttp-based
// response parser that streams the body (substring search across reads, size cap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "httpok/result.hpp"
#include "httpok/target.hpp"

namespace httpok {

// A parsed http:// or https:// URL, as Python's urlsplit sees it.
// (Not the text it was parsed from: outputs show shown_url(), and every compiled target
// would carry a second copy of its URL.)
struct Url {
  std::string scheme;        // "http" or "https", lower case
  std::string host;          // without brackets for IPv6 literals
  std::uint16_t port = 0;    // explicit, or the scheme's default
  bool default_port = true;  // no port, or the scheme's default one
  bool ip_literal = false;   // host is an IPv4 or IPv6 address
  std::string target;        // path (or "/") plus "?query"; fragment dropped
  std::string user;          // userinfo, percent-decoded
  std::string password;
  bool has_userinfo = false;

  bool https() const { return scheme == "https"; }
  // Host header value: host (bracketed for IPv6) plus ":port" unless default.
  std::string host_header() const;
};

// Parses a URL; the error names the URL and what is wrong with it.
Result<Url> parse_url(std::string_view text);

// The URL as given with the password of its userinfo, if any, replaced by "***".
std::string redact_password(std::string_view url);

// A target's URL as every output shows it (logs, superlance's block, mail, metrics,
// --once): the password as "***", and what the config file took from the environment as
// the %(ENV_X)s it was written as. Secrets never show.
std::string shown_url(const ProbeSettings& probe);

std::string base64_encode(std::string_view data);

// GET request as superlance sends it, plus Connection: close and Basic auth from userinfo.
std::string build_get_request(const Url& url);

// The same with another method (GET or HEAD) and extra header lines ("Name: value"); an
// extra Host, User-Agent, Accept-Encoding or Authorization replaces the built-in one.
// `keep_alive` (reuse_connection): no Connection: close, so the server may keep the
// connection for the next request.
std::string build_request(const Url& url, std::string_view method,
                          const std::vector<std::string>& headers, bool keep_alive = false);

// Why `line` cannot be a request header ("Name: value", a token name, no control
// characters), or nothing when it can.
std::optional<std::string> header_problem(std::string_view line);

// Turns a raw reason phrase into what Python's http.client gives: the status line decoded
// as Latin-1 (here: re-encoded as UTF-8) and stripped of surrounding whitespace. In place.
void python_reason(std::string& reason);

// POST request for XML-RPC.
std::string build_post_request(std::string_view host_header, std::string_view target,
                               std::string_view authorization_basic, std::string_view body);

// Streams one HTTP/1.x response through llhttp. Reusable: reset() between exchanges.
// Owned by its client (a probe or an RPC call); no I/O.
class ResponseParser {
 public:
  struct Options {
    std::size_t max_body = 1024 * 1024;  // body bytes looked at, at most
    // Substring to find in the body; empty: none. Not copied: it must outlive the exchange
    // (a probe points it into its immutable spec).
    std::string_view needle;
    bool keep_body = false;     // store the body (up to max_body)
    bool head = false;          // the answer to a HEAD request: no body, whatever its headers say
    std::string_view absent{};  // text the body must not contain (found: absent_found())
  };
  // Longest status line plus header section accepted (Python's http.client allows 64 KiB
  // a line and 100 headers).
  static constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

  enum class State {
    in_progress,  // more bytes needed
    complete,     // message complete, or max_body reached (body_capped())
    error,        // malformed response, or EOF before the end of the message
  };

  ResponseParser();
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  void reset(Options options);
  // Starts a new exchange with the same options (nothing is allocated for them again).
  void reset();
  State feed(std::string_view bytes);
  // The peer closed the connection (ends a close-delimited body).
  State finish();

  State state() const { return state_; }
  bool headers_complete() const { return headers_complete_; }
  int status() const { return status_; }
  // The response's HTTP version times ten (11 for HTTP/1.1), once the headers are in.
  int http_version() const { return http_version_; }
  const std::string& reason() const { return reason_; }
  bool needle_found() const { return needle_.found; }
  bool absent_found() const { return absent_.found; }
  bool body_capped() const { return body_capped_; }
  // The message ended where its framing says (not at max_body, not at EOF), nothing came
  // after it, and it lets the connection stay open (HTTP/1.1 without Connection: close, or
  // HTTP/1.0 with keep-alive): the next request may go on the same connection.
  bool keep_alive() const;
  std::size_t body_bytes() const { return body_bytes_; }
  const std::string& body() const { return body_; }
  const std::string& error() const { return error_; }

 private:
  struct Llhttp;
  static int on_status(void* self, const char* at, std::size_t len);
  static int on_headers_complete(void* self);
  static int on_body(void* self, const char* at, std::size_t len);
  static int on_message_complete(void* self);
  // One substring looked for in a body streamed in chunks of any size.
  struct Search {
    std::string tail;  // the last needle.size()-1 bytes, for a match split across reads
    bool found = false;
  };
  static void search(std::string_view needle, Search& state, std::string_view chunk);
  State fail(std::string message);

  std::unique_ptr<Llhttp> llhttp_;
  Options options_;
  State state_ = State::in_progress;
  bool headers_complete_ = false;
  bool message_complete_ = false;
  bool trailing_bytes_ = false;
  int status_ = 0;
  int http_version_ = 0;
  std::string reason_;
  Search needle_;
  Search absent_;
  bool body_capped_ = false;
  std::size_t body_bytes_ = 0;
  std::size_t header_bytes_ = 0;
  std::string body_;
  std::string error_;
};

}  // namespace httpok
