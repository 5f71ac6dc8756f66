// The restart policy, one pure component (values in, decisions out, an injected clock;
// no I/O): which processes a target acts on (selects), whether a failure counts (grace),
// after how many it acts and when it has recovered (fails, rises), whether a program
// another target's run just restarted is left alone (RestartLedger), whether a process
// that is not RUNNING is started (revive), and how many restarts of one program a window
// allows (RestartLimit). The app and the restart sequence (actions) carry out what it
// decides. The defaults (1, 1, no grace, no limit) are superlance's: act on every failure.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include <vector>
#include "httpok/supervisor.hpp"
#include "httpok/target.hpp"

namespace httpok {

// One target's counters. Small and plain: it lives in the target's runtime state.
struct TargetCounters {
  std::uint32_t failures = 0;       // consecutive failed probes that count
  std::uint32_t successes = 0;      // consecutive good probes since the target failed
  bool failing = false;             // failed and not recovered yet
  std::uint32_t failed_probes = 0;  // since it started failing
  std::uint32_t restarts = 0;       // actions taken since it started failing
};

// What a probe result means for its target.
struct Verdict {
  enum class Kind {
    ok,         // healthy, nothing to say
    recovered,  // was failing, now `rises` good probes in a row: say so
    counted,    // a failure below the threshold: `failures` of `fails`
    act,        // the threshold is reached: restart (the count starts again)
  };
  Kind kind = Kind::ok;
  std::uint32_t failures = 0;       // counted, act: the count including this probe
  std::uint32_t failed_probes = 0;  // recovered: how many probes failed meanwhile
  std::uint32_t restarts = 0;       // recovered: how many restarts were made meanwhile
};

// A good probe, or a failed one that counts.
Verdict on_probe(TargetCounters& counters, const PolicySettings& settings, bool ok);
// An action the target took was carried out (its restart sequence ran).
void on_restart(TargetCounters& counters);
// One of the target's processes is RUNNING again, restarted by anyone (another target's
// run, an operator, supervisord): the failures so far were seen before that.
void on_process_restarted(TargetCounters& counters);

// "recovered after 2 failed probes, 1 restart"
std::string recovery_text(const Verdict& verdict);

// cert_expiry_days: what a check that saw these expiry dates (seconds since the epoch, 0:
// not known; `leaf` the server's certificate, `chain` the earliest of its verified chain)
// has to say at `now`: nothing, or a warning when one expires within `days` days. At most
// one a day: `last_warned` is when the last one was said (0: never), and is updated. Never
// a reason to restart. "the certificate expires in 1.9 days (2026-12-03 14:00:00 UTC)",
// "a certificate of its chain expires in ...", "... expired 2.0 days ago (...)".
std::optional<std::string> expiry_warning(double now, std::int64_t leaf, std::int64_t chain,
                                          std::uint32_t days, double& last_warned);

// --max-restarts: how often httpok restarted each program (for any target), and which
// targets gave up on it (each under its own limit, each saying so once). Owned by the app;
// the restart runs hold a pointer, and it outlives them.
class RestartLimit {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RestartLimit(std::function<Clock::time_point()> now = Clock::now);

