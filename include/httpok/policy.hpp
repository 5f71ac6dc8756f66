// The restart policy (pure: values in, decisions out, an injected clock): after how many
// failed probes a target acts (`fails`), after how many good ones it counts as recovered
// (`rises`), and how many restarts of one program a window allows (`max_restarts`,
// `restart_window`). The defaults (1, 1, no limit) are superlance's: act on every failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include <vector>
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

// "recovered after 2 failed probes, 1 restart"
std::string recovery_text(const Verdict& verdict);

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
  void restarted(const std::string& namespec);

 private:
  struct Program {
    std::vector<Clock::time_point> restarts;  // oldest first, within the largest window
    std::vector<std::string> gave_up;         // the targets that gave up on it
  };
  std::function<Clock::time_point()> now_;
  std::unordered_map<std::string, Program> programs_;
  // The largest window any check used: older restarts can matter to no one. Zero while no
  // target has a limit, and then nothing is kept.
  std::chrono::seconds largest_window_{0};
};

// "giving up on web: 3 restarts within 600 s"
std::string giving_up_text(const std::string& namespec, std::uint32_t count,
                           std::chrono::seconds window);

}  // namespace httpok
