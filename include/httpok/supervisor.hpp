// The supervisord calls httpok makes, as an asynchronous interface, so that the action
// logic can be driven by a real XML-RPC client on the loop or by a fake in tests.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "httpok/result.hpp"
#include "httpok/xmlrpc.hpp"

namespace httpok {

struct ProcessInfo {
  std::string name;
  std::string group;
  std::string statename;
  int state = 0;  // 20 is RUNNING
  std::int64_t pid = 0;
  std::int64_t start = 0;  // when it was started, and supervisord's time of the answer
  std::int64_t now = 0;    // (seconds since the epoch; 0 when not given)
  bool operator==(const ProcessInfo&) const = default;
};

inline constexpr int kStateStarting = 10;
inline constexpr int kStateRunning = 20;
inline constexpr int kStateBackoff = 30;
inline constexpr int kStateExited = 100;
inline constexpr int kStateFatal = 200;

// "name" when group == name, else "group:name" (supervisor's make_namespec).
std::string make_namespec(const std::string& group, const std::string& name);

// Failure of one call: a fault from supervisord, or anything else (socket, HTTP status,
// timeout, malformed answer) as text.
struct RpcError {
  std::optional<xmlrpc::Fault> fault;
  std::string text;
  // <Fault CODE: REPR> for a fault, else the text.
  std::string describe() const;
};

template <class T>
struct RpcResult {
  std::optional<T> value;  // set on success
  RpcError error;          // meaningful when value is empty
  bool ok() const { return value.has_value(); }
};

// Decodes the answer of getAllProcessInfo into ProcessInfo values (pure).
RpcResult<std::vector<ProcessInfo>> process_infos_from(const xmlrpc::Value& value);

// A state's number from its name ("RUNNING" -> 20), or nothing for an unknown name.
std::optional<int> state_number(std::string_view statename);

// One PROCESS_STATE_<STATE> event: which process entered which state.
struct ProcessStateEvent {
  std::string name;
  std::string group;
  std::string statename;  // the state entered, from the event name
  int state = 0;
  std::string from_statename;
  std::int64_t pid = 0;  // when the payload gives one (RUNNING, STOPPING, EXITED)
};

// Reads the event name and the payload, "processname:web groupname:web from_state:STARTING
// pid:42". Strict: an unknown state, a token without a colon, a key given twice, a missing
// processname, groupname or from_state, or a pid that is not a whole number is an error
// (its text says which); keys it does not know are skipped, for later supervisords.
Result<ProcessStateEvent> parse_process_state(std::string_view eventname, std::string_view payload);

// Owned by the application; callbacks may run later (on the loop) or, for fakes,
// before the call returns. A callback is called exactly once unless the object is
// destroyed first, in which case it is never called.
class SupervisorApi {
 public:
  virtual ~SupervisorApi() = default;
  using InfoCallback = std::function<void(RpcResult<std::vector<ProcessInfo>>)>;
  using BoolCallback = std::function<void(RpcResult<bool>)>;
  virtual void get_all_process_info(InfoCallback done) = 0;
  virtual void stop_process(const std::string& namespec, BoolCallback done) = 0;
  virtual void start_process(const std::string& namespec, BoolCallback done) = 0;
  // supervisor.signalProcess (supervisord 3.2 and later): `signal` is a name ("QUIT").
  virtual void signal_process(const std::string& namespec, const std::string& signal,
                              BoolCallback done) = 0;
};

// supervisord's fault code for a method it does not know (xmlrpc.Faults.UNKNOWN_METHOD).
inline constexpr std::int64_t kFaultUnknownMethod = 1;

}  // namespace httpok
