// The application: wires the event listener, the probes and (on failure) the actions.
// The only module that knows every other one.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "httpok/config.hpp"
#include "httpok/http.hpp"
#include "httpok/probe_result.hpp"

namespace httpok {

// What supervisord tells its listener through the environment.
struct ListenerEnvironment {
  std::string server_url;     // SUPERVISOR_SERVER_URL
  std::string username;       // SUPERVISOR_USERNAME (empty when unset)
  std::string password;       // SUPERVISOR_PASSWORD
  std::string group_name;     // SUPERVISOR_GROUP_NAME: the listener's own group
  std::string process_name;   // SUPERVISOR_PROCESS_NAME
  bool username_set = false;  // SUPERVISOR_USERNAME is set (perhaps to "")
  bool password_set = false;  // SUPERVISOR_PASSWORD is set
};

// Reads the variables above; nothing when SUPERVISOR_SERVER_URL is unset.
std::optional<ListenerEnvironment> listener_environment();

// Runs httpok to the end: returns the process exit status. Start-up errors are reported
// on stderr (one line) and give 2 before READY is written.
// `reload` reads the configuration again on SIGHUP (nothing: SIGHUP is ignored).
int run_listener(Config config, const ListenerEnvironment& env,
                 std::function<Result<Config>()> reload = {});

// --once: probes every target once, concurrently, and appends one line per target to
// `report`: "api  OK  200  12.4 ms" or "api  FAIL  error contacting ...". Returns 0 when
// all passed, 1 when any failed, 2 on a start-up error (written to stderr).
int run_once(const Config& config, std::string& report);

// One line of that report; `name_width` pads the names into a column.
std::string once_line(const std::string& name, std::size_t name_width, const ProbeResult& result);

}  // namespace httpok
