// stderr lines. stdout carries the supervisord protocol and nothing else, ever.
//
// Two formats (--log-format): text, superlance's lines and httpok's own "httpok: ..."
// lines as they are; json, one object per line for log shippers. Either carries the time
// only when asked (--log-timestamps): a journal or a shipper usually stamps lines itself.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace httpok::log {

enum class Format : std::uint8_t { text, json };
enum class Level : std::uint8_t { info, warning, error };

struct Settings {
  Format format = Format::text;
  bool timestamps = false;
};
// Process-wide; set at start-up (and on a reload), before anything is logged by it.
void configure(const Settings& settings) noexcept;
Settings settings() noexcept;

// A value that goes with a record: a string, or a number written as it is.
struct Field {
  std::string_view key;
  std::string_view value;
  bool number = false;
};

// One line of httpok's own. text: "httpok: " [target ": "] message; json: an object with
// "level", "target" (when there is one), "event", "message" and the fields.
struct Record {
  Level level = Level::info;
  std::string_view event;       // what happened, a fixed name: "probe_failed", "reloaded"
  std::string_view target;      // "" for none
  bool target_in_text = false;  // text names the target (only when there are several)
  std::string_view message;
  std::span<const Field> fields = {};
};

// The formatted line, newline included, in the configured format.
std::string format(const Record& record);
// superlance's block of lines (a restart sequence): text, each line as it is; json, one
// object {"level":"warning","target":...,"event":"restart","lines":[...]}.
std::string format_block(std::string_view target, std::span<const std::string> lines);
// A whole line as text gives it ("httpok: ..." or one of superlance's), in the configured
// format: json makes it a record of `event` with the text, less "httpok: ", as message.
std::string format_line(std::string_view text, Level level = Level::info,
                        std::string_view event = "message");

// Writes `text` and a newline to stderr in one write (retrying partial writes): the
// line in the configured format (see format_line).
void line(std::string_view text, Level level = Level::info,
          std::string_view event = "message") noexcept;
void write(const Record& record) noexcept;
// Writes `text` as it is (no newline added, no format): already formatted lines, usage.
void raw(std::string_view text) noexcept;

// `text` as a JSON string, quotes included: control characters escaped, and bytes that
// are not UTF-8 replaced by U+FFFD, so that the object is valid whatever the input.
std::string json_string(std::string_view text);
// The same, appended to `out`.
void append_json(std::string& out, std::string_view text);

}  // namespace httpok::log
