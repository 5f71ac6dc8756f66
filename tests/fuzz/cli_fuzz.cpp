// libFuzzer target: the command line (the config library's parse_command_line, superlance's
// getopt rules and httpok's own options). The input is the arguments, separated by NUL
// bytes. A usage error always names what is wrong; a run has at most the one URL's target.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "httpok/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  std::vector<std::string> args(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (bytes[i] == '\0')
      args.emplace_back();
    else
      args.back() += static_cast<char>(bytes[i]);
  }
  const httpok::CliResult result = httpok::parse_command_line(args);
  if (result.action == httpok::CliAction::run && result.config.targets.size() > 1)
    __builtin_trap();
  if (result.action == httpok::CliAction::run && !result.config_file &&
      result.config.targets.empty())
    __builtin_trap();  // nothing to watch, yet no usage error
  return 0;
}
