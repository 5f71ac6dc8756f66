// Start-up checks; see include/httpok/startup.hpp.
#include "httpok/startup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "httpok/actions.hpp"
#include "httpok/http.hpp"
#include "httpok/net.hpp"
#include "httpok/python_text.hpp"

namespace httpok::startup {

namespace {

// Builtins and keywords of /bin/sh (POSIX and dash) that a command line may start with:
// there is no file to check.
constexpr std::array<std::string_view, 43> kShellWords{
    ".",        ":",      "[",      "alias", "break",   "case",   "cd",     "command", "continue",
    "do",       "echo",   "eval",   "exec",  "exit",    "export", "false",  "fc",      "for",
    "getopts",  "hash",   "if",     "jobs",  "kill",    "local",  "printf", "pwd",     "read",
    "readonly", "return", "set",    "shift", "test",    "then",   "time",   "times",   "trap",
    "true",     "type",   "ulimit", "umask", "unalias", "unset",  "wait"};

std::string errno_text(int err) {
  return std::strerror(err);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> first_program(std::string_view command) {
  const std::size_t start = command.find_first_not_of(" \t\n");
  if (start == std::string_view::npos)
    return std::nullopt;
  command.remove_prefix(start);
  const std::string_view word = command.substr(0, command.find_first_of(" \t\n"));
  if (word.find_first_of("'\"\\$`;&|<>(){}*?[]~=#!") != std::string_view::npos)
    return std::nullopt;
  if (std::find(kShellWords.begin(), kShellWords.end(), word) != kShellWords.end())
    return std::nullopt;
  return std::string(word);
}

std::optional<std::string> program_problem(const std::string& program, std::string_view path) {
  const std::string quoted = python_repr(program);
  if (program.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(program.c_str(), &st) != 0)
      return quoted + (errno == ENOENT ? " does not exist" : ": " + errno_text(errno));
    if (S_ISDIR(st.st_mode))
      return quoted + " is a directory";
    if (!S_ISREG(st.st_mode) || ::access(program.c_str(), X_OK) != 0)
      return quoted + " is not executable";
    return std::nullopt;
  }
  // As the shell searches PATH: an empty entry is the current directory.
  for (std::size_t begin = 0; begin <= path.size();) {
    const std::size_t end = std::min(path.find(':', begin), path.size());
    const std::string_view dir = path.substr(begin, end - begin);
    if (is_executable_file((dir.empty() ? std::string(".") : std::string(dir)) + "/" + program))
      return std::nullopt;
    begin = end + 1;
  }
  return quoted + " is not found in PATH (" + std::string(path) + ")";
}

std::optional<std::string> directory_problem(const std::string& dir) {
  const std::string quoted = python_repr(dir);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return quoted + (errno == ENOENT ? " does not exist" : ": " + errno_text(errno));
  if (!S_ISDIR(st.st_mode))
    return quoted + " is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return quoted + " is not writable: " + errno_text(errno);
  return std::nullopt;
}

std::vector<std::string> unknown_programs(const std::vector<std::string>& programs,
                                          const std::vector<ProcessInfo>& infos) {
  std::vector<std::string> unknown;
  for (const std::string& program : programs) {
    const bool known = std::any_of(infos.begin(), infos.end(), [&](const ProcessInfo& info) {
      return selects({program}, false, "", "", info);
    });
    if (!known && std::find(unknown.begin(), unknown.end(), program) == unknown.end())
      unknown.push_back(program);
  }
  return unknown;
}

LocalChecks local_checks(const Config& config) {
  LocalChecks checks;
  const bool mails = std::any_of(config.targets.begin(), config.targets.end(),
                                 [&](const Target& t) {
                                   return t.email ? !t.email->empty() : config.email.has_value();
                                 }) ||
                     (config.targets.empty() && config.email);
  if (mails)
    checks.sendmail = config.sendmail;
  for (const Target& target : config.targets) {
    // Only the keys httpok uses: an http target's (from [httpok], say) is never read.
    const std::string& key = target.probe.tls.client_key;
    if (key.empty() || std::any_of(checks.keys.begin(), checks.keys.end(),
                                   [&](const auto& k) { return k.first == key; }))
      continue;
    if (const auto url = parse_url(target.probe.url); !url || !url.value().https())
      continue;
    checks.keys.emplace_back(key, config.targets.size() > 1 ? target.name + ": " : "");
  }
  if (config.coredir && !config.coredir->empty() && !config.gcore.empty()) {
    checks.gcore = config.gcore;
    checks.coredir = config.coredir;
  }
  return checks;
}

std::string LocalChecks::what() const {
  std::vector<std::string_view> parts;
  if (sendmail)
    parts.emplace_back("the sendmail program");
  if (!keys.empty())
    parts.emplace_back(keys.size() == 1 ? "the TLS key" : "the TLS keys");
  if (gcore)
    parts.emplace_back("the gcore program");
  if (coredir)
    parts.emplace_back("the core directory");
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0)
      text += i + 1 == parts.size() ? " and " : ", ";
    text += parts[i];
  }
  return text;
}

