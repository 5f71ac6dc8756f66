#include "support/supervisord.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace httpok::test {

namespace {

using Clock = std::chrono::steady_clock;

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The text of the first <string> that follows `<name>member</name>` in an XML-RPC struct.
std::optional<std::string> struct_string_member(const std::string& xml, const std::string& member) {
  const std::size_t name = xml.find("<name>" + member + "</name>");
  if (name == std::string::npos) {
    return std::nullopt;
  }
  const std::size_t open = xml.find("<string>", name);
  const std::size_t close = xml.find("</string>", open);
  if (open == std::string::npos || close == std::string::npos) {
    return std::nullopt;
  }
  return xml.substr(open + 8, close - open - 8);
}

// The <int> (or <i4>) that follows `<name>member</name>` in an XML-RPC struct.
std::optional<long> struct_int_member(const std::string& xml, const std::string& member) {
  const std::size_t name = xml.find("<name>" + member + "</name>");
  if (name == std::string::npos) {
    return std::nullopt;
  }
  const std::size_t value = xml.find("<value>", name);
  const std::size_t open = xml.find('>', xml.find('<', value + 7));
  if (value == std::string::npos || open == std::string::npos) {
    return std::nullopt;
  }
  try {
    return std::stol(xml.substr(open + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The parent pid of `pid` from /proc, or 0.
pid_t parent_of(pid_t pid) {
  const std::string stat = read_file_or_empty("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) {
    return 0;
  }
  std::istringstream fields(stat.substr(paren + 1));
  std::string state;
  pid_t ppid = 0;
  fields >> state >> ppid;
  return ppid;
}

}  // namespace

std::string xmlrpc_string_param(const std::string& value) {
  return "<param><value><string>" + xml_escape(value) + "</string></value></param>";
}

bool Supervisord::available() {
  return std::strlen(HTTPOK_SUPERVISORD) > 0 && std::strlen(HTTPOK_SUPERVISORCTL) > 0;
}

Supervisord::Supervisord(SupervisordOptions options) : options_(std::move(options)) {}

Supervisord::~Supervisord() {
  stop();
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- supervisord.log (" << dir().string() << ") ----\n"
              << log() << "---- supervisord stdout/stderr ----\n"
              << read_file_or_empty(dir() / "supervisord.out") << "---- end ----\n";
  }
}

void Supervisord::start(const std::string& sections) {
  if (pid_ != 0 && !reaped_) {
    throw std::runtime_error("supervisord already started");
  }
  reaped_ = false;
  const std::string here = dir().string();
  std::ostringstream conf;
  conf << "[supervisord]\n"
       << "nodaemon=true\n"
       << "logfile=" << here << "/supervisord.log\n"
       << "pidfile=" << here << "/supervisord.pid\n"
       << "childlogdir=" << here << "\n"
       << "loglevel=" << options_.loglevel
       << "\n"
       // Low limits so that supervisord never tries (and fails) to raise them.
       << "minfds=16\nminprocs=16\n\n"
       << "[unix_http_server]\nfile=" << socket_path() << "\n\n";
  if (options_.inet_http_server) {
    inet_port_ = options_.inet_port != 0 ? options_.inet_port : free_tcp_port();
    conf << "[inet_http_server]\nport=127.0.0.1:" << inet_port_ << "\n";
    if (!options_.username.empty()) {
      conf << "username=" << options_.username << "\npassword=" << options_.password << "\n";
    }
    conf << "\n";
  }
  conf << "[rpcinterface:supervisor]\n"
       << "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
       << "[supervisorctl]\nserverurl=" << server_url() << "\n\n"
       << sections << "\n";
  write_file(config_path(), conf.str());

  // stdin from /dev/null; with nodaemon supervisord echoes its log to stdout, which would
  // clutter the test output: both go to a file.
  const std::string out_path = (dir() / "supervisord.out").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so that a Ctrl-C on the test does not reach it mid-test and the
  // destructor stays in charge of stopping it.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const std::string conf_path = config_path().string();
  std::vector<char*> argv{const_cast<char*>(HTTPOK_SUPERVISORD), const_cast<char*>("-c"),
                          const_cast<char*>(conf_path.c_str()), nullptr};
  const int err = ::posix_spawn(&pid_, HTTPOK_SUPERVISORD, &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    pid_ = 0;
    throw std::runtime_error(std::string("cannot run " HTTPOK_SUPERVISORD ": ") +
                             std::strerror(err));
  }

  const bool answered = wait_until(
      [this] {
        if (!running()) {
          return true;
        }
        const std::string state = rpc("supervisor.getState");
        return state.find("<string>RUNNING</string>") != std::string::npos;
      },
      options_.start_timeout);
  if (!answered || !running()) {
    const std::string why = running() ? "did not answer in time" : "exited";
    stop();
    throw std::runtime_error("supervisord " + why + "\n" + log() +
                             read_file_or_empty(dir() / "supervisord.out"));
  }
}

bool Supervisord::running() {
  if (pid_ == 0 || reaped_) {
    return false;
  }
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void Supervisord::stop() {
  if (!running()) {
    return;
  }
  ::kill(pid_, SIGTERM);
  if (wait_until([this] { return !running(); }, options_.stop_timeout)) {
    return;
  }
  // Hung: kill its children, then supervisord itself.
  kill();
}

void Supervisord::kill() {
  if (!running()) {
    return;
  }
  // Its children, each in its own process group (so not reached by killing supervisord's
  // group), are found before it dies, while they are still its own.
  std::vector<pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") == std::string::npos &&
        parent_of(std::stoi(name)) == pid_) {
      children.push_back(std::stoi(name));
    }
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  for (const pid_t child : children) {
    ::kill(-child, SIGKILL);
    ::kill(child, SIGKILL);
  }
}

std::string Supervisord::ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{HTTPOK_SUPERVISORCTL, "-c", config_path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv).output;
}

std::string Supervisord::rpc(const std::string& method, const std::string& params) const {
  const std::string body = "<?xml version=\"1.0\"?>\n<methodCall><methodName>" + method +
                           "</methodName><params>" + params + "</params></methodCall>\n";
  const std::string request =
      "POST /RPC2 HTTP/1.0\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  return exchange_unix(socket_path(), request);
}

std::optional<std::string> Supervisord::state_of(const std::string& name) const {
  const std::string response = rpc("supervisor.getProcessInfo", xmlrpc_string_param(name));
  if (response.find("<fault>") != std::string::npos) {
    return std::nullopt;
  }
  return struct_string_member(response, "statename");
}

std::optional<pid_t> Supervisord::pid_of(const std::string& name) const {
  const std::string response = rpc("supervisor.getProcessInfo", xmlrpc_string_param(name));
  if (response.find("<fault>") != std::string::npos) {
    return std::nullopt;
  }
  const std::optional<long> pid = struct_int_member(response, "pid");
  if (!pid) {
    return std::nullopt;
  }
  return static_cast<pid_t>(*pid);
}

bool Supervisord::wait_for_state(const std::string& name, const std::string& state,
                                 std::chrono::milliseconds timeout) const {
  return wait_until([&] { return state_of(name) == state; }, timeout);
}

std::string Supervisord::log() const {
  return read_file_or_empty(dir() / "supervisord.log");
}

bool Supervisord::wait_for_log(const std::string& substring,
                               std::chrono::milliseconds timeout) const {
  return wait_until([&] { return log().find(substring) != std::string::npos; }, timeout);
}

std::string Supervisord::child_log(const std::string& name, const std::string& channel) const {
  const std::string prefix = name + "-" + channel + "---";
  for (const auto& entry : std::filesystem::directory_iterator(dir())) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) {
      return read_file_or_empty(entry.path());
    }
  }
  return {};
}

}  // namespace httpok::test
