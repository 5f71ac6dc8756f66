// body_regex: a PCRE2 regular expression searched for in a response body (pure, no I/O).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "httpok/result.hpp"

namespace httpok {

// A compiled pattern, immutable and shared by reference (a probe spec holds one). UTF-8:
// the pattern is UTF-8, and a body that is not never matches where it is invalid. JIT
// compiled where the machine allows it; a match is bounded by a limit on backtracking, so
// a pathological pattern over a large body cannot hold the loop: it gives up instead.
class BodyRegex {
 public:
  enum class Match { found, not_found, gave_up };
  // The error says what and where: "missing closing parenthesis at offset 2".
  static Result<std::shared_ptr<const BodyRegex>> compile(std::string_view pattern);
  ~BodyRegex();
  BodyRegex(const BodyRegex&) = delete;
  BodyRegex& operator=(const BodyRegex&) = delete;

  // The match state (offsets, limits, the JIT's stack) is one per thread, made at the
  // first search and reused by every later one.
  Match search(std::string_view subject) const;
  const std::string& pattern() const noexcept { return pattern_; }

 private:
  struct Code;
  BodyRegex(std::string pattern, std::unique_ptr<Code> code);
  std::string pattern_;
  std::unique_ptr<Code> code_;
};

}  // namespace httpok
