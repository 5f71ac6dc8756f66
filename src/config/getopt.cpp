#include "getopt.hpp"

#include <algorithm>

namespace httpok::config_detail {
namespace {

const OptionSpec* find_short(char name, std::span<const OptionSpec> specs) {
  for (const auto& spec : specs) {
    if (spec.short_name != '\0' && spec.short_name == name) {
      return &spec;
    }
  }
  return nullptr;
}

// Resolves a long option as typed (without "--" and "=value") to its spec. An exact name
// wins; then a prefix unique among the legacy (superlance) options, so that adding
// options never changes what an old command line means; then a prefix unique among all.
Result<const OptionSpec*> find_long(std::string_view typed, std::span<const OptionSpec> specs) {
  std::vector<const OptionSpec*> all;
  std::vector<const OptionSpec*> legacy;
  for (const auto& spec : specs) {
    if (spec.long_name.empty() || !spec.long_name.starts_with(typed)) {
      continue;
    }
    if (spec.long_name == typed) {
      return &spec;
    }
    all.push_back(&spec);
    if (spec.legacy) {
      legacy.push_back(&spec);
    }
  }
  if (all.empty()) {
    return Result<const OptionSpec*>::failure("option --" + std::string(typed) + " not recognized");
  }
  if (legacy.size() == 1) {
    return legacy.front();
  }
  if (all.size() == 1) {
    return all.front();
  }
  return Result<const OptionSpec*>::failure("option --" + std::string(typed) +
                                            " not a unique prefix");
}

}  // namespace

Result<SplitArguments> split_arguments(const std::vector<std::string>& args,
                                       std::span<const OptionSpec> specs) {
  using R = Result<SplitArguments>;
  SplitArguments out;
  std::size_t i = 0;
  while (i < args.size()) {
    const std::string& word = args[i];
    if (!word.starts_with('-') || word == "-") {
      break;
    }
    ++i;
    if (word == "--") {
      break;
    }
    if (word.starts_with("--")) {
      std::string_view body = std::string_view(word).substr(2);
      std::string_view typed = body;
      bool has_inline_value = false;
      std::string_view inline_value;
      if (const auto eq = body.find('='); eq != std::string_view::npos) {
        typed = body.substr(0, eq);
        inline_value = body.substr(eq + 1);
        has_inline_value = true;
      }
      auto found = find_long(typed, specs);
      if (!found) {
        return R::failure(found.error());
      }
      const OptionSpec& spec = *found.value();
      const std::string spelled = "--" + std::string(spec.long_name);
      std::string value;
      if (spec.takes_value) {
        if (has_inline_value) {
          value = inline_value;
        } else if (i < args.size()) {
          value = args[i++];
        } else {
          return R::failure("option " + spelled + " requires argument");
        }
      } else if (has_inline_value) {
        return R::failure("option " + spelled + " must not have an argument");
      }
      out.options.push_back({spec.id, spelled, std::move(value)});
      continue;
    }
    // A cluster of short options: "-ap foo", "-pfoo", "-ae".
    std::string_view cluster = std::string_view(word).substr(1);
    while (!cluster.empty()) {
      const char name = cluster.front();
      cluster.remove_prefix(1);
      const OptionSpec* spec = find_short(name, specs);
      if (spec == nullptr) {
        return R::failure(std::string("option -") + name + " not recognized");
      }
      std::string value;
      if (spec->takes_value) {
        if (!cluster.empty()) {
          value = cluster;
          cluster = {};
        } else if (i < args.size()) {
          value = args[i++];
        } else {
          return R::failure(std::string("option -") + name + " requires argument");
        }
      }
      out.options.push_back({spec->id, std::string("-") + name, std::move(value)});
    }
  }
  out.positionals.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return out;
}

}  // namespace httpok::config_detail
