// Small pure helpers for reading option values and quoting them in error lines.
// Internal to the config module.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "httpok/log.hpp"
#include "httpok/result.hpp"

namespace httpok::config_detail {

// Reads a whole number the way Python's int() reads a string, which superlance uses for
// -t and -c: ASCII whitespace around it, an optional sign, decimal digits with single
// underscores between them ("1_000"). Magnitudes beyond int64 saturate, so range checks
// still reject them. Nothing when the text is not a number.
std::optional<std::int64_t> parse_python_int(std::string_view text);

// Reads a byte count: decimal digits with an optional suffix K or k (x 1024) or M or m
// (x 1024 * 1024), nothing else. Saturates like parse_python_int().
std::optional<std::int64_t> parse_byte_count(std::string_view text);

// The value checks of the settings the command line and the config file share. Each
// error is what the value should be, e.g. "expected a whole number of seconds, 1 or more";
// the caller names the option or the key, and quotes the value.
Result<std::chrono::milliseconds> read_seconds(std::string_view text, std::int64_t minimum = 1);
Result<int> read_status_code(std::string_view text);
Result<std::size_t> read_max_body(std::string_view text);
// A name to verify (--tls-server-name): "." or "" would leave none, and TLS would check none.
Result<std::string> read_tls_server_name(std::string_view text);

// Config-file values. A list is split at commas, each item trimmed, empty ones dropped.
std::vector<std::string> read_list(std::string_view text);
// "200, 304", ranges "200-299" and classes "2xx".
Result<std::vector<int>> read_status_codes(std::string_view text);
// true/false, yes/no, on/off, 1/0 (any case), as supervisord reads them.
Result<bool> read_bool(std::string_view text);
Result<std::size_t> read_count(std::string_view text, std::int64_t minimum, std::int64_t maximum);
// GET or HEAD, in any case; returned in upper case.
Result<std::string> read_method(std::string_view text);
// --log-format / log_format: text or json.
Result<log::Format> read_log_format(std::string_view text);
// A signal for --presignal: a name with or without SIG ("QUIT", "sigusr1") or a number
// from 1 to 31; the name comes back upper case without SIG. Empty: none.
Result<std::string> read_signal(std::string_view text);
// A PCRE2 pattern for body_regex, checked by compiling it; empty: none.
Result<std::optional<std::string>> read_body_regex(std::string_view text);
// A request header line, "Name: value".
Result<std::string> read_header(std::string_view text);
// A fraction from 0 to 0.5 (jitter).
Result<double> read_fraction(std::string_view text);

}  // namespace httpok::config_detail
