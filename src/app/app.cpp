#include "httpok/app.hpp"

#include <cstdlib>
#include <memory>

#include "httpok/listener.hpp"
#include "httpok/log.hpp"
#include "httpok/probe.hpp"
#include "httpok/tls.hpp"

namespace httpok {

std::optional<ListenerEnvironment> listener_environment() {
  const char* url = std::getenv("SUPERVISOR_SERVER_URL");
  if (url == nullptr) return std::nullopt;
  auto get = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr ? value : "");
  };
  return ListenerEnvironment{url, get("SUPERVISOR_USERNAME"), get("SUPERVISOR_PASSWORD"),
                             get("SUPERVISOR_GROUP_NAME"), get("SUPERVISOR_PROCESS_NAME")};
}

namespace {

// One watched target and what is under way for it. Owned by App.
struct TargetState {
  std::unique_ptr<Probe> probe;
};

// Owned by run_listener for the life of the loop.
class App final : private EventListener::Handler {
 public:
  App(uv_loop_t* loop, const Config& config, const ListenerEnvironment& env)
      : loop_(loop), config_(config), env_(env), listener_(loop, *this) {}

  // Start-up: builds probes and TLS contexts. Returns an error line on failure.
  std::optional<std::string> prepare() {
    for (const Target& target : config_.targets) {
      auto url = parse_url(target.url);
      if (!url) return "httpok: " + url.error();
      std::shared_ptr<tls::ClientContext> context;
      if (url.value().https()) {
        auto got = tls_contexts_.get(target.tls);
        if (!got) return "httpok: " + got.error();
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

 private:
  void on_event(const Event& event) override {
    if (!event.is_tick() || stopping_) return;
    for (auto& state : targets_) start_check(*state);
  }

  void on_input_end(bool clean) override {
    if (!clean) log::line("httpok: stdin ended inside an event; exiting");
    shutdown();
  }

  void on_protocol_error(const std::string& message) override {
    log::line("httpok: protocol error on stdin: " + message + "; exiting");
    exit_status_ = 1;
    shutdown();
  }

  void start_check(TargetState& state) {
    Probe& probe = *state.probe;
    if (probe.running()) {
      log::line("httpok: the previous check of " + probe.url().original +
                " is still running; this tick starts no new one");
      return;
    }
    probe.start([this, &state](const ProbeResult& result) { on_result(state, result); });
  }

  void on_result(TargetState& state, const ProbeResult& result) {
    if (result.ok()) return;
    log::line("httpok: " + std::string(to_string(result.failure)) + " failure: " +
              one_line(result.outcome));
    (void)state;
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& state : targets_) state->probe->cancel();
    targets_.clear();
    listener_.close();
  }

  uv_loop_t* loop_;
  const Config& config_;
  const ListenerEnvironment& env_;
  EventListener listener_;
  tls::ContextCache tls_contexts_;
  std::vector<std::unique_ptr<TargetState>> targets_;
  bool stopping_ = false;
  int exit_status_ = 0;
};

}  // namespace

int run_listener(const Config& config, const ListenerEnvironment& env) {
  uv_loop_t loop;
  if (uv_loop_init(&loop) < 0) {
    log::line("httpok: cannot initialise the event loop");
    return 2;
  }
  int status = 0;
  {
    App app(&loop, config, env);
    if (auto error = app.prepare()) {
      log::line(*error);
      status = 2;
    } else {
      app.start();
      uv_run(&loop, UV_RUN_DEFAULT);
      status = app.exit_status();
    }
  }
  // Let the handles closed by the destructors finish closing.
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0) log::line("httpok: some event-loop handles were left open");
  return status;
}

}  // namespace httpok
