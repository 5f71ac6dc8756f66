#include "httpok/app.hpp"

#include <sys/resource.h>

#if defined(__GLIBC__)
#include <malloc.h>  // malloc_trim
#endif

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "httpok/actions.hpp"
#include "httpok/dns.hpp"
#include "httpok/event_listener.hpp"
#include "httpok/log.hpp"
#include "httpok/metrics.hpp"
#include "httpok/policy.hpp"
#include "httpok/probe.hpp"
#include "httpok/scheduler.hpp"
#include "httpok/startup.hpp"
#include "httpok/supervisor_client.hpp"
#include "httpok/tls.hpp"
#include "httpok/uv_spawner.hpp"
#include "httpok_version.h"
#include "metrics_file.hpp"

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
                             std::getenv("SUPERVISOR_USERNAME") != nullptr,
                             std::getenv("SUPERVISOR_PASSWORD") != nullptr};
}

namespace {

using namespace std::chrono_literals;

// Each start-up check is bounded: what httpok writes before READY is start-up, and
// supervisord holds the events of a listener that is not ready yet.
constexpr std::chrono::milliseconds kStartupCheckTimeout = 2s;
// /bin/sh's own search path (dash's) when the environment has no PATH.
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// After shutdown the loop normally ends within an iteration or two: probes, calls and
// name lookups (c-ares, on the loop) are all cancelled. What can keep it alive is work
// that cannot be cancelled: a start-up check's stat() of a hung file system, in libuv's
// thread pool. The watchdog, armed at shutdown and unreferenced, stops the loop when
// shutdown has not ended it by then, so the exit still comes within 1 s.
constexpr std::uint64_t kWatchdogMs = 150;
// How long a restart under way may go on once httpok was told to stop (EOF, SIGTERM):
// long enough to send its mail, short enough to exit within a second.
constexpr std::uint64_t kDrainGraceMs = 800;

using ProcessAnswer = RpcResult<std::vector<ProcessInfo>>;

// --presignal-wait on the loop's timer; one run at a time uses it.
class LoopDelay final : public Delay {
 public:
  explicit LoopDelay(uv_loop_t* loop) : timer_(loop) {}
  void after(std::chrono::milliseconds wait, std::function<void()> done) override {
    timer_.start(static_cast<std::uint64_t>(wait.count()), std::move(done));
  }

 private:
  net::Timer timer_;
};

// The process list of one TICK round, asked once and shared by the targets that need it
// (-E before a check, --grace after a failure). Owned by its RPC callback too, so a round's
// waiting targets get their answer after the next tick.
struct ProcessQuery {
  using Then = std::function<void(TargetId, const ProcessAnswer&)>;
  std::uint64_t round = 0;
  std::optional<ProcessAnswer> answer;
  std::vector<std::pair<TargetId, Then>> waiting;
};

// One watched target and what is under way for it. Owned by App, which finds it by its
// scheduler id: callbacks carry the id, never a pointer, so a late one finds nothing.
// --metrics-file: what one target's metrics need, kept only when they are written.
struct TargetMetrics {
  bool probed = false;  // a check has ended
  bool success = false;
  int status = 0;
  int http_version = 0;
  ProbeTimings timings;
  double last_seconds = 0;           // wall clock of the last check's end
  std::int64_t cert_not_after = 0;   // the last known (a resumed session knows no chain)
  std::int64_t chain_not_after = 0;  // 0: never known
  std::uint32_t consecutive_failures = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(ProbeFailure::local) + 1>
      results{};  // by kind
};

struct TargetState;

// A check's values for its json record: the URL, the kind of failure, the timings (as in
// the text) and the whole duration. Built on the failure paths only.
class ResultFields {
 public:
  ResultFields(const TargetState& state, const ProbeResult& result);
  ResultFields(const ResultFields&) = delete;  // the fields view its own strings
  ResultFields& operator=(const ResultFields&) = delete;
  std::span<const log::Field> get() const noexcept { return fields_; }

 private:
  std::string url_, timings_, seconds_;
  std::array<log::Field, 4> fields_;
};

struct TargetState {
  TargetId id;
  const Target* target = nullptr;  // in the Config, which outlives the app
  std::shared_ptr<const ProbeSpec> spec;
  Probe* engine = nullptr;                 // while its probe runs
  Scheduler::TimePoint check_began{};      // of the last check
  TargetCounters counters;                 // the restart policy's (fails, rises)
  bool acting = false;                     // the restart sequence is under way
  std::unique_ptr<ActionRun> action;       // the last one (kept until the next starts)
  std::unique_ptr<TargetMetrics> metrics;  // with --metrics-file only
  std::uint64_t round = 0;                 // --log-rounds: the TICK whose round it is in
  double expiry_warned = 0;                // cert_expiry_days: when it last warned
  std::int64_t chain_not_after = 0;        // and the last chain it knows (see known_chain)
};

// reuse_connection: what the file descriptor limit leaves for kept connections once the
// checks in flight (max_concurrent) and httpok's own descriptors (stdin, stdout, the
// supervisord client, the children's pipes, name lookups: 64 is plenty) have theirs.
std::size_t kept_connection_limit(std::size_t max_concurrent, std::uint64_t& fd_limit) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    fd_limit = 0;
    return 1 << 20;
  }
  fd_limit = limit.rlim_cur;
  const std::uint64_t reserve = max_concurrent + 64;
  return fd_limit > reserve ? static_cast<std::size_t>(fd_limit - reserve) : 0;
}

// The earliest expiry of the verified chain to go by after a check: a full handshake says
// it (0 when nothing verified); a resumed one built no chain, and a kept connection had no
// handshake, so the last one known stays.
inline std::int64_t known_chain(std::int64_t last, const ProbeResult& result) {
  return result.tls == TlsHandshake::resumed || result.tls == TlsHandshake::kept
             ? last
             : result.chain_not_after;
}

ResultFields::ResultFields(const TargetState& state, const ProbeResult& result)
    : url_(shown_url(state.target->probe)),
      timings_(phases_text(result.timings)),
      seconds_(metric_value(static_cast<double>(result.timings.total_us) / 1e6)) {
  fields_ = {log::Field{"url", url_}, log::Field{"kind", to_string(result.failure)},
             log::Field{"timings", timings_}, log::Field{"duration_seconds", seconds_, true}};
}

// Owned by run_listener for the life of the loop.
class App final : private EventListener::Handler {
 public:
  using Reload = std::function<Result<Config>()>;

  App(uv_loop_t* loop, std::shared_ptr<const Config> config, const ListenerEnvironment& env,
      Reload reload)
      : loop_(loop),
        config_(std::move(config)),
        reload_(std::move(reload)),
        env_(env),
        listener_(loop, *this),
        grace_(loop),
        watchdog_(loop),
        startup_deadline_(loop),
        due_timer_(loop),
        sigterm_(loop),
        sigint_(loop),
        sighup_(loop) {
    watchdog_.unref();
    metrics_timer_.unref();
    metrics_soon_.unref();
  }

