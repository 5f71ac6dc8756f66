// superlance's act(), restart() and mail() as an asynchronous sequence: the same lines in
// the same order, with the calls to supervisord, gcore and sendmail made one after the
// other over callbacks instead of blocking.
#include "httpok/actions.hpp"

#include "httpok/python_text.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "httpok/xmlrpc.hpp"

namespace httpok {

std::string format_subject(const std::optional<std::string>& name, const std::string& text) {
  return name ? "httpok [" + *name + "]: " + text : "httpok: " + text;
}

namespace {

// A header's value on one line: a CR or LF (from a name, an address or a URL) would end
// the header and start another one (a Bcc:, say), so each becomes a space.
std::string header_value(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return text;
}

}  // namespace

std::string format_mail(const std::string& address, const std::string& subject,
                        const std::vector<std::string>& lines) {
  std::string mail =
      "To: " + header_value(address) + "\nSubject: " + header_value(subject) + "\n\n";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      mail += '\n';
    }
    mail += lines[i];
  }
  return mail;
}

std::string core_file_name(const std::string& coredir, const std::string& namespec) {
  if (!namespec.empty() && namespec.front() == '/') {
    return namespec;
  }
  if (coredir.empty() || coredir.back() == '/') {
    return coredir + namespec;
  }
  return coredir + "/" + namespec;
}

CoreLimit::CoreLimit(std::chrono::milliseconds interval, std::function<Clock::time_point()> now)
    : interval_(interval), now_(std::move(now)) {}

std::optional<std::chrono::milliseconds> CoreLimit::claim(const std::string& namespec) {
  const Clock::time_point now = now_();
  const auto it = claims_.find(namespec);
  if (it == claims_.end()) {
    claims_.emplace(namespec, Claim{now, std::nullopt});
    return std::nullopt;
  }
  const auto ago = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.at);
  if (ago < interval_)
    return ago;
  it->second = Claim{now, it->second.at};
  return std::nullopt;
}

void CoreLimit::release(const std::string& namespec) {
  const auto it = claims_.find(namespec);
  if (it == claims_.end())
    return;
  if (it->second.before) {
    it->second = Claim{*it->second.before, std::nullopt};
  } else {
    claims_.erase(it);
  }
}

std::string spawn_failure_text(const std::string& command, const SpawnResult& result) {
  const std::string quoted = "'" + command + "'";
  std::string why = result.error;
  if (why.empty()) {
    if (!result.started) {
      why = "could not be started";
    } else if (result.timed_out) {
      why = "timed out and was killed";
    } else if (result.term_signal != 0) {
      why = "killed by signal " + std::to_string(result.term_signal);
    } else {
      why = "exited with status " + std::to_string(result.exit_status);
    }
    if (const std::string said = one_line_summary(result.stderr_data); !said.empty()) {
      why += "; stderr: " + said;
    }
  }
  // The spawner's own text usually starts with the quoted command already.
  return why.rfind(quoted, 0) == 0 ? why : quoted + ": " + why;
}

// The run is a small state machine driven by one loop (drive()). Each asynchronous call
// stores its result and re-enters drive(); when a fake answers before the call returns,
// the re-entry finds the loop already running and simply returns, so a long list of
// processes answered synchronously never deepens the stack. Every call out (log, RPC,
// spawner, done) may destroy the ActionRun: `alive` is a token whose weak copies are
// checked after each of them, and nothing of `this` is touched once it has expired.
// Owned by its ActionRun through impl_.
struct ActionRun::Impl {
  enum class Step {
    idle,
    fetch_info,
    info_received,
    next_process,
    gcore_done,
    signal_done,
    wait_done,
    stop_done,
    start_done,
    after_processes,
    mail_sent,
    finished,
  };

  Impl(const ActionSettings& settings_in, SupervisorApi& rpc_in, Spawner& spawner_in, LogFn log_in)
      : settings(settings_in), rpc(rpc_in), spawner(spawner_in), log(std::move(log_in)) {}

  using Token = std::weak_ptr<char>;

