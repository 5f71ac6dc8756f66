// What httpok does when a probe fails: superlance's restart sequence, its stderr lines
// and its mail, over the asynchronous SupervisorApi and Spawner interfaces.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "httpok/config.hpp"
#include "httpok/policy.hpp"
#include "httpok/spawn.hpp"
#include "httpok/supervisor.hpp"

namespace httpok {

// The subject of the mail: "httpok: <url>: bad status returned" or, with a name,
// "httpok [NAME]: ...".
std::string format_subject(const std::optional<std::string>& name, const std::string& text);

// The mail as piped to sendmail: To, Subject, empty line, the lines joined by "\n",
// no trailing newline.
std::string format_mail(const std::string& address, const std::string& subject,
                        const std::vector<std::string>& lines);

// superlance's core file name, os.path.join(coredir, namespec): no doubled slash when
// coredir ends with one.
std::string core_file_name(const std::string& coredir, const std::string& namespec);

// One line on why a gcore or sendmail run failed, naming the command.
std::string spawn_failure_text(const std::string& command, const SpawnResult& result);

// --core-interval: at most one core file per program in that time, so that a persistent
// failure does not fill the disk with a core on every restart. A run claims the right to
// write a core when its gcore starts (so two runs at once cannot both write one) and gives
// it back when gcore fails (no core was written). Pure: the clock is injected. Owned by
// the app; the runs it starts hold a pointer, and it outlives them.
class CoreLimit {
 public:
  using Clock = std::chrono::steady_clock;
  explicit CoreLimit(std::chrono::milliseconds interval,
                     std::function<Clock::time_point()> now = Clock::now);
  // Grants a core of `namespec` now (nothing returned, the time recorded), or refuses it
  // and returns how long ago the last one was granted.
  std::optional<std::chrono::milliseconds> claim(const std::string& namespec);
  // Gives back the last claim of `namespec`, whose gcore failed.
  void release(const std::string& namespec);
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  struct Claim {
    Clock::time_point at;
    std::optional<Clock::time_point> before;  // the claim it replaced, for release()
  };
  std::chrono::milliseconds interval_;
  std::function<Clock::time_point()> now_;
  std::unordered_map<std::string, Claim> claims_;
};

struct ActionSettings {
  std::vector<std::string> programs;
  bool any = false;
  std::optional<std::string> email;
  std::string sendmail;
  std::string gcore;
  std::optional<std::string> coredir;
  std::chrono::milliseconds action_timeout{60000};
  CoreLimit* core_limit = nullptr;  // --core-interval; nullptr: a core on every restart
  // Several targets: the shared record of restarts, this run's target and when its failed
  // check began. nullptr (one target): every selected RUNNING process is restarted.
  RestartLedger* ledger = nullptr;
  std::string target;
  RestartLedger::Clock::time_point check_began{};
  // --max-restarts: the shared count of restarts per program, and this target's limit.
  RestartLimit* limit = nullptr;
  PolicySettings policy;
  bool revive = false;   // start a FATAL or EXITED process instead of skipping it
  bool dry_run = false;  // "dry run: would restart ..." instead of gcore, stop and start
  // --presignal: sent through signalProcess before the stop (after gcore), then a pause on
  // `delay`. `no_signal_process` (the app's) is set once supervisord turned out not to know
  // signalProcess, which is then said once and not tried again.
  std::string presignal;
  std::chrono::milliseconds presignal_wait{5000};
  Delay* delay = nullptr;
  bool* no_signal_process = nullptr;
  // The listener's own process (SUPERVISOR_GROUP_NAME / SUPERVISOR_PROCESS_NAME); skipped by -a.
  std::string self_group;
  std::string self_name;
};

// One run of the restart sequence (superlance's act()). Owned by the caller, who may
// destroy it at any time, also from inside `log` or `done`: calls still out are then
// ignored when they answer. `done` is called once at the end (possibly before start()
// returns, when the SupervisorApi and Spawner answer synchronously); it is not called when
// the run is destroyed first.
// Every line superlance writes is passed to `log` as it is produced (one call per write();
// `log` adds the newline) and collected for the mail; lines of our own (a failed gcore or
// sendmail run) start with "httpok: " and are logged only.
class ActionRun {
 public:
  using LogFn = std::function<void(const std::string& line)>;
  ActionRun(const ActionSettings& settings, SupervisorApi& rpc, Spawner& spawner, LogFn log);
  ~ActionRun();
  ActionRun(const ActionRun&) = delete;
  ActionRun& operator=(const ActionRun&) = delete;

  // subject: the mail subject; outcome: the probe outcome text (first line of the mail).
  // Only the first call starts a run.
  void start(std::string subject, std::string outcome, std::function<void()> done);
  // The processes it stopped and started (or tried to), so far.
  const std::vector<ProcessInfo>& restarted() const;
  // The namespecs whose stopProcess or startProcess failed, once per failed call.
  const std::vector<std::string>& restart_errors() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace httpok
