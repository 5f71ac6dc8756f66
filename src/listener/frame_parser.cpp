#include <algorithm>
#include <charconv>
#include <optional>

#include "httpok/listener.hpp"

namespace httpok {

namespace {

// Whether a header token is `key:value`.
bool is_key_of(std::string_view token, std::string_view key) {
  return token.size() > key.size() && token[key.size()] == ':' && token.starts_with(key);
}

}  // namespace

std::string_view Event::header(std::string_view key) const {
  std::string_view rest = line;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view token = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    if (is_key_of(token, key))
      return token.substr(key.size() + 1);
  }
  return {};
}

namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::uint64_t> Event::serial() const {
  return number(value(serial_value));
}

std::optional<std::uint64_t> Event::pool_serial() const {
  return number(value(pool_serial_value));
}

namespace {

// Number of continuation bytes that follow a UTF-8 lead byte. A byte that cannot start
// a character counts as one character on its own, as a decoder that replaces it would.
unsigned continuation_bytes(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4)
    return 3;
  if (lead >= 0xE0)
    return lead <= 0xEF ? 2 : 0;
  if (lead >= 0xC2)
    return 1;
  return 0;
}

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace

bool FrameParser::parse_header() {
  static_assert(kMaxHeaderLine <= UINT16_MAX, "an Event::Span holds an offset in the line");
  current_ = Event{};
  const std::string_view line = line_;
  std::optional<Event::Span> eventname, serial, pool_serial, len;
  for (std::size_t at = 0; at < line.size();) {
    const std::size_t space = std::min(line.find(' ', at), line.size());
    const std::string_view token = line.substr(at, space - at);
    const std::size_t colon = token.find(':');
    if (!token.empty() && colon == std::string_view::npos) {
      error_ = "malformed event header (token without ':'): '" + printable(line_) + "'";
      return false;
    }
    // The first token of each key the parser notes; the rest are read when asked for.
    const std::string_view key = token.substr(0, colon);
    std::optional<Event::Span>* noted = key == "eventname"    ? &eventname
                                        : key == "serial"     ? &serial
                                        : key == "poolserial" ? &pool_serial
                                        : key == "len"        ? &len
                                                              : nullptr;
    if (noted != nullptr && !*noted)
      *noted = Event::Span{static_cast<std::uint16_t>(at + colon + 1),
                           static_cast<std::uint16_t>(token.size() - colon - 1)};
    at = space + 1;
  }
  bool have_len = false;
  const std::string_view len_text = len ? line.substr(len->at, len->size) : std::string_view{};
  if (!len_text.empty()) {
    const auto [end, ec] =
        std::from_chars(len_text.data(), len_text.data() + len_text.size(), chars_left_);
    have_len = ec == std::errc{} && end == len_text.data() + len_text.size();
  }
  if (!have_len) {
    error_ = "malformed event header (no valid len): '" + printable(line_) + "'";
    return false;
  }
  if (chars_left_ > kMaxPayload) {
    error_ = "event payload too large (len:" + std::string(len_text) + ")";
    return false;
  }
  if (!eventname || eventname->size == 0) {
    error_ = "malformed event header (no eventname): '" + printable(line_) + "'";
    return false;
  }
  current_.line = line_;
  current_.eventname_value = *eventname;
  current_.serial_value = serial.value_or(Event::Span{});
  current_.pool_serial_value = pool_serial.value_or(Event::Span{});
  line_.clear();
  return true;
}

bool FrameParser::feed(std::string_view data, std::deque<Event>& out) {
  std::size_t i = 0;
  while (i < data.size() ||
         (state_ == State::payload && chars_left_ == 0 && continuation_left_ == 0)) {
    if (state_ == State::failed)
      return false;
    if (state_ == State::header) {
      const std::size_t nl = data.find('\n', i);
      const std::size_t end = nl == std::string_view::npos ? data.size() : nl;
      if (line_.size() + (end - i) > kMaxHeaderLine) {
        error_ = "event header line longer than " + std::to_string(kMaxHeaderLine) + " bytes";
        state_ = State::failed;
        return false;
      }
      line_.append(data.substr(i, end - i));
      i = end;
      if (nl == std::string_view::npos)
        break;
      ++i;  // the newline
      if (!parse_header()) {
        state_ = State::failed;
        return false;
      }
      state_ = State::payload;
      continue;
    }
    // Payload: copy bytes until `len` characters are complete.
    const std::size_t start = i;
    while (i < data.size()) {
      const auto byte = static_cast<unsigned char>(data[i]);
      if (continuation_left_ > 0) {
        if ((byte & 0xC0) == 0x80) {
          --continuation_left_;
          ++i;
          continue;
        }
        continuation_left_ = 0;  // a truncated sequence ends before this byte
      }
      if (chars_left_ == 0)
        break;
      continuation_left_ = continuation_bytes(byte);
      --chars_left_;
      ++i;
    }
    current_.payload.append(data.substr(start, i - start));
    if (chars_left_ == 0 && continuation_left_ == 0) {
      out.push_back(std::move(current_));
      current_ = Event{};
      state_ = State::header;
    }
  }
  return state_ != State::failed;
}

bool SerialWindow::seen(std::uint64_t serial) {
  if (count_ > 0 && serial <= highest_) {
    for (std::size_t k = 0; k < count_; ++k) {
      if (ring_[k] == serial)
        return true;
    }
  }
  if (count_ == 0 || serial > highest_)
    highest_ = serial;
  ring_[next_] = serial;
  next_ = (next_ + 1) % kSize;
  if (count_ < kSize)
    ++count_;
  return false;
}

bool PoolSerials::missed(std::uint64_t serial) {
  previous_ = last_;
  last_ = serial;
  // supervisord's counter wraps to 0 after the largest Python int it allows (sys.maxsize).
  constexpr std::uint64_t kLargest = INT64_MAX;
  if (!previous_)
    return serial != 0;
  return serial != (*previous_ == kLargest ? 0 : *previous_ + 1);
}

}  // namespace httpok
