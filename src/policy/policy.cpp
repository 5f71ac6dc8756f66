#include "httpok/policy.hpp"

#include <algorithm>
#include <utility>

namespace httpok {

Verdict on_probe(TargetCounters& c, const PolicySettings& settings, bool ok) {
  Verdict verdict;
  if (!ok) {
    c.successes = 0;
    ++c.failed_probes;
    ++c.failures;
    verdict.failures = c.failures;
    if (c.failures < std::max<std::uint32_t>(settings.fails, 1)) {
      verdict.kind = Verdict::Kind::counted;
      return verdict;
    }
    c.failing = true;
    c.failures = 0;  // the next restart needs as many failures again
    verdict.kind = Verdict::Kind::act;
    return verdict;
  }
  c.failures = 0;
  if (!c.failing) {
    // Failures below the threshold, then a good probe: that episode is over.
    c.failed_probes = 0;
    c.successes = 0;
    return verdict;
  }
  if (++c.successes < std::max<std::uint32_t>(settings.rises, 1))
    return verdict;
  verdict.kind = Verdict::Kind::recovered;
  verdict.failed_probes = c.failed_probes;
  verdict.restarts = c.restarts;
  c = TargetCounters{};
  return verdict;
}

void on_restart(TargetCounters& counters) {
  ++counters.restarts;
  counters.failures = 0;
}

std::string recovery_text(const Verdict& verdict) {
  const auto plural = [](std::uint32_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  return "recovered after " + plural(verdict.failed_probes, "failed probe", "failed probes") +
         ", " + plural(verdict.restarts, "restart", "restarts");
}

RestartLimit::RestartLimit(std::function<Clock::time_point()> now) : now_(std::move(now)) {}

RestartLimit::Decision RestartLimit::check(const std::string& namespec, const std::string& target,
                                           const PolicySettings& settings) {
  Decision decision;
  if (settings.max_restarts == 0)
    return decision;
  largest_window_ = std::max(largest_window_, settings.restart_window);
  Program& program = programs_[namespec];
  const Clock::time_point since = now_() - settings.restart_window;
  decision.count = static_cast<std::uint32_t>(std::count_if(
      program.restarts.begin(), program.restarts.end(), [&](auto at) { return at > since; }));
  const auto gave_up = std::find(program.gave_up.begin(), program.gave_up.end(), target);
  if (decision.count >= settings.max_restarts) {
    decision.kind =
        gave_up != program.gave_up.end() ? Decision::Kind::given_up : Decision::Kind::give_up;
    if (gave_up == program.gave_up.end())
      program.gave_up.push_back(target);
    return decision;
  }
  if (gave_up != program.gave_up.end()) {
    program.gave_up.erase(gave_up);
    decision.kind = Decision::Kind::resume;
  }
  return decision;
}

void RestartLimit::restarted(const std::string& namespec) {
  if (largest_window_.count() == 0)
    return;
  Program& program = programs_[namespec];
  const Clock::time_point now = now_();
  std::erase_if(program.restarts, [&](auto at) { return at <= now - largest_window_; });
  program.restarts.push_back(now);
}

std::string giving_up_text(const std::string& namespec, std::uint32_t count,
                           std::chrono::seconds window) {
  return "giving up on " + namespec + ": " + std::to_string(count) +
         (count == 1 ? " restart" : " restarts") + " within " + std::to_string(window.count()) +
         " s";
}

}  // namespace httpok
