#include <gtest/gtest.h>

#include <string>

#include "httpok/http.hpp"

namespace httpok {
namespace {

Url must_parse(const std::string& text) {
  auto url = parse_url(text);
  EXPECT_TRUE(url.ok()) << (url.ok() ? "" : url.error());
  return url.ok() ? url.value() : Url{};
}

TEST(Url, PlainHttp) {
  const Url url = must_parse("http://localhost:8080/tasty/service?x=1#frag");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.port, 8080);
  EXPECT_FALSE(url.default_port);
  EXPECT_EQ(url.target, "/tasty/service?x=1");
  EXPECT_EQ(url.host_header(), "localhost:8080");
  EXPECT_FALSE(url.ip_literal);
}

TEST(Url, DefaultsAndEmptyPath) {
  const Url url = must_parse("HTTP://Example.org");
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.port, 80);
  EXPECT_TRUE(url.default_port);
  EXPECT_EQ(url.target, "/");
  EXPECT_EQ(url.host_header(), "Example.org");
  EXPECT_EQ(must_parse("https://h/").port, 443);
  EXPECT_EQ(must_parse("https://h:443/").host_header(), "h");
  EXPECT_EQ(must_parse("http://h?q").target, "/?q");
}

TEST(Url, Ipv6Literal) {
  const Url url = must_parse("https://[::1]:8443/health");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 8443);
  EXPECT_TRUE(url.ip_literal);
  EXPECT_EQ(url.host_header(), "[::1]:8443");
  EXPECT_TRUE(must_parse("http://127.0.0.1/").ip_literal);
}

TEST(Url, UserinfoIsDecoded) {
  const Url url = must_parse("http://us%40r:p%3Ass@host/");
  EXPECT_TRUE(url.has_userinfo);
  EXPECT_EQ(url.user, "us@r");
  EXPECT_EQ(url.password, "p:ss");
  EXPECT_EQ(url.host, "host");
}

