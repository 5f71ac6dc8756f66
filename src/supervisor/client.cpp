#include <cstring>

#include "httpok/http.hpp"
#include "httpok/net.hpp"
#include "httpok/python_text.hpp"
#include "httpok/supervisor_client.hpp"

namespace httpok {

namespace {

// The parser's message on one line of reasonable length: it lands inside superlance's
// one-line "Exception retrieving process info ..." and "Failed to ..." messages.
std::string one_short_line(std::string_view text) {
  constexpr std::size_t kMax = 200;
  std::string out;
  for (const char c : text.substr(0, kMax))
    out += (c == '\n' || c == '\r') ? ' ' : c;
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  if (text.size() > kMax)
    out += "...";
  return out;
}

RpcResult<xmlrpc::Value> error_result(std::string text) {
  RpcResult<xmlrpc::Value> r;
  r.error.text = std::move(text);
  return r;
}

}  // namespace

// One XML-RPC exchange. Owned by the client's list; removed (and destroyed) once it has
// an answer, before the user's callback runs.
class SupervisorClient::Call final : private net::Stream::Handler, private net::Connector::Events {
 public:
  Call(SupervisorClient& client, std::string method, std::string request,
       std::chrono::milliseconds timeout, ValueCallback done)
      : client_(client),
        method_(std::move(method)),
        timeout_(timeout),
        request_(std::move(request)),
        done_(std::move(done)),
        stream_(client.loop_, *this),
        connector_(client.loop_, client.dns_, stream_, *this),
        deadline_(client.loop_),
        target_(client.target_) {
    target_.budget = timeout;
  }

  void start() {
    parser_.reset(ResponseParser::Options{xmlrpc::kMaxResponseBytes + 1, "", true});
    deadline_.start(static_cast<std::uint64_t>(timeout_.count()), [this] {
      fail("supervisord did not answer " + method_ + " within " + net::duration_text(timeout_));
    });
    (void)connector_.start(target_);  // no early bytes: always told through Events
  }

 private:
  std::string unreachable(int status) const {
    return "cannot reach supervisord at " + redact_password(client_.settings_.server_url) + ": " +
           net::errno_text(status);
  }

  void on_connect(int status) override { connector_.on_connect(status); }
  void on_connect_failed(net::ConnectFailure, int status) override { fail(unreachable(status)); }
  void on_connected() override {
    const int rc = stream_.write(request_);
    if (rc < 0)
      fail(unreachable(rc));
  }

  void on_data(std::string_view bytes) override {
    if (parser_.feed(bytes) != ResponseParser::State::in_progress)
      complete();
  }

  void on_eof() override {
    parser_.finish();
    complete();
  }

  void on_stream_error(int status) override {
    fail("connection to supervisord failed: " + net::errno_text(status));
  }

  void complete() {
    if (parser_.state() == ResponseParser::State::error) {
      return fail("bad HTTP answer from supervisord: " + parser_.error());
    }
    const int status = parser_.status();
    if (status == 401) {
      // The user is named; the password never is.
      const SupervisorClientSettings& s = client_.settings_;
      if (!s.username_set && !s.password_set) {
        return fail(
            "supervisord asks for credentials: set SUPERVISOR_USERNAME and "
            "SUPERVISOR_PASSWORD in the listener's environment=");
      }
      return fail("supervisord refused the credentials of user " + python_repr(s.username) +
                  (s.password_set ? "" : " (SUPERVISOR_PASSWORD is not set)"));
    }
    if (status != 200) {
      return fail("supervisord answered " + method_ + " with HTTP " + std::to_string(status) + " " +
                  parser_.reason());
    }
    if (parser_.body_capped()) {
      return fail("the answer of supervisord to " + method_ + " is larger than " +
                  std::to_string(xmlrpc::kMaxResponseBytes) + " bytes");
    }
    xmlrpc::Response response = xmlrpc::decode_response(parser_.body());
    RpcResult<xmlrpc::Value> result;
    switch (response.kind) {
      case xmlrpc::Response::Kind::value:
        result.value = std::move(response.value);
        break;
      case xmlrpc::Response::Kind::fault:
        result.error.fault = std::move(response.fault);
        break;
      case xmlrpc::Response::Kind::error:
        result.error.text = "malformed XML-RPC answer from supervisord to " + method_ + ": " +
                            one_short_line(response.error);
        break;
    }
    client_.finished(this, std::move(result));
  }

  void fail(std::string text) { client_.finished(this, error_result(std::move(text))); }

 public:
  ValueCallback take_callback() { return std::move(done_); }