  // Start-up: builds probes and TLS contexts. Returns an error line on failure.
  std::optional<std::string> prepare() {
    // First of all, so that a stop during start-up (loading TLS files, the checks) is
    // served too. SIGTERM and SIGINT (supervisord stops a listener with SIGTERM) end
    // httpok as EOF does.
    for (auto [watcher, signum] : {std::pair{&sigterm_, SIGTERM}, std::pair{&sigint_, SIGINT},
                                   std::pair{&sighup_, SIGHUP}}) {
      const int rc = watcher->start(signum, [this](int sig) {
        if (sig == SIGHUP) {
          reload();
        } else {
          stop_gracefully();
        }
      });
      if (rc < 0)
        log::line(std::string("httpok: warning: cannot handle ") + strsignal(signum) + ": " +
                      uv_strerror(rc),
                  log::Level::warning, "signal");
    }
    auto dns = net::Dns::from_environment(loop_);
    if (!dns)
      return "httpok: " + dns.error();
    dns_ = std::move(dns).value();
    max_kept_ = kept_connection_limit(config_->max_concurrent, fd_limit_);
    engines_ = std::make_unique<EnginePool>(loop_, *dns_, max_kept_);
    auto client = SupervisorClient::create(
        loop_, *dns_,
        SupervisorClientSettings{env_.server_url, env_.username, env_.password,
                                 config_->rpc_timeout, config_->wait_timeout, env_.username_set,
                                 env_.password_set});
    if (!client)
      return "httpok: " + client.error();
    rpc_ = std::move(client).value();
    spawner_ = std::make_unique<UvSpawner>(loop_);
    if (config_->metrics_file) {
      metrics_file_ = std::make_unique<MetricsFile>(
          loop_, *config_->metrics_file, [this](const std::string& error) {
            // Said when it starts failing and when it works again, not at every write.
            if (error == metrics_error_)
              return;
            own_line(nullptr,
                     error.empty() ? "the metrics file is written again"
                                   : "cannot write the metrics file: " + error,
                     error.empty() ? log::Level::info : log::Level::error, "metrics_file");
            metrics_error_ = error;
          });
    }
    delay_ = std::make_unique<LoopDelay>(loop_);
    for (const Target& target : config_->targets) {
      auto spec =
          compile_probe_spec(probe_settings(config_, target), tls_contexts_, wants_expiry(target));
      if (!spec)
        return "httpok: " + spec.error();
      add_target(target, std::move(spec).value());
    }
    return std::nullopt;
  }

  // The start-up checks, then READY once they are done. Two run side by side, each within
  // kStartupCheckTimeout: one getAllProcessInfo (is supervisord there, does it take our
  // credentials, does every -p name a process) and the local checks of the sendmail and
  // gcore programs, the core directory and the TLS keys, on libuv's thread pool since a hung
  // file system can block stat() for good. When the configuration names none of the
  // programs or the core directory, no job runs and no thread starts: the TLS keys alone
  // are looked at here (see LocalChecks::may_block). Their lines are written in that order,
  // then one line per target says what httpok watches.
  void start() {
    startup::LocalChecks checks = startup::local_checks(*config_);
    const char* path_env = std::getenv("PATH");
    std::string path = path_env != nullptr ? path_env : kDefaultPath;
    local_done_ = true;
    if (!checks.may_block()) {
      local_lines_ = startup::local_warnings(checks, path);
    } else {
      std::string what = checks.what();
      local_checks_ = new LocalCheckJob(this, std::move(checks), std::move(path));
      if (uv_queue_work(loop_, &local_checks_->request, &LocalCheckJob::run, &LocalCheckJob::done) <
          0) {
        delete local_checks_;
        local_checks_ = nullptr;
      } else {
        local_done_ = false;
        // The RPC has its own deadline; this one is for the local checks.
        startup_deadline_.start(
            static_cast<std::uint64_t>(kStartupCheckTimeout.count()),
            [this, what = std::move(what)] {
              if (local_done_)
                return;
              forget_local_checks();
              on_local_checks({"httpok: warning: the checks of " + what + " did not end within " +
                               net::duration_text(kStartupCheckTimeout) +
                               " (a file system that hangs?)"});
            });
      }
    }
    rpc_->get_all_process_info(std::min(config_->rpc_timeout, kStartupCheckTimeout),
                               [this](RpcResult<std::vector<ProcessInfo>> infos) {
                                 on_startup_processes(std::move(infos));
                               });
  }

  int exit_status() const { return exit_status_; }
  // The loop was stopped by the watchdog: work that cannot be cancelled is still pending.
  bool watchdog_fired() const { return watchdog_fired_; }

  ~App() {
    forget_local_checks();
    flush_run_lines();  // json: a run cut short still says what it did
  }

 private:
  // The local checks as one work request of the thread pool: they look at what `checks`
  // names and fill `lines`. Owned by itself: deleted in done(), on the loop, which hands the
  // lines to the app unless it stopped waiting (owner null).
  struct LocalCheckJob {
    LocalCheckJob(App* app, startup::LocalChecks checks_in, std::string path_in)
        : owner(app), checks(std::move(checks_in)), path(std::move(path_in)) {
      request.data = this;
    }
    static void run(uv_work_t* req) {
      auto* self = static_cast<LocalCheckJob*>(req->data);
      self->lines = startup::local_warnings(self->checks, self->path);
    }
    static void done(uv_work_t* req, int) {
      auto* self = static_cast<LocalCheckJob*>(req->data);
      if (self->owner != nullptr)
        self->owner->on_local_checks(std::move(self->lines));
      delete self;
    }
    uv_work_t request{};
    App* owner;
    startup::LocalChecks checks;
    std::string path;
    std::vector<std::string> lines;
  };

  void forget_local_checks() {
    if (local_checks_ != nullptr)
      local_checks_->owner = nullptr;
    local_checks_ = nullptr;
  }

  void on_local_checks(std::vector<std::string> lines) {
    local_checks_ = nullptr;
    local_done_ = true;
    local_lines_ = std::move(lines);
    finish_startup();
  }

  void on_startup_processes(RpcResult<std::vector<ProcessInfo>> infos) {
    if (!infos.ok()) {
      rpc_lines_ = {
          "httpok: warning: " +
          std::string(infos.error.fault ? "supervisord answered getAllProcessInfo with " : "") +
          infos.error.describe()};
    } else {
      rpc_lines_ = startup::process_warnings(*config_, *infos.value);
      remember_processes(*infos.value, table_changes_);  // no event comes before READY
    }
    rpc_done_ = true;
    finish_startup();
  }

  // Once both checks are done: their lines, the watching lines, then READY.
  void finish_startup() {
    if (started_ || stopping_ || draining_ || !local_done_ || !rpc_done_)
      return;
    started_ = true;
    startup_deadline_.stop();
    for (const auto* lines : {&local_lines_, &rpc_lines_})
      for (const std::string& line : *lines)
        log::line(line, log::Level::warning, "startup_check");
    local_lines_.clear();
    rpc_lines_.clear();
    const auto reusing = static_cast<std::size_t>(
        std::count_if(config_->targets.begin(), config_->targets.end(),
                      [](const Target& t) { return t.probe.reuse_connection; }));
    if (reusing > max_kept_) {
      log::line("httpok: warning: " + std::to_string(reusing) +
                    " targets reuse their connection, but the file descriptor limit (ulimit -n " +
                    std::to_string(fd_limit_) + ") leaves room for " + std::to_string(max_kept_) +
                    " kept connections: the others open a new one for each check",
                log::Level::warning, "startup_check");
    }
    for (const Target& target : config_->targets) {
      const std::string text = startup::watching_text(*config_, target);
      log::Record record;
      record.event = "watching";
      record.target = target.name;
      record.target_in_text = many_targets();
      record.message = text;
      log::write(record);
    }
    const int rc = listener_.start();
    if (rc < 0) {
      log::line(
          std::string("httpok: cannot use stdin/stdout for the event protocol: ") + uv_strerror(rc),
          log::Level::error, "protocol_error");
      exit_status_ = 2;
      shutdown();
      return;
    }
    if (metrics_file_ != nullptr) {
      write_metrics();  // the file exists from READY on
      every_minute();
    }
    pump();  // the interval targets' first checks
    if (reload_pending_) {
      reload_pending_ = false;
      reload();
    }
  }