TEST(Url, Errors) {
  struct Case {
    const char* url;
    const char* why;
  };
  for (const Case& c :
       {Case{"ftp://x/", "unsupported scheme 'ftp'"},
        Case{"localhost:80", "missing scheme: write http://localhost:80"},
        Case{"127.0.0.1:8080/health", "missing scheme: write http://127.0.0.1:8080/health"},
        Case{"example.com/health", "missing scheme: write http://example.com/health"},
        Case{"mailto:ops", "unsupported scheme 'mailto'"},
        Case{"[::1]:8080/", "missing scheme: write http://[::1]:8080/"},
        Case{"user:pw@host:8080/", "missing scheme: write http://user:pw@host:8080/"},
        Case{"localhost:8080/?r=http://x", "missing scheme: write http://localhost:8080/?r="},
        Case{"http:8080", "no host"},
        Case{"/health", "no scheme (use http://"},
        Case{"", "it is empty"},
        Case{"http://unix:/run/app.sock:/health",
             "UNIX socket in gunicorn's form (unix:/path:/url-path) is not a URL; write "
             "http://localhost/health with --unix-socket /run/app.sock (unix_socket in a config "
             "file)"},
        Case{"http:/x", "no host"},
        Case{"http://", "no host"},
        Case{"http://h:99999/", "bad port '99999'"},
        Case{"http://h:x/", "bad port"},
        Case{"http://[::1/", "unterminated"},
        Case{"http://[zz]/", "not an IPv6"},
        Case{"http://h/a b", "space or control"},
        Case{"http://h/\r\nX: y", "control"},
        Case{"nourl", "missing scheme"},
        Case{":80/x", "no scheme"}}) {
    auto url = parse_url(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_NE(url.error().find(c.why), std::string::npos) << url.error();
    EXPECT_NE(url.error().find("invalid URL"), std::string::npos);
  }
}

TEST(Url, RedactPasswordMasksOnlyThePassword) {
  EXPECT_EQ(redact_password("http://u:s3cret@h:8080/p?q"), "http://u:***@h:8080/p?q");
  EXPECT_EQ(redact_password("https://u:p:w@x@h/"), "https://u:***@h/");
  EXPECT_EQ(redact_password("http://u@h/"), "http://u@h/");
  EXPECT_EQ(redact_password("http://h:80/a@b:c"), "http://h:80/a@b:c");
  EXPECT_EQ(redact_password("http://h/"), "http://h/");
  EXPECT_EQ(redact_password("not a url"), "not a url");
  EXPECT_EQ(redact_password("http://:pw@h"), "http://:***@h");
}

TEST(Request, GetAsSuperlanceSendsIt) {
  EXPECT_EQ(build_get_request(must_parse("http://localhost:8080/tasty?a=b")),
            "GET /tasty?a=b HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: httpok\r\n"
            "Accept-Encoding: identity\r\nConnection: close\r\n\r\n");
}

TEST(Request, MethodAndHeaderLinesReplaceTheBuiltInOnes) {
  EXPECT_EQ(build_request(must_parse("http://u:p@127.0.0.1:8080/health"), "HEAD",
                          {"host: api.internal", "Authorization: Bearer t", "X-Check: 1",
                           "Connection: keep-alive"}),
            "HEAD /health HTTP/1.1\r\nUser-Agent: httpok\r\nAccept-Encoding: identity\r\n"
            "host: api.internal\r\nAuthorization: Bearer t\r\nX-Check: 1\r\n"
            "Connection: close\r\n\r\n");
  EXPECT_EQ(build_request(must_parse("http://h/"), "GET", {}),
            build_get_request(must_parse("http://h/")));
}

TEST(Request, HeaderProblems) {
  EXPECT_EQ(header_problem("X-A: 1"), std::nullopt);
  EXPECT_EQ(header_problem("X-A:"), std::nullopt);
  EXPECT_EQ(header_problem(": v"), "no name before a colon");
  EXPECT_EQ(header_problem("nocolon"), "no name before a colon");
  EXPECT_EQ(header_problem("X A: 1"), "a space or another character that a name cannot hold");
  EXPECT_EQ(header_problem("X: a\r\nY: b"), "a control character such as CR or LF");
}

TEST(Response, AnswerToHeadHasNoBodyWhateverItsLength) {
  ResponseParser p;
  p.reset({1024, "", false, true});
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"),
            ResponseParser::State::complete);
  EXPECT_EQ(p.status(), 200);
  // An interim 100 Continue still comes before the final answer.
  p.reset({1024, "", false, true});
  EXPECT_EQ(p.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n"
                   "Content-Length: 10\r\n\r\n"),
            ResponseParser::State::complete);
  EXPECT_EQ(p.status(), 204);
}

TEST(Request, BasicAuthFromUserinfo) {
  const std::string request = build_get_request(must_parse("http://Aladdin:open%20sesame@h/"));
  EXPECT_NE(request.find("Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"),
            std::string::npos);
  EXPECT_NE(request.find("Host: h\r\n"), std::string::npos);
}

TEST(Request, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode(":"), "Og==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_encode("abc"), "YWJj");
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
}

TEST(Request, Post) {
  EXPECT_EQ(build_post_request("localhost", "/RPC2", "Og==", "<x/>"),
            "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: httpok\r\n"
            "Accept-Encoding: identity\r\nContent-Type: text/xml\r\nAuthorization: Basic Og==\r\n"
            "Content-Length: 4\r\n\r\n<x/>");
}

using State = ResponseParser::State;

TEST(ResponseParser, ContentLength) {
  ResponseParser p;
  p.reset({1024, "", true});
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"), State::in_progress);
  EXPECT_EQ(p.feed("lo"), State::complete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.reason(), "OK");
  EXPECT_EQ(p.body(), "hello");
}

TEST(ResponseParser, ReasonWithSpacesAndStatus) {
  ResponseParser p;
  p.reset({});
  EXPECT_EQ(p.feed("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"),
            State::complete);
  EXPECT_EQ(p.status(), 503);
  EXPECT_EQ(p.reason(), "Service Unavailable");
}

TEST(ResponseParser, Chunked) {
  ResponseParser p;
  p.reset({1024, "needle", true});
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nnee\r\n"),
            State::in_progress);
  EXPECT_FALSE(p.needle_found());
  EXPECT_EQ(p.feed("3\r\ndle\r\n0\r\n\r\n"), State::complete);
  EXPECT_TRUE(p.needle_found());
  EXPECT_EQ(p.body(), "needle");
}