  // Marks a call as out and returns its callback, which resumes the loop with the result
  // stored in `slot`. An answer is ignored after destruction, and unless it answers the
  // call now awaited (a callback invoked twice, or late).
  template <class R>
  auto resume_into(std::optional<R>& slot) {
    awaiting = true;
    const std::uint64_t call = ++last_call;
    return [this, token = Token(alive), &slot, call](R result) {
      if (token.expired() || !awaiting || call != last_call) {
        return;
      }
      slot = std::move(result);
      awaiting = false;
      drive();
    };
  }

  void drive() {
    if (driving) {
      return;
    }
    driving = true;
    const Token token = alive;
    while (!awaiting) {
      if (!advance(token)) {
        return;  // destroyed or finished: `this` must not be touched
      }
    }
    driving = false;
  }

  // One superlance write(): logged and collected for the mail.
  bool write(const std::string& line, const Token& token) {
    messages.push_back(line);
    log(line);
    return !token.expired();
  }

  // A line of ours: logged only, so the mail stays superlance's.
  bool note(const std::string& line, const Token& token) {
    log("httpok: " + line);
    return !token.expired();
  }

  // Python's list.remove(): the first occurrence only.
  void remove_first(const std::string& item) {
    const auto it = std::find(waiting.begin(), waiting.end(), item);
    if (it != waiting.end()) {
      waiting.erase(it);
    }
  }

  // Which processes to consider, and which -p values matched nothing (superlance's
  // `waiting`, kept with its list.remove() semantics, also with -a).
  void plan(const std::vector<ProcessInfo>& infos) {
    waiting = settings.programs;
    for (const ProcessInfo& info : infos) {
      const std::string namespec = make_namespec(info.group, info.name);
      const bool selected =
          selects(settings.programs, settings.any, settings.self_group, settings.self_name, info);
      if (settings.any || selected) {
        remove_first(info.name);
        remove_first(namespec);
        remove_first(info.group + ":*");
      }
      if (selected) {
        considered.push_back(info);
      }
    }
    // --max-restarts: decided once per process, up front, so that a run with nothing left
    // to do (every RUNNING one given up already) can stay quiet.
    limits.assign(considered.size(), RestartLimit::Decision{});
    if (settings.limit != nullptr) {
      for (std::size_t i = 0; i < considered.size(); ++i) {
        const ProcessInfo& info = considered[i];
        if (acted_on(info) && !restarted_by_another(make_namespec(info.group, info.name)))
          limits[i] = settings.limit->check(make_namespec(info.group, info.name), settings.target,
                                            settings.policy);
      }
    }
  }

  // Every RUNNING process is one httpok gave up on before, and nothing else would be
  // restarted or newly said: the run writes no block and sends no mail (no mail storm).
  // A RUNNING process is restarted; with revive, a FATAL or EXITED one is started.
  // Not with -a: every finished one-shot job would be started again.
  bool revivable(const ProcessInfo& info) const {
    return httpok::revivable(settings.revive && !settings.any, info);
  }
  bool acted_on(const ProcessInfo& info) const {
    return info.state == kStateRunning || revivable(info);
  }

  bool nothing_but_given_up() const {
    bool any = false;
    for (std::size_t i = 0; i < considered.size(); ++i) {
      if (!acted_on(considered[i]))
        continue;
      if (limits[i].kind != RestartLimit::Decision::Kind::given_up)
        return false;
      any = true;
    }
    return any;  // -p names that match nothing were warned about at start
  }

  // A failed gcore or sendmail run, or what a successful one wrote on stderr, is noted
  // after the block (the child's stderr is captured, so none of it lands inside).
  void note_spawn_result(const std::string& failed, const std::string& wrote,
                         const std::string& command, const SpawnResult& result) {
    if (!result.success()) {
      late_notes.push_back(failed + spawn_failure_text(command, result));
    } else if (const std::string said = one_line_summary(result.stderr_data); !said.empty()) {
      late_notes.push_back(wrote + said);
    }
  }

  bool gcore_wanted() const {
    return settings.coredir && !settings.coredir->empty() && !settings.gcore.empty();
  }

