// Command-line splitting with the exact semantics of Python's getopt.getopt(), which
// superlance's httpok uses, so that every command line that worked there means the same
// here. Internal to the config module.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "httpok/result.hpp"

namespace httpok::config_detail {

// One option the parser knows. `id` is opaque to the parser and handed back with each
// match. `legacy` marks the options superlance's httpok has: a long-option prefix that is
// unique among those keeps its superlance meaning even when options added later share it.
struct OptionSpec {
  int id;
  char short_name;             // '\0' when there is no short form
  std::string_view long_name;  // empty when there is no long form
  bool takes_value;
  bool legacy;
};

struct MatchedOption {
  int id;
  std::string spelled;  // "-p" or "--program": the full name, even when given as a prefix
  std::string value;    // empty for flags
};

struct SplitArguments {
  std::vector<MatchedOption> options;    // in command-line order
  std::vector<std::string> positionals;  // everything after the options
};

// Splits `args` (argv without argv[0]) the way Python's getopt.getopt() does: options stop
// at the first non-option (a lone "-" counts as one) or after "--"; short options cluster
// and take their value from the rest of the word or the next word; long options take
// "--name=value" or "--name value" and may be abbreviated to a unique prefix. Errors are
// getopt's own words, e.g. "option --foo not recognized".
Result<SplitArguments> split_arguments(const std::vector<std::string>& args,
                                       std::span<const OptionSpec> specs);

}  // namespace httpok::config_detail
