#include "httpok/app.hpp"

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "httpok/actions.hpp"
#include "httpok/listener.hpp"
#include "httpok/log.hpp"
#include "httpok/probe.hpp"
#include "httpok/supervisor_client.hpp"
#include "httpok/tls.hpp"
#include "httpok/uv_spawner.hpp"

namespace httpok {

std::optional<ListenerEnvironment> listener_environment() {
  const char* url = std::getenv("SUPERVISOR_SERVER_URL");
  if (url == nullptr)
    return std::nullopt;
  auto get = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr ? value : "");
  };
  return ListenerEnvironment{url,
                             get("SUPERVISOR_USERNAME"),
                             get("SUPERVISOR_PASSWORD"),
                             get("SUPERVISOR_GROUP_NAME"),
                             get("SUPERVISOR_PROCESS_NAME"),
                             std::getenv("SUPERVISOR_USERNAME") != nullptr ||
                                 std::getenv("SUPERVISOR_PASSWORD") != nullptr};
}

namespace {

// One watched target and what is under way for it. Owned by App.
struct TargetState {
  std::unique_ptr<Probe> probe;
  bool checking = false;              // not eager: asking supervisord before probing
  bool acting = false;                // the restart sequence is under way
  std::unique_ptr<ActionRun> action;  // the last one (kept until the next starts)
};

// Owned by run_listener for the life of the loop.
class App final : private EventListener::Handler {
 public:
  App(uv_loop_t* loop, const Config& config, const ListenerEnvironment& env)
      : loop_(loop), config_(config), env_(env), listener_(loop, *this), grace_(loop) {}

  // Start-up: builds probes and TLS contexts. Returns an error line on failure.
  std::optional<std::string> prepare() {
    auto client = SupervisorClient::create(
        loop_,
        SupervisorClientSettings{env_.server_url, env_.username, env_.password, config_.rpc_timeout,
                                 config_.wait_timeout, env_.credentials_given});
    if (!client)
      return "httpok: " + client.error();
    rpc_ = std::move(client).value();
    spawner_ = std::make_unique<UvSpawner>(loop_);
    for (const Target& target : config_.targets) {
      auto url = parse_url(target.url);
      if (!url)
        return "httpok: " + url.error();
      std::shared_ptr<tls::ClientContext> context;
      if (url.value().https()) {
        auto got = tls_contexts_.get(target.tls);
        if (!got)
          return "httpok: " + got.error();
        context = got.value();
      }
      auto state = std::make_unique<TargetState>();
      state->probe = std::make_unique<Probe>(loop_, target, std::move(url).value(), context);
      targets_.push_back(std::move(state));
    }
    return std::nullopt;
  }

  int start() {
    const int rc = listener_.start();
    if (rc < 0) {
      log::line(std::string("httpok: cannot use stdin/stdout for the event protocol: ") +
                uv_strerror(rc));
      exit_status_ = 2;
      shutdown();
    }
    return rc;
  }

  int exit_status() const { return exit_status_; }
  bool stopping() const { return stopping_; }

 private:
  void on_event(const Event& event) override {
    if (!event.is_tick() || stopping_ || draining_)
      return;
    for (auto& state : targets_)
      start_check(*state);
  }

  void on_input_end(bool clean) override {
    if (!clean)
      log::line("httpok: stdin ended inside an event; exiting");
    if (actions_running_ == 0)
      return shutdown();
    // A restart under way may be about to mail its report: give it a moment (the whole
    // exit stays within a second), then cancel what is left.
    draining_ = true;
    for (auto& state : targets_)
      state->probe->cancel();
    grace_.start(800, [this] { shutdown(); });
  }

  void on_protocol_error(const std::string& message) override {
    log::line("httpok: protocol error on stdin: " + message + "; exiting");
    exit_status_ = 1;
    shutdown();
  }

  void start_check(TargetState& state) {
    Probe& probe = *state.probe;
    if (state.acting) {
      own_line("httpok: the restart for " + probe.url().original +
               " is still under way; this tick starts no check");
      return;
    }
    if (probe.running() || state.checking) {
      own_line("httpok: the previous check of " + probe.url().original +
               " is still running; this tick starts no new one");
      return;
    }
    if (probe.target().eager)
      return start_probe(state);
    // Not eager: probe only while a watched process is RUNNING.
    state.checking = true;
    rpc_->get_all_process_info([this, &state](RpcResult<std::vector<ProcessInfo>> infos) {
      state.checking = false;
      if (stopping_ || draining_)
        return;
      if (!infos.ok()) {
        own_line("httpok: cannot list processes to decide whether to check " +
                 state.probe->url().original + ": " + infos.error.describe());
        return;
      }
      for (const ProcessInfo& info : *infos.value) {
        const Target& target = state.probe->target();
        if (info.state == kStateRunning &&
            selects(target.programs, target.any, env_.group_name, env_.process_name, info)) {
          return start_probe(state);
        }
      }
    });
  }

  void start_probe(TargetState& state) {
    state.probe->start([this, &state](const ProbeResult& result) { on_result(state, result); });
  }

