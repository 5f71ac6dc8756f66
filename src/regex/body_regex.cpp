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
constexpr std::uint32_t kHeapLimitKib = 64 * 1024;
// The JIT's stack: a repeated group over a large body needs far more than PCRE2's default
// 32 KiB. One per thread, grown as needed; beyond it the interpreter takes over.
constexpr PCRE2_SIZE kJitStackStart = 32 * 1024;
constexpr PCRE2_SIZE kJitStackMax = 8 * 1024 * 1024;

// What every search reuses: its offsets, its limits and the JIT's stack.
struct MatchState {
  MatchState() {
    if (context != nullptr) {
      pcre2_set_match_limit(context, kMatchLimit);
      pcre2_set_heap_limit(context, kHeapLimitKib);
      if (jit_stack != nullptr)
        pcre2_jit_stack_assign(context, nullptr, jit_stack);
    }
  }
  ~MatchState() {
    pcre2_match_data_free(match);
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
  }
  MatchState(const MatchState&) = delete;
  MatchState& operator=(const MatchState&) = delete;
  // One pair of offsets: only whether it matched is needed.
  pcre2_match_data* match = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_jit_stack* jit_stack = pcre2_jit_stack_create(kJitStackStart, kJitStackMax, nullptr);
};

}  // namespace

struct BodyRegex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

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
  return R(std::shared_ptr<const BodyRegex>(new BodyRegex(std::string(pattern), std::move(code))));
}

BodyRegex::Match BodyRegex::search(std::string_view subject) const {
  thread_local MatchState data;
  if (data.match == nullptr || data.context == nullptr)
    return Match::gave_up;  // out of memory
  const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
  int rc = pcre2_match(code_->code, text, subject.size(), 0, 0, data.match, data.context);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
    // The interpreter keeps its backtracking on the heap, under kHeapLimitKib.
    rc = pcre2_match(code_->code, text, subject.size(), 0, PCRE2_NO_JIT, data.match, data.context);
  }
  if (rc >= 0)
    return Match::found;  // 0: found, with more groups than the one pair holds
  if (rc == PCRE2_ERROR_NOMATCH)
    return Match::not_found;
  return Match::gave_up;  // match or heap limit, or another error of the matcher
}

}  // namespace httpok