  // With --core-interval, a program whose last core is recent gets none: the restart
  // goes on as without -d, and a note after the block says why.
  bool core_allowed(const std::string& namespec) {
    if (settings.core_limit == nullptr) {
      return true;
    }
    const auto ago = settings.core_limit->claim(namespec);
    if (!ago) {
      return true;
    }
    late_notes.push_back("no core file of " + namespec + ": the last one was written " +
                         std::to_string(ago->count() / 1000) + " s ago (--core-interval " +
                         std::to_string(settings.core_limit->interval().count() / 1000) + ")");
    return false;
  }

  std::optional<std::string> restarted_by_another(const std::string& namespec) const {
    if (settings.ledger == nullptr)
      return std::nullopt;
    return settings.ledger->restarted_since(namespec, settings.check_began, settings.target);
  }

  const ProcessInfo& current() const { return considered[index]; }
  std::string current_namespec() const { return make_namespec(current().group, current().name); }

  // The restart proper: the presignal and its pause first, when there is one.
  bool begin_restart(const std::string& namespec, const Token& token) {
    const bool unknown = settings.no_signal_process != nullptr && *settings.no_signal_process;
    if (!settings.presignal.empty() && !unknown) {
      step = Step::signal_done;
      rpc.signal_process(namespec, settings.presignal, resume_into(bool_result));
      return !token.expired();
    }
    return stop_now(namespec, token);
  }

  bool stop_now(const std::string& namespec, const Token& token) {
    if (!write(namespec + " is in RUNNING state, restarting", token))
      return false;
    begin_stop(namespec);
    return !token.expired();
  }

  void record_restart(const std::string& namespec) {
    restarted.push_back(current());
    if (settings.limit != nullptr)
      settings.limit->restarted(namespec);
  }

  void begin_stop(const std::string& namespec) {
    record_restart(namespec);
    step = Step::stop_done;
    rpc.stop_process(namespec, resume_into(bool_result));
  }

