#include "httpok/python_text.hpp"

#include <cstdint>
#include <string>

namespace httpok {

namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Code points Python's str.isprintable() rejects besides the C0/C1 controls: the
// separators (Zs other than space, Zl, Zp), format characters (Cf), private use (Co),
// noncharacters and the planes that hold no assigned character. Code points that later
// Unicode versions may assign inside otherwise used blocks are kept as they are (Python
// itself answers differently from one version to the next there).
constexpr Range kNotPrintable[] = {
    {0x00A0, 0x00A0},   {0x00AD, 0x00AD},    {0x0600, 0x0605},   {0x061C, 0x061C},
    {0x06DD, 0x06DD},   {0x070F, 0x070F},    {0x0890, 0x0891},   {0x08E2, 0x08E2},
    {0x1680, 0x1680},   {0x180E, 0x180E},    {0x2000, 0x200F},   {0x2028, 0x202F},
    {0x205F, 0x2064},   {0x2066, 0x206F},    {0x3000, 0x3000},   {0xD800, 0xF8FF},
    {0xFDD0, 0xFDEF},   {0xFEFF, 0xFEFF},    {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x13430, 0x1343F},  {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
    {0x40000, 0xE00FF}, {0xE01F0, 0x10FFFF},
};

bool is_printable(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
    return false;
  }
  if ((cp & 0xFFFE) == 0xFFFE) {
    return false;  // U+xxFFFE and U+xxFFFF are noncharacters in every plane.
  }
  for (const auto& range : kNotPrintable) {
    if (cp >= range.first && cp <= range.last) {
      return false;
    }
  }
  return true;
}

void append_hex(std::string& out, std::uint32_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out += kHex[(value >> shift) & 0xFu];
  }
}

// Python's escape for a code point it does not print: \xNN, \uNNNN or \UNNNNNNNN.
void append_escape(std::string& out, char32_t cp) {
  if (cp <= 0xFF) {
    out += "\\x";
    append_hex(out, cp, 2);
  } else if (cp <= 0xFFFF) {
    out += "\\u";
    append_hex(out, cp, 4);
  } else {
    out += "\\U";
    append_hex(out, cp, 8);
  }
}

// Decodes one well-formed UTF-8 sequence at text[pos]; returns its length, or 0 when the
// byte there does not start one (overlong forms, surrogates and values above U+10FFFF
// included, as Python's strict decoder sees them).
std::size_t decode_utf8(std::string_view text, std::size_t pos, char32_t& cp) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  std::size_t length = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1Fu;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0Fu;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (pos + length > text.size()) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char next = byte(pos + i);
    if ((next & 0xC0u) != 0x80u) {
      return 0;
    }
    cp = (cp << 6) | (next & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return length;
}

}  // namespace

// Invalid UTF-8 cannot occur in a Python str; we show each such byte the way Python shows
// bytes decoded with errors='surrogateescape' (\udcNN), which no valid text produces.
std::string python_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';

  std::string out;
  out.reserve(text.size() + 2);
  out += quote;
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = 0;
    const std::size_t length = decode_utf8(text, pos, cp);
    if (length == 0) {
      out += "\\udc";
      append_hex(out, static_cast<unsigned char>(text[pos]), 2);
      ++pos;
      continue;
    }
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (!is_printable(cp)) {
      append_escape(out, cp);
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  out += quote;
  return out;
}

std::string python_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += python_repr(items[i]);
  }
  out += ']';
  return out;
}

}  // namespace httpok
