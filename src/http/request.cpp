#include "httpok/http.hpp"

namespace httpok {

std::string base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned n = static_cast<unsigned char>(data[i]) << 16 |
                       static_cast<unsigned char>(data[i + 1]) << 8 |
                       static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned n = static_cast<unsigned char>(data[i]) << 16;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    const unsigned n =
        static_cast<unsigned char>(data[i]) << 16 | static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += '=';
  }
  return out;
}

std::string build_get_request(const Url& url) {
  return build_request(url, "GET", {});
}

namespace {

bool same_name(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':')
    return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char a =
        line[i] >= 'A' && line[i] <= 'Z' ? static_cast<char>(line[i] - 'A' + 'a') : line[i];
    if (a != name[i])
      return false;
  }
  return true;
}

}  // namespace

std::string build_request(const Url& url, std::string_view method,
                          const std::vector<std::string>& headers, bool keep_alive) {
  const auto given = [&headers](std::string_view name) {
    for (const std::string& line : headers) {
      if (same_name(line, name))
        return true;
    }
    return false;
  };
  std::string out;
  out.reserve(160 + url.target.size() + url.host.size());
  out += method;
  out += ' ';
  out += url.target;
  out += " HTTP/1.1\r\n";
  if (!given("host")) {
    out += "Host: ";
    out += url.host_header();
    out += "\r\n";
  }
  if (!given("user-agent"))
    out += "User-Agent: httpok\r\n";
  if (!given("accept-encoding"))
    out += "Accept-Encoding: identity\r\n";
  if (url.has_userinfo && !given("authorization")) {
    out += "Authorization: Basic ";
    out += base64_encode(url.user + ":" + url.password);
    out += "\r\n";
  }
  for (const std::string& line : headers) {
    if (!same_name(line, "connection")) {
      out += line;
      out += "\r\n";
    }
  }
  // HTTP/1.1 keeps the connection by default: no Connection line asks for that.
  out += keep_alive ? "\r\n" : "Connection: close\r\n\r\n";
  return out;
}

std::optional<std::string> header_problem(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return std::string("no name before a colon");
  for (const char c : line.substr(0, colon)) {
    const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token)
      return std::string("a space or another character that a name cannot hold");
  }
  for (const char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f)
      return std::string("a control character such as CR or LF");
  }
  return std::nullopt;
}

std::string build_post_request(std::string_view host_header, std::string_view target,
                               std::string_view authorization_basic, std::string_view body) {
  std::string out;
  out.reserve(200 + body.size());
  out += "POST ";
  out += target;
  out += " HTTP/1.1\r\nHost: ";
  out += host_header;
  out += "\r\nUser-Agent: httpok\r\nAccept-Encoding: identity\r\nContent-Type: text/xml\r\n";
  out += "Authorization: Basic ";
  out += authorization_basic;
  out += "\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
  return out;
}

}  // namespace httpok
