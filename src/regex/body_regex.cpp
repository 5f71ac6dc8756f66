#include "httpok/body_regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <utility>

namespace httpok {

namespace {

// Backtracking steps one match may take: far more than any sensible pattern needs over a
// 1 MB body, and well under a second of CPU for a pathological one.
constexpr std::uint32_t kMatchLimit = 5'000'000;
// Kilobytes of heap the interpreter may use for backtracking.
constexpr std::uint32_t kHeapLimitKib = 20 * 1024;

}  // namespace

struct BodyRegex::Code {
  pcre2_code* code = nullptr;
  pcre2_match_context* context = nullptr;
  ~Code() {
    pcre2_match_context_free(context);
    pcre2_code_free(code);
  }
};

struct BodyRegex::Scratch::Data {
  // One pair of offsets: only whether it matched is needed.
  pcre2_match_data* match = pcre2_match_data_create(1, nullptr);
  ~Data() { pcre2_match_data_free(match); }
};

BodyRegex::Scratch::Scratch() : data_(std::make_unique<Data>()) {}
BodyRegex::Scratch::~Scratch() = default;

BodyRegex::BodyRegex(std::string pattern, std::unique_ptr<Code> code)
    : pattern_(std::move(pattern)), code_(std::move(code)) {}
BodyRegex::~BodyRegex() = default;

Result<std::shared_ptr<const BodyRegex>> BodyRegex::compile(std::string_view pattern) {
  using R = Result<std::shared_ptr<const BodyRegex>>;
  int error = 0;
  PCRE2_SIZE offset = 0;
  auto code = std::make_unique<Code>();
  code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                             PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (code->code == nullptr) {
    PCRE2_UCHAR message[256];
    if (pcre2_get_error_message(error, message, sizeof message) < 0)
      message[0] = 0;
    return R::failure(reinterpret_cast<const char*>(message) + std::string(" at offset ") +
                      std::to_string(offset));
  }
  // Without JIT (not built in, or no executable memory) the interpreter runs instead.
  pcre2_jit_compile(code->code, PCRE2_JIT_COMPLETE);
  code->context = pcre2_match_context_create(nullptr);
  if (code->context == nullptr)
    return R::failure("out of memory compiling the regular expression");
  pcre2_set_match_limit(code->context, kMatchLimit);
  pcre2_set_heap_limit(code->context, kHeapLimitKib);
  return R(std::shared_ptr<const BodyRegex>(new BodyRegex(std::string(pattern), std::move(code))));
}

BodyRegex::Match BodyRegex::search(std::string_view subject, Scratch& scratch) const {
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                             subject.size(), 0, 0, scratch.data_->match, code_->context);
  if (rc >= 0)
    return Match::found;  // 0: found, with more groups than the one pair holds
  if (rc == PCRE2_ERROR_NOMATCH)
    return Match::not_found;
  return Match::gave_up;  // match or heap limit, or another error of the matcher
}

}  // namespace httpok
