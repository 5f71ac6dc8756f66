// The superlance-compatible command line: Python getopt splitting (getopt.cpp), then the
// same order of checks as superlance's main(): getopt errors, -h, the URL count, and
// last the option values (which superlance left to int() and its tracebacks).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "getopt.hpp"
#include "httpok/config.hpp"
#include "httpok/config_file.hpp"
#include "httpok/python_text.hpp"
#include "values.hpp"

namespace httpok {
namespace {

using config_detail::OptionSpec;

enum Id : int {
  kHelp,
  kProgram,
  kAny,
  kTimeout,
  kCode,
  kBody,
  kSendmail,
  kEmail,
  kGcore,
  kCoredir,
  kEager,
  kNotEager,
  kName,
  kVersion,
  kMaxBody,
  kRpcTimeout,
  kWaitTimeout,
  kActionTimeout,
  kInsecure,
  kCafile,
  kCapath,
  kClientCert,
  kClientKey,
  kTlsServerName,
  kNoSessionResumption,
  kReuseConnection,
  kCoreInterval,
  kInterval,
  kConfig,
  kCheckConfig,
  kOnce,
  kMethod,
  kHeader,
  kUnixSocket,
  kBodyAbsent,
  kBodyRegex,
  kFails,
  kRises,
  kMaxRestarts,
  kRestartWindow,
  kGrace,
  kNotifyRecovery,
  kRevive,
  kDryRun,
  kPresignal,
  kPresignalWait,
  kMetricsFile,
  kCertExpiryDays,
  kLogFormat,
  kLogTimestamps,
  kLogRounds,
};

// superlance's options first (legacy = true), then ours.
constexpr std::array<OptionSpec, 51> kOptions{{
    {kHelp, 'h', "help", false, true},
    {kProgram, 'p', "program", true, true},
    {kAny, 'a', "any", false, true},
    {kTimeout, 't', "timeout", true, true},
    {kCode, 'c', "code", true, true},
    {kBody, 'b', "body", true, true},
    {kSendmail, 's', "sendmail_program", true, true},
    {kEmail, 'm', "email", true, true},
    {kGcore, 'g', "gcore", true, true},
    {kCoredir, 'd', "coredir", true, true},
    {kEager, 'e', "eager", false, true},
    {kNotEager, 'E', "not-eager", false, true},
    {kName, 'n', "name", true, true},
    {kVersion, '\0', "version", false, false},
    {kMaxBody, '\0', "max-body", true, false},
    {kRpcTimeout, '\0', "rpc-timeout", true, false},
    {kWaitTimeout, '\0', "wait-timeout", true, false},
    {kActionTimeout, '\0', "action-timeout", true, false},
    {kInsecure, '\0', "insecure", false, false},
    {kCafile, '\0', "cafile", true, false},
    {kCapath, '\0', "capath", true, false},
    {kClientCert, '\0', "client-cert", true, false},
    {kClientKey, '\0', "client-key", true, false},
    {kTlsServerName, '\0', "tls-server-name", true, false},
    {kNoSessionResumption, '\0', "no-session-resumption", false, false},
    {kReuseConnection, '\0', "reuse-connection", false, false},
    {kCoreInterval, '\0', "core-interval", true, false},
    {kInterval, '\0', "interval", true, false},
    {kConfig, '\0', "config", true, false},
    {kCheckConfig, '\0', "check-config", false, false},
    {kOnce, '\0', "once", false, false},
    {kMethod, '\0', "method", true, false},
    {kHeader, '\0', "header", true, false},
    {kUnixSocket, '\0', "unix-socket", true, false},
    {kBodyAbsent, '\0', "body-absent", true, false},
    {kBodyRegex, '\0', "body-regex", true, false},
    {kFails, '\0', "fails", true, false},
    {kRises, '\0', "rises", true, false},
    {kMaxRestarts, '\0', "max-restarts", true, false},
    {kRestartWindow, '\0', "restart-window", true, false},
    {kGrace, '\0', "grace", true, false},
    {kNotifyRecovery, '\0', "notify-recovery", false, false},
    {kRevive, '\0', "revive", false, false},
    {kDryRun, '\0', "dry-run", false, false},
    {kPresignal, '\0', "presignal", true, false},
    {kPresignalWait, '\0', "presignal-wait", true, false},
    {kMetricsFile, '\0', "metrics-file", true, false},
    {kCertExpiryDays, '\0', "cert-expiry-days", true, false},
    {kLogFormat, '\0', "log-format", true, false},
    {kLogTimestamps, '\0', "log-timestamps", false, false},
    {kLogRounds, '\0', "log-rounds", false, false},
}};

// The options that set a global value (not a target's): with --config they override the
// file's [httpok].
bool is_global(int id) {
  switch (id) {
    case kSendmail:
    case kEmail:
    case kGcore:
    case kCoredir:
    case kMetricsFile:
    case kLogFormat:
    case kLogTimestamps:
    case kLogRounds:
    case kName:
    case kRpcTimeout:
    case kWaitTimeout:
    case kActionTimeout:
    case kCoreInterval:
    case kConfig:
    case kCheckConfig:
    case kOnce:
      return true;
    default:
      return false;
  }
}

// "-t/--timeout" or "--max-body": how error lines name an option, whatever was typed.
std::string display_name(int id) {
  for (const auto& spec : kOptions) {
    if (spec.id == id) {
      std::string name;
      if (spec.short_name != '\0') {
        name = std::string("-") + spec.short_name + "/";
      }
      return name + "--" + std::string(spec.long_name);
    }
  }
  return "?";
}

std::string invalid_value(int id, std::string_view value, std::string_view expected) {
  return "httpok: invalid value for " + display_name(id) + ": " + python_repr(value) + " (" +
         std::string(expected) + ")";
}

CliResult usage_error(std::string error) {
  CliResult result;
  result.action = CliAction::usage_error;
  result.error = std::move(error);
  return result;
}

// An error line for a value that one of the config_detail::read_* functions refused.
template <class T>
std::optional<CliResult> refused(int id, std::string_view value, const Result<T>& read) {
  if (read)
    return std::nullopt;
  return usage_error(invalid_value(id, value, read.error()));
}

std::string joined_repr(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    out += out.empty() ? "" : " ";
    out += python_repr(word);
  }
  return out;
}

}  // namespace

