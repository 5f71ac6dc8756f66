#include "httpok/log.hpp"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <string>

namespace httpok::log {

namespace {

std::atomic<Format> g_format{Format::text};
std::atomic<bool> g_timestamps{false};

constexpr std::string_view kPrefix = "httpok: ";

// "2026-12-01T14:30:03.123Z"
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

constexpr std::string_view level_name(Level level) {
  switch (level) {
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
  }
  return "info";
}

// The length of the UTF-8 sequence at `s[i]`, or 0 when it is not one (overlong forms,
// surrogates and values past U+10FFFF included).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0)
      low = 0xA0;
    if (c == 0xED)
      high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0)
      low = 0x90;
    if (c == 0xF4)
      high = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(i + 1) < low || byte(i + 1) > high)
    return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
      return 0;
  }
  return n;
}

// The start of an object: time (when asked) and level.
std::string object_head(Level level) {
  std::string out = "{";
  if (g_timestamps.load(std::memory_order_relaxed))
    out += "\"time\":\"" + timestamp() + "\",";
  out += "\"level\":\"";
  out += level_name(level);
  out += '"';
  return out;
}

void add(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  append_json(out, key);
  out += ':';
  append_json(out, value);
}

// A text line of `parts`, in one allocation: the time first when asked.
std::string text_line(std::initializer_list<std::string_view> parts) {
  std::size_t size = 32 + 1;  // the time and its space, and the newline
  for (const std::string_view part : parts)
    size += part.size();
  std::string out;
  out.reserve(size);
  if (g_timestamps.load(std::memory_order_relaxed)) {
    out += timestamp();
    out += ' ';
  }
  for (const std::string_view part : parts)
    out += part;
  out += '\n';
  return out;
}

}  // namespace

void configure(const Settings& settings) noexcept {
  g_format.store(settings.format, std::memory_order_relaxed);
  g_timestamps.store(settings.timestamps, std::memory_order_relaxed);
}

Settings settings() noexcept {
  return Settings{g_format.load(std::memory_order_relaxed),
                  g_timestamps.load(std::memory_order_relaxed)};
}

void append_json(std::string& out, std::string_view text) {
  out += '"';
  std::size_t plain = 0;  // where the run of bytes that need no escape began
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(text, plain, i - plain);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(text, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text, i, n);
        i += n;
      }
    } else {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
      }
      ++i;
    }
    plain = i;
  }
  out.append(text, plain, text.size() - plain);
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json(out, text);
  return out;
}

std::string format(const Record& record) {
  if (g_format.load(std::memory_order_relaxed) == Format::text) {
    if (record.target_in_text && !record.target.empty())
      return text_line({kPrefix, record.target, ": ", record.message});
    return text_line({kPrefix, record.message});
  }
  std::string out = object_head(record.level);
  if (!record.target.empty())
    add(out, "target", record.target);
  add(out, "event", record.event);
  add(out, "message", record.message);
  for (const Field& field : record.fields) {
    if (field.number) {
      out += ',';
      append_json(out, field.key);
      out += ':';
      out += field.value;
    } else {
      add(out, field.key, field.value);
    }
  }
  out += "}\n";
  return out;
}

std::string format_block(std::string_view target, std::span<const std::string> lines) {
  if (g_format.load(std::memory_order_relaxed) == Format::text) {
    std::string out;
    for (const std::string& line : lines)
      out += text_line({line});
    return out;
  }
  std::string out = object_head(Level::warning);
  if (!target.empty())
    add(out, "target", target);
  add(out, "event", "restart");
  out += ",\"lines\":[";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0)
      out += ',';
    append_json(out, lines[i]);
  }
  out += "]}\n";
  return out;
}

std::string format_line(std::string_view text, Level level, std::string_view event) {
  if (g_format.load(std::memory_order_relaxed) == Format::text)
    return text_line({text});
  if (text.substr(0, kPrefix.size()) == kPrefix)
    text.remove_prefix(kPrefix.size());
  Record record;
  record.level = level;
  record.event = event;
  record.message = text;
  return format(record);
}

void raw(std::string_view text) noexcept {
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // stderr may share a non-blocking file description with a libuv pipe.
        pollfd pfd{STDERR_FILENO, POLLOUT, 0};
        if (::poll(&pfd, 1, 1000) > 0)
          continue;
      }
      return;  // nowhere else to report it
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void line(std::string_view text, Level level, std::string_view event) noexcept {
  try {
    raw(format_line(text, level, event));
  } catch (...) {
    raw(text);
    raw("\n");
  }
}

void write(const Record& record) noexcept {
  try {
    raw(format(record));
  } catch (...) {
    raw(record.message);
    raw("\n");
  }
}

}  // namespace httpok::log
