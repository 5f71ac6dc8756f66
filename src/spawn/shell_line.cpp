// The pure part of spawn: the shell line that hands values to a command as positional
// parameters, so that no value is ever parsed by the shell.
#include <string>

#include "httpok/spawn.hpp"

namespace httpok {

std::string shell_line_with_positionals(const std::string& command, std::size_t n) {
  std::string line = command;
  for (std::size_t i = 1; i <= n; ++i) {
    // "$10" would be "$1" followed by a literal 0: from ten on the braces are required.
    line += i < 10 ? " \"$" + std::to_string(i) + "\"" : " \"${" + std::to_string(i) + "}\"";
  }
  return line;
}

}  // namespace httpok
