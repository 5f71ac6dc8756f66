#include "httpok/policy.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
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

void on_process_restarted(TargetCounters& counters) {
  counters.failures = 0;
}

std::string recovery_text(const Verdict& verdict) {
  const auto plural = [](std::uint32_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  return "recovered after " + plural(verdict.failed_probes, "failed probe", "failed probes") +
         ", " + plural(verdict.restarts, "restart", "restarts");
}

std::optional<std::string> expiry_warning(double now, std::int64_t leaf, std::int64_t chain,
                                          std::uint32_t days, double& last_warned) {
  constexpr double kDay = 86400;
  // A clock set back below the last warning (it was ahead) does not silence a day longer.
  if (days == 0 || (last_warned != 0 && now >= last_warned && now - last_warned < kDay))
    return std::nullopt;
  // The chain holds the leaf: its earliest is the leaf's, or one that comes sooner.
  const bool chain_sooner = chain != 0 && (leaf == 0 || chain < leaf);
  const std::int64_t at = chain_sooner ? chain : leaf;
  if (at == 0 || static_cast<double>(at) - now >= days * kDay)
    return std::nullopt;
  last_warned = now;
  const double left = (static_cast<double>(at) - now) / kDay;
  char amount[64];
  std::snprintf(amount, sizeof amount, left >= 0 ? "expires in %.1f days" : "expired %.1f days ago",
                left >= 0 ? left : -left);
  char date[48] = "";
  std::tm tm{};
  const auto when = static_cast<std::time_t>(at);
  if (::gmtime_r(&when, &tm) != nullptr)
    std::strftime(date, sizeof date, " (%Y-%m-%d %H:%M:%S UTC)", &tm);
  return std::string(chain_sooner ? "a certificate of its chain " : "the certificate ") + amount +
         date;
}

RestartLimit::RestartLimit(std::function<Clock::time_point()> now) : now_(std::move(now)) {}

std::uint32_t RestartLimit::count_within(const Program& program,
                                         std::chrono::seconds window) const {
  const Clock::time_point since = now_() - window;
  return static_cast<std::uint32_t>(std::count_if(program.restarts.begin(), program.restarts.end(),
                                                  [&](auto at) { return at > since; }));
}

RestartLimit::Decision RestartLimit::check(const std::string& namespec, const std::string& target,
                                           const PolicySettings& settings) {
  Decision decision;
  if (settings.max_restarts == 0)
    return decision;
  keep_for(settings.restart_window);
  Program& program = programs_[namespec];
  decision.count = count_within(program, settings.restart_window);
  const auto gave_up = std::find_if(program.gave_up.begin(), program.gave_up.end(),
                                    [&](const GaveUp& g) { return g.target == target; });
  if (decision.count >= settings.max_restarts) {
    decision.kind =
        gave_up != program.gave_up.end() ? Decision::Kind::given_up : Decision::Kind::give_up;
    if (gave_up == program.gave_up.end())
      program.gave_up.push_back(GaveUp{target, settings});
    return decision;
  }
  if (gave_up != program.gave_up.end()) {
    program.gave_up.erase(gave_up);
    decision.kind = Decision::Kind::resume;
  }
  return decision;
}

void RestartLimit::revert(const std::string& namespec, const std::string& target,
                          const PolicySettings& settings, const Decision& decision) {
  const auto it = programs_.find(namespec);
  if (it == programs_.end())
    return;
  std::vector<GaveUp>& gave_up = it->second.gave_up;
  const auto mine = std::find_if(gave_up.begin(), gave_up.end(),
                                 [&](const GaveUp& g) { return g.target == target; });
  if (decision.kind == Decision::Kind::give_up && mine != gave_up.end())
    gave_up.erase(mine);
  else if (decision.kind == Decision::Kind::resume && mine == gave_up.end())
    gave_up.push_back(GaveUp{target, settings});
}

void RestartLimit::forget(const std::string& target) {
  for (auto& [namespec, program] : programs_)
    std::erase_if(program.gave_up, [&](const GaveUp& g) { return g.target == target; });
}

bool RestartLimit::gave_up(const std::string& namespec) const {
  const auto it = programs_.find(namespec);
  if (it == programs_.end())
    return false;
  return std::any_of(it->second.gave_up.begin(), it->second.gave_up.end(), [&](const GaveUp& g) {
    return count_within(it->second, g.settings.restart_window) >= g.settings.max_restarts;
  });
}

void RestartLimit::restarted(const std::string& namespec) {
  if (largest_window_.count() == 0)
    return;
  Program& program = programs_[namespec];
  const Clock::time_point now = now_();
  std::erase_if(program.restarts, [&](auto at) { return at <= now - largest_window_; });
  program.restarts.push_back(now);
}

bool selects(const std::vector<std::string>& programs, bool any, const std::string& self_group,
             const std::string& self_name, const ProcessInfo& info) {
  const std::string namespec = make_namespec(info.group, info.name);
  if (any) {
    return self_name.empty() ||
           namespec != make_namespec(self_group.empty() ? self_name : self_group, self_name);
  }
  // A name, a group:name namespec, or group:* for every process of the group.
  const std::string whole_group = info.group + ":*";
  return std::find(programs.begin(), programs.end(), info.name) != programs.end() ||
         std::find(programs.begin(), programs.end(), namespec) != programs.end() ||
         std::find(programs.begin(), programs.end(), whole_group) != programs.end();
}

std::optional<std::string> grace_reason(const RestartSettings& restart,
                                        const std::string& self_group, const std::string& self_name,
                                        const std::vector<ProcessInfo>& infos) {
  const std::int64_t grace = restart.policy.grace.count();
  if (grace <= 0)
    return std::nullopt;
  const std::string period = " (grace " + std::to_string(grace) + " s)";
  for (const ProcessInfo& info : infos) {
    if (!selects(restart.programs, restart.any, self_group, self_name, info))
      continue;
    const std::string namespec = make_namespec(info.group, info.name);
    if (info.state == kStateStarting || info.state == kStateBackoff)
      return namespec + " is " + (info.statename.empty() ? "starting" : info.statename) + period;
    if (info.state == kStateRunning && info.start > 0 && info.now >= info.start &&
        info.now - info.start < grace)
      return namespec + " started " + std::to_string(info.now - info.start) + " s ago" + period;
  }
  return std::nullopt;
}

bool revivable(bool revive, const ProcessInfo& info) {
  return revive && (info.state == kStateFatal || info.state == kStateExited);
}

RestartLedger::RestartLedger(std::function<Clock::time_point()> now) : now_(std::move(now)) {}

void RestartLedger::record(const std::string& namespec, const std::string& target) {
  last_[namespec] = Entry{now_(), target};
}

std::optional<std::string> RestartLedger::restarted_since(const std::string& namespec,
                                                          Clock::time_point since,
                                                          const std::string& self) const {
  const auto it = last_.find(namespec);
  if (it == last_.end() || it->second.at < since || it->second.target == self)
    return std::nullopt;
  return it->second.target;
}

std::string giving_up_text(const std::string& namespec, std::uint32_t count,
                           std::chrono::seconds window) {
  return "giving up on " + namespec + ": " + std::to_string(count) +
         (count == 1 ? " restart" : " restarts") + " within " + std::to_string(window.count()) +
         " s";
}

}  // namespace httpok
