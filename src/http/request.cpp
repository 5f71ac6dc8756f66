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
  std::string out;
  out.reserve(160 + url.target.size() + url.host.size());
  out += "GET ";
  out += url.target;
  out += " HTTP/1.1\r\nHost: ";
  out += url.host_header();
  out += "\r\nUser-Agent: httpok\r\nAccept-Encoding: identity\r\n";
  if (url.has_userinfo) {
    out += "Authorization: Basic ";
    out += base64_encode(url.user + ":" + url.password);
    out += "\r\n";
  }
  out += "Connection: close\r\n\r\n";
  return out;
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
