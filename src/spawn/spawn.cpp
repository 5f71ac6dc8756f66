// UvSpawner: child processes on the libuv loop. See include/httpok/uv_spawner.hpp.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "httpok/uv_spawner.hpp"

namespace httpok {

namespace {

// `42`, `0.3`, `2.5`: the deadline in seconds the way a person would write it.
std::string seconds_text(std::chrono::milliseconds d) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%g", static_cast<double>(d.count()) / 1000.0);
  return buf.data();
}

void ignore_sigpipe_if_default() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
}

}  // namespace

// One child process and its handles: the process, the stdin and stdout pipes and the
// deadline timer, all embedded here. Owned by itself: created by UvSpawner::run() and
// deleted by the close callback of its last handle, which then calls the user callback
// (unless the spawner cancelled it). The spawner keeps a pointer to it until then.
class UvSpawner::Child {
 public:
  Child(UvSpawner& owner, SpawnRequest request, Callback done)
      : owner_(&owner),
        done_(std::move(done)),
        command_(std::move(request.command)),
        stdin_data_(std::move(request.stdin_data)),
        deadline_(request.deadline),
        kill_grace_(owner.options_.kill_grace),
        send_signal_(owner.options_.send_signal),
        max_stdout_(owner.options_.max_stdout) {
    process_.data = this;
    stdin_.data = this;
    stdout_.data = this;
    stderr_.data = this;
    timer_.data = this;
  }

  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Starts the child; whatever happens, the callback comes later from the loop.
  void start(uv_loop_t* loop, const std::string& shell, const std::string& name,
             const std::vector<std::string>& args) {
    uv_timer_init(loop, &timer_);
    uv_pipe_init(loop, &stdin_, 0);
    uv_pipe_init(loop, &stdout_, 0);
    uv_pipe_init(loop, &stderr_, 0);
    open_handles_ = 4;

    const std::string line = shell_line_with_positionals(command_, args.size());
    // $0 names the command's role, so the shell's own errors read "sendmail: 1: ...".
    std::vector<std::string> argv_text{shell, "-c", line, name.empty() ? "httpok" : name};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_text.size() + 1);
    for (std::string& a : argv_text) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);

    std::array<uv_stdio_container_t, 3> stdio{};
    stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
    stdio[0].data.stream = reinterpret_cast<uv_stream_t*>(&stdin_);
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&stdout_);
    // stderr is captured, never inherited: fd 1 of httpok is the supervisord protocol
    // stream, where one stray byte silences the listener for good, and httpok's stderr holds
    // superlance's block of lines, where the child's words would land in the middle.
    stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&stderr_);

    uv_process_options_t options{};
    options.exit_cb = &Child::on_exit;
    options.file = argv[0];
    options.args = argv.data();
    options.stdio_count = static_cast<int>(stdio.size());
    options.stdio = stdio.data();
    // A new session, hence a process group led by the shell: the deadline can then signal
    // everything the command line started, not only the shell.
    options.flags = UV_PROCESS_DETACHED;

    // uv_spawn initializes the handle even when it fails, so it is closed like the others.
    const int err = uv_spawn(loop, &process_, &options);
    ++open_handles_;
    if (err != 0) {
      result_.error = "'" + command_ + "' could not be started: " + shell + ": " + uv_strerror(err);
      close_everything();
      return;
    }
    result_.started = true;
    pid_ = process_.pid;

    for (uv_pipe_t* output : {&stdout_, &stderr_}) {
      if (uv_read_start(reinterpret_cast<uv_stream_t*>(output), &Child::on_alloc,
                        &Child::on_read) != 0) {
        output_ended(output);
      }
    }
    write_stdin();
    // The deadline counts from the spawn, not from the loop's cached clock.
    uv_update_time(timer_.loop);
    uv_timer_start(&timer_, &Child::on_timer, to_timeout(deadline_), 0);
  }

  // The spawner is going away: no callback any more. A running child gets SIGTERM (gdb,
  // inside gcore, detaches from its target on it; SIGKILL could leave the target
  // stopped), up to 0.1 s to go, then SIGKILL and up to 0.05 s more. Nothing here blocks
  // for longer: a child that is still there (say, stuck writing a core to a hung disk)
  // is left to init, which reaps it once httpok has exited.
  void cancel() noexcept {
    owner_ = nullptr;
    done_ = nullptr;
    if (result_.started && exited_ && result_.timed_out && !outputs_done()) {
      signal_group(SIGKILL);  // what is left of a group that timed out
    } else if (result_.started && !exited_) {
      signal_group(SIGTERM);
      int status = 0;
      for (int i = 0; i < 20 && !exited_; ++i) {
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_ || (r < 0 && errno != EINTR)) {
          exited_ = true;
        } else {
          ::usleep(5000);
        }
      }
      if (!exited_) {
        signal_group(SIGKILL);
        // Death by SIGKILL is prompt unless the process is stuck in the kernel: wait a
        // little, so that it is reaped here rather than left a zombie until we exit.
        for (int i = 0; i < 10; ++i) {
          const pid_t r = waitpid(pid_, &status, WNOHANG);
          if (r == pid_ || (r < 0 && errno != EINTR)) {
            break;
          }
          ::usleep(5000);
        }
        exited_ = true;
      }
    }
    close_everything();
  }

 private:
  static std::uint64_t to_timeout(std::chrono::milliseconds d) {
    return d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0;
  }

  template <class Handle>
  void close_handle(Handle* h) noexcept {
    auto* handle = reinterpret_cast<uv_handle_t*>(h);
    if (!uv_is_closing(handle)) {
      uv_close(handle, &Child::on_close);
    }
  }

  void close_everything() noexcept {
    close_handle(&timer_);
    close_handle(&stdin_);
    close_handle(&stdout_);
    close_handle(&stderr_);
    close_handle(&process_);
  }

  bool outputs_done() const noexcept { return outputs_open_ == 0; }

  // One of the two output pipes reached its end (or failed, or is given up on).
  void output_ended(uv_pipe_t* output) noexcept {
    auto* handle = reinterpret_cast<uv_handle_t*>(output);
    if (!uv_is_closing(handle)) {
      --outputs_open_;
      close_handle(output);
    }
  }

  void write_stdin() noexcept {
    if (stdin_data_.empty()) {
      close_handle(&stdin_);
      return;
    }
    uv_buf_t buf = uv_buf_init(stdin_data_.data(), static_cast<unsigned>(stdin_data_.size()));
    write_req_.data = this;
    // Non-blocking: what the pipe does not take now is queued, so a child that never reads
    // costs memory, not loop time. Closing stdin later cancels the rest.
    if (uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&stdin_), &buf, 1, &Child::on_write) !=
        0) {
      close_handle(&stdin_);
    }
  }

  // Signals the child's process group (and the child itself, in case it left the group).
  void signal_group(int sig) const noexcept {
    if (pid_ <= 1) {
      return;  // kill(0) or kill(-1) would hit far more than our child
    }
    send_signal_(-pid_, sig);
    if (!exited_) {
      send_signal_(pid_, sig);
    }
  }

  // Everything that must happen before the callback is the exit and the end of both
  // outputs; stdin may still hold unread data, which nobody will read now.
  void close_if_done() noexcept {
    if (exited_ && outputs_done()) {
      close_handle(&stdin_);
      close_handle(&timer_);
    }
  }

  static void on_exit(uv_process_t* process, int64_t exit_status, int term_signal) noexcept {
    auto* self = static_cast<Child*>(process->data);
    self->exited_ = true;
    self->result_.term_signal = term_signal;
    self->result_.exit_status = term_signal != 0 ? -1 : static_cast<int>(exit_status);
    self->close_handle(process);
    if (!self->outputs_done() && self->kill_stage_ == KillStage::none) {
      // A descendant that left the group (a daemonizing MTA, say) may hold an output open
      // for long: the command itself is done, so its output is only waited for briefly,
      // and no signal goes to a group that may be gone (its id could be reused).
      self->kill_stage_ = KillStage::killed;
      uv_timer_start(&self->timer_, &Child::on_timer, kDrainAfterExitMs, 0);
    }
    // Past the deadline (SIGTERM sent), the shell may die of it while the rest of its group
    // holds the outputs: SIGKILL follows as planned, to the group, which lives on (its
    // members keep its id from being reused).
    self->close_if_done();
  }

  static void on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) noexcept {
    auto* self = static_cast<Child*>(handle->data);
    *buf = uv_buf_init(self->read_buf_.data(), static_cast<unsigned>(self->read_buf_.size()));
  }

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* self = static_cast<Child*>(stream->data);
    const bool is_stdout = stream == reinterpret_cast<uv_stream_t*>(&self->stdout_);
    if (nread > 0) {
      std::string& out = is_stdout ? self->result_.stdout_data : self->result_.stderr_data;
      const std::size_t cap = is_stdout ? self->max_stdout_ : kMaxStderr;
      const std::size_t room = cap - std::min(out.size(), cap);
      out.append(buf->base, std::min(static_cast<std::size_t>(nread), room));
      return;
    }
    if (nread < 0) {  // UV_EOF, or an error that ends the output just the same
      self->output_ended(is_stdout ? &self->stdout_ : &self->stderr_);
      self->close_if_done();
    }
  }

  static void on_write(uv_write_t* req, int) noexcept {
    // Written, or failed (EPIPE: the child exited without reading; ECANCELED: closed
    // first). Neither is the child's failure; closing stdin gives it EOF.
    auto* self = static_cast<Child*>(req->data);
    self->close_handle(&self->stdin_);
  }

  static void on_timer(uv_timer_t* timer) noexcept {
    auto* self = static_cast<Child*>(timer->data);
    switch (self->kill_stage_) {
      case KillStage::none:
        self->result_.timed_out = true;
        self->kill_stage_ = KillStage::terminated;
        self->signal_group(SIGTERM);
        uv_timer_start(timer, &Child::on_timer, to_timeout(self->kill_grace_), 0);
        break;
      case KillStage::terminated:
        self->kill_stage_ = KillStage::killed;
        self->signal_group(SIGKILL);
        uv_timer_start(timer, &Child::on_timer, to_timeout(self->kill_grace_), 0);
        break;
      case KillStage::killed:
        // Something outside the group holds an output open: stop waiting for its end.
        self->output_ended(&self->stdout_);
        self->output_ended(&self->stderr_);
        self->close_handle(&self->stdin_);
        if (!self->exited_) {
          // The process itself outlived SIGKILL: report now, reap whenever it ends.
          self->report_early();
          return;  // the callback may have destroyed the spawner, and cancelled us
        }
        self->close_if_done();
        break;
    }
  }

  static void on_close(uv_handle_t* handle) noexcept {
    auto* self = static_cast<Child*>(handle->data);
    if (--self->open_handles_ == 0) {
      self->finish();
    }
  }

  // For a process that outlived SIGKILL: the callback now, the clean-up once it exits.
  void report_early() noexcept {
    outlived_kill_ = true;
    Callback done = std::move(done_);
    done_ = nullptr;
    SpawnResult result = result_;
    result.error = failure_text(result);
    if (owner_ != nullptr && done) {
      done(std::move(result));
    }
  }

  // Last close callback: unhook, free, then call the user; the callback may start new
  // children or destroy the spawner, and nothing of this child is touched after it.
  void finish() noexcept {
    UvSpawner* owner = owner_;
    Callback done = std::move(done_);
    SpawnResult result = std::move(result_);
    if (result.started) {
      result.error = failure_text(result);
    }
    if (owner != nullptr) {
      owner->children_.erase(this);
    }
    delete this;
    if (owner != nullptr && done) {
      done(std::move(result));
    }
  }

  std::string failure_text(const SpawnResult& r) const {
    const std::string quoted = "'" + command_ + "'";
    std::string text;
    if (r.timed_out) {
      text = quoted + " timed out after " + seconds_text(deadline_) +
             (outlived_kill_ ? " s and did not exit after SIGKILL" : " s and was killed");
    } else if (r.term_signal != 0) {
      text = quoted + " killed by signal " + std::to_string(r.term_signal);
    } else if (r.exit_status != 0) {
      text = quoted + " exited with status " + std::to_string(r.exit_status);
    } else {
      return {};
    }
    if (const std::string said = one_line_summary(r.stderr_data); !said.empty()) {
      text += "; stderr: " + said;
    }
    return text;
  }

  enum class KillStage { none, terminated, killed };
  static constexpr std::uint64_t kDrainAfterExitMs = 500;
  static constexpr std::size_t kMaxStderr = 4096;

  UvSpawner* owner_;  // null once cancelled
  Callback done_;
  std::string command_;
  std::string stdin_data_;  // stays here until the write finished or was cancelled
  std::chrono::milliseconds deadline_;
  std::chrono::milliseconds kill_grace_;
  int (*send_signal_)(pid_t, int);
  std::size_t max_stdout_;

  uv_process_t process_{};
  uv_pipe_t stdin_{};
  uv_pipe_t stdout_{};
  uv_pipe_t stderr_{};
  uv_timer_t timer_{};
  uv_write_t write_req_{};
  int open_handles_ = 0;

  SpawnResult result_;
  int pid_ = 0;
  bool exited_ = false;
  int outputs_open_ = 2;  // stdout and stderr, until each has ended
  bool outlived_kill_ = false;
  KillStage kill_stage_ = KillStage::none;
  std::array<char, 64 * 1024> read_buf_{};
};

UvSpawner::UvSpawner(uv_loop_t* loop, UvSpawnerOptions options)
    : loop_(loop), options_(std::move(options)) {
  ignore_sigpipe_if_default();
}

UvSpawner::~UvSpawner() {
  // cancel() never calls back into the spawner, so the set is stable while we walk it.
  for (Child* child : children_) {
    child->cancel();
  }
  children_.clear();
}

void UvSpawner::run(SpawnRequest request, Callback done) {
  std::vector<std::string> args = std::move(request.args);
  std::string name = std::move(request.name);
  auto* child = new Child(*this, std::move(request), std::move(done));
  children_.insert(child);
  child->start(loop_, options_.shell, name, args);
}

}  // namespace httpok
