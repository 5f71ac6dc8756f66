// What httpok does when a probe fails: superlance's restart sequence, its stderr lines
// and its mail, over the asynchronous SupervisorApi and Spawner interfaces.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "httpok/config.hpp"
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

struct ActionSettings {
  std::vector<std::string> programs;
  bool any = false;
  std::optional<std::string> email;
  std::string sendmail;
  std::string gcore;
  std::optional<std::string> coredir;
  std::chrono::milliseconds action_timeout{60000};
  // The listener's own process (SUPERVISOR_GROUP_NAME / SUPERVISOR_PROCESS_NAME); skipped by -a.
  std::string self_group;
  std::string self_name;
};

// One run of the restart sequence. Owned by the caller; `done` is called once at the end.
// Every line is passed to `log` (which writes it to stderr) as it is produced.
class ActionRun {
 public:
  using LogFn = std::function<void(const std::string& line)>;
  ActionRun(const ActionSettings& settings, SupervisorApi& rpc, Spawner& spawner, LogFn log);
  ~ActionRun();
  ActionRun(const ActionRun&) = delete;
  ActionRun& operator=(const ActionRun&) = delete;

  // subject: the mail subject; outcome: the probe outcome text (first line of the mail).
  void start(std::string subject, std::string outcome, std::function<void()> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace httpok
