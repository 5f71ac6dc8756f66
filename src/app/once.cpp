// --once: every target probed once, concurrently (at most max_concurrent at a time), one
// line per target on stdout, no supervisord. How a person tries a config before putting
// it under supervisord.
#include <uv.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "httpok/app.hpp"
#include "httpok/dns.hpp"
#include "httpok/log.hpp"
#include "httpok/probe.hpp"
#include "httpok/scheduler.hpp"
#include "httpok/tls.hpp"

namespace httpok {

std::string once_line(const std::string& name, std::size_t name_width, const ProbeResult& result) {
  std::string line = name;
  line.resize(std::max(name_width, name.size()), ' ');
  // Where the time went, after the verdict: "(connect 0.2 ms, processing 12.0 ms, ...)".
  const std::string phases = phases_text(result.timings);
  const std::string where = phases.empty() ? "" : "  (" + phases + ")";
  if (result.ok()) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f ms", static_cast<double>(result.timings.total_us) / 1000.0);
    return line + "  OK  " + std::to_string(result.status) + "  " + ms + where;
  }
  return line + "  FAIL  " + one_line(result.outcome) + where;
}

namespace {

// Owned by run_once for the life of its loop.
class OnceRun {
 public:
  OnceRun(uv_loop_t* loop, const Config& config)
      : loop_(loop),
        config_(config),
        scheduler_(SchedulerSettings{config.max_concurrent, 0}, [] { return 0.0; }) {}

  // Start-up errors (a TLS file) come back as a line; nothing runs then.
  std::optional<std::string> start() {
    auto dns = net::Dns::from_environment(loop_);
    if (!dns)
      return "httpok: " + dns.error();
    dns_ = std::move(dns).value();
    engines_ = std::make_unique<EnginePool>(loop_, *dns_);
    for (const Target& target : config_.targets) {
      auto spec = compile_probe_spec(target.probe, contexts_);
      if (!spec)
        return "httpok: " + target.name + ": " + spec.error();
      specs_.push_back(std::move(spec).value());
      // Every target on the TICK clock: one tick queues them all, in order.
      scheduler_.add(std::nullopt, Scheduler::Clock::now());
    }
    results_.resize(specs_.size());
    scheduler_.on_tick();
    pump();
    return std::nullopt;
  }

  const std::vector<std::optional<ProbeResult>>& results() const { return results_; }

 private:
  void pump() {
    while (const auto id = scheduler_.next_start()) {
      Probe& engine = engines_->take();
      const TargetId target = *id;
      engine.start(specs_[target.index], [this, target, &engine](const ProbeResult& result) {
        results_[target.index] = result;
        engines_->give(engine);
        scheduler_.finished(target, Scheduler::Clock::now());
        if (++done_ == specs_.size()) {
          // A lookup that a timed-out probe left behind must not keep the loop alive, nor a
          // connection kept for a next check (reuse_connection) that never comes.
          dns_->shutdown();
          engines_->cancel_all();
          return;
        }
        pump();
      });
    }
  }

  uv_loop_t* loop_;
  const Config& config_;
  std::unique_ptr<net::Dns> dns_;  // before the engines: destroyed after them
  tls::ContextCache contexts_;
  Scheduler scheduler_;
  std::vector<std::shared_ptr<const ProbeSpec>> specs_;  // by TargetId::index
  std::vector<std::optional<ProbeResult>> results_;
  std::unique_ptr<EnginePool> engines_;
  std::size_t done_ = 0;  // results so far
};

}  // namespace

int run_once(const Config& config, std::string& report) {
  uv_loop_t loop;
  if (uv_loop_init(&loop) < 0) {
    log::line("httpok: cannot initialise the event loop");
    return 2;
  }
  int status = 0;
  {
    OnceRun run(&loop, config);
    if (auto error = run.start()) {
      log::line(*error);
      status = 2;
    } else {
      uv_run(&loop, UV_RUN_DEFAULT);
      std::size_t width = 0;
      for (const Target& target : config.targets)
        width = std::max(width, target.name.size());
      for (std::size_t i = 0; i < config.targets.size(); ++i) {
        ProbeResult result;
        if (run.results()[i]) {
          result = *run.results()[i];
        } else {  // cannot happen: the loop ends once every probe has ended
          result.failure = ProbeFailure::protocol;
          result.outcome = "no result";
        }
        if (!result.ok())
          status = 1;
        report += once_line(config.targets[i].name, width, result) + "\n";
      }
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return status;
}

}  // namespace httpok
