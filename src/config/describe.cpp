// --check-config's output: the resolved configuration written back as a config file, with
// the secrets masked.
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "httpok/config.hpp"
#include "httpok/http.hpp"

namespace httpok {

namespace {

std::string seconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

std::string flag(bool value) {
  return value ? "true" : "false";
}

// 200, 301-303, 500-599: runs of consecutive codes as ranges.
std::string codes_text(const std::vector<int>& codes) {
  std::string out;
  for (std::size_t i = 0; i < codes.size();) {
    std::size_t j = i;
    while (j + 1 < codes.size() && codes[j + 1] == codes[j] + 1)
      ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(codes[i]);
    if (j > i)
      out += "-" + std::to_string(codes[j]);
    i = j + 1;
  }
  return out;
}

// Authorization and Cookie values are secrets: "Authorization: ***".
std::string masked_header(const std::string& header) {
  const std::size_t colon = header.find(':');
  std::string name = header.substr(0, colon);
  for (char& c : name)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (name == "authorization" || name == "cookie" || name == "proxy-authorization")
    return header.substr(0, colon) + ": ***";
  return header;
}

// A URL as the file wrote it, %(ENV_X)s and all: its password masked unless the password
// is itself one %(ENV_X)s, which shows nothing and loads again.
std::string written_url_text(const std::string& text) {
  const std::string redacted = redact_password(text);
  if (redacted == text)
    return text;
  const std::size_t mask = redacted.find(":***@");
  const std::size_t at = text.find('@', mask);
  const std::string password = text.substr(mask + 1, at - mask - 1);
  const bool one_reference = password.rfind("%(ENV_", 0) == 0 && password.size() > 8 &&
                             password.find(')') == password.size() - 2 && password.back() == 's';
  return one_reference ? text : redacted;
}

}  // namespace

std::string describe_config(const Config& config) {
  std::string out = "[httpok]\n";
  // The values from the environment by section: a section's are few, the file's may be
  // many (a header of [httpok] from the environment is one for every target).
  std::unordered_map<std::string_view, std::vector<const EnvironmentValue*>> by_section;
  for (const EnvironmentValue& env : config.from_environment)
    by_section[env.section].push_back(&env);
  const std::vector<const EnvironmentValue*> none;
  const std::vector<const EnvironmentValue*>* section = &none;
  const auto enter = [&](const std::string& name) {
    const auto found = by_section.find(name);
    section = found == by_section.end() ? &none : &found->second;
  };
  enter("httpok");
  // A value as the file must hold it: a percent sign doubled, or it would read as an
  // expansion when the output is loaded again; a value of the section that came from the
  // environment as it was written, %(ENV_X)s (the setting of the key that counts, whose
  // value may print otherwise: 2xx as 200-299; of the header lines, the one of the same
  // value); `shown` instead of a secret.
  const auto line = [&](std::string& to, const std::string& key, const std::string& value,
                        const std::string* shown = nullptr) {
    to += key + " = ";
    for (const EnvironmentValue* env : *section) {
      if (env->key == key && (key != "header" || env->value == value)) {
        to += (key == "url" ? written_url_text(env->text) : env->text) + "\n";
        return;
      }
    }
    for (const char c : shown != nullptr ? *shown : value)
      to += c == '%' ? std::string("%%") : std::string(1, c);
    to += "\n";
  };
  if (config.email)
    line(out, "email", *config.email);
  line(out, "sendmail_program", config.sendmail);
  if (config.name)
    line(out, "name", *config.name);
  line(out, "gcore", config.gcore);
  if (config.coredir)
    line(out, "coredir", *config.coredir);
  if (config.metrics_file)
    line(out, "metrics_file", *config.metrics_file);
  line(out, "rpc_timeout", seconds(config.rpc_timeout));
  line(out, "wait_timeout", seconds(config.wait_timeout));
  line(out, "action_timeout", seconds(config.action_timeout));
  line(out, "core_interval", seconds(config.core_interval));
  line(out, "max_concurrent", std::to_string(config.max_concurrent));
  char jitter[32];
  std::snprintf(jitter, sizeof jitter, "%g", config.jitter);
  line(out, "jitter", jitter);
  if (config.log_format == log::Format::json)
    line(out, "log_format", "json");
  if (config.log_timestamps)
    line(out, "log_timestamps", "true");
  if (config.log_rounds)
    line(out, "log_rounds", "true");
  for (const Target& target : config.targets) {
    const ProbeSettings& probe = target.probe;
    const std::string name = "target:" + target.name;
    enter(name);
    out += "\n[" + name + "]\n";
    const std::string url = redact_password(probe.url);
    line(out, "url", probe.url, &url);
    if (!probe.unix_socket.empty())
      line(out, "unix_socket", probe.unix_socket);
    if (probe.reuse_connection)
      line(out, "reuse_connection", "true");
    std::string programs;
    for (const std::string& program : target.restart.programs)
      programs += (programs.empty() ? "" : ", ") + program;
    if (!programs.empty())
      line(out, "programs", programs);
    line(out, "any", flag(target.restart.any));
    line(out, "eager", flag(target.restart.eager));
    line(out, "codes", codes_text(probe.codes));
    if (probe.body)
      line(out, "body", *probe.body);
    if (probe.body_regex)
      line(out, "body_regex", *probe.body_regex);
    if (probe.body_absent)
      line(out, "body_absent", *probe.body_absent);
    if (probe.method != "GET")
      line(out, "method", probe.method);
    for (const std::string& header : probe.headers) {
      const std::string masked = masked_header(header);
      line(out, "header", header, &masked);
    }
    line(out, "timeout", seconds(probe.timeout));
    const PolicySettings& policy = target.restart.policy;
    line(out, "fails", std::to_string(policy.fails));
    line(out, "rises", std::to_string(policy.rises));
    if (target.restart.notify_recovery)
      line(out, "notify_recovery", "true");
    if (target.restart.revive)
      line(out, "revive", "true");
    if (target.restart.dry_run)
      line(out, "dry_run", "true");
    if (!target.restart.presignal.empty()) {
      line(out, "presignal", target.restart.presignal);
      line(out, "presignal_wait", std::to_string(target.restart.presignal_wait.count()));
    }
    if (policy.grace.count() > 0)
      line(out, "grace", std::to_string(policy.grace.count()));
    if (policy.max_restarts > 0) {
      line(out, "max_restarts", std::to_string(policy.max_restarts));
      line(out, "restart_window", std::to_string(policy.restart_window.count()));
    }
    if (target.interval)
      line(out, "interval", seconds(*target.interval));
    if (target.cert_expiry_days > 0)
      line(out, "cert_expiry_days", std::to_string(target.cert_expiry_days));
    line(out, "max_body", std::to_string(probe.max_body));
    if (target.email)
      line(out, "email", *target.email);
    if (probe.url.rfind("https:", 0) == 0 || probe.url.rfind("HTTPS:", 0) == 0) {
      line(out, "insecure", flag(probe.tls.insecure));
      if (!probe.tls.cafile.empty())
        line(out, "cafile", probe.tls.cafile);
      if (!probe.tls.capath.empty())
        line(out, "capath", probe.tls.capath);
      if (!probe.tls.client_cert.empty())
        line(out, "client_cert", probe.tls.client_cert);
      if (!probe.tls.client_key.empty())
        line(out, "client_key", probe.tls.client_key);
      if (!probe.tls_server_name.empty())
        line(out, "tls_server_name", probe.tls_server_name);
      line(out, "session_resumption", flag(probe.tls.session_resumption));
    }
  }
  return out;
}

}  // namespace httpok