  bool advance(const Token& token) {
    switch (step) {
      case Step::idle:
      case Step::finished:
        driving = false;
        return false;

      case Step::fetch_info:
        step = Step::info_received;
        rpc.get_all_process_info(resume_into(info_result));
        return !token.expired();

      case Step::info_received: {
        auto infos = std::move(*info_result);
        info_result.reset();
        if (!infos.ok()) {
          step = Step::finished;
          if (!write("Exception retrieving process info " + infos.error.describe() + ", not acting",
                     token)) {
            return false;
          }
          return finish(token);
        }
        plan(*infos.value);
        if (nothing_but_given_up()) {
          step = Step::finished;
          for (std::size_t i = 0; i < considered.size(); ++i) {
            if (acted_on(considered[i]))
              late_notes.push_back("not restarting " +
                                   make_namespec(considered[i].group, considered[i].name) +
                                   ": gave up on it (--max-restarts " +
                                   std::to_string(settings.policy.max_restarts) + " within " +
                                   std::to_string(settings.policy.restart_window.count()) + " s)");
          }
          return finish(token);
        }
        step = Step::next_process;
        return write(settings.any
                         ? std::string("Restarting all running processes")
                         : "Restarting selected processes " + python_list(settings.programs),
                     token);
      }

      case Step::next_process: {
        if (index >= considered.size()) {
          step = Step::after_processes;
          return true;
        }
        const std::string namespec = current_namespec();
        if (const auto by = restarted_by_another(namespec)) {
          // plan() decided the limit before that restart: what it recorded goes unsaid.
          if (settings.limit != nullptr)
            settings.limit->revert(namespec, settings.target, settings.policy, limits[index]);
          ++index;
          return write(namespec + " was restarted for " + *by +
                           " after this check began, NOT restarting again",
                       token);
        }
        if (!acted_on(current())) {
          ++index;
          return write(namespec + " not in RUNNING state, NOT restarting", token);
        }
        switch (limits[index].kind) {
          case RestartLimit::Decision::Kind::restart:
            break;
          case RestartLimit::Decision::Kind::give_up:
            ++index;
            return write(
                giving_up_text(namespec, limits[index - 1].count, settings.policy.restart_window),
                token);
          case RestartLimit::Decision::Kind::given_up:
            ++index;
            return write(namespec + " given up on, NOT restarting", token);
          case RestartLimit::Decision::Kind::resume:
            if (!write("resuming restarts of " + namespec + ": fewer than " +
                           std::to_string(settings.policy.max_restarts) + " within " +
                           std::to_string(settings.policy.restart_window.count()) + " s",
                       token))
              return false;
            limits[index].kind = RestartLimit::Decision::Kind::restart;
            break;
        }
        if (settings.dry_run) {
          // Nothing is recorded: a restart that did not happen resets no count and uses
          // up no other target's --max-restarts.
          std::string would =
              (revivable(current()) ? "dry run: would start " : "dry run: would restart ") +
              namespec;
          if (!settings.presignal.empty() && !revivable(current()))
            would += " (sending " + settings.presignal + " first)";
          ++index;
          return write(would, token);
        }
        if (revivable(current())) {
          // --revive: supervisord gave up on it (FATAL) or it exited; start it again.
          if (!write(namespec + " is in " + current().statename + " state, starting", token))
            return false;
          record_restart(namespec);
          reviving = true;
          step = Step::start_done;
          rpc.start_process(namespec, resume_into(bool_result));
          return !token.expired();
        }
        if (gcore_wanted() && core_allowed(namespec)) {
          step = Step::gcore_done;
          SpawnRequest request;
          request.name = "gcore";
          request.command = settings.gcore;
          request.args = {core_file_name(*settings.coredir, namespec),
                          std::to_string(current().pid)};
          request.deadline = settings.action_timeout;
          spawner.run(std::move(request), resume_into(spawn_result));
          return !token.expired();
        }
        return begin_restart(namespec, token);
      }

      case Step::gcore_done: {
        const SpawnResult result = std::move(*spawn_result);
        spawn_result.reset();
        const std::string namespec = current_namespec();
        if (!write("gcore output for " + namespec + ":\n\n " + result.stdout_data, token)) {
          return false;
        }
        if (!result.success() && settings.core_limit != nullptr) {
          settings.core_limit->release(namespec);  // no core was written
        }
        // Noted once the block is complete: nothing of ours goes inside it.
        note_spawn_result("gcore for " + namespec + " failed: ",
                          "gcore for " + namespec + " wrote on stderr: ", settings.gcore, result);
        return begin_restart(namespec, token);
      }

      case Step::signal_done: {
        const RpcResult<bool> result = std::move(*bool_result);
        bool_result.reset();
        const std::string namespec = current_namespec();
        if (result.ok()) {
          const auto seconds = settings.presignal_wait.count() / 1000;
          if (!write("sent " + settings.presignal + " to " + namespec + ", waiting " +
                         std::to_string(seconds) + " s",
                     token))
            return false;
          if (settings.presignal_wait.count() > 0 && settings.delay != nullptr) {
            step = Step::wait_done;
            auto resume = resume_into(bool_result);
            settings.delay->after(settings.presignal_wait, [resume = std::move(resume)]() mutable {
              resume(RpcResult<bool>{});
            });
            return !token.expired();
          }
        } else if (result.error.fault && result.error.fault->code == kFaultUnknownMethod) {
          if (settings.no_signal_process != nullptr)
            *settings.no_signal_process = true;
          late_notes.push_back(
              "supervisord does not know supervisor.signalProcess (it is older "
              "than 3.2): --presignal " +
              settings.presignal + " is not sent");
        } else if (!write("Failed to signal process " + namespec + ": " + result.error.describe(),
                          token)) {
          return false;
        }
        return stop_now(namespec, token);
      }

      case Step::wait_done:
        bool_result.reset();
        return stop_now(current_namespec(), token);

      case Step::stop_done: {
        const RpcResult<bool> result = std::move(*bool_result);
        bool_result.reset();
        const std::string namespec = current_namespec();
        if (!result.ok())
          restart_errors.push_back(namespec);
        if (!result.ok() &&
            !write("Failed to stop process " + namespec + ": " + result.error.describe(), token)) {
          return false;
        }
        step = Step::start_done;
        rpc.start_process(namespec, resume_into(bool_result));
        return !token.expired();
      }

      case Step::start_done: {
        const RpcResult<bool> result = std::move(*bool_result);
        bool_result.reset();
        const std::string namespec = current_namespec();
        ++index;
        step = Step::next_process;
        // Recorded when it is running again: a check that began before, while it was
        // stopped or starting, saw the old process or none.
        if (result.ok() && settings.ledger != nullptr)
          settings.ledger->record(namespec, settings.target);
        const char* done_word = std::exchange(reviving, false) ? " started" : " restarted";
        if (!result.ok())
          restart_errors.push_back(namespec);
        return write(result.ok()
                         ? namespec + done_word
                         : "Failed to start process " + namespec + ": " + result.error.describe(),
                     token);
      }

      case Step::after_processes: {
        if (!waiting.empty()) {
          const std::vector<std::string> missing = std::move(waiting);
          waiting.clear();
          if (!write("Programs not restarted because they did not exist: " + python_list(missing),
                     token)) {
            return false;
          }
        }
        if (!settings.email) {
          step = Step::finished;
          return finish(token);
        }
        mail = format_mail(*settings.email, subject, messages);
        step = Step::mail_sent;
        SpawnRequest request;
        request.name = "sendmail";
        request.command = settings.sendmail;
        request.stdin_data = mail;
        request.deadline = settings.action_timeout;
        spawner.run(std::move(request), resume_into(spawn_result));
        return !token.expired();
      }

      case Step::mail_sent: {
        const SpawnResult result = std::move(*spawn_result);
        spawn_result.reset();
        step = Step::finished;
        // superlance writes this block even when sendmail failed; our note follows it.
        log("Mailed:\n\n" + mail);
        if (token.expired()) {
          return false;
        }
        note_spawn_result("failed to send mail: ", "sendmail wrote on stderr: ", settings.sendmail,
                          result);
        return finish(token);
      }
    }
    return false;
  }