  struct Decision {
    enum class Kind {
      restart,   // go ahead (and record it with restarted())
      give_up,   // the limit is reached: say "giving up on" once, and do not restart
      given_up,  // gave up before and still within the window: skip it quietly
      resume,    // gave up before, the window has slid past: say so, and restart
    };
    Kind kind = Kind::restart;
    std::uint32_t count = 0;  // restarts within the window (give_up)
  };
  // Whether `target` may restart `namespec` now under its `settings` (no limit: always).
  Decision check(const std::string& namespec, const std::string& target,
                 const PolicySettings& settings);
  // A target with this window may check: restarts are counted from now on, whoever makes
  // them (a target with no limit too). Called for each target that has a limit as it is
  // set up; before the first, nothing is kept.
  void keep_for(std::chrono::seconds window) {
    largest_window_ = std::max(largest_window_, window);
  }
  void restarted(const std::string& namespec);
  // check() said `decision`, but the run did not act on it or say it (another target
  // restarted the program first): undo what it recorded, so that the next check decides,
  // and says, it again (a give-up is not kept unsaid, a resume not lost unsaid).
  void revert(const std::string& namespec, const std::string& target,
              const PolicySettings& settings, const Decision& decision);
  // A reload removed or replaced `target`: its give-ups, made under its old limit, go (a
  // replacement decides, and says, them again under its own).
  void forget(const std::string& target);
  // Whether some target gave up on `namespec` and its limit still holds now (the restarts
  // within its window still reach it): by the clock, not only when it checks again.
  bool gave_up(const std::string& namespec) const;

 private:
  struct GaveUp {
    std::string target;
    PolicySettings settings;  // its limit and window
  };
  struct Program {
    std::vector<Clock::time_point> restarts;  // oldest first, within the largest window
    std::vector<GaveUp> gave_up;              // the targets that gave up on it
  };
  std::uint32_t count_within(const Program& program, std::chrono::seconds window) const;
  std::function<Clock::time_point()> now_;
  std::unordered_map<std::string, Program> programs_;
  // The largest window any check used: older restarts can matter to no one. Zero while no
  // target has a limit, and then nothing is kept.
  std::chrono::seconds largest_window_{0};
};

// Whether a process is one the target acts on (and, not eager, waits for): with `any`,
// every process but the listener itself (self_group/self_name); otherwise one whose name
// or group:name namespec is among `programs`.
bool selects(const std::vector<std::string>& programs, bool any, const std::string& self_group,
             const std::string& self_name, const ProcessInfo& info);

// --grace: why a failure of the target does not count now, when one of its processes is
// STARTING or BACKOFF, or has been RUNNING for less than `grace` by supervisord's clock:
// "web started 12 s ago (grace 30 s)", "web is STARTING (grace 30 s)". Nothing otherwise.
std::optional<std::string> grace_reason(const RestartSettings& restart,
                                        const std::string& self_group, const std::string& self_name,
                                        const std::vector<ProcessInfo>& infos);

// --revive: whether a process that is not RUNNING is one to start (FATAL, or EXITED);
// a STOPPED one (the operator's doing) never is.
bool revivable(bool revive, const ProcessInfo& info);

// Which program httpok last restarted, when, and for which target. When several targets
// fail in one round and share a program, the first run restarts it and the later ones,
// whose checks began before that restart, leave it alone and say so: their failure was
// seen before the restart and says nothing about the restarted program. Pure: the clock is
// injected. Owned by the app; the runs it starts hold a pointer, and it outlives them.
class RestartLedger {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RestartLedger(std::function<Clock::time_point()> now = Clock::now);
  // `target`'s run has restarted `namespec` now (its startProcess succeeded).
  void record(const std::string& namespec, const std::string& target);
  // The other target whose run restarted `namespec` at `since` or later, if any. A
  // target's own restarts never count: its next check always starts after them.
  std::optional<std::string> restarted_since(const std::string& namespec, Clock::time_point since,
                                             const std::string& self) const;

 private:
  struct Entry {
    Clock::time_point at;
    std::string target;
  };
  std::function<Clock::time_point()> now_;
  std::unordered_map<std::string, Entry> last_;
};

// A pause within a run (--presignal-wait), over the loop's timer. Owned by the app, one run
// at a time: after() replaces a pause still pending.
class Delay {
 public:
  virtual ~Delay() = default;
  virtual void after(std::chrono::milliseconds wait, std::function<void()> done) = 0;
};

// "giving up on web: 3 restarts within 600 s"
std::string giving_up_text(const std::string& namespec, std::uint32_t count,
                           std::chrono::seconds window);

}  // namespace httpok
