// libFuzzer target: an HTTP response through the probe's own path: llhttp (the http
// library's ResponseParser), the -b and --body-absent substring searches, a --body-regex,
// max_body, and the classification of the result. The first bytes choose the options; the
// rest is the response. The invariant: the verdict does not depend on how TCP splits the
// response (the header cap once did: a long header section passed in one read only).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "httpok/body_regex.hpp"
#include "httpok/http.hpp"
#include "httpok/probe_result.hpp"

namespace {

struct Verdict {
  httpok::ResponseParser::State state;
  int status = 0;
  bool needle = false;
  bool absent = false;
  std::size_t body_bytes = 0;
  httpok::ProbeFailure failure = httpok::ProbeFailure::none;
  bool regex_found = false;
};

Verdict run(std::string_view response, const httpok::ResponseParser::Options& options,
            const httpok::BodyRegex* regex, std::size_t piece, bool close) {
  httpok::ResponseParser parser;
  parser.reset(options);
  auto state = httpok::ResponseParser::State::in_progress;
  while (!response.empty() && state == httpok::ResponseParser::State::in_progress) {
    const std::size_t n = piece == 0 ? response.size() : std::min(piece, response.size());
    state = parser.feed(response.substr(0, n));
    response.remove_prefix(n);
  }
  if (state == httpok::ResponseParser::State::in_progress && close)
    state = parser.finish();
  Verdict v;
  v.state = state;
  if (state == httpok::ResponseParser::State::complete) {
    v.status = parser.status();
    v.needle = parser.needle_found();
    v.absent = parser.absent_found();
    v.body_bytes = parser.body_bytes();
    if (regex != nullptr)
      v.regex_found = regex->search(parser.body()) == httpok::BodyRegex::Match::found;
    v.failure =
        // As the probe does: a -b text or a regex makes the body required.
        httpok::classify_response(
            v.status, {200}, !options.needle.empty() || regex != nullptr,
            (options.needle.empty() || v.needle) && (regex == nullptr || v.regex_found), v.absent);
  }
  return v;
}

bool same(const Verdict& a, const Verdict& b) {
  return a.state == b.state && a.status == b.status && a.needle == b.needle &&
         a.absent == b.absent && a.body_bytes == b.body_bytes && a.failure == b.failure &&
         a.regex_found == b.regex_found;
}

const httpok::BodyRegex* regex() {
  static const std::shared_ptr<const httpok::BodyRegex> compiled = [] {
    auto r = httpok::BodyRegex::compile("\"status\": *\"(ok|up)\"");
    return r ? std::move(r).value() : nullptr;
  }();
  return compiled.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 2)
    return 0;
  const std::uint8_t flags = bytes[0];
  const std::size_t piece = 1 + bytes[1] % 13;
  const std::string_view response(reinterpret_cast<const char*>(bytes + 2), size - 2);
  httpok::ResponseParser::Options options;
  options.max_body = (flags & 1) ? 64 : 1024 * 1024;
  options.needle = (flags & 2) ? "ok" : "";
  options.absent = (flags & 4) ? "down" : "";
  options.head = (flags & 8) != 0;
  const httpok::BodyRegex* pattern = (flags & 16) ? regex() : nullptr;
  options.keep_body = pattern != nullptr;
  const bool close = (flags & 32) != 0;
  const Verdict whole = run(response, options, pattern, 0, close);
  const Verdict split = run(response, options, pattern, piece, close);
  if (!same(whole, split))
    __builtin_trap();
  return 0;
}
