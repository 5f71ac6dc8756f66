#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "httpok/event_listener.hpp"

namespace httpok {

// The handles of stdin and stdout. Freed when the last of them is closed.
struct EventListener::Io {
  EventListener* owner = nullptr;
  uv_handle_type in_type = UV_UNKNOWN_HANDLE;
  uv_handle_type out_type = UV_UNKNOWN_HANDLE;
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_pipe_t pipe;
    uv_tty_t tty;
  } in, out;
  bool in_open = false;
  bool out_open = false;
  uv_fs_t file_read;  // stdin is a regular file
  bool file_reading = false;
  std::int64_t file_offset = 0;
  int in_fd = 0;
  int out_fd = 1;
  char buffer[4096];

  // Only once the listener let go of it (close()), whatever finished last.
  void maybe_free() {
    if (owner == nullptr && !in_open && !out_open && !file_reading)
      delete this;
  }
};

namespace {

bool is_stream(uv_handle_type type) {
  return type == UV_NAMED_PIPE || type == UV_TTY;
}

// Sets `initialized` once the handle is in the loop (from then on it must be closed,
// even when opening the fd on it fails).
int open_stream(uv_loop_t* loop, uv_handle_type type, int fd, bool readable, uv_handle_t* h,
                bool& initialized) {
  if (type == UV_NAMED_PIPE) {
    auto* pipe = reinterpret_cast<uv_pipe_t*>(h);
    const int rc = uv_pipe_init(loop, pipe, 0);
    if (rc < 0)
      return rc;
    initialized = true;
    return uv_pipe_open(pipe, fd);
  }
  const int rc = uv_tty_init(loop, reinterpret_cast<uv_tty_t*>(h), fd, readable ? 1 : 0);
  if (rc == 0)
    initialized = true;
  return rc;
}

}  // namespace

EventListener::EventListener(uv_loop_t* loop, Handler& handler, int in_fd, int out_fd)
    : loop_(loop), handler_(handler), in_fd_(in_fd), out_fd_(out_fd) {}

EventListener::~EventListener() {
  close();
}

int EventListener::start() {
  io_ = new Io{};
  io_->owner = this;
  io_->in_fd = in_fd_;
  io_->out_fd = out_fd_;
  io_->in_type = uv_guess_handle(in_fd_);
  io_->out_type = uv_guess_handle(out_fd_);
  // Pipes and terminals (supervisord's pipes), or regular files (tests, replays). Checked
  // before READY goes out: a listener that cannot work says so without starting.
  const auto usable = [](uv_handle_type type) { return is_stream(type) || type == UV_FILE; };
  if (!usable(io_->in_type) || !usable(io_->out_type))
    return UV_EINVAL;

  if (is_stream(io_->out_type)) {
    const int rc =
        open_stream(loop_, io_->out_type, out_fd_, false, &io_->out.handle, io_->out_open);
    io_->out.handle.data = io_;
    if (rc < 0)
      return rc;
  }

  if (is_stream(io_->in_type)) {
    int rc = open_stream(loop_, io_->in_type, in_fd_, true, &io_->in.handle, io_->in_open);
    io_->in.handle.data = io_;
    if (rc < 0)
      return rc;
    rc = uv_read_start(
        &io_->in.stream,
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          auto* io = static_cast<Io*>(h->data);
          buf->base = io->buffer;
          buf->len = sizeof io->buffer;
        },
        [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
          auto* io = static_cast<Io*>(s->data);
          EventListener* self = io->owner;
          if (self == nullptr)
            return;
          if (nread > 0) {
            self->on_bytes(std::string_view(buf->base, static_cast<std::size_t>(nread)));
          } else if (nread < 0) {
            uv_read_stop(s);
            self->handler_.on_input_end(self->parser_.idle());
          }
        });
    if (rc < 0)
      return rc;
    // Events are read on the next loop iteration, after this.
    write_out(kReady);
    return 0;
  }
  if (io_->in_type == UV_FILE) {
    // A regular file on stdin (tests, replays): read it through the loop's fs requests.
    struct Reader {
      static void next(Io* io) {
        io->file_reading = true;
        io->file_read.data = io;
        uv_buf_t buf = uv_buf_init(io->buffer, sizeof io->buffer);
        const int rc =
            uv_fs_read(io->owner->loop_, &io->file_read, io->in_fd, &buf, 1, io->file_offset, done);
        if (rc < 0) {
          io->file_reading = false;
          io->owner->handler_.on_input_end(io->owner->parser_.idle());
        }
      }
      static void done(uv_fs_t* req) {
        auto* io = static_cast<Io*>(req->data);
        const ssize_t n = req->result;
        uv_fs_req_cleanup(req);
        EventListener* self = io->owner;
        if (self == nullptr) {
          io->file_reading = false;
          return io->maybe_free();
        }
        if (n > 0) {
          io->file_offset += n;
          // file_reading stays set while the handler runs, so a close() cannot free io.
          self->on_bytes(std::string_view(io->buffer, static_cast<std::size_t>(n)));
          io->file_reading = false;
          if (io->owner != nullptr && !io->owner->failed_) {
            next(io);
          } else {
            io->maybe_free();
          }
        } else {
          io->file_reading = false;
          self->handler_.on_input_end(self->parser_.idle());
        }
      }
    };
    write_out(kReady);
    Reader::next(io_);
    return 0;
  }
  return UV_EINVAL;
}