std::vector<std::string> local_warnings(const LocalChecks& checks, std::string_view path) {
  std::vector<std::string> lines;
  auto check_program = [&](const std::string& command, const char* option, const char* what) {
    if (const auto program = first_program(command)) {
      if (const auto problem = program_problem(*program, path)) {
        lines.push_back("httpok: warning: " + std::string(what) + " will fail: " + *problem + " (" +
                        option + " " + python_repr(command) + ")");
      }
    }
  };
  if (checks.sendmail)
    check_program(*checks.sendmail, "-s", "mail");
  // A private key that anyone may read is no longer private; said once per file.
  for (const auto& [key, who] : checks.keys) {
    struct stat st {};
    if (::stat(key.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      lines.push_back("httpok: " + who + "warning: anyone can read the TLS key " +
                      python_repr(key) + " (mode " + mode + "); chmod o-r it");
    }
  }
  if (checks.gcore)
    check_program(*checks.gcore, "-g", "core files");
  if (checks.coredir) {
    if (const auto problem = directory_problem(*checks.coredir))
      lines.push_back("httpok: warning: core files will fail: the core directory " + *problem +
                      " (-d)");
  }
  return lines;
}

std::vector<std::string> process_warnings(const Config& config,
                                          const std::vector<ProcessInfo>& infos) {
  std::vector<std::string> lines;
  for (const Target& target : config.targets) {
    if (target.restart.any)
      continue;
    const std::vector<std::string> unknown = unknown_programs(target.restart.programs, infos);
    const std::string who = config.targets.size() > 1 ? target.name + ": " : "";
    for (const std::string& name : unknown)
      lines.push_back("httpok: " + who + "warning: supervisord has no process named " +
                      python_repr(name) + " (-p)");
    if (target.restart.eager)
      continue;
    const std::string url = shown_url(target.probe);
    const auto is_unknown = [&](const std::string& program) {
      return std::find(unknown.begin(), unknown.end(), program) != unknown.end();
    };
    if (target.restart.programs.empty()) {
      lines.push_back("httpok: " + who + "warning: with -E and neither -p nor -a, " + url +
                      " is never checked");
    } else if (std::all_of(target.restart.programs.begin(), target.restart.programs.end(),
                           is_unknown)) {
      lines.push_back("httpok: " + who + "warning: with -E, " + url +
                      " is checked only while one of its processes is RUNNING, and supervisord "
                      "has none of them");
    }
  }
  return lines;
}

std::string watching_text(const Config& config, const Target& target) {
  std::string line = "watching " + shown_url(target.probe) + " every " +
                     (target.interval ? net::duration_text(*target.interval) : "TICK") +
                     " (timeout " + net::duration_text(target.probe.timeout) + ")";
  if (!target.probe.unix_socket.empty())
    line += " through " + target.probe.unix_socket;
  if (target.restart.any) {
    line += " for every process but this listener";
  } else if (target.restart.programs.empty()) {
    line += " for no process (neither -p nor -a is given)";
  } else {
    line += " for ";
    for (std::size_t i = 0; i < target.restart.programs.size(); ++i)
      line += (i > 0 ? ", " : "") + target.restart.programs[i];
  }
  if (!target.restart.eager)
    line += ", only while one of them is RUNNING";
  const std::optional<std::string>& email = target.email ? target.email : config.email;
  if (email && !email->empty())
    line += "; mail to " + *email;
  return line;
}

}  // namespace httpok::startup
