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
// a pathological pattern over a large body cannot hold the loop.
class BodyRegex {
 public:
  enum class Match { found, not_found, gave_up };
  // What a probe reuses from one match to the next. Owned by a probe engine.
  class Scratch {
   public:
    Scratch();
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

   private:
    friend class BodyRegex;
    struct Data;
    std::unique_ptr<Data> data_;
  };

  // The error says what and where: "missing closing parenthesis at offset 2".
  static Result<std::shared_ptr<const BodyRegex>> compile(std::string_view pattern);
  ~BodyRegex();
  BodyRegex(const BodyRegex&) = delete;
  BodyRegex& operator=(const BodyRegex&) = delete;

  Match search(std::string_view subject, Scratch& scratch) const;
  const std::string& pattern() const noexcept { return pattern_; }

 private:
  struct Code;
  BodyRegex(std::string pattern, std::unique_ptr<Code> code);
  std::string pattern_;
  std::unique_ptr<Code> code_;
};

}  // namespace httpok
