// The XML-RPC client for supervisord on the libuv loop: UNIX socket (unix:///path) or
// TCP (http://host:port), Basic auth, one connection and one deadline per call.
#pragma once

#include <uv.h>

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "httpok/result.hpp"
#include "httpok/supervisor.hpp"
#include "httpok/xmlrpc.hpp"

namespace httpok {

struct SupervisorClientSettings {
  std::string server_url;  // SUPERVISOR_SERVER_URL
  std::string username;    // SUPERVISOR_USERNAME ("" when unset, as supervisor's client)
  std::string password;    // SUPERVISOR_PASSWORD
  std::chrono::milliseconds timeout{30000};        // per call: getAllProcessInfo
  std::chrono::milliseconds wait_timeout{300000};  // per call: stopProcess, startProcess
  // Whether SUPERVISOR_USERNAME and SUPERVISOR_PASSWORD were set: a 401 then names the
  // user whose credentials were refused (and a password that is not set), else it says to
  // set them.
  bool username_set = false;
  bool password_set = false;
};

// Owned by the application. Destroying it abandons the calls under way: their callbacks
// are never called.
class SupervisorClient final : public SupervisorApi {
 public:
  // Checks the server URL (start-up error text on failure).
  static Result<std::unique_ptr<SupervisorClient>> create(uv_loop_t* loop,
                                                          SupervisorClientSettings settings);
  ~SupervisorClient() override;
  SupervisorClient(const SupervisorClient&) = delete;
  SupervisorClient& operator=(const SupervisorClient&) = delete;

  void get_all_process_info(InfoCallback done) override;
  // The same with its own deadline (the start-up check is bounded more tightly).
  void get_all_process_info(std::chrono::milliseconds timeout, InfoCallback done);
  void stop_process(const std::string& namespec, BoolCallback done) override;
  void start_process(const std::string& namespec, BoolCallback done) override;

  using ValueCallback = std::function<void(RpcResult<xmlrpc::Value>)>;
  // Any call; the answer decoded.
  void call(const std::string& method, std::vector<xmlrpc::Value> params,
            std::chrono::milliseconds timeout, ValueCallback done);

  std::size_t calls_in_flight() const noexcept { return calls_.size(); }

  class Call;

 private:
  SupervisorClient(uv_loop_t* loop, SupervisorClientSettings settings);
  void finished(Call* call, RpcResult<xmlrpc::Value> result);

  uv_loop_t* loop_;
  SupervisorClientSettings settings_;
  bool unix_socket_ = false;
  std::string socket_path_;  // unix
  std::string host_;         // http
  std::uint16_t port_ = 0;
  std::string host_header_;
  std::string authorization_;  // base64 of user:password
  std::list<std::unique_ptr<Call>> calls_;
};

}  // namespace httpok
