#include "values.hpp"

#include "httpok/body_regex.hpp"
#include "httpok/http.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>

namespace httpok::config_detail {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Digits with single underscores between them; saturates at kMax.
std::optional<std::int64_t> parse_digits(std::string_view text, bool allow_underscores) {
  if (text.empty() || !is_digit(text.front()) || !is_digit(text.back())) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  char previous = '\0';
  for (const char c : text) {
    if (c == '_' && allow_underscores && previous != '_') {
      previous = c;
      continue;
    }
    if (!is_digit(c)) {
      return std::nullopt;
    }
    const int digit = c - '0';
    value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
    previous = c;
  }
  return value;
}

}  // namespace

std::optional<std::int64_t> parse_python_int(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_ascii_space(text.back())) {
    text.remove_suffix(1);
  }
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  const auto magnitude = parse_digits(text, true);
  if (!magnitude) {
    return std::nullopt;
  }
  return negative ? -*magnitude : *magnitude;
}

std::optional<std::int64_t> parse_byte_count(std::string_view text) {
  std::int64_t unit = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k':
      case 'K':
        unit = 1024;
        break;
      case 'm':
      case 'M':
        unit = 1024 * 1024;
        break;
      default:
        break;
    }
  }
  if (unit != 1) {
    text.remove_suffix(1);
  }
  const auto count = parse_digits(text, false);
  if (!count) {
    return std::nullopt;
  }
  return *count > kMax / unit ? kMax : *count * unit;
}

namespace {

constexpr std::int64_t kMaxSeconds = 86400;
constexpr std::int64_t kMaxBodyBytes = std::int64_t{1} << 30;

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back()))
    text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

Result<std::chrono::milliseconds> read_seconds(std::string_view text, std::int64_t minimum) {
  using R = Result<std::chrono::milliseconds>;
  const auto seconds = parse_python_int(text);
  if (seconds && *seconds >= minimum && *seconds <= kMaxSeconds)
    return std::chrono::milliseconds(std::chrono::seconds(*seconds));
  if (minimum == 0)
    return R::failure("expected a whole number of seconds from 0 to 86400");
  if (seconds && *seconds > kMaxSeconds)
    return R::failure("expected a whole number of seconds, at most 86400");
  return R::failure("expected a whole number of seconds, 1 or more");
}

Result<int> read_status_code(std::string_view text) {
  const auto code = parse_python_int(text);
  if (!code || *code < 100 || *code > 999)
    return Result<int>::failure("expected an HTTP status code from 100 to 999");
  return static_cast<int>(*code);
}

Result<std::size_t> read_max_body(std::string_view text) {
  const auto bytes = parse_byte_count(text);
  if (!bytes || *bytes < 1 || *bytes > kMaxBodyBytes) {
    return Result<std::size_t>::failure(
        "expected a whole number of bytes from 1 to 1073741824, optionally followed by K or M");
  }
  return static_cast<std::size_t>(*bytes);
}

Result<std::string> read_tls_server_name(std::string_view text) {
  const std::string_view name =
      !text.empty() && text.back() == '.' ? text.substr(0, text.size() - 1) : text;
  bool printable = !name.empty();
  for (const char c : name)
    printable =
        printable && static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  if (!printable)
    return Result<std::string>::failure("expected a host name or IP address");
  return std::string(text);
}

std::vector<std::string> read_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = trimmed(text.substr(0, comma));
    if (!item.empty())
      items.emplace_back(item);
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

