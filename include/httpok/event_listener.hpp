// The libuv shell of the event-listener protocol: reads stdin, acknowledges on stdout.
// Its pure core (the frame parser) is listener.hpp.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include "httpok/listener.hpp"

namespace httpok {

// The libuv shell of the protocol: reads stdin, acknowledges every event on stdout as
// soon as it is parsed (before anyone acts on it), drops re-delivered serials, and hands
// each new event to the handler. Owned by the application.
class EventListener {
 public:
  class Handler {
   public:
    virtual void on_event(const Event& event) = 0;
    // stdin ended (supervisord went away); `clean` is false inside a frame.
    virtual void on_input_end(bool clean) = 0;
    // Malformed input: the stream cannot be trusted any more.
    virtual void on_protocol_error(const std::string& message) = 0;
    // stdout refused a write (EPIPE: supervisord's end is closed): no event can be
    // acknowledged any more. Said once; `message` is Python's "[Errno 32] Broken pipe".
    virtual void on_output_error(const std::string& message) = 0;

   protected:
    ~Handler() = default;
  };

  EventListener(uv_loop_t* loop, Handler& handler, int in_fd = 0, int out_fd = 1);
  ~EventListener();
  EventListener(const EventListener&) = delete;
  EventListener& operator=(const EventListener&) = delete;

  // Writes READY and starts reading. Returns a libuv error code.
  int start();
  // Stops reading and closes the handles once pending writes are done.
  void close();

  std::uint64_t events_seen() const { return events_seen_; }
  std::uint64_t duplicates() const { return duplicates_; }

 private:
  struct Io;
  void on_bytes(std::string_view bytes);
  void write_out(std::string_view constant_bytes);
  void output_failed(int uv_status);

  uv_loop_t* loop_;
  Handler& handler_;
  int in_fd_;
  int out_fd_;
  Io* io_ = nullptr;
  FrameParser parser_;
  SerialWindow serials_;
  std::deque<Event> pending_;
  std::uint64_t events_seen_ = 0;
  std::uint64_t duplicates_ = 0;
  bool failed_ = false;
  bool output_failed_ = false;
};

}  // namespace httpok
