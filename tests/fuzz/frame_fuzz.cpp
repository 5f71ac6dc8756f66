// libFuzzer target: supervisord's event frames (listener_core). Beyond not crashing, the
// parser must not depend on how the bytes are split: fed whole, and fed in pieces the
// input itself chooses, it yields the same events and the same verdict.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>

#include "httpok/listener.hpp"

namespace {

struct Outcome {
  bool ok = true;
  bool idle = true;
  std::deque<httpok::Event> events;
};

Outcome run(std::string_view data, std::size_t piece) {
  httpok::FrameParser parser;
  Outcome outcome;
  while (!data.empty() && outcome.ok) {
    const std::size_t n = piece == 0 ? data.size() : std::min(piece, data.size());
    outcome.ok = parser.feed(data.substr(0, n), outcome.events);
    data.remove_prefix(n);
  }
  outcome.idle = outcome.ok && parser.idle();
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const Outcome whole = run(data, 0);
  const std::size_t piece = size == 0 ? 1 : 1 + bytes[0] % 7;
  const Outcome split = run(data, piece);
  if (whole.ok != split.ok || whole.idle != split.idle)
    __builtin_trap();
  // A failing feed may stop at a different event count (it stops where it fails).
  if (whole.ok) {
    if (whole.events.size() != split.events.size())
      __builtin_trap();
    for (std::size_t i = 0; i < whole.events.size(); ++i) {
      if (!(whole.events[i] == split.events[i]))
        __builtin_trap();
    }
  }
  return 0;
}