void EventListener::write_out(std::string_view constant_bytes) {
  if (io_ == nullptr)
    return;  // closed: nothing more goes out
  if (io_->out_open) {
    uv_buf_t buf = uv_buf_init(const_cast<char*>(constant_bytes.data()),
                               static_cast<unsigned>(constant_bytes.size()));
    int done = uv_try_write(&io_->out.stream, &buf, 1);
    if (done == UV_EAGAIN)
      done = 0;
    if (done >= 0 && static_cast<std::size_t>(done) == constant_bytes.size())
      return;
    if (done < 0)
      return output_failed(done);
    // The bytes are string constants, so only the request needs memory.
    auto* req = new uv_write_t{};
    req->data = io_;
    buf = uv_buf_init(const_cast<char*>(constant_bytes.data()) + done,
                      static_cast<unsigned>(constant_bytes.size()) - static_cast<unsigned>(done));
    const int rc = uv_write(req, &io_->out.stream, &buf, 1, [](uv_write_t* r, int status) {
      auto* io = static_cast<Io*>(r->data);
      delete r;
      if (status < 0 && status != UV_ECANCELED && io->owner != nullptr)
        io->owner->output_failed(status);
    });
    if (rc < 0) {
      delete req;
      output_failed(rc);
    }
    return;
  }
  if (io_->out_type != UV_FILE)
    return;
  // stdout is a regular file: plain writes.
  const char* p = constant_bytes.data();
  std::size_t left = constant_bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(out_fd_, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return output_failed(n < 0 ? -errno : UV_EIO);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void EventListener::output_failed(int uv_status) {
  if (output_failed_)
    return;
  output_failed_ = true;
  handler_.on_output_error("[Errno " + std::to_string(-uv_status) + "] " +
                           std::strerror(-uv_status));
}

void EventListener::on_bytes(std::string_view bytes) {
  if (failed_)
    return;
  if (!parser_.feed(bytes, pending_)) {
    failed_ = true;
    pending_.clear();
    if (io_ != nullptr && io_->in_open)
      uv_read_stop(&io_->in.stream);
    handler_.on_protocol_error(parser_.error());
    return;
  }
  // Acknowledge everything parsed before acting on any of it.
  while (!pending_.empty() && io_ != nullptr) {
    Event event = std::move(pending_.front());
    pending_.pop_front();
    write_out(kAckThenReady);
    ++events_seen_;
    const auto serial = event.serial();
    if (serial && serials_.seen(*serial)) {
      ++duplicates_;
      continue;
    }
    handler_.on_event(event);
  }
}

void EventListener::close() {
  if (io_ == nullptr)
    return;
  Io* io = io_;
  io_ = nullptr;
  io->owner = nullptr;
  auto on_closed_in = [](uv_handle_t* h) {
    auto* i = static_cast<Io*>(h->data);
    i->in_open = false;
    i->maybe_free();
  };
  auto on_closed_out = [](uv_handle_t* h) {
    auto* i = static_cast<Io*>(h->data);
    i->out_open = false;
    i->maybe_free();
  };
  const bool had_in = io->in_open;
  const bool had_out = io->out_open;
  if (had_in)
    uv_close(&io->in.handle, on_closed_in);
  if (had_out) {
    // Let queued acknowledgements go out first.
    auto* req = new uv_shutdown_t{};
    req->data = io;
    if (uv_shutdown(req, &io->out.stream, [](uv_shutdown_t* r, int) {
          auto* i = static_cast<Io*>(r->data);
          delete r;
          uv_close(&i->out.handle, [](uv_handle_t* h) {
            auto* j = static_cast<Io*>(h->data);
            j->out_open = false;
            j->maybe_free();
          });
        }) < 0) {
      delete req;
      uv_close(&io->out.handle, on_closed_out);
    }
  }
  if (!had_in && !had_out)
    io->maybe_free();
}

}  // namespace httpok
