// The XML-RPC client for supervisord on the libuv loop: UNIX socket (unix:///path) or
// TCP (http://host:port), Basic auth, one connection and one deadline per call.
#pragma once

#include <uv.h>

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "httpok/connector.hpp"
#include "httpok/dns.hpp"
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
  // Checks the server URL (start-up error text on failure). `dns` (for a host name in an
  // http:// URL) outlives the client.
  static Result<std::unique_ptr<SupervisorClient>> create(uv_loop_t* loop, net::Dns& dns,
                                                          SupervisorClientSettings settings);
  ~SupervisorClient() override;
  SupervisorClient(const SupervisorClient&) = delete;
  SupervisorClient& operator=(const SupervisorClient&) = delete;

  void get_all_process_info(InfoCallback done) override;
  // The same with its own deadline (the start-up check is bounded more tightly).
  void get_all_process_info(std::chrono::milliseconds timeout, InfoCallback done);
  void stop_process(const std::string& namespec, BoolCallback done) override;
  void start_process(const std::string& namespec, BoolCallback done) override;
  void signal_process(const std::string& namespec, const std::string& signal,
                      BoolCallback done) override;

  using ValueCallback = std::function<void(RpcResult<xmlrpc::Value>)>;
  // Any call; the answer decoded.
  void call(const std::string& method, std::vector<xmlrpc::Value> params,
            std::chrono::milliseconds timeout, ValueCallback done);

  std::size_t calls_in_flight() const noexcept { return calls_.size(); }

  class Call;

 private:
  SupervisorClient(uv_loop_t* loop, net::Dns& dns, SupervisorClientSettings settings);
  void finished(Call* call, RpcResult<xmlrpc::Value> result);

  uv_loop_t* loop_;
  net::Dns& dns_;
  SupervisorClientSettings settings_;
  net::ConnectTarget target_;  // the socket, or host and port (each call sets its budget)
  std::string host_header_;
  std::string authorization_;  // base64 of user:password
  std::list<std::unique_ptr<Call>> calls_;
};

}  // namespace httpok