TEST(ResponseParser, CloseDelimited) {
  ResponseParser p;
  p.reset({1024, "", true});
  EXPECT_EQ(p.feed("HTTP/1.0 200 OK\r\n\r\nsome body"), State::in_progress);
  EXPECT_EQ(p.finish(), State::complete);
  EXPECT_EQ(p.body(), "some body");
}

TEST(ResponseParser, NeedleSplitAtEveryPoint) {
  const std::string body = "xxxxxxxxxxxxxxxxxxxxhealthy-and-wellyyyyyyyyyyyy";
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (std::size_t cut = 0; cut <= response.size(); ++cut) {
    for (std::size_t cut2 = cut; cut2 <= response.size(); cut2 += 3) {
      ResponseParser p;
      p.reset({1024, "healthy-and-well", false});
      p.feed(response.substr(0, cut));
      p.feed(response.substr(cut, cut2 - cut));
      ASSERT_EQ(p.feed(response.substr(cut2)), State::complete);
      ASSERT_TRUE(p.needle_found()) << cut << " " << cut2;
    }
  }
}

TEST(ResponseParser, NeedleByteByByte) {
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nab-NEEDLE-cd";
  ResponseParser p;
  p.reset({1024, "NEEDLE", false});
  for (const char c : response)
    p.feed(std::string_view(&c, 1));
  EXPECT_EQ(p.state(), State::complete);
  EXPECT_TRUE(p.needle_found());
}

TEST(ResponseParser, NeedleAbsent) {
  ResponseParser p;
  p.reset({1024, "needle", false});
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nneedlXle"), State::complete);
  EXPECT_FALSE(p.needle_found());
}

TEST(ResponseParser, MaxBodyCapsTheSearch) {
  const std::string body = std::string(100, 'a') + "needle";
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ResponseParser p;
  p.reset({100, "needle", true});
  EXPECT_EQ(p.feed(response), State::complete);
  EXPECT_TRUE(p.body_capped());
  EXPECT_FALSE(p.needle_found());
  EXPECT_EQ(p.body_bytes(), 100u);
  EXPECT_EQ(p.body().size(), 100u);
  // A match that ends exactly at the cap counts.
  p.reset({106, "needle", false});
  EXPECT_EQ(p.feed(response), State::complete);
  EXPECT_TRUE(p.needle_found());
}

TEST(ResponseParser, TruncatedBodyIsAnError) {
  ResponseParser p;
  p.reset({});
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), State::in_progress);
  EXPECT_EQ(p.finish(), State::error);
  EXPECT_NE(p.error().find("before the end of the response body"), std::string::npos);
}

TEST(ResponseParser, NothingAtAll) {
  ResponseParser p;
  p.reset({});
  EXPECT_EQ(p.finish(), State::error);
  EXPECT_EQ(p.error(), "Remote end closed connection without response");
}

TEST(ResponseParser, Garbage) {
  ResponseParser p;
  p.reset({});
  EXPECT_EQ(p.feed("SSH-2.0-OpenSSH_9.2\r\n"), State::error);
  EXPECT_NE(p.error().find("malformed HTTP response"), std::string::npos);
}

TEST(ResponseParser, ReasonReadsAsPythonsStrippedLatin1) {
  ResponseParser p;
  p.reset({});
  EXPECT_EQ(p.feed("HTTP/1.1 500  Internal  Error \t\r\nContent-Length: 0\r\n\r\n"),
            State::complete);
  EXPECT_EQ(p.reason(), "Internal  Error");  // inner spaces stay, as in Python
  p.reset({});
  EXPECT_EQ(p.feed("HTTP/1.1 200 Caf\xe9\r\nContent-Length: 0\r\n\r\n"), State::complete);
  EXPECT_EQ(p.reason(), "Caf\xc3\xa9");
}

std::string reason_of(std::string raw) {
  python_reason(raw);
  return raw;
}

TEST(PythonReason, StripsPythonsWhitespaceAndEncodesLatin1AsUtf8) {
  EXPECT_EQ(reason_of(""), "");
  EXPECT_EQ(reason_of(" \t\x0b\x0c\x1c\x1f "), "");
  EXPECT_EQ(reason_of("  OK "), "OK");
  EXPECT_EQ(reason_of("\xa0Not Found\x85"), "Not Found");
  EXPECT_EQ(reason_of("\xff"), "\xc3\xbf");
  EXPECT_EQ(reason_of(" Caf\xe9 cr\xe8me "), "Caf\xc3\xa9 cr\xc3\xa8me");
  const std::string control_c1 = std::string("A\x80") + "B";  // U+0080 in Latin-1
  EXPECT_EQ(reason_of(control_c1), std::string("A\xc2\x80") + "B");
}