Result<std::vector<int>> read_status_codes(std::string_view text) {
  using R = Result<std::vector<int>>;
  const char* expected =
      "expected HTTP status codes from 100 to 999, ranges like 200-299 or classes like 2xx, "
      "separated by commas";
  std::vector<int> codes;
  auto add = [&codes](int lo, int hi) {
    for (int code = lo; code <= hi; ++code) {
      if (std::find(codes.begin(), codes.end(), code) == codes.end())
        codes.push_back(code);
    }
  };
  const std::vector<std::string> items = read_list(text);
  if (items.empty())
    return R::failure(expected);
  for (const std::string& item : items) {
    if (item.size() == 3 && item[0] >= '1' && item[0] <= '9' && lower(item.substr(1)) == "xx") {
      const int hundreds = (item[0] - '0') * 100;
      add(hundreds, hundreds + 99);
      continue;
    }
    const std::size_t dash = item.find('-');
    const auto lo = read_status_code(std::string_view(item).substr(0, dash));
    const auto hi = dash == std::string::npos ? lo : read_status_code(item.substr(dash + 1));
    if (!lo || !hi || hi.value() < lo.value())
      return R::failure(expected);
    add(lo.value(), hi.value());
  }
  return codes;
}

Result<bool> read_bool(std::string_view text) {
  const std::string word = lower(trimmed(text));
  if (word == "true" || word == "yes" || word == "on" || word == "1")
    return true;
  if (word == "false" || word == "no" || word == "off" || word == "0")
    return false;
  return Result<bool>::failure("expected true or false");
}

Result<std::size_t> read_count(std::string_view text, std::int64_t minimum, std::int64_t maximum) {
  const auto n = parse_python_int(text);
  if (!n || *n < minimum || *n > maximum) {
    return Result<std::size_t>::failure("expected a whole number from " + std::to_string(minimum) +
                                        " to " + std::to_string(maximum));
  }
  return static_cast<std::size_t>(*n);
}

Result<std::string> read_method(std::string_view text) {
  const std::string method = lower(trimmed(text));
  if (method != "get" && method != "head")
    return Result<std::string>::failure("expected GET or HEAD");
  return method == "get" ? std::string("GET") : std::string("HEAD");
}

Result<log::Format> read_log_format(std::string_view text) {
  const std::string format = lower(trimmed(text));
  if (format == "text")
    return log::Format::text;
  if (format == "json")
    return log::Format::json;
  return Result<log::Format>::failure("expected text or json");
}

Result<std::optional<std::string>> read_body_regex(std::string_view text) {
  using R = Result<std::optional<std::string>>;
  if (text.empty())
    return R(std::nullopt);
  if (auto regex = BodyRegex::compile(text); !regex)
    return R::failure("expected a regular expression; " + regex.error());
  return R(std::string(text));
}

Result<std::string> read_signal(std::string_view text) {
  static constexpr std::string_view kNames[] = {
      "HUP",  "INT",  "QUIT", "ILL",  "TRAP",   "ABRT", "BUS",   "FPE",  "KILL", "USR1",
      "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "CHLD", "CONT",  "STOP", "TSTP", "TTIN",
      "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",   "PWR",  "SYS"};
  std::string name(trimmed(text));
  if (name.empty())
    return name;
  if (const auto n = parse_python_int(name)) {
    if (*n >= 1 && *n <= 31)
      return std::to_string(*n);
    return Result<std::string>::failure(
        "expected a signal name such as QUIT or USR1, or a "
        "number from 1 to 31");
  }
  for (char& c : name)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("SIG", 0) == 0)
    name.erase(0, 3);
  for (const std::string_view known : kNames) {
    if (name == known)
      return name;
  }
  return Result<std::string>::failure("expected a signal name such as QUIT or USR1, or a number");
}

Result<std::string> read_header(std::string_view text) {
  if (auto problem = header_problem(text))
    return Result<std::string>::failure("expected a header line Name: value, not " + *problem);
  return std::string(text);
}

Result<double> read_fraction(std::string_view text) {
  const std::string value(trimmed(text));
  char* end = nullptr;
  const double fraction = value.empty() ? -1 : std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !(fraction >= 0 && fraction <= 0.5))
    return Result<double>::failure("expected a fraction from 0 to 0.5");
  return fraction;
}

}  // namespace httpok::config_detail
