// PROCESS_STATE events, read strictly: a payload that does not parse is reported and
// changes nothing.
#include <array>
#include <charconv>
#include <string>
#include <utility>

#include "httpok/supervisor.hpp"

namespace httpok {

namespace {

constexpr std::array<std::pair<std::string_view, int>, 8> kStates{{
    {"STOPPED", 0},
    {"STARTING", 10},
    {"RUNNING", 20},
    {"BACKOFF", 30},
    {"STOPPING", 40},
    {"EXITED", 100},
    {"FATAL", 200},
    {"UNKNOWN", 1000},
}};

}  // namespace

std::optional<int> state_number(std::string_view statename) {
  for (const auto& [name, number] : kStates) {
    if (name == statename)
      return number;
  }
  return std::nullopt;
}

Result<ProcessStateEvent> parse_process_state(std::string_view eventname,
                                              std::string_view payload) {
  using R = Result<ProcessStateEvent>;
  constexpr std::string_view kPrefix = "PROCESS_STATE_";
  if (!eventname.starts_with(kPrefix))
    return R::failure("not a PROCESS_STATE event: " + std::string(eventname));
  ProcessStateEvent event;
  event.statename = std::string(eventname.substr(kPrefix.size()));
  const auto state = state_number(event.statename);
  if (!state)
    return R::failure("unknown state in " + std::string(eventname));
  event.state = *state;
  bool have_name = false, have_group = false, have_from = false, have_pid = false;
  std::string_view rest = payload;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view token = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    const std::size_t colon = token.find(':');
    if (token.empty() || colon == std::string_view::npos || colon == 0)
      return R::failure("not a key:value token: '" + std::string(token) + "'");
    const std::string_view key = token.substr(0, colon);
    const std::string_view value = token.substr(colon + 1);
    const auto once = [&](bool& seen) {
      const bool first = !seen;
      seen = true;
      return first;
    };
    bool ok = true;
    if (key == "processname") {
      ok = once(have_name);
      event.name = std::string(value);
    } else if (key == "groupname") {
      ok = once(have_group);
      event.group = std::string(value);
    } else if (key == "from_state") {
      ok = once(have_from);
      event.from_statename = std::string(value);
      if (!state_number(value))
        return R::failure("unknown from_state '" + std::string(value) + "'");
    } else if (key == "pid") {
      ok = once(have_pid);
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), event.pid);
      if (ec != std::errc() || end != value.data() + value.size() || event.pid < 0)
        return R::failure("pid is not a whole number: '" + std::string(value) + "'");
    }
    if (!ok)
      return R::failure(std::string(key) + " is given twice");
  }
  if (!have_name || event.name.empty())
    return R::failure("no processname");
  if (!have_group || event.group.empty())
    return R::failure("no groupname");
  if (!have_from)
    return R::failure("no from_state");
  return R(std::move(event));
}

}  // namespace httpok