CliResult parse_command_line(const std::vector<std::string>& args) {
  auto split = config_detail::split_arguments(args, kOptions);
  if (!split) {
    return usage_error("httpok: " + split.error());
  }
  const auto& options = split.value().options;
  const auto& positionals = split.value().positionals;

  // Like superlance, -h is honoured before the URL count is checked; --version alike.
  for (const auto& option : options) {
    if (option.id == kHelp || option.id == kVersion) {
      CliResult result;
      result.action = option.id == kHelp ? CliAction::help : CliAction::version;
      return result;
    }
  }
  const auto config_option =
      std::find_if(options.begin(), options.end(), [](const auto& o) { return o.id == kConfig; });
  const bool with_file = config_option != options.end();
  if (positionals.empty() && !with_file) {
    return usage_error("httpok: missing URL");
  }
  if (positionals.empty()) {
    // With a config file and no URL, the command line's options can only be global ones.
    for (const auto& option : options) {
      if (!is_global(option.id)) {
        return usage_error("httpok: " + option.spelled +
                           " sets a target's value: give a URL after the options, or set it in "
                           "the config file");
      }
    }
  }
  if (positionals.size() > 1) {
    return usage_error("httpok: expected one URL, got " + std::to_string(positionals.size()) +
                       " arguments: " + joined_repr(positionals) +
                       " (options must come before the URL)");
  }

  Config config;
  Target target;
  if (!positionals.empty())
    target.probe.url = positionals.front();
  target.probe.codes.clear();
  CliResult result;
  for (const auto& option : options) {
    const std::string& value = option.value;
    if (is_global(option.id)) {
      const auto spec = std::find_if(kOptions.begin(), kOptions.end(),
                                     [&](const OptionSpec& o) { return o.id == option.id; });
      result.globals_given.emplace_back(spec->long_name);
    }
    switch (option.id) {
      case kProgram:
        target.restart.programs.push_back(value);
        break;
      case kAny:
        target.restart.any = true;
        break;
      case kTimeout:
      case kRpcTimeout:
      case kWaitTimeout:
      case kActionTimeout: {
        const auto duration = config_detail::read_seconds(value);
        if (auto error = refused(option.id, value, duration)) {
          return *error;
        }
        (option.id == kTimeout       ? target.probe.timeout
         : option.id == kRpcTimeout  ? config.rpc_timeout
         : option.id == kWaitTimeout ? config.wait_timeout
                                     : config.action_timeout) = duration.value();
        break;
      }
      case kCode: {
        // A code as superlance reads it (Python's int()), or, ours, ranges and classes
        // ("200-299", "2xx", "200,304").
        const std::string_view text = value;
        const std::size_t dash = text.find('-', 1);
        const bool range = dash != std::string_view::npos &&
                           std::isdigit(static_cast<unsigned char>(text[dash - 1]));
        const bool whole_class = text.size() == 3 && (text[1] == 'x' || text[1] == 'X') &&
                                 (text[2] == 'x' || text[2] == 'X');
        if (text.find(',') != std::string_view::npos || range || whole_class) {
          const auto codes = config_detail::read_status_codes(value);
          if (auto error = refused(option.id, value, codes)) {
            return *error;
          }
          for (const int code : codes.value()) {
            if (std::find(target.probe.codes.begin(), target.probe.codes.end(), code) ==
                target.probe.codes.end())
              target.probe.codes.push_back(code);
          }
          break;
        }
        const auto code = config_detail::read_status_code(value);
        if (auto error = refused(option.id, value, code)) {
          return *error;
        }
        target.probe.codes.push_back(code.value());
        break;
      }
      case kBody:
        // superlance skips the body check for an empty string; so do we.
        target.probe.body = value.empty() ? std::nullopt : std::optional<std::string>(value);
        break;
      case kSendmail:
        config.sendmail = value;
        break;
      case kEmail:
        // superlance sends no mail for an empty address.
        config.email = value.empty() ? std::nullopt : std::optional<std::string>(value);
        break;
      case kGcore:
        config.gcore = value;
        break;
      case kCoredir:
        // superlance writes no core for an empty directory.
        config.coredir = value.empty() ? std::nullopt : std::optional<std::string>(value);
        break;
      case kEager:
        target.restart.eager = true;
        break;
      case kNotEager:
        target.restart.eager = false;
        break;
      case kName:
        config.name = value;
        break;
      case kMaxBody: {
        const auto bytes = config_detail::read_max_body(value);
        if (auto error = refused(option.id, value, bytes)) {
          return *error;
        }
        target.probe.max_body = bytes.value();
        break;
      }
      case kInsecure:
        target.probe.tls.insecure = true;
        break;
      case kCafile:
        target.probe.tls.cafile = value;
        break;
      case kCapath:
        target.probe.tls.capath = value;
        break;
      case kClientCert:
        target.probe.tls.client_cert = value;
        break;
      case kClientKey:
        target.probe.tls.client_key = value;
        break;
      case kTlsServerName: {
        const auto name = config_detail::read_tls_server_name(value);
        if (auto error = refused(option.id, value, name)) {
          return *error;
        }
        target.probe.tls_server_name = name.value();
        break;
      }
      case kNotifyRecovery:
        target.restart.notify_recovery = true;
        break;
      case kRevive:
        target.restart.revive = true;
        break;
      case kDryRun:
        target.restart.dry_run = true;
        break;
      case kMetricsFile:
        config.metrics_file = value.empty() ? std::nullopt : std::optional<std::string>(value);
        break;
      case kLogFormat: {
        const auto format = config_detail::read_log_format(value);
        if (auto error = refused(option.id, value, format)) {
          return *error;
        }
        config.log_format = format.value();
        break;
      }
      case kLogTimestamps:
        config.log_timestamps = true;
        break;
      case kLogRounds:
        config.log_rounds = true;
        break;
      case kPresignal: {
        auto signal = config_detail::read_signal(value);
        if (auto error = refused(option.id, value, signal)) {
          return *error;
        }
        target.restart.presignal = std::move(signal).value();
        break;
      }
      case kReuseConnection:
        target.probe.reuse_connection = true;
        break;
      case kNoSessionResumption:
        target.probe.tls.session_resumption = false;
        break;
      case kInterval: {
        const auto interval = config_detail::read_seconds(value);
        if (auto error = refused(option.id, value, interval)) {
          return *error;
        }
        target.interval = interval.value();
        break;
      }
      case kConfig:
        result.config_file = value;
        break;
      case kCheckConfig:
        result.check_config = true;
        break;
      case kOnce:
        result.once = true;
        break;
      case kBodyAbsent:
        target.probe.body_absent = value.empty() ? std::nullopt : std::optional<std::string>(value);
        break;
      case kCertExpiryDays: {
        const auto days = config_detail::read_count(value, 0, 3650);
        if (auto error = refused(option.id, value, days)) {
          return *error;
        }
        target.cert_expiry_days = static_cast<std::uint32_t>(days.value());
        break;
      }
      case kFails:
      case kRises:
      case kMaxRestarts: {
        const auto count =
            config_detail::read_count(value, option.id == kMaxRestarts ? 0 : 1, 10000);
        if (auto error = refused(option.id, value, count)) {
          return *error;
        }
        PolicySettings& policy = target.restart.policy;
        (option.id == kFails   ? policy.fails
         : option.id == kRises ? policy.rises
                               : policy.max_restarts) = static_cast<std::uint32_t>(count.value());
        break;
      }
      case kRestartWindow:
      case kGrace:
      case kPresignalWait: {
        const auto seconds =
            config_detail::read_seconds(value, option.id == kRestartWindow ? 1 : 0);
        if (auto error = refused(option.id, value, seconds)) {
          return *error;
        }
        (option.id == kGrace           ? target.restart.policy.grace
         : option.id == kPresignalWait ? target.restart.presignal_wait
                                       : target.restart.policy.restart_window) =
            std::chrono::duration_cast<std::chrono::seconds>(seconds.value());
        break;
      }
      case kBodyRegex: {
        auto regex = config_detail::read_body_regex(value);
        if (auto error = refused(option.id, value, regex)) {
          return *error;
        }
        target.probe.body_regex = std::move(regex).value();
        break;
      }
      case kUnixSocket:
        if (value.empty()) {
          return usage_error(invalid_value(option.id, value, "expected the path of a socket"));
        }
        target.probe.unix_socket = value;
        break;
      case kMethod: {
        const auto method = config_detail::read_method(value);
        if (auto error = refused(option.id, value, method)) {
          return *error;
        }
        target.probe.method = method.value();
        break;
      }
      case kHeader: {
        const auto header = config_detail::read_header(value);
        if (auto error = refused(option.id, value, header)) {
          return *error;
        }
        target.probe.headers.push_back(header.value());
        break;
      }
      case kCoreInterval: {
        const auto interval = config_detail::read_seconds(value, 0);
        if (auto error = refused(option.id, value, interval)) {
          return *error;
        }
        config.core_interval = interval.value();
        break;
      }
      default:
        break;
    }
  }
  if (target.probe.codes.empty()) {
    target.probe.codes.push_back(200);
  }
  if (!positionals.empty())
    config.targets.push_back(std::move(target));

  result.action = CliAction::run;
  result.config = std::move(config);
  return result;
}

