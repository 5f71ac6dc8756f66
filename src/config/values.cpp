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

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8
// (overlong forms, surrogates and values above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    low = lead == 0xe0 ? 0xa0 : 0x80;
    high = lead == 0xed ? 0x9f : 0xbf;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    low = lead == 0xf0 ? 0x90 : 0x80;
    high = lead == 0xf4 ? 0x8f : 0xbf;
  } else {
    return 0;
  }
  if (i + length > text.size()) {
    return 0;
  }
  if (byte(i + 1) < low || byte(i + 1) > high) {
    return 0;
  }
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) {
      return 0;
    }
  }
  return length;
}

void append_hex_escape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
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

std::string python_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      append_hex_escape(out, byte);
    } else if (byte >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      // U+0080..U+009F (C2 80..C2 9F) are control characters: Python escapes them too.
      if (length == 0 ||
          (length == 2 && byte == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0)) {
        if (length == 2) {
          append_hex_escape(out, static_cast<unsigned char>(text[i + 1]));
          i += 2;
        } else {
          append_hex_escape(out, byte);
          ++i;
        }
        continue;
      }
      out.append(text.substr(i, length));
      i += length;
      continue;
    } else {
      out += c;
    }
    ++i;
  }
  out += quote;
  return out;
}

}  // namespace httpok::config_detail
