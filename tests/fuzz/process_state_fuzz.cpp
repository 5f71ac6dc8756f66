// libFuzzer target: PROCESS_STATE payloads (supervisor_core's parse_process_state). The
// first byte picks the event name; a payload that parses names its process and group.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "httpok/supervisor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0)
    return 0;
  static constexpr std::string_view kNames[] = {"PROCESS_STATE_RUNNING", "PROCESS_STATE_STARTING",
                                                "PROCESS_STATE_EXITED",  "PROCESS_STATE_FATAL",
                                                "PROCESS_STATE_STOPPED", "PROCESS_STATE_BOGUS"};
  const std::string_view name = kNames[bytes[0] % std::size(kNames)];
  const std::string_view payload(reinterpret_cast<const char*>(bytes + 1), size - 1);
  const auto event = httpok::parse_process_state(name, payload);
  if (event && (event.value().name.empty() || event.value().group.empty() ||
                event.value().statename.empty()))
    __builtin_trap();
  return 0;
}
