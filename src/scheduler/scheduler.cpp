// The scheduler's decisions; see include/httpok/scheduler.hpp.
#include "httpok/scheduler.hpp"

#include <algorithm>

namespace httpok {

Scheduler::Scheduler(SchedulerSettings settings, Random random)
    : settings_(settings), random_(std::move(random)) {
  settings_.jitter = std::clamp(settings_.jitter, 0.0, 0.5);
  settings_.max_concurrent = std::max<std::size_t>(settings_.max_concurrent, 1);
}

Scheduler::Slot* Scheduler::slot(TargetId id) noexcept {
  if (id.index >= slots_.size())
    return nullptr;
  Slot& s = slots_[id.index];
  return s.used && s.generation == id.generation ? &s : nullptr;
}

bool Scheduler::valid(TargetId id) const noexcept {
  return id.index < slots_.size() && slots_[id.index].used &&
         slots_[id.index].generation == id.generation;
}

TargetId Scheduler::add(std::optional<std::chrono::milliseconds> interval, TimePoint now) {
  std::uint32_t index = 0;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[index];
  const std::uint32_t generation = s.generation + 1;  // a reused slot never repeats an id
  s = Slot{};
  s.generation = generation;
  s.used = true;
  if (interval && interval->count() > 0)
    s.interval_ms = static_cast<std::uint32_t>(interval->count());
  ++size_;
  if (s.interval_ms > 0)
    schedule(index, now);
  else
    tick_order_.push_back(TargetId{index, generation});
  return TargetId{index, generation};
}

void Scheduler::order(std::span<const TargetId> ids) {
  std::vector<TargetId> order;
  order.reserve(tick_order_.size());
  for (const TargetId id : ids) {
    Slot* s = slot(id);
    if (s != nullptr && s->interval_ms == 0 && !s->ordered) {
      s->ordered = true;
      order.push_back(id);
    }
  }
  for (const TargetId id : tick_order_) {  // those `ids` left out, and the stale ones go
    Slot* s = slot(id);
    if (s != nullptr && !s->ordered)
      order.push_back(id);
  }
  for (const TargetId id : order)
    slots_[id.index].ordered = false;
  tick_order_ = std::move(order);
}

bool Scheduler::remove(TargetId id) {
  Slot* s = slot(id);
  if (s == nullptr)
    return false;
  if (s->running)
    --running_;
  if (s->queued)
    --queued_;  // its entry in queue_ is stale now, and skipped
  s->used = false;
  s->queued = false;
  s->running = false;
  free_.push_back(id.index);
  --size_;
  if (tick_order_.size() > 2 * size_ + 64)
    order({});  // the stale ids go, unless order() does it first
  return true;
}

void Scheduler::enqueue(std::uint32_t index) {
  Slot& s = slots_[index];
  s.queued = true;
  ++queued_;
  queue_.push_back(TargetId{index, s.generation});
}

// Due at `nominal` plus up to `jitter` of the interval.
void Scheduler::schedule(std::uint32_t index, TimePoint nominal) {
  Slot& s = slots_[index];
  s.nominal = nominal;
  const double spread_ms = settings_.jitter > 0 ? random_() * settings_.jitter * s.interval_ms : 0;
  s.due = nominal + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double, std::milli>(spread_ms));
  due_.push(Due{s.due, TargetId{index, s.generation}});
}

const std::vector<TargetId>& Scheduler::on_tick() {
  busy_.clear();
  for (const TargetId id : tick_order_) {
    const Slot* s = slot(id);
    if (s == nullptr)
      continue;  // removed
    if (s->queued || s->running) {
      busy_.push_back(id);
    } else {
      enqueue(id.index);
    }
  }
  return busy_;
}

void Scheduler::advance(TimePoint now) {
  while (!due_.empty() && due_.top().at <= now) {
    const Due due = due_.top();
    due_.pop();
    const Slot* s = slot(due.id);
    if (s == nullptr || s->due != due.at || s->queued || s->running)
      continue;  // removed, or rescheduled since
    enqueue(due.id.index);
  }
}

std::optional<TargetId> Scheduler::next_start() {
  while (running_ < settings_.max_concurrent && !queue_.empty()) {
    const TargetId id = queue_.front();
    queue_.pop_front();
    Slot* s = slot(id);
    if (s == nullptr || !s->queued)
      continue;  // removed while it waited
    s->queued = false;
    --queued_;
    s->running = true;
    ++running_;
    return id;
  }
  return std::nullopt;
}

bool Scheduler::finished(TargetId id, TimePoint now) {
  Slot* s = slot(id);
  if (s == nullptr || !s->running)
    return false;
  s->running = false;
  --running_;
  if (s->interval_ms > 0) {
    const auto interval = std::chrono::milliseconds(s->interval_ms);
    TimePoint next = s->nominal + interval;
    if (next <= now)
      next = now + interval;  // it overran its turn: the clock starts again from now
    schedule(id.index, next);
  }
  return true;
}

std::optional<Scheduler::TimePoint> Scheduler::next_due() {
  while (!due_.empty()) {
    const Due& due = due_.top();
    const Slot* s = slot(due.id);
    if (s != nullptr && s->due == due.at && !s->queued && !s->running)
      return due.at;
    due_.pop();  // stale
  }
  return std::nullopt;
}

}  // namespace httpok