Result<Config> resolve_config(const CliResult& cli) {
  if (!cli.config_file)
    return cli.config;
  auto loaded = load_config_file(*cli.config_file);
  if (!loaded)
    return loaded;
  Config config = std::move(loaded).value();
  const Config& given = cli.config;
  for (const std::string& name : cli.globals_given) {
    // The file's value, and so its %(ENV_X)s, no longer counts.
    std::string key = name;
    std::replace(key.begin(), key.end(), '-', '_');
    std::erase_if(config.from_environment,
                  [&](const EnvironmentValue& e) { return e.section == "httpok" && e.key == key; });
    if (name == "sendmail_program")
      config.sendmail = given.sendmail;
    else if (name == "email")
      config.email = given.email;
    else if (name == "gcore")
      config.gcore = given.gcore;
    else if (name == "coredir")
      config.coredir = given.coredir;
    else if (name == "metrics-file")
      config.metrics_file = given.metrics_file;
    else if (name == "log-format")
      config.log_format = given.log_format;
    else if (name == "log-timestamps")
      config.log_timestamps = given.log_timestamps;
    else if (name == "log-rounds")
      config.log_rounds = given.log_rounds;
    else if (name == "name")
      config.name = given.name;
    else if (name == "rpc-timeout")
      config.rpc_timeout = given.rpc_timeout;
    else if (name == "wait-timeout")
      config.wait_timeout = given.wait_timeout;
    else if (name == "action-timeout")
      config.action_timeout = given.action_timeout;
    else if (name == "core-interval")
      config.core_interval = given.core_interval;
  }
  if (config.targets.empty() && given.targets.empty())
    return Result<Config>::failure("httpok: " + *cli.config_file +
                                   " defines no [target:NAME] and no URL is given");
  for (const Target& target : given.targets) {
    for (const Target& other : config.targets) {
      if (other.name == target.name) {
        return Result<Config>::failure("httpok: the URL on the command line is the target '" +
                                       target.name + "', which " + *cli.config_file +
                                       " defines too");
      }
    }
    config.targets.push_back(target);
  }
  return config;
}

std::optional<std::string> validate(const Config& config) {
  const auto has_line_break = [](std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
  };
  if (config.targets.empty()) {
    return "httpok: no URL to watch";
  }
  if (config.email && has_line_break(*config.email)) {
    return invalid_value(kEmail, *config.email,
                         "line breaks are not allowed: they would inject mail headers");
  }
  if (config.name && has_line_break(*config.name)) {
    return invalid_value(kName, *config.name,
                         "line breaks are not allowed: the name is part of the mail subject");
  }
  for (const auto& target : config.targets) {
    if (target.email && has_line_break(*target.email)) {
      return "httpok: the email of target " + target.name + ", " + python_repr(*target.email) +
             ", holds a line break: it would inject mail headers";
    }
    if (!target.probe.tls.client_key.empty() && target.probe.tls.client_cert.empty()) {
      return "httpok: --client-key " + python_repr(target.probe.tls.client_key) +
             " needs --client-cert as well";
    }
    if (!target.probe.tls.client_cert.empty() && target.probe.tls.client_key.empty()) {
      return "httpok: --client-cert " + python_repr(target.probe.tls.client_cert) +
             " needs --client-key as well";
    }
  }
  return std::nullopt;
}

}  // namespace httpok
