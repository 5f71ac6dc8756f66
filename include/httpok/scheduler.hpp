// When each target is probed: the targets of the TICK clock on every TICK event, the
// interval targets on their own clocks, at most `max_concurrent` probes at once (the rest
// wait their turn, in order), never two probes of one target at once. Pure: the caller
// passes the time and an injected source of randomness (for jitter); no I/O, no uv.h.
// The libuv shell around it is one timer for next_due().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <span>
#include <vector>

namespace httpok {

// A target's slot in the scheduler's table: its index and the generation of the slot. A
// removed target's id is stale from then on (a reused slot has a new generation), so a
// late callback or a reload can never reach another target's state.
struct TargetId {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  bool operator==(const TargetId&) const = default;
};

struct SchedulerSettings {
  std::size_t max_concurrent = 256;  // probes in flight at most
  double jitter = 0;                 // 0 to 0.5: spread of interval targets' due times
};

// Owned by the app; one per configuration (a reload changes its table, not it).
class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Random = std::function<double()>;  // returns a value in [0, 1)

  Scheduler(SchedulerSettings settings, Random random);

  // A target on the TICK clock (no interval) or on its own (`interval` > 0). An interval
  // target is first due at `now` plus up to `jitter` of its interval.
  TargetId add(std::optional<std::chrono::milliseconds> interval, TimePoint now);
  // Forgets a target: queued, it will not start; running, it no longer counts against the
  // cap and its finished() is ignored. False when `id` is stale.
  bool remove(TargetId id);
  bool valid(TargetId id) const noexcept;
  // The order of the TICK targets from now on: that of `ids` (a reload's, the file's
  // order; the others, if any, keep theirs after them). Until then, the order they were
  // added in.
  void order(std::span<const TargetId> ids);

  // A TICK event: every TICK target is queued, in their order (see order()), except one
  // whose probe is queued or running still: those are returned (a view valid until the
  // next call), so that the caller can say why this tick starts none for them.
  const std::vector<TargetId>& on_tick();
  // Queues the interval targets that are due at `now` (and not queued or running).
  void advance(TimePoint now);
  // The next queued target that may start now, marked running; nothing when none is
  // queued or `max_concurrent` probes run.
  std::optional<TargetId> next_start();
  // The probe of `id` ended at `now`: an interval target is due again one interval after
  // its last due time (plus jitter), or, when it overran that, one interval from now.
  // False (and nothing changes) when `id` is stale or was not running.
  bool finished(TargetId id, TimePoint now);

  // The earliest due time of an interval target that is not queued or running: when the
  // shell's one timer should fire next. Nothing when no such target exists.
  std::optional<TimePoint> next_due();

  std::size_t running() const noexcept { return running_; }
  // Whether the probe of `id` runs (and is not only queued).
  bool started(TargetId id) const noexcept { return valid(id) && slots_[id.index].running; }
  std::size_t queued() const noexcept { return queued_; }
  std::size_t size() const noexcept { return size_; }

 private:
  // 32 bytes per target, kept small for 10 000 of them.
  struct Slot {
    TimePoint nominal{};  // interval targets: the due time before jitter
    TimePoint due{};      // and with it: what the one live entry in due_ holds
    std::uint32_t generation = 0;
    std::uint32_t interval_ms = 0;  // 0: on the TICK clock
    bool used = false;
    bool queued = false;
    bool running = false;
    bool ordered = false;  // order()'s mark, only while it runs
  };
  struct Due {
    TimePoint at;
    TargetId id;
    bool operator>(const Due& other) const { return at > other.at; }
  };

  Slot* slot(TargetId id) noexcept;
  void enqueue(std::uint32_t index);
  void schedule(std::uint32_t index, TimePoint nominal);

  SchedulerSettings settings_;
  Random random_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;   // unused slot indices
  std::vector<TargetId> tick_order_;  // the TICK targets in order; may hold stale ids
  std::deque<TargetId> queue_;        // due, waiting for a free engine; may hold stale ids
  // Due times of interval targets; stale entries (removed, or rescheduled) are skipped.
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  std::vector<TargetId> busy_;  // on_tick()'s answer, reused
  std::size_t running_ = 0;
  std::size_t queued_ = 0;
  std::size_t size_ = 0;
};

}  // namespace httpok