TEST(ResponseParser, InterimResponsesAreSkipped) {
  ResponseParser p;
  p.reset({1024, "", true});
  EXPECT_EQ(p.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"),
            State::in_progress);
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), State::complete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.reason(), "OK");
  EXPECT_EQ(p.body(), "ok");
}

TEST(ResponseParser, AsLenientAsPythonsClient) {
  for (const char* response : {"HTTP/1.1 200 OK\r\nX-Odd: a\x01b\r\nContent-Length: 2\r\n\r\nok",
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: "
                               "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"}) {
    ResponseParser p;
    p.reset({1024, "ok", false});
    EXPECT_EQ(p.feed(response), State::complete) << response << ": " << p.error();
    EXPECT_TRUE(p.needle_found());
  }
}

TEST(ResponseParser, EndlessHeadersAreCut) {
  ResponseParser p;
  p.reset({});
  p.feed("HTTP/1.1 200 ");
  const std::string junk(16 * 1024, 'x');
  State s = State::in_progress;
  for (int i = 0; i < 10 && s == State::in_progress; ++i)
    s = p.feed(junk);
  EXPECT_EQ(s, State::error);
  EXPECT_NE(p.error().find("response headers longer than 65536 bytes"), std::string::npos);
  EXPECT_LE(p.reason().size(), ResponseParser::kMaxHeaderBytes + junk.size());
}

TEST(ResponseParser, TheHeaderCapIsTheSameHoweverTheResponseIsSplit) {
  // A header section of exactly the cap is accepted, one byte more is refused, whether it
  // comes in one read, in 4 KiB reads or a byte at a time.
  const auto response = [](std::size_t header_bytes) {
    const std::string start = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ";
    const std::string end = "\r\n\r\n";
    return start + std::string(header_bytes - start.size() - end.size(), 'p') + end + "ok";
  };
  const auto fed = [](const std::string& text, std::size_t piece) {
    ResponseParser p;
    p.reset({});
    State s = State::in_progress;
    for (std::size_t at = 0; at < text.size() && s == State::in_progress; at += piece)
      s = p.feed(std::string_view(text).substr(at, piece));
    return s;
  };
  const std::size_t cap = ResponseParser::kMaxHeaderBytes;
  for (const std::size_t piece : {std::size_t{1} << 20, std::size_t{4096}, std::size_t{1}}) {
    EXPECT_EQ(fed(response(cap), piece), State::complete) << piece;
    EXPECT_EQ(fed(response(cap + 1), piece), State::error) << piece;
    EXPECT_EQ(fed(response(70 * 1024), piece), State::error) << piece;
  }
}

TEST(ResponseParser, ResetKeepsTheOptions) {
  ResponseParser p;
  p.reset({1024, "needle", false});
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nneedle"), State::complete);
  EXPECT_TRUE(p.needle_found());
  p.reset();
  EXPECT_FALSE(p.needle_found());
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nneedle"), State::complete);
  EXPECT_TRUE(p.needle_found());
}

TEST(ResponseParser, NoBodyFor204Or304WhateverTheHeadersSay) {
  for (const char* status : {"204 No Content", "304 Not Modified"}) {
    ResponseParser parser;
    parser.reset(ResponseParser::Options{});
    const std::string response =
        std::string("HTTP/1.1 ") + status + "\r\nContent-Length: 10\r\n\r\n";
    EXPECT_EQ(parser.feed(response), ResponseParser::State::complete) << status;
    EXPECT_TRUE(parser.keep_alive()) << status;
  }
}

TEST(ResponseParser, ReusableAfterReset) {
  ResponseParser p;
  p.reset({});
  p.feed("garbage\r\n");
  EXPECT_EQ(p.state(), State::error);
  p.reset({});
  EXPECT_EQ(p.feed("HTTP/1.1 204 No Content\r\n\r\n"), State::complete);
  EXPECT_EQ(p.status(), 204);
}

}  // namespace
}  // namespace httpok
