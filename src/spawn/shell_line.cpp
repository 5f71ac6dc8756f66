// The pure part of spawn: the shell line that hands values to a command as positional
// parameters, so that no value is ever parsed by the shell, and a child's words on one line.
#include <algorithm>
#include <string>
#include <string_view>

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

std::string one_line_summary(std::string_view text) {
  constexpr std::size_t kMax = 500;
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  std::string out;
  std::size_t i = 0;
  for (; i < text.size() && out.size() < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += " | ";
      while (i + 1 < text.size() && blank(text[i + 1]))
        ++i;  // blank lines and indentation of the next line add nothing
    } else if (c == '\t' || c == '\r') {
      out += ' ';
    } else if (c < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < text.size()) {
    out.resize(std::min(out.size(), kMax));
    out += "...";
  }
  return out;
}

}  // namespace httpok