  void on_event(const Event& event) override {
    if (metrics_file_ != nullptr)
      count_event(event.eventname());  // written with the round's results
    if (const auto serial = event.pool_serial(); serial && pool_serials_.missed(*serial))
      on_events_missed(*serial);
    if (event.eventname().starts_with("PROCESS_STATE_"))
      return on_process_state(event);
    if (!event.is_tick() || stopping_ || draining_)
      return;
    ++round_;
    const std::vector<TargetId>& busy = scheduler_.on_tick();
    if (config_->log_rounds)
      begin_round(busy);
    for (const TargetId id : busy) {
      if (const TargetState* state = lookup(id))
        own_line(state,
                 "the previous check of " + shown_url(state->target->probe) +
                     (scheduler_.started(id) ? " is still running"
                                             : " is still waiting for its turn (max_concurrent " +
                                                   std::to_string(fixed_.max_concurrent) + ")") +
                     "; this tick starts no new one",
                 log::Level::warning, "check_overrun");
    }
    pump();
  }

  // An event's count: no string is made but for a name not seen before.
  void count_event(std::string_view name) {
    const auto it = events_.find(name);
    if (it != events_.end()) {
      ++it->second;
    } else {
      events_.emplace(std::string(name), 1);
    }
  }

  TargetState* lookup(TargetId id) {
    if (id.index >= states_.size() || states_[id.index] == nullptr ||
        !(states_[id.index]->id == id))
      return nullptr;
    return states_[id.index].get();
  }

  // Starts every check the scheduler lets start now (the rest wait for a free engine),
  // then arms the one timer for the next interval target.
  void pump() {
    if (!started_ || stopping_ || draining_)
      return;
    while (const auto id = scheduler_.next_start()) {
      if (TargetState* state = lookup(*id)) {
        start_check(*state);
      } else {
        scheduler_.finished(*id, Scheduler::Clock::now());
      }
    }
    const auto due = scheduler_.next_due();
    if (!due) {
      due_timer_.stop();
      return;
    }
    const auto wait =
        std::chrono::ceil<std::chrono::milliseconds>(due.value() - Scheduler::Clock::now());
    due_timer_.start(wait.count() > 0 ? static_cast<std::uint64_t>(wait.count()) : 0, [this] {
      scheduler_.advance(Scheduler::Clock::now());
      pump();
    });
  }

  // The target's turn is over: its place under the concurrency cap goes to the next.
  void end_turn(TargetState& state) {
    if (state.engine != nullptr) {
      engines_->give(*state.engine);
      state.engine = nullptr;
    }
    const auto now = Scheduler::Clock::now();
    scheduler_.finished(state.id, now);
    end_of_round_check(state, now);
  }

  // --log-rounds: a TICK's round is the checks it queued (not those still queued or running
  // from before); the end of the last says how long the round took.
  void begin_round(const std::vector<TargetId>& busy) {
    round_began_ = Scheduler::Clock::now();
    round_left_ = 0;
    for (auto& slot : states_) {
      if (slot != nullptr && !slot->target->interval) {
        slot->round = round_;
        ++round_left_;
      }
    }
    for (const TargetId id : busy) {
      if (TargetState* state = lookup(id); state != nullptr && state->round == round_) {
        state->round = 0;
        --round_left_;
      }
    }
    round_checks_ = round_left_;
  }

  // The turn of `state` ended (or a reload removed it): one check of the round fewer.
  void end_of_round_check(TargetState& state, Scheduler::TimePoint now) {
    if (round_left_ == 0 || state.round != round_)
      return;
    state.round = 0;
    if (--round_left_ > 0)
      return;
    const double seconds = std::chrono::duration<double>(now - round_began_).count();
    char ms[32];  // "%.1f" of the milliseconds
    const char* ms_end =
        std::to_chars(ms, ms + sizeof ms, seconds * 1000, std::chars_format::fixed, 1).ptr;
    const std::string checks = std::to_string(round_checks_);
    std::string text;
    text.reserve(64);
    text.append("round of ").append(checks).append(round_checks_ == 1 ? " check" : " checks");
    text.append(" ended ")
        .append(ms, static_cast<std::size_t>(ms_end - ms))
        .append(" ms after the TICK");
    if (log::settings().format == log::Format::text)
      return own_line(nullptr, text, log::Level::info, "round");
    const std::string duration = metric_value(seconds);
    const log::Field fields[] = {{"checks", checks, true}, {"duration_seconds", duration, true}};
    own_line(nullptr, text, log::Level::info, "round", fields);
  }

  void cancel_probes() {
    if (engines_ != nullptr)
      engines_->cancel_all();
  }

  void on_input_end(bool clean) override {
    if (!clean)
      log::line("httpok: stdin ended inside an event; exiting", log::Level::error,
                "protocol_error");
    stop_gracefully();
  }

  // EOF, SIGTERM or SIGINT: exit 0 within a second. Probes are cancelled; a restart under
  // way may be about to mail its report, so it gets a moment, then what is left is
  // cancelled. A second signal or EOF changes nothing.
  void stop_gracefully() {
    if (stopping_ || draining_)
      return;
    if (actions_running_ == 0)
      return shutdown();
    draining_ = true;
    cancel_probes();
    grace_.start(kDrainGraceMs, [this] { shutdown(); });
  }

  void on_protocol_error(const std::string& message) override {
    log::line("httpok: protocol error on stdin: " + message + "; exiting", log::Level::error,
              "protocol_error");
    exit_status_ = 1;
    shutdown();
  }

  // supervisord's end of stdout is gone: no event can be acknowledged, so supervisord
  // (a new one, or the same after a restart of the listener) must start another httpok.
  void on_output_error(const std::string& message) override {
    log::line("httpok: cannot write to supervisord (standard output): " + message + "; exiting",
              log::Level::error, "protocol_error");
    exit_status_ = 1;
    shutdown();
  }

  // The target's turn: a check, unless its restart is still under way.
  void start_check(TargetState& state) {
    state.check_began = Scheduler::Clock::now();
    if (state.acting) {
      own_line(&state,
               "the restart for " + shown_url(state.target->probe) +
                   " is still under way; this tick starts no check",
               log::Level::info, "restart_under_way");
      return end_turn(state);
    }
    if (state.target->restart.eager)
      return start_probe(state);
    // Not eager: probe only while a watched process is RUNNING.
    ask_processes(state, [this](TargetId id, const ProcessAnswer& infos) { decide(id, infos); });
  }

  // The process table: seeded by a getAllProcessInfo (at start, and by any later one),
  // kept up to date by PROCESS_STATE events once they come. `asked` is table_changes_ when
  // the answer was asked for: once events come, only an answer asked for after the last of
  // them seeds an empty table (one that came since may be newer than the answer).
  void remember_processes(const std::vector<ProcessInfo>& infos, std::uint64_t asked) {
    if (state_events_ && (table_.value || asked != table_changes_))
      return;  // the events are newer than any answer
    table_.value = infos;
  }

  // Events that never came, by the pool's numbers: supervisord drops the oldest of a
  // listener's buffer when it is full (a burst of PROCESS_STATE events from a group that
  // starts or stops). A PROCESS_STATE event among them would leave the table behind for
  // good, so it is emptied: -E and --grace ask supervisord again, and its answer seeds it.
  // The first event may follow lost ones too (its number is not the pool's first), but
  // that is also what an earlier httpok that read them leaves: emptied without a word.
  // Without PROCESS_STATE events nothing is said either: nothing is lost but a TICK, as
  // superlance would not say.
  void on_events_missed(std::uint64_t serial) {
    table_.value.reset();
    ++table_changes_;
    const auto previous = pool_serials_.previous();
    if (!previous || !state_events_)
      return;
    own_line(nullptr,
             "warning: event " + std::to_string(serial) + " of this listener's pool came after " +
                 std::to_string(*previous) + ": " +
                 (serial > *previous
                      ? "supervisord dropped the " + std::to_string(serial - *previous - 1) +
                            " between (the listener's buffer_size was full)"
                      : "the numbers went back") +
                 "; the process states are read from supervisord again",
             log::Level::warning, "events_missed");
  }

