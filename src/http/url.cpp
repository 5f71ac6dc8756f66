#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "httpok/http.hpp"

namespace httpok {

namespace {

Result<Url> invalid(std::string_view text, std::string_view why) {
  return Result<Url>::failure("invalid URL '" + std::string(text) + "': " + std::string(why));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Whether a URL without "://" after its first colon starts with a host, so that the scheme
// is what is missing: "127.0.0.1:8080/health", "localhost:8080", "example.com/health",
// "[::1]:8080/", "user:pw@host/". Not "mailto:x" (another scheme), "http:8080" (a scheme
// without a host) or "/health" (no host at all).
bool names_a_host(std::string_view text, std::size_t colon) {
  const auto first = static_cast<unsigned char>(text.front());
  if (first == '[')
    return true;
  if (!std::isalnum(first))
    return false;
  if (colon == std::string_view::npos)
    return true;
  std::string before(text.substr(0, colon));
  std::transform(before.begin(), before.end(), before.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (before == "http" || before == "https")
    return false;
  const std::string_view authority = text.substr(0, text.find_first_of("/?#"));
  return before.find('.') != std::string::npos || authority.find('@') != std::string_view::npos ||
         (colon + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[colon + 1])));
}

}  // namespace

std::string Url::host_header() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!default_port)
    out += ":" + std::to_string(port);
  return out;
}

std::string redact_password(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return std::string(url);
  const std::size_t start = scheme_end + 3;
  const std::size_t netloc_end = std::min(url.find_first_of("/?#", start), url.size());
  const std::size_t at = url.rfind('@', netloc_end - 1);
  if (at == std::string_view::npos || at < start)
    return std::string(url);
  const std::size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at)
    return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

std::string shown_url(const ProbeSettings& probe) {
  return redact_password(probe.written_url.empty() ? probe.url : probe.written_url);
}

Result<Url> parse_url(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      return invalid(text, "it contains a space or control character");
  }
  Url url;
  if (text.empty())
    return invalid(text, "it is empty");
  const std::size_t colon = text.find(':');
  const bool scheme_given = colon != std::string_view::npos && text.compare(colon, 3, "://") == 0;
  if (!scheme_given && names_a_host(text, colon))
    return invalid(text, "missing scheme: write http://" + std::string(text));
  if (colon == 0 || colon == std::string_view::npos)
    return invalid(text, "no scheme (use http:// or https://)");
  url.scheme = std::string(text.substr(0, colon));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (url.scheme != "http" && url.scheme != "https") {
    return invalid(text, "unsupported scheme '" + url.scheme + "' (use http or https)");
  }
  std::string_view rest = text.substr(colon + 1);
  if (!rest.starts_with("//"))
    return invalid(text, "no host (expected " + url.scheme + "://HOST/)");
  rest.remove_prefix(2);
  const std::size_t netloc_end = rest.find_first_of("/?#");
  std::string_view netloc = rest.substr(0, netloc_end);
  rest = netloc_end == std::string_view::npos ? std::string_view{} : rest.substr(netloc_end);

  // Path and query; the fragment is dropped.
  rest = rest.substr(0, rest.find('#'));
  const std::size_t qmark = rest.find('?');
  std::string_view path = rest.substr(0, qmark);
  std::string_view query =
      qmark == std::string_view::npos ? std::string_view{} : rest.substr(qmark + 1);
  url.target = path.empty() ? "/" : std::string(path);
  if (!query.empty())
    url.target += "?" + std::string(query);

  // userinfo@host:port
  const std::size_t at = netloc.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = netloc.substr(0, at);
    netloc.remove_prefix(at + 1);
    const std::size_t sep = userinfo.find(':');
    url.user = percent_decode(userinfo.substr(0, sep));
    if (sep != std::string_view::npos)
      url.password = percent_decode(userinfo.substr(sep + 1));
    url.has_userinfo = true;
  }
  std::string_view port_text;
  if (netloc.starts_with('[')) {
    const std::size_t close = netloc.find(']');
    if (close == std::string_view::npos)
      return invalid(text, "unterminated '[' in the host");
    url.host = std::string(netloc.substr(1, close - 1));
    std::string_view after = netloc.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':')
        return invalid(text, "unexpected text after ']'");
      port_text = after.substr(1);
    }
    unsigned char buf[16];
    if (inet_pton(AF_INET6, url.host.c_str(), buf) != 1) {
      return invalid(text, "'" + url.host + "' is not an IPv6 address");
    }
  } else {
    const std::size_t pc = netloc.find(':');
    url.host = std::string(netloc.substr(0, pc));
    if (pc != std::string_view::npos)
      port_text = netloc.substr(pc + 1);
    // gunicorn's way of naming a UNIX socket, http://unix:/run/app.sock:/health,
    // would otherwise look up a host called "unix" on every tick and fail each time.
    if (url.host == "unix" && pc + 1 == netloc.size()) {
      const std::string_view socket = path.substr(0, path.find(':'));
      const std::string_view rest_path =
          path.find(':') == std::string_view::npos ? "/" : path.substr(path.find(':') + 1);
      return invalid(text,
                     "a UNIX socket in gunicorn's form (unix:/path:/url-path) is not a URL; "
                     "write " +
                         url.scheme + "://localhost" + std::string(rest_path) +
                         " with --unix-socket " + std::string(socket) +
                         " (unix_socket in a config file)");
    }
  }
  if (url.host.empty())
    return invalid(text, "no host");
  const std::uint16_t default_port = url.https() ? 443 : 80;
  url.port = default_port;
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return invalid(text, "bad port '" + std::string(port_text) + "'");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  url.default_port = url.port == default_port;
  url.ip_literal = is_ip_literal(url.host);
  return url;
}

}  // namespace httpok
