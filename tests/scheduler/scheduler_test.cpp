// The scheduler's decisions with an injected clock and randomness (links only the
// scheduler): TICK and interval targets, jitter bounds, the concurrency cap, no double
// start, stale ids after removal.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "httpok/scheduler.hpp"

namespace httpok {
namespace {

using namespace std::chrono_literals;
using TimePoint = Scheduler::TimePoint;

const TimePoint t0{std::chrono::hours(1000)};

Scheduler make(std::size_t max_concurrent = 256, double jitter = 0, double random = 0) {
  return Scheduler(SchedulerSettings{max_concurrent, jitter}, [random] { return random; });
}

// Everything that may start now, in order.
std::vector<TargetId> drain(Scheduler& s) {
  std::vector<TargetId> started;
  while (auto id = s.next_start())
    started.push_back(*id);
  return started;
}

TEST(Scheduler, TickTargetsAreQueuedOnEveryTickInOrder) {
  Scheduler s = make();
  const TargetId a = s.add(std::nullopt, t0);
  const TargetId b = s.add(std::nullopt, t0);
  EXPECT_TRUE(drain(s).empty());  // nothing before a tick
  EXPECT_EQ(s.next_due(), std::nullopt);
  EXPECT_TRUE(s.on_tick().empty());
  EXPECT_EQ(s.queued(), 2u);
  EXPECT_EQ(drain(s), (std::vector<TargetId>{a, b}));
  EXPECT_EQ(s.running(), 2u);
  EXPECT_TRUE(s.finished(a, t0 + 1s));
  EXPECT_TRUE(s.finished(b, t0 + 1s));
  EXPECT_TRUE(s.on_tick().empty());
  EXPECT_EQ(drain(s), (std::vector<TargetId>{a, b}));
}

TEST(Scheduler, TickTargetsKeepTheOrderTheyAreGiven) {
  Scheduler s = make(1);
  const TargetId a = s.add(std::nullopt, t0);
  const TargetId b = s.add(std::nullopt, t0);
  const TargetId c = s.add(std::nullopt, t0);
  // A reload replaces a and c: the new ones take the freed slots, c's first.
  s.remove(a);
  s.remove(c);
  const TargetId a2 = s.add(std::nullopt, t0);
  const TargetId every = s.add(1s, t0);  // an interval target has no place in the order
  const TargetId c2 = s.add(std::nullopt, t0);
  const std::vector<TargetId> in_the_file{a2, b, every, c2};
  s.order(in_the_file);
  s.advance(t0);
  s.on_tick();
  std::vector<TargetId> started;
  for (int i = 0; i < 4; ++i) {
    const auto id = s.next_start();
    ASSERT_TRUE(id);
    started.push_back(*id);
    s.finished(*id, t0);
  }
  EXPECT_EQ(started, (std::vector<TargetId>{every, a2, b, c2}));  // every was due first
  // Left out of order(), a target keeps its place after those given.
  s.order(std::vector<TargetId>{c2});
  s.on_tick();
  EXPECT_EQ(drain(s), (std::vector<TargetId>{c2}));
  s.finished(c2, t0);
  EXPECT_EQ(drain(s), (std::vector<TargetId>{a2}));
  s.finished(a2, t0);
  EXPECT_EQ(drain(s), (std::vector<TargetId>{b}));
}

TEST(Scheduler, ATargetIsNeverStartedTwice) {
  Scheduler s = make(1);
  const TargetId a = s.add(std::nullopt, t0);
  const TargetId b = s.add(std::nullopt, t0);
  s.on_tick();
  EXPECT_EQ(drain(s), (std::vector<TargetId>{a}));  // b waits for the one engine
  // The next tick finds a running and b still queued: neither is queued again.
  EXPECT_EQ(s.on_tick(), (std::vector<TargetId>{a, b}));
  EXPECT_EQ(s.queued(), 1u);
  EXPECT_TRUE(s.started(a));
  EXPECT_FALSE(s.started(b));  // only queued
  EXPECT_TRUE(s.finished(a, t0 + 1s));
  EXPECT_FALSE(s.finished(a, t0 + 1s));  // once only
  EXPECT_EQ(drain(s), (std::vector<TargetId>{b}));
  EXPECT_TRUE(drain(s).empty());
}

TEST(Scheduler, TheCapHoldsAndTheRestWaitInOrder) {
  Scheduler s = make(3);
  std::vector<TargetId> ids;
  for (int i = 0; i < 10; ++i)
    ids.push_back(s.add(std::nullopt, t0));
  s.on_tick();
  std::vector<TargetId> order = drain(s);
  EXPECT_EQ(order, (std::vector<TargetId>{ids[0], ids[1], ids[2]}));
  EXPECT_EQ(s.running(), 3u);
  EXPECT_EQ(s.queued(), 7u);
  for (std::size_t done = 0; done < order.size(); ++done) {
    ASSERT_LE(s.running(), 3u);
    s.finished(order[done], t0 + 1s);
    for (const TargetId id : drain(s))
      order.push_back(id);
  }
  EXPECT_EQ(order, ids);
  EXPECT_EQ(s.running(), 0u);
  EXPECT_EQ(s.queued(), 0u);
}

TEST(Scheduler, IntervalTargetsRunOnTheirOwnClock) {
  Scheduler s = make();
  const TargetId tick = s.add(std::nullopt, t0);
  const TargetId fast = s.add(15s, t0);
  const TargetId slow = s.add(60s, t0);
  EXPECT_EQ(s.next_due(), t0);  // without jitter, first due at once
  s.advance(t0);
  EXPECT_EQ(drain(s), (std::vector<TargetId>{fast, slow}));
  EXPECT_EQ(s.next_due(), std::nullopt);  // both running
  s.finished(fast, t0 + 2s);
  s.finished(slow, t0 + 2s);
  EXPECT_EQ(s.next_due(), t0 + 15s);  // one interval after the last due time
  s.advance(t0 + 14s);
  EXPECT_TRUE(drain(s).empty());
  s.advance(t0 + 15s);
  EXPECT_EQ(drain(s), (std::vector<TargetId>{fast}));
  s.finished(fast, t0 + 16s);
  EXPECT_EQ(s.next_due(), t0 + 30s);
  // A TICK queues only the TICK target.
  EXPECT_TRUE(s.on_tick().empty());
  EXPECT_EQ(drain(s), (std::vector<TargetId>{tick}));
  s.advance(t0 + 60s);  // both due by now: in the order their due times came
  EXPECT_EQ(drain(s), (std::vector<TargetId>{fast, slow}));
}

TEST(Scheduler, AProbeThatOverrunsItsIntervalIsNotStartedTwice) {
  Scheduler s = make();
  const TargetId a = s.add(10s, t0);
  s.advance(t0);
  EXPECT_EQ(drain(s), (std::vector<TargetId>{a}));
  s.advance(t0 + 25s);  // still running two intervals later
  EXPECT_TRUE(drain(s).empty());
  EXPECT_TRUE(s.finished(a, t0 + 25s));
  EXPECT_EQ(s.next_due(), t0 + 35s);  // one interval from the end, not a burst of catch-ups
}

TEST(Scheduler, JitterSpreadsWithinItsFractionOfTheInterval) {
  std::mt19937 engine(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  Scheduler s(SchedulerSettings{256, 0.2}, [&] { return uniform(engine); });
  std::vector<TargetId> ids;
  for (int i = 0; i < 1000; ++i)
    ids.push_back(s.add(10s, t0));
  // First due times: within [t0, t0 + 2 s), and spread (not all in one millisecond).
  TimePoint earliest = TimePoint::max();
  TimePoint latest = TimePoint::min();
  std::size_t started = 0;
  for (;;) {
    const auto due = s.next_due();
    ASSERT_TRUE(due.has_value());
    if (*due >= t0 + 10s)
      break;  // the second round
    ASSERT_GE(*due, t0);
    ASSERT_LT(*due, t0 + 2s);
    earliest = std::min(earliest, *due);
    latest = std::max(latest, *due);
    s.advance(*due);
    for (const TargetId id : drain(s)) {
      ++started;
      ASSERT_TRUE(s.finished(id, *due));  // done at once; next due around t0 + 10 s
    }
  }
  EXPECT_EQ(started, ids.size());
  EXPECT_GT(latest - earliest, 1500ms);
  // Every later due time: one interval after the last nominal one, plus up to 2 s.
  const auto next = s.next_due();
  ASSERT_TRUE(next.has_value());
  EXPECT_GE(*next, t0 + 10s);
  EXPECT_LT(*next, t0 + 12s);
}

TEST(Scheduler, JitterIsClampedToHalfAnInterval) {
  Scheduler s = make(256, 3.0, 0.999);
  s.add(10s, t0);
  const auto due = s.next_due();
  ASSERT_TRUE(due.has_value());
  EXPECT_LT(*due, t0 + 5s);
  EXPECT_GT(*due, t0 + 4900ms);
}

TEST(Scheduler, ARemovedTargetsIdIsStaleForGood) {
  Scheduler s = make(1);
  const TargetId a = s.add(std::nullopt, t0);
  const TargetId b = s.add(std::nullopt, t0);
  s.on_tick();
  ASSERT_EQ(drain(s), (std::vector<TargetId>{a}));
  // Removed while running: it frees its place under the cap, its late end is ignored.
  EXPECT_TRUE(s.remove(a));
  EXPECT_FALSE(s.valid(a));
  EXPECT_EQ(s.running(), 0u);
  EXPECT_FALSE(s.finished(a, t0 + 1s));
  EXPECT_FALSE(s.remove(a));
  // The slot is reused with a new generation: the old id still reaches nothing.
  const TargetId c = s.add(std::nullopt, t0);
  EXPECT_EQ(c.index, a.index);
  EXPECT_NE(c, a);
  EXPECT_FALSE(s.valid(a));
  EXPECT_TRUE(s.valid(c));
  EXPECT_FALSE(s.finished(a, t0 + 1s));
  EXPECT_EQ(drain(s), (std::vector<TargetId>{b}));
  // Removed while queued: it never starts.
  s.finished(b, t0 + 1s);
  s.on_tick();
  EXPECT_EQ(s.queued(), 2u);
  EXPECT_TRUE(s.remove(b));
  EXPECT_EQ(s.queued(), 1u);
  EXPECT_EQ(drain(s), (std::vector<TargetId>{c}));
  EXPECT_EQ(s.size(), 1u);
}

TEST(Scheduler, ARemovedIntervalTargetIsNeverDueAgain) {
  Scheduler s = make();
  const TargetId a = s.add(10s, t0);
  const TargetId b = s.add(20s, t0 + 1s);
  EXPECT_EQ(s.next_due(), t0);
  EXPECT_TRUE(s.remove(a));
  EXPECT_EQ(s.next_due(), t0 + 1s);
  s.advance(t0 + 1h);
  EXPECT_EQ(drain(s), (std::vector<TargetId>{b}));
}

}  // namespace
}  // namespace httpok