  // PROCESS_STATE_*: the listener is subscribed to them, so the table is current and
  // supervisord need not be asked for states. A process that is RUNNING again (restarted,
  // by httpok or anyone) starts the failure count of the targets that watch it again.
  void on_process_state(const Event& event) {
    auto parsed = parse_process_state(event.eventname(), event.payload);
    if (!parsed) {
      own_line(nullptr,
               "ignored a " + std::string(event.eventname()) +
                   " event that does not parse: " + parsed.error(),
               log::Level::warning, "event_ignored");
      return;
    }
    const ProcessStateEvent& change = parsed.value();
    state_events_ = true;
    ++table_changes_;
    ProcessInfo seen;
    seen.name = change.name;
    seen.group = change.group;
    if (table_.value) {  // before it is seeded, -E and --grace ask supervisord, which seeds it
      auto& infos = *table_.value;
      auto it = std::find_if(infos.begin(), infos.end(), [&](const ProcessInfo& known) {
        return known.name == change.name && known.group == change.group;
      });
      ProcessInfo& info = it != infos.end() ? *it : infos.emplace_back(seen);  // or added since
      info.state = change.state;
      info.statename = change.statename;
      if (change.pid != 0)
        info.pid = change.pid;
      // A RUNNING after STARTING keeps the STARTING's time: its spawn.
      if (change.state == kStateStarting ||
          (change.state == kStateRunning && change.from_statename != "STARTING"))
        info.start = static_cast<std::int64_t>(std::time(nullptr));
    }
    if (change.state == kStateRunning)
      restarted_elsewhere(nullptr, {&seen, 1});
  }

  // One getAllProcessInfo for every TICK target of a round that needs the process list
  // (-E before its check, --grace after a failure); an interval target asks for itself.
  // With PROCESS_STATE events the table answers at once instead. `then` gets the answer,
  // from the loop or at once when the round (or the table) has it already.
  void ask_processes(TargetState& state, ProcessQuery::Then then) {
    if (state_events_ && table_.value) {
      const auto now = static_cast<std::int64_t>(std::time(nullptr));
      for (ProcessInfo& info : *table_.value)
        info.now = now;
      return then(state.id, table_);
    }
    if (!state.target->interval && query_ != nullptr && query_->round == round_) {
      if (query_->answer) {
        then(state.id, *query_->answer);
      } else {
        query_->waiting.emplace_back(state.id, std::move(then));
      }
      return;
    }
    auto query = std::make_shared<ProcessQuery>();
    query->round = round_;
    query->waiting.emplace_back(state.id, std::move(then));
    if (!state.target->interval)
      query_ = query;
    rpc_->get_all_process_info([this, query, asked = table_changes_](ProcessAnswer infos) {
      if (stopping_ || draining_)
        return;
      if (infos.ok())
        remember_processes(*infos.value, asked);
      query->answer = std::move(infos);
      for (auto& [id, waiting] : std::exchange(query->waiting, {}))
        waiting(id, *query->answer);
      pump();
    });
  }

  // -E: the target is probed when one of its processes is RUNNING; else its turn is over.
  void decide(TargetId id, const ProcessAnswer& infos) {
    TargetState* checked = lookup(id);
    if (checked == nullptr)
      return;
    if (!infos.ok()) {
      own_line(checked,
               "cannot list processes to decide whether to check " +
                   shown_url(checked->target->probe) + ": " + infos.error.describe(),
               log::Level::error, "supervisor_error");
    } else {
      const RestartSettings& restart = checked->target->restart;
      for (const ProcessInfo& info : *infos.value) {
        if (info.state == kStateRunning &&
            selects(restart.programs, restart.any, env_.group_name, env_.process_name, info)) {
          return start_probe(*checked);
        }
      }
    }
    end_turn(*checked);
  }

  void start_probe(TargetState& state) {
    state.engine = &engines_->take(state.spec.get());
    state.engine->start(state.spec, [this, id = state.id](const ProbeResult& result) {
      if (TargetState* found = lookup(id))
        on_result(*found, result);
    });
  }

  // From the engine's callback: the engine is free again, the next check may take it.
  void on_result(TargetState& state, const ProbeResult& result) {
    // A connection kept for a spec that a reload replaced meanwhile would serve no one.
    if (state.engine->kept_for() != nullptr && state.engine->kept_for() != state.spec.get())
      state.engine->cancel();
    engines_->give(*state.engine);
    state.engine = nullptr;
    record_metrics(state, result);
    warn_of_expiry(state, result);
    if (!result.ok() && result.failure != ProbeFailure::local &&
        state.target->restart.policy.grace.count() > 0 && !stopping_ && !draining_) {
      // --grace: whether the failure counts depends on how long its processes have run.
      // The turn lasts until that is known (the scheduler starts no second check).
      ask_processes(state, [this, result](TargetId id, const ProcessAnswer& infos) {
        TargetState* found = lookup(id);
        if (found == nullptr)
          return;
        if (infos.ok()) {
          if (auto why = grace_reason(found->target->restart, env_.group_name, env_.process_name,
                                      *infos.value)) {
            on_process_restarted(found->counters);  // it started again since
            own_line(found, "failure ignored, " + *why + ": " + outcome_line(result),
                     log::Level::info, "failure_ignored", ResultFields(*found, result).get());
            return end_turn(*found);
          }
        }
        judge(*found, result);
        end_turn(*found);
      });
      return pump();  // the answer may have been there already
    }
    judge(state, result);
    end_turn(state);
    pump();
  }

  // cert_expiry_days: a line, and a mail to the target's address, at most once a day.
  void warn_of_expiry(TargetState& state, const ProbeResult& result) {
    if (state.target->cert_expiry_days == 0 || stopping_)
      return;
    if (result.tls == TlsHandshake::none)
      return;
    state.chain_not_after = known_chain(state.chain_not_after, result);
    const auto warning =
        expiry_warning(wall_seconds(), result.cert_not_after, state.chain_not_after,
                       state.target->cert_expiry_days, state.expiry_warned);
    if (!warning)
      return;
    const std::string url = shown_url(state.target->probe);
    const std::string text = url + ": " + *warning + " (cert_expiry_days " +
                             std::to_string(state.target->cert_expiry_days) + ")";
    own_line(&state, text, log::Level::warning, "cert_expiry");
    const bool expired = warning->find(" expired ") != std::string::npos;
    mail_note(state,
              format_subject(config_->name, url + (expired ? ": certificate expired"
                                                           : ": certificate expires soon")),
              text, "certificate expiry");
  }

  // --metrics-file: the result is kept for the next write, which comes soon after.
  void record_metrics(TargetState& state, const ProbeResult& result) {
    if (state.metrics == nullptr)
      return;
    TargetMetrics& m = *state.metrics;
    m.probed = true;
    m.success = result.ok();
    m.status = result.status;
    m.http_version = result.http_version;
    m.timings = result.timings;
    m.last_seconds = wall_seconds();
    if (result.tls != TlsHandshake::none) {
      m.cert_not_after = result.cert_not_after;
      m.chain_not_after = known_chain(m.chain_not_after, result);
    }
    m.consecutive_failures = result.ok() ? 0 : m.consecutive_failures + 1;
    ++m.results[static_cast<std::size_t>(result.failure)];
    if (result.failure == ProbeFailure::local)
      ++local_errors_[std::string(result.local_kind.empty() ? "other" : result.local_kind)];
    metrics_soon();
  }