  void on_result(TargetState& state, const ProbeResult& result) {
    if (result.ok() || stopping_ || draining_)
      return;
    const Probe& probe = *state.probe;
    own_line("httpok: " + std::string(to_string(result.failure)) +
             " failure: " + one_line(result.outcome));
    const Target& target = probe.target();
    ActionSettings settings;
    settings.programs = target.programs;
    settings.any = target.any;
    settings.email = config_.email;
    settings.sendmail = config_.sendmail;
    settings.gcore = config_.gcore;
    settings.coredir = config_.coredir;
    settings.action_timeout = config_.action_timeout;
    settings.self_group = env_.group_name;
    settings.self_name = env_.process_name;
    state.action = std::make_unique<ActionRun>(settings, *rpc_, *spawner_,
                                               [](const std::string& line) { log::line(line); });
    state.acting = true;
    ++actions_running_;
    state.action->start(format_subject(config_.name, failure_subject(target.url, result.failure)),
                        result.outcome, [this, &state] {
                          state.acting = false;
                          if (--actions_running_ == 0) {
                            flush_held_lines();
                            // Not from inside the action's own callback: from the loop.
                            if (draining_)
                              grace_.start(0, [this] { shutdown(); });
                          }
                        });
  }

  // httpok's own lines never land inside superlance's block of action lines: while an
  // action runs they wait, and follow its block.
  void own_line(std::string line) {
    if (actions_running_ > 0) {
      held_lines_.push_back(std::move(line));
    } else {
      log::line(line);
    }
  }

  void flush_held_lines() {
    for (const std::string& line : held_lines_)
      log::line(line);
    held_lines_.clear();
  }

  void shutdown() {
    if (stopping_)
      return;
    stopping_ = true;
    grace_.stop();
    for (auto& state : targets_)
      state->probe->cancel();
    // Actions first (they use the client and the spawner), then the children and calls.
    targets_.clear();
    actions_running_ = 0;
    flush_held_lines();
    spawner_.reset();
    rpc_.reset();
    listener_.close();
  }

  uv_loop_t* loop_;
  const Config& config_;
  const ListenerEnvironment& env_;
  EventListener listener_;
  tls::ContextCache tls_contexts_;
  std::unique_ptr<SupervisorClient> rpc_;
  std::unique_ptr<UvSpawner> spawner_;
  std::vector<std::unique_ptr<TargetState>> targets_;
  bool stopping_ = false;
  bool draining_ = false;  // stdin ended; waiting briefly for running actions
  net::Timer grace_;
  int exit_status_ = 0;
  int actions_running_ = 0;
  std::vector<std::string> held_lines_;
};

// After shutdown, the loop normally ends within an iteration or two. What can keep it
// alive is work that cannot be cancelled: a getaddrinfo() already running in libuv's
// thread pool waits for the resolver's own time-out (5 s and more per name server).
// This watchdog (unreferenced: it never keeps the loop alive by itself) stops the loop
// when shutdown has not ended it in time, so stdin's EOF still means exit within 1 s.
struct Watchdog {
  static constexpr std::uint64_t kGraceMs = 150;
  static constexpr std::uint64_t kPeriodMs = 50;

  uv_timer_t timer{};
  const App* app = nullptr;
  std::uint64_t stopping_since = 0;  // uv_now() when shutdown was first seen; 0: not yet
  bool fired = false;

  static void on_timer(uv_timer_t* handle) {
    auto* self = static_cast<Watchdog*>(handle->data);
    if (!self->app->stopping())
      return;
    const std::uint64_t now = uv_now(handle->loop);
    if (self->stopping_since == 0) {
      self->stopping_since = now;
    } else if (now - self->stopping_since >= kGraceMs) {
      self->fired = true;
      uv_stop(handle->loop);
    }
  }
};

}  // namespace

int run_listener(const Config& config, const ListenerEnvironment& env) {
  uv_loop_t loop;
  if (uv_loop_init(&loop) < 0) {
    log::line("httpok: cannot initialise the event loop");
    return 2;
  }
  int status = 0;
  Watchdog watchdog;
  uv_timer_init(&loop, &watchdog.timer);
  watchdog.timer.data = &watchdog;
  uv_unref(reinterpret_cast<uv_handle_t*>(&watchdog.timer));
  {
    App app(&loop, config, env);
    watchdog.app = &app;
    if (auto error = app.prepare()) {
      log::line(*error);
      status = 2;
    } else {
      uv_timer_start(&watchdog.timer, Watchdog::on_timer, Watchdog::kPeriodMs, Watchdog::kPeriodMs);
      app.start();
      uv_run(&loop, UV_RUN_DEFAULT);
      status = app.exit_status();
    }
    if (watchdog.fired) {
      // The loop cannot be closed while such work is pending, and libuv's exit-time
      // clean-up would join its thread pool and wait for it: leave without either.
      // Nothing is buffered: stdout and stderr are written with write(2).
      std::_Exit(status);
    }
    watchdog.app = nullptr;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&watchdog.timer), nullptr);
  // Let the handles closed by the destructors finish closing.
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0)
    log::line("httpok: some event-loop handles were left open");
  return status;
}

}  // namespace httpok
