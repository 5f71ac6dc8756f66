// The supervisord event-listener protocol, its pure core: an incremental frame parser and
// a window of recently seen serials. No I/O; the libuv shell is event_listener.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace httpok {

// One event as supervisord sent it: its header line (space-separated key:value tokens,
// each checked by the parser) and its payload. The tokens are read from the line when
// asked for, so an event costs one string beyond its payload; the parser notes where the
// three that every event is asked for are.
struct Event {
  // Where a value lies in `line`.
  struct Span {
    std::uint16_t at = 0;
    std::uint16_t size = 0;
  };
  std::string line;  // without its newline
  std::string payload;
  Span eventname_value;    // set by FrameParser
  Span serial_value;       // set by FrameParser; empty when there is no serial
  Span pool_serial_value;  // set by FrameParser; empty when there is no poolserial

  // The value of the first header token with this key, or an empty view when absent.
  std::string_view header(std::string_view key) const;
  std::string_view eventname() const { return value(eventname_value); }
  std::optional<std::uint64_t> serial() const;
  std::optional<std::uint64_t> pool_serial() const;
  bool is_tick() const { return eventname().starts_with("TICK"); }
  bool operator==(const Event& other) const {
    return line == other.line && payload == other.payload;
  }

 private:
  std::string_view value(Span span) const {
    return std::string_view(line).substr(span.at, span.size);
  }
};

// Incremental parser for `header line + len payload` frames. Feed it any split of the
// input; it never loses its place. `len` counts characters of UTF-8 text (as supervisord
// computes it on a Python str), so a payload with non-ASCII text is read by characters.
// Owned by the listener; no I/O.
class FrameParser {
 public:
  // Longest header line accepted; supervisord's are about 100 bytes.
  static constexpr std::size_t kMaxHeaderLine = 8192;
  // Largest payload accepted, in characters.
  static constexpr std::uint64_t kMaxPayload = 64 * 1024 * 1024;

  // Consumes all of `data`, appending every completed event to `out`. Returns false on a
  // malformed header (error() says why); the parser is then unusable.
  bool feed(std::string_view data, std::deque<Event>& out);

  // True when no partial frame is buffered (EOF here is a clean end).
  bool idle() const { return state_ == State::header && line_.empty(); }
  const std::string& error() const { return error_; }

 private:
  enum class State { header, payload, failed };
  bool parse_header();

  State state_ = State::header;
  std::string line_;
  Event current_;
  std::uint64_t chars_left_ = 0;    // characters of payload still to complete
  unsigned continuation_left_ = 0;  // UTF-8 continuation bytes the current char still needs
  std::string error_;
};

// Remembers the last kSize serials so a re-delivered event is acknowledged but not acted
// on twice. Fixed size, no allocation.
class SerialWindow {
 public:
  static constexpr std::size_t kSize = 128;
  // Returns true when `serial` was seen before; otherwise records it and returns false.
  bool seen(std::uint64_t serial);

 private:
  std::array<std::uint64_t, kSize> ring_{};
  std::size_t count_ = 0;
  std::size_t next_ = 0;
  std::uint64_t highest_ = 0;  // of every serial seen: one above it is new, with no search
};

// supervisord numbers the events of a listener's pool as it takes them in (poolserial) and,
// when the pool's buffer (buffer_size) is full, drops the oldest: a number skipped is an
// event that never comes. Fed the poolserial of each new event, in order. Pure.
class PoolSerials {
 public:
  // Whether events may be missing before the one numbered `serial`: after the first, any
  // number but the next; the first, any number but 0 (a pool's first event), since the
  // pool may have dropped events before this process read any (or an earlier instance of
  // the listener read them: it cannot be told apart).
  bool missed(std::uint64_t serial);
  // The number before the last missed() call; none for the first event.
  std::optional<std::uint64_t> previous() const { return previous_; }

 private:
  std::optional<std::uint64_t> previous_;
  std::optional<std::uint64_t> last_;
};

// The protocol bytes httpok writes: nothing else may ever reach stdout.
inline constexpr std::string_view kReady = "READY\n";
inline constexpr std::string_view kAckThenReady = "RESULT 2\nOKREADY\n";

}  // namespace httpok