  // Writes the notes held back during the block, then calls `done` last: it may destroy
  // us, so nothing follows it.
  bool finish(const Token& token) {
    for (const std::string& line : late_notes) {
      if (!note(line, token)) {
        return false;
      }
    }
    late_notes.clear();
    driving = false;
    auto callback = std::move(done);
    done = nullptr;
    if (callback) {
      callback();
    }
    return false;
  }

  ActionSettings settings;
  SupervisorApi& rpc;
  Spawner& spawner;
  LogFn log;

  std::string subject;
  std::function<void()> done;
  std::vector<std::string> messages;  // the mail body: the outcome, then every write()
  std::vector<ProcessInfo> considered;
  std::vector<RestartLimit::Decision> limits;  // by index in `considered`
  std::vector<std::string> restart_errors;     // failed stopProcess or startProcess calls
  std::vector<ProcessInfo> restarted;          // stopped and started (or tried to)
  bool reviving = false;                       // the startProcess out is a revive's
  std::vector<std::string> waiting;
  std::size_t index = 0;
  std::string mail;
  std::vector<std::string> late_notes;  // ours, written after the block

  Step step = Step::idle;
  bool awaiting = false;        // a call is out and its callback has not come yet
  std::uint64_t last_call = 0;  // numbers the calls; only the last one may answer
  bool driving = false;         // drive() is on the stack
  std::optional<RpcResult<std::vector<ProcessInfo>>> info_result;
  std::optional<RpcResult<bool>> bool_result;
  std::optional<SpawnResult> spawn_result;

  // Expires with this object; callbacks and the loop hold weak copies.
  std::shared_ptr<char> alive = std::make_shared<char>();
};

ActionRun::ActionRun(const ActionSettings& settings, SupervisorApi& rpc, Spawner& spawner,
                     LogFn log)
    : impl_(std::make_unique<Impl>(settings, rpc, spawner, std::move(log))) {}

ActionRun::~ActionRun() = default;

const std::vector<ProcessInfo>& ActionRun::restarted() const {
  return impl_->restarted;
}

const std::vector<std::string>& ActionRun::restart_errors() const {
  return impl_->restart_errors;
}

void ActionRun::start(std::string subject, std::string outcome, std::function<void()> done) {
  Impl& impl = *impl_;
  if (impl.step != Impl::Step::idle) {
    return;  // one run per object
  }
  impl.subject = std::move(subject);
  impl.messages = {std::move(outcome)};
  impl.done = std::move(done);
  impl.step = Impl::Step::fetch_info;
  impl.drive();
}

}  // namespace httpok