  // A URL as a label value: bytes beyond ASCII percent-encoded, so that a URL that is not
  // UTF-8 cannot make the whole file unreadable.
  static std::string ascii_label(const std::string& url) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : url) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x80) {
        out += c;
      } else {
        out += '%';
        out += kHex[byte >> 4];
        out += kHex[byte & 15];
      }
    }
    return out;
  }

  static double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // A write after a round: 200 ms after the first result that follows the last write, so
  // a round's results go out together, and never sooner than 5 s after the last write
  // (results of interval targets come at any time; a scrape is far rarer).
  void metrics_soon() {
    if (metrics_file_ == nullptr || metrics_soon_armed_)
      return;
    metrics_soon_armed_ = true;
    const std::uint64_t since = uv_now(loop_) - last_metrics_write_ms_;
    metrics_soon_.start(std::max<std::uint64_t>(200, since < 5000 ? 5000 - since : 0), [this] {
      metrics_soon_armed_ = false;
      write_metrics();
    });
  }

  // At least every 60 s, TICK events or not; this timer alone keeps no loop alive.
  void every_minute() {
    metrics_timer_.start(60000, [this] {
      write_metrics();
      every_minute();
    });
  }

  void write_metrics() {
    if (metrics_file_ == nullptr || stopping_)
      return;
    last_metrics_write_ms_ = uv_now(loop_);
    metrics_file_->write(metrics_text());
  }

  // The Prometheus text: names and meanings as blackbox_exporter's where it has them.
  std::string metrics_text() const {
    Exposition out;
    out.family("httpok_build_info", "gauge", "The version of httpok, as a label.");
    out.sample("httpok_build_info", {{"version", HTTPOK_VERSION}}, 1);
    struct Row {
      const TargetState* state;
      std::string url;  // the password never shows
    };
    std::vector<Row> rows;
    for (const auto& slot : states_) {
      if (slot != nullptr && slot->metrics != nullptr && slot->metrics->probed)
        rows.push_back(Row{slot.get(), ascii_label(shown_url(slot->target->probe))});
    }
    const auto each = [&](const char* name, const char* type, const char* help, auto value) {
      out.family(name, type, help);
      for (const Row& row : rows) {
        if (const auto v = value(*row.state->metrics))
          out.sample(name, {{"target", row.state->target->name}, {"url", row.url}}, *v);
      }
    };
    using Value = std::optional<double>;
    each("httpok_probe_success", "gauge", "Whether the last check of the target passed.",
         [](const TargetMetrics& m) { return Value(m.success ? 1 : 0); });
    each("httpok_probe_status_code", "gauge", "The HTTP status of the last check's response.",
         [](const TargetMetrics& m) { return m.status != 0 ? Value(m.status) : Value(); });
    each("httpok_probe_http_version", "gauge", "The HTTP version of the last check's response.",
         [](const TargetMetrics& m) {
           return m.http_version != 0 ? Value(m.http_version / 10.0) : Value();
         });
    each("httpok_probe_last_timestamp_seconds", "gauge", "When the last check ended.",
         [](const TargetMetrics& m) { return Value(m.last_seconds); });
    each("httpok_consecutive_failures", "gauge", "Failed checks in a row, up to now.",
         [](const TargetMetrics& m) { return Value(m.consecutive_failures); });
    const auto known = [](std::int64_t at) { return at != 0 ? Value(at) : Value(); };
    each("httpok_tls_cert_not_after_timestamp_seconds", "gauge",
         "When the certificate the server presented for itself (the leaf) expires.",
         [&](const TargetMetrics& m) { return known(m.cert_not_after); });
    each("httpok_tls_chain_earliest_not_after_timestamp_seconds", "gauge",
         "The earliest expiry in the chain verification built, leaf to trusted root "
         "(from the last full handshake).",
         [&](const TargetMetrics& m) { return known(m.chain_not_after); });
    // Each phase that happened in the last check; one that did not is absent, not 0.
    out.family("httpok_probe_duration_seconds", "gauge",
               "How long each phase of the last check took.");
    for (const Row& row : rows) {
      for (const ProbePhase& phase : probe_phases(row.state->metrics->timings))
        out.sample("httpok_probe_duration_seconds",
                   {{"target", row.state->target->name}, {"url", row.url}, {"phase", phase.name}},
                   static_cast<double>(phase.us) / 1e6);
    }
    out.family("httpok_probes_total", "counter", "Checks by result: ok or the kind of failure.");
    for (const Row& row : rows) {
      for (std::size_t kind = 0; kind < row.state->metrics->results.size(); ++kind) {
        const std::uint64_t n = row.state->metrics->results[kind];
        if (n == 0)
          continue;
        const auto failure = static_cast<ProbeFailure>(kind);
        out.sample("httpok_probes_total",
                   {{"target", row.state->target->name},
                    {"url", row.url},
                    {"result", failure == ProbeFailure::none ? "ok" : to_string(failure)}},
                   static_cast<double>(n));
      }
    }
    out.family("httpok_restarts_total", "counter", "Restarts of the process by httpok.");
    for (const auto& [program, counts] : programs_)
      out.sample("httpok_restarts_total", {{"program", program}},
                 static_cast<double>(counts.restarts));
    out.family("httpok_restart_errors_total", "counter",
               "Stops or starts of the process that supervisord refused or that failed.");
    for (const auto& [program, counts] : programs_)
      out.sample("httpok_restart_errors_total", {{"program", program}},
                 static_cast<double>(counts.errors));
    out.family("httpok_gave_up", "gauge",
               "Whether httpok gave up on restarting the process (--max-restarts).");
    for (const auto& [program, counts] : programs_)
      out.sample("httpok_gave_up", {{"program", program}}, restart_limit_.gave_up(program) ? 1 : 0);
    out.family("httpok_events_total", "counter", "Events received from supervisord, by name.");
    for (const auto& [name, n] : events_)
      out.sample("httpok_events_total", {{"eventname", name}}, static_cast<double>(n));
    out.family("httpok_local_errors_total", "counter",
               "Checks that failed for this machine's reasons (no restart), by what ran out.");
    for (const auto& [kind, n] : local_errors_)
      out.sample("httpok_local_errors_total", {{"kind", kind}}, static_cast<double>(n));
    return out.text();
  }

  // What a result means for its target: nothing, a line, or its restart sequence.
  void judge(TargetState& state, const ProbeResult& result) {
    if (result.failure == ProbeFailure::local) {
      // This machine's trouble (out of file descriptors, say): the target is not to blame
      // and nothing is restarted.
      own_line(&state,
               "local error, not the target's (nothing is restarted): " + outcome_line(result),
               log::Level::warning, "local_error", ResultFields(state, result).get());
    } else if (!stopping_ && !draining_) {
      const Verdict verdict = on_probe(state.counters, state.target->restart.policy, result.ok());
      switch (verdict.kind) {
        case Verdict::Kind::ok:
          break;
        case Verdict::Kind::recovered:
          own_line(&state, recovery_text(verdict), log::Level::info, "recovered");
          if (state.target->restart.notify_recovery)
            mail_recovery(state, recovery_text(verdict));
          break;
        case Verdict::Kind::counted:
        case Verdict::Kind::act: {
          std::string line = std::string(to_string(result.failure)) + " failure";
          if (state.target->restart.policy.fails > 1)
            line += " " + std::to_string(verdict.failures) + " of " +
                    std::to_string(state.target->restart.policy.fails);
          line += ": " + outcome_line(result);
          if (verdict.kind == Verdict::Kind::act) {
            act(state, result, line);
          } else {
            own_line(&state, line + " (not restarting yet)", log::Level::warning, "probe_failed",
                     ResultFields(state, result).get());
          }
          break;
        }
      }
    }
  }

  // A failed check: its restart sequence, or, while another target's runs, a place in
  // the queue, so that one target's block of lines and its mail are never interleaved
  // with another's.
  void act(TargetState& state, const ProbeResult& result, const std::string& line) {
    own_line(&state, line, log::Level::warning, "probe_failed", ResultFields(state, result).get());
    state.acting = true;
    pending_actions_.push_back(PendingAction{
        state.id, state.target->name,
        format_subject(config_->name,
                       failure_subject(shown_url(state.target->probe), result.failure)),
        result.outcome, state.check_began});
    if (actions_running_ == 0)
      start_next_action();
  }

  void start_next_action() {
    // One at a time: a failure in the same loop turn as the end of the last run may have
    // started the next one already, before the deferred call to this came.
    if (actions_running_ > 0)
      return;
    retired_action_.reset();  // the run of a target a reload removed, over by now
    while (!pending_actions_.empty() && !stopping_ && !draining_) {
      PendingAction next = std::move(pending_actions_.front());
      pending_actions_.pop_front();
      TargetState* state = lookup(next.id);
      if (state == nullptr)
        continue;  // removed meanwhile
      const Target& target = *state->target;
      ActionSettings settings;
      settings.programs = target.restart.programs;
      settings.any = target.restart.any;
      settings.email = mail_address(target);
      settings.sendmail = config_->sendmail;
      settings.gcore = config_->gcore;
      settings.coredir = config_->coredir;
      settings.action_timeout = config_->action_timeout;
      settings.core_limit = config_->core_interval.count() > 0 ? &core_limit_ : nullptr;
      settings.self_group = env_.group_name;
      settings.self_name = env_.process_name;
      settings.ledger = &restart_ledger_;
      settings.target = target.name;
      settings.check_began = next.check_began;
      settings.limit = &restart_limit_;
      settings.policy = target.restart.policy;
      settings.revive = target.restart.revive;
      settings.dry_run = target.restart.dry_run;
      settings.presignal = target.restart.presignal;
      settings.presignal_wait = target.restart.presignal_wait;
      settings.delay = delay_.get();
      settings.no_signal_process = &no_signal_process_;
      run_target_ = target.name;  // a copy: a reload may remove the target meanwhile
      state->action = std::make_unique<ActionRun>(
          settings, *rpc_, *spawner_, [this](const std::string& line) { run_line(line); });
      ++actions_running_;
      running_action_ = next.id;
      query_.reset();  // the round's process list predates this restart
      // What failed, and what the run does: a reload may have replaced the target that
      // failed by one that is (or is no longer) a dry run.
      const std::string subject = (target.restart.dry_run ? "[dry run] " : "") + next.subject;
      state->action->start(subject, next.outcome, [this, id = next.id] {
        flush_run_lines();
        TargetState* found = lookup(id);
        // The run of a target a reload removed counts too.
        const ActionRun* run = found != nullptr ? found->action.get() : retired_action_.get();
        if (run != nullptr && metrics_file_ != nullptr) {
          for (const ProcessInfo& info : run->restarted())
            ++programs_[make_namespec(info.group, info.name)].restarts;
          for (const std::string& namespec : run->restart_errors())
            ++programs_[namespec].errors;
          metrics_soon();
        }
        if (found != nullptr) {
          found->acting = false;
          if (found->action != nullptr && !found->action->restarted().empty()) {
            on_restart(found->counters);
            restarted_elsewhere(found, found->action->restarted());
          }
        } else if (run != nullptr) {
          // A reload replaced the target: the replacement, of the same name, was held back
          // (see reload_config) and may be checked from now on; the programs restarted
          // start the count of every target that watches them again, its own too. A
          // give-up the run made after the reload, under the old limit, goes as those
          // made before it did (remove_target).
          restart_limit_.forget(run_target_);
          if (TargetState* replacement = target_named(run_target_))
            replacement->acting = false;
          if (!run->restarted().empty())
            restarted_elsewhere(nullptr, run->restarted());
        }
        if (--actions_running_ > 0)
          return;
        flush_held_lines();
        if (pending_log_) {
          log::configure(*pending_log_);
          pending_log_.reset();
        }
        // Not from inside the action's own callback: from the loop.
        if (draining_) {
          grace_.start(0, [this] { shutdown(); });
        } else if (!pending_actions_.empty()) {
          grace_.start(0, [this] { start_next_action(); });
        }
      });
      return;
    }
  }

  // --notify-recovery: one mail, outside any block ("httpok: URL: recovered").
  void mail_recovery(const TargetState& state, const std::string& text) {
    const std::string url = shown_url(state.target->probe);
    mail_note(state,
              (state.target->restart.dry_run ? "[dry run] " : "") +
                  format_subject(config_->name, url + ": recovered"),
              url + " " + text, "recovery");
  }

  // A mail of one line that is no restart's (recovery, certificate expiry), to the
  // target's address when it has one; a failure to send it is said (`what` mail).
  void mail_note(const TargetState& state, const std::string& subject, const std::string& line,
                 const char* what) {
    const auto email = mail_address(*state.target);
    if (!email)
      return;
    SpawnRequest request;
    request.name = "sendmail";
    request.command = config_->sendmail;
    request.stdin_data = format_mail(*email, subject, {line});
    request.deadline = config_->action_timeout;
    spawner_->run(std::move(request), [this, id = state.id, what](SpawnResult result) {
      if (stopping_ || result.success())
        return;
      own_line(lookup(id),
               std::string("failed to send the ") + what +
                   " mail: " + spawn_failure_text(config_->sendmail, result),
               log::Level::error, "mail_failed");
    });
  }

  // A target's own email replaces the global one; an empty one sends no mail.
  std::optional<std::string> mail_address(const Target& target) const {
    return target.email ? (target.email->empty() ? std::nullopt : target.email) : config_->email;
  }

  // A restart (by `by`'s run, or anyone's, seen in an event) resets the failure count of
  // every other target that watches one of the processes: its failures were seen before.
  void restarted_elsewhere(const TargetState* by, std::span<const ProcessInfo> processes) {
    for (auto& slot : states_) {
      if (slot == nullptr || slot.get() == by)
        continue;
      const RestartSettings& restart = slot->target->restart;
      for (const ProcessInfo& info : processes) {
        if (selects(restart.programs, restart.any, env_.group_name, env_.process_name, info)) {
          on_process_restarted(slot->counters);
          break;
        }
      }
    }
  }

  bool many_targets() const { return config_->targets.size() > 1; }

  // Whether a target's checks read the certificates' expiry: for the metrics or its warning.
  bool wants_expiry(const Target& target) const {
    return metrics_file_ != nullptr || target.cert_expiry_days > 0;
  }

  // A target's probe settings, shared with the spec and keeping its Config alive.
  static std::shared_ptr<const ProbeSettings> probe_settings(
      const std::shared_ptr<const Config>& config, const Target& target) {
    return std::shared_ptr<const ProbeSettings>(config, &target.probe);
  }

  TargetState* target_named(std::string_view name) {
    for (auto& slot : states_)
      if (slot != nullptr && slot->target->name == name)
        return slot.get();
    return nullptr;
  }

  TargetState& add_target(const Target& target, std::shared_ptr<const ProbeSpec> spec) {
    if (target.restart.policy.max_restarts > 0)  // counts the restarts of the others too
      restart_limit_.keep_for(target.restart.policy.restart_window);
    auto state = std::make_unique<TargetState>();
    state->id = scheduler_.add(target.interval, Scheduler::Clock::now());
    state->target = &target;
    state->spec = std::move(spec);
    if (metrics_file_ != nullptr)  // as at start: a reload does not change it
      state->metrics = std::make_unique<TargetMetrics>();
    if (states_.size() <= state->id.index)
      states_.resize(state->id.index + 1);
    return *(states_[state->id.index] = std::move(state));
  }

  // A target that a reload removed (or replaced): a probe under way is cancelled, a restart
  // under way ends quietly (its answers are dropped), its id is stale from now on.
  void remove_target(TargetState& state) {
    end_of_round_check(state, Scheduler::Clock::now());  // its check will never end
    scheduler_.remove(state.id);
    if (state.engine != nullptr) {
      state.engine->cancel();
      engines_->give(*state.engine);
      state.engine = nullptr;
    }
    engines_->forget(state.spec.get());
    restart_limit_.forget(state.target->name);
    if (actions_running_ > 0 && running_action_ == state.id) {
      // Its restart goes on to the end (a stopProcess answered must be followed by its
      // startProcess, or the program stays down): the run is kept, and its end, which
      // finds no target any more, starts the next one as usual.
      retired_action_ = std::move(state.action);
    }
    states_[state.id.index].reset();
  }

  // SIGHUP: reads the configuration again. When it is valid, targets are added, removed or
  // replaced (by name; an unchanged one keeps its state); when it is not, the running one
  // stays and the log says why. No event is lost: the listener is not touched.
  // A reload, then the heap's free pages back to the system: the new configuration was
  // built while the old one lived, and glibc keeps what both took unless asked (a soak
  // with a SIGHUP every ten rounds grew by 0.1 MB a reload without this, and stays flat
  // with it).
  void reload() {
    reload_config();
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
  }

  void reload_config() {
    if (!reload_ || stopping_ || draining_)
      return;
    if (!started_) {
      reload_pending_ = true;  // done once start-up is over
      return;
    }
    auto loaded = reload_();
    std::shared_ptr<const Config> next;
    std::vector<std::shared_ptr<const ProbeSpec>> specs;
    // A fresh cache: the TLS files are read again (a renewed CA, a broken file).
    tls::ContextCache contexts;
    if (loaded) {
      next = std::make_shared<const Config>(std::move(loaded).value());
      for (const Target& target : next->targets) {
        auto spec =
            compile_probe_spec(probe_settings(next, target), contexts, wants_expiry(target));
        if (!spec) {
          loaded = Result<Config>::failure(spec.error());
          break;
        }
        specs.push_back(std::move(spec).value());
      }
    }
    if (!loaded) {
      std::string why = loaded.error();
      if (why.rfind("httpok: ", 0) == 0)
        why.erase(0, 8);
      own_line(nullptr, "reload failed, the running configuration stays: " + why, log::Level::error,
               "reload_failed");
      return;
    }
    const std::shared_ptr<const Config> previous = config_;  // alive until the end
    tls_contexts_ = std::move(contexts);
    // From the next line on; while a restart runs, from its end (its lines are in one
    // format, and so are the ones held back until then).
    if (actions_running_ > 0) {
      pending_log_ = log::Settings{next->log_format, next->log_timestamps};
    } else {
      log::configure({next->log_format, next->log_timestamps});
    }
    if (!next->log_rounds)
      round_left_ = 0;  // the round under way ends unsaid
    if (next->core_interval != previous->core_interval)
      core_limit_ = CoreLimit(next->core_interval);
    if (Fixed::of(*next) != fixed_) {  // the running values, not the last file's
      own_line(nullptr,
               "warning: max_concurrent, jitter, rpc_timeout, wait_timeout and metrics_file "
               "keep their values until httpok is restarted",
               log::Level::warning, "reload");
    }
    std::vector<std::string> removed, changed, added;
    std::vector<bool> kept(next->targets.size(), false);
    std::vector<TargetId> ids(next->targets.size());  // in the file's order
    // By name, so that a reload of many targets takes time in proportion to them.
    std::unordered_map<std::string_view, std::size_t> by_name;
    by_name.reserve(next->targets.size());
    for (std::size_t i = 0; i < next->targets.size(); ++i)
      by_name.emplace(next->targets[i].name, i);  // the first of a name, as before
    for (auto& slot : states_) {
      if (slot == nullptr)
        continue;
      TargetState& state = *slot;
      const auto found = by_name.find(state.target->name);
      const Target* same = found == by_name.end() ? nullptr : &next->targets[found->second];
      if (same != nullptr && *same == *state.target) {
        // Unchanged: keeps its state and place. Its spec is the new one (the TLS files read
        // again; the settings in the new Config, so the old one is freed); a check under way
        // holds the old one to its end.
        const std::size_t index = found->second;
        state.target = same;
        engines_->forget(state.spec.get());  // a kept connection is of the old spec
        state.spec = specs[index];
        kept[index] = true;
        ids[index] = state.id;
        continue;
      }
      (same == nullptr ? removed : changed).push_back(state.target->name);
      remove_target(state);
    }
    config_ = next;
    const std::unordered_set<std::string_view> changed_names(changed.begin(), changed.end());
    for (std::size_t i = 0; i < next->targets.size(); ++i) {
      if (kept[i])
        continue;
      const Target& target = next->targets[i];
      if (!changed_names.contains(target.name))
        added.push_back(target.name);
      // The restart of the target it replaces goes on (remove_target): until it ends, the
      // replacement is not checked, as a target whose restart is under way is not. Checked
      // now, its failure, seen before that restart, would restart the program again: the
      // ledger takes a run of the same name for the target's own.
      TargetState& state = add_target(target, specs[i]);
      state.acting =
          actions_running_ > 0 && retired_action_ != nullptr && run_target_ == target.name;
      ids[i] = state.id;
    }
    scheduler_.order(ids);  // the new ones took freed slots, in any order
    // A restart waiting its turn behind another's is under way too: the replacement's, with
    // its settings (and not checked until it ends); that of a target that is gone is dropped.
    for (auto pending = pending_actions_.begin(); pending != pending_actions_.end();) {
      if (lookup(pending->id) != nullptr) {
        ++pending;
        continue;
      }
      // Its target was not kept (that would have kept its id): a new one of its name
      // replaces it, or none.
      const auto found = by_name.find(pending->target);
      if (TargetState* replacement =
              found != by_name.end() ? lookup(ids[found->second]) : nullptr) {
        replacement->acting = true;
        pending->id = replacement->id;
        ++pending;
        continue;
      }
      own_line(nullptr,
               "warning: the restart of " + pending->target +
                   ", waiting for another to end, is dropped: the reload removed " +
                   pending->target,
               log::Level::warning, "reload");
      pending = pending_actions_.erase(pending);
    }
    const auto names = [](const std::vector<std::string>& list) {
      std::string out;
      for (const std::string& name : list)
        out += (out.empty() ? "" : ", ") + name;
      return out.empty() ? std::string("none") : out;
    };
    own_line(nullptr,
             "reloaded: " + std::to_string(next->targets.size()) +
                 " targets (added: " + names(added) + "; removed: " + names(removed) +
                 "; changed: " + names(changed) + ")",
             log::Level::info, "reloaded");
    pump();
  }

  // httpok's own lines ("httpok: ", and the target's name when there are more than one)
  // never land inside superlance's block of action lines: while an action runs they
  // wait, and follow its block.
  // In json, a record of `event` with the target's name (always) and `fields`.
  void own_line(const TargetState* state, const std::string& text,
                log::Level level = log::Level::info, std::string_view event = "note",
                std::span<const log::Field> fields = {}) {
    log::Record record;
    record.level = level;
    record.event = event;
    record.target = state != nullptr ? std::string_view(state->target->name) : "";
    record.target_in_text = many_targets();
    record.message = text;
    record.fields = fields;
    std::string line = log::format(record);
    if (actions_running_ > 0) {
      held_lines_.push_back(std::move(line));
    } else {
      log::raw(line);
    }
  }

  // A line of the running restart sequence: one of superlance's block, or a note of ours
  // ("httpok: ...", which names the target too when there are more). In json the block
  // is one record, written when the run ends, and the notes follow it.
  void run_line(const std::string& line) {
    const bool note = line.rfind("httpok: ", 0) == 0;
    if (log::settings().format == log::Format::text) {
      if (note && many_targets())
        return log::line("httpok: " + run_target_ + ": " + line.substr(8));
      return log::line(line);
    }
    if (!note)
      return run_block_.push_back(line);
    log::Record record;
    record.level = log::Level::warning;
    record.event = "restart_note";
    record.target = run_target_;
    record.message = std::string_view(line).substr(8);
    run_notes_.push_back(log::format(record));
  }

  void flush_run_lines() {
    if (!run_block_.empty())
      log::raw(log::format_block(run_target_, run_block_));
    for (const std::string& note : run_notes_)
      log::raw(note);
    run_block_.clear();
    run_notes_.clear();
  }

  void flush_held_lines() {
    for (const std::string& line : held_lines_)
      log::raw(line);
    held_lines_.clear();
  }

  void shutdown() {
    if (stopping_)
      return;
    stopping_ = true;
    grace_.stop();
    watchdog_.start(kWatchdogMs, [this] {
      watchdog_fired_ = true;
      uv_stop(loop_);
    });
    due_timer_.stop();
    metrics_timer_.stop();
    metrics_soon_.stop();
    metrics_file_.reset();
    cancel_probes();
    // Actions first (they use the client and the spawner), then the children and calls.
    retired_action_.reset();
    states_.clear();
    engines_.reset();
    actions_running_ = 0;
    flush_run_lines();  // json: a run cut short says what it did, before what came later
    flush_held_lines();
    spawner_.reset();
    delay_.reset();
    rpc_.reset();
    // Lookups in flight are dropped, their sockets closed: nothing keeps the loop alive.
    if (dns_ != nullptr)
      dns_->shutdown();
    listener_.close();
  }

  uv_loop_t* loop_;
  std::shared_ptr<const Config> config_;  // replaced by a reload
  // The settings a reload does not change, as httpok started with them.
  struct Fixed {
    std::size_t max_concurrent;
    double jitter;
    std::chrono::milliseconds rpc_timeout;
    std::chrono::milliseconds wait_timeout;
    std::optional<std::string> metrics_file;
    static Fixed of(const Config& c) {
      return {c.max_concurrent, c.jitter, c.rpc_timeout, c.wait_timeout, c.metrics_file};
    }
    bool operator==(const Fixed&) const = default;
  };
  const Fixed fixed_ = Fixed::of(*config_);
  Reload reload_;
  const ListenerEnvironment& env_;
  EventListener listener_;
  tls::ContextCache tls_contexts_;
  std::unique_ptr<net::Dns> dns_;  // before its users: destroyed after them
  CoreLimit core_limit_{config_->core_interval};
  RestartLedger restart_ledger_;
  RestartLimit restart_limit_;
  std::unique_ptr<SupervisorClient> rpc_;
  std::unique_ptr<UvSpawner> spawner_;
  std::unique_ptr<LoopDelay> delay_;           // --presignal-wait
  bool no_signal_process_ = false;             // supervisord said it does not know signalProcess
  std::unique_ptr<MetricsFile> metrics_file_;  // --metrics-file
  std::string metrics_error_;                  // the last write's, said once
  net::Timer metrics_timer_{loop_};            // every 60 s (unreferenced)
  net::Timer metrics_soon_{loop_};             // after a round (unreferenced)
  bool metrics_soon_armed_ = false;
  std::uint64_t last_metrics_write_ms_ = 0;  // uv_now() of the last write
  struct ProgramCounts {
    std::uint64_t restarts = 0;
    std::uint64_t errors = 0;
  };
  std::map<std::string, ProgramCounts> programs_;             // by namespec, for the metrics
  std::map<std::string, std::uint64_t, std::less<>> events_;  // by event name
  std::map<std::string, std::uint64_t> local_errors_;         // by kind
  // The process table, as an answer: seeded by a getAllProcessInfo, kept current by
  // PROCESS_STATE events; -E and --grace read it in place.
  ProcessAnswer table_;
  bool state_events_ = false;        // PROCESS_STATE events come
  std::uint64_t table_changes_ = 0;  // PROCESS_STATE events and gaps, one each
  PoolSerials pool_serials_;
  Scheduler scheduler_{SchedulerSettings{config_->max_concurrent, config_->jitter},
                       [engine = std::mt19937_64(std::random_device{}())]() mutable {
                         return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
                       }};
  std::vector<std::unique_ptr<TargetState>> states_;  // by TargetId::index
  std::unique_ptr<EnginePool> engines_;
  std::size_t max_kept_ = 0;    // reuse_connection: connections kept at most (fd limit)
  std::uint64_t fd_limit_ = 0;  // RLIMIT_NOFILE's soft limit; 0: none               // at most
                                // max_concurrent busy at once
  bool stopping_ = false;
  bool draining_ = false;  // stdin ended; waiting briefly for running actions
  net::Timer grace_;
  net::Timer watchdog_;  // unreferenced; armed at shutdown only
  net::Timer startup_deadline_;
  net::Timer due_timer_;                   // the one timer of the interval targets
  LocalCheckJob* local_checks_ = nullptr;  // while the local checks run
  bool local_done_ = false;
  bool rpc_done_ = false;
  bool started_ = false;  // READY was written (or the listener failed to start)
  std::vector<std::string> local_lines_;
  std::vector<std::string> rpc_lines_;
  bool watchdog_fired_ = false;
  net::SignalWatcher sigterm_;
  net::SignalWatcher sigint_;
  net::SignalWatcher sighup_;
  int exit_status_ = 0;
  int actions_running_ = 0;
  std::vector<std::string> held_lines_;
  std::optional<log::Settings> pending_log_;  // a reload's, for when the run under way ends
  std::string run_target_;                    // the name of the target whose run is under way
  std::vector<std::string> run_block_;        // json: its block, written when it ends
  std::vector<std::string> run_notes_;        // json: its notes, written after the block
  struct PendingAction {
    TargetId id;
    std::string target;   // its name: a reload may replace it, by one of the same name
    std::string subject;  // what failed; "[dry run] " comes when it starts
    std::string outcome;
    Scheduler::TimePoint check_began;
  };
  std::deque<PendingAction> pending_actions_;  // failed checks waiting for the running action
  std::shared_ptr<ProcessQuery> query_;        // the current round's
  std::uint64_t round_ = 0;                    // TICK events seen
  Scheduler::TimePoint round_began_{};         // --log-rounds: the last TICK's
  std::size_t round_checks_ = 0;               // the checks it queued
  std::size_t round_left_ = 0;                 // and of those, the ones not ended
  TargetId running_action_;                    // whose ActionRun runs (actions_running_ > 0)
  std::unique_ptr<ActionRun> retired_action_;  // running still, for a target a reload removed
  bool reload_pending_ = false;                // SIGHUP during start-up
};

}  // namespace

int run_listener(Config config, const ListenerEnvironment& env,
                 std::function<Result<Config>()> reload) {
  uv_loop_t loop;
  if (uv_loop_init(&loop) < 0) {
    log::line("httpok: cannot initialise the event loop", log::Level::error, "fatal");
    return 2;
  }
  int status = 0;
  {
    App app(&loop, std::make_shared<const Config>(std::move(config)), env, std::move(reload));
    if (auto error = app.prepare()) {
      log::line(*error, log::Level::error, "startup_error");
      status = 2;
    } else {
      app.start();
      uv_run(&loop, UV_RUN_DEFAULT);
      status = app.exit_status();
    }
    if (app.watchdog_fired()) {
      // The loop cannot be closed while such work is pending, and libuv's exit-time
      // clean-up would join its thread pool and wait for it: leave without either.
      // Nothing is buffered: stdout and stderr are written with write(2).
      std::_Exit(status);
    }
  }
  // Let the handles closed by the destructors finish closing.
  uv_run(&loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop) != 0)
    log::line("httpok: some event-loop handles were left open", log::Level::warning, "fatal");
  return status;
}

}  // namespace httpok