 private:
  SupervisorClient& client_;
  std::string method_;
  std::chrono::milliseconds timeout_;
  std::string request_;
  ValueCallback done_;
  net::Stream stream_;
  net::Connector connector_;
  net::Timer deadline_;
  net::ConnectTarget target_;  // the client's, with this call's deadline
  ResponseParser parser_;
};

SupervisorClient::SupervisorClient(uv_loop_t* loop, net::Dns& dns,
                                   SupervisorClientSettings settings)
    : loop_(loop), dns_(dns), settings_(std::move(settings)) {}

SupervisorClient::~SupervisorClient() = default;

Result<std::unique_ptr<SupervisorClient>> SupervisorClient::create(
    uv_loop_t* loop, net::Dns& dns, SupervisorClientSettings settings) {
  using R = Result<std::unique_ptr<SupervisorClient>>;
  std::unique_ptr<SupervisorClient> client(new SupervisorClient(loop, dns, settings));
  const std::string& url = settings.server_url;
  if (url.rfind("unix://", 0) == 0) {
    client->target_.unix_path = url.substr(7);
    if (client->target_.unix_path.empty()) {
      return R::failure("SUPERVISOR_SERVER_URL '" + url + "' names no socket path");
    }
    client->host_header_ = "localhost";
  } else {
    auto parsed = parse_url(url);
    if (!parsed || parsed.value().https()) {
      return R::failure("SUPERVISOR_SERVER_URL '" + url +
                        "' is neither unix:///path nor http://host:port");
    }
    client->target_.set_host(parsed.value().host, parsed.value().port);
    client->host_header_ = parsed.value().host_header();
  }
  client->authorization_ = base64_encode(settings.username + ":" + settings.password);
  return R(std::move(client));
}

void SupervisorClient::call(const std::string& method, std::vector<xmlrpc::Value> params,
                            std::chrono::milliseconds timeout, ValueCallback done) {
  std::string request = build_post_request(host_header_, "/RPC2", authorization_,
                                           xmlrpc::encode_call(method, params));
  calls_.push_back(
      std::make_unique<Call>(*this, method, std::move(request), timeout, std::move(done)));
  calls_.back()->start();
}

void SupervisorClient::finished(Call* call, RpcResult<xmlrpc::Value> result) {
  ValueCallback done = call->take_callback();
  // Destroying the call here is safe: no uv callback touches it after its handler returns.
  calls_.remove_if([call](const std::unique_ptr<Call>& c) { return c.get() == call; });
  if (done)
    done(std::move(result));
}

void SupervisorClient::get_all_process_info(InfoCallback done) {
  get_all_process_info(settings_.timeout, std::move(done));
}

void SupervisorClient::get_all_process_info(std::chrono::milliseconds timeout, InfoCallback done) {
  call("supervisor.getAllProcessInfo", {}, timeout,
       [done = std::move(done)](RpcResult<xmlrpc::Value> r) {
         if (!r.ok()) {
           RpcResult<std::vector<ProcessInfo>> failed;
           failed.error = std::move(r.error);
           return done(std::move(failed));
         }
         done(process_infos_from(*r.value));
       });
}

namespace {

void as_bool(SupervisorApi::BoolCallback done, RpcResult<xmlrpc::Value> r) {
  RpcResult<bool> out;
  if (r.ok()) {
    const auto* b = std::get_if<bool>(&r.value->v);
    out.value = b == nullptr || *b;
  } else {
    out.error = std::move(r.error);
  }
  done(std::move(out));
}

}  // namespace

void SupervisorClient::stop_process(const std::string& namespec, BoolCallback done) {
  call("supervisor.stopProcess", {xmlrpc::Value(namespec), xmlrpc::Value(true)},
       settings_.wait_timeout, [done = std::move(done)](RpcResult<xmlrpc::Value> r) mutable {
         as_bool(std::move(done), std::move(r));
       });
}

void SupervisorClient::start_process(const std::string& namespec, BoolCallback done) {
  call("supervisor.startProcess", {xmlrpc::Value(namespec), xmlrpc::Value(true)},
       settings_.wait_timeout, [done = std::move(done)](RpcResult<xmlrpc::Value> r) mutable {
         as_bool(std::move(done), std::move(r));
       });
}

void SupervisorClient::signal_process(const std::string& namespec, const std::string& signal,
                                      BoolCallback done) {
  call("supervisor.signalProcess", {xmlrpc::Value(namespec), xmlrpc::Value(signal)},
       settings_.timeout, [done = std::move(done)](RpcResult<xmlrpc::Value> r) mutable {
         as_bool(std::move(done), std::move(r));
       });
}

}  // namespace httpok
