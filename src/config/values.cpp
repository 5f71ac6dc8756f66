#include "values.hpp"

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

}  // namespace httpok::config_detail
