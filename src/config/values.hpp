// Small pure helpers for reading option values and quoting them in error lines.
// Internal to the config module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace httpok::config_detail {

// Reads a whole number the way Python's int() reads a string, which superlance uses for
// -t and -c: ASCII whitespace around it, an optional sign, decimal digits with single
// underscores between them ("1_000"). Magnitudes beyond int64 saturate, so range checks
// still reject them. Nothing when the text is not a number.
std::optional<std::int64_t> parse_python_int(std::string_view text);

// Reads a byte count: decimal digits with an optional suffix K or k (x 1024) or M or m
// (x 1024 * 1024), nothing else. Saturates like parse_python_int().
std::optional<std::int64_t> parse_byte_count(std::string_view text);

}  // namespace httpok::config_detail
