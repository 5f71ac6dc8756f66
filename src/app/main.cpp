// httpok: entry point. Command-line handling as superlance does it, then the listener.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "httpok/app.hpp"
#include "httpok/config.hpp"
#include "httpok/http.hpp"
#include "httpok/log.hpp"
#include "httpok/python_text.hpp"

namespace {

constexpr auto kError = httpok::log::Level::error;

// The usage (-h, or after a usage error) and the version. At a terminal they go to
// stdout, as superlance prints them; under supervisord (SUPERVISOR_SERVER_URL set) stdout
// is the event protocol, where they would put the listener into the UNKNOWN state on
// every retry, so they go to stderr.
void print_text(const std::string& text) {
  if (std::getenv("SUPERVISOR_SERVER_URL") != nullptr) {
    httpok::log::raw(text);
    return;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

// Text whatever --log-format says, as the usage that follows.
int usage_error(const std::string& error) {
  if (!error.empty())
    httpok::log::raw(error + "\n");
  print_text(httpok::usage_text());
  return 255;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  const httpok::CliResult cli = httpok::parse_command_line(args);
  switch (cli.action) {
    case httpok::CliAction::help:
      print_text(httpok::usage_text());
      return 0;
    case httpok::CliAction::version:
      print_text(httpok::version_text());
      return 0;
    case httpok::CliAction::usage_error:
      return usage_error(cli.error);
    case httpok::CliAction::run:
      break;
  }
  // The command line's log format first (for an error in the file), then the file's.
  httpok::log::configure({cli.config.log_format, cli.config.log_timestamps});
  for (const httpok::Target& target : cli.config.targets) {
    const auto url = httpok::parse_url(target.probe.url);
    if (!url && httpok::redact_password(target.probe.url) != target.probe.url) {
      // parse_url's words quote the URL, or pieces of it, and this one holds a password.
      return usage_error("httpok: invalid URL " +
                         httpok::python_repr(httpok::redact_password(target.probe.url)) +
                         ": it does not parse (what is wrong is not shown, as it holds a "
                         "password)");
    }
    if (!url)
      return usage_error("httpok: " + url.error());
  }
  auto resolved = httpok::resolve_config(cli);
  if (!resolved) {
    httpok::log::line(resolved.error(), kError, "config_error");
    return 2;
  }
  httpok::Config& config = resolved.value();
  httpok::log::configure({config.log_format, config.log_timestamps});
  if (cli.check_config) {
    if (const auto error = httpok::validate(config)) {
      httpok::log::line(*error, kError, "config_error");
      return 2;
    }
    print_text(httpok::describe_config(config));
    return 0;
  }
  if (cli.once) {
    if (const auto error = httpok::validate(config)) {
      httpok::log::line(*error, kError, "config_error");
      return 2;
    }
    std::string report;
    const int status = httpok::run_once(config, report);
    print_text(report);
    return status;
  }
  const auto env = httpok::listener_environment();
  if (!env) {
    httpok::log::raw("httpok must be run as a supervisor event listener\n");
    return 0;
  }
  if (const auto error = httpok::validate(config)) {
    httpok::log::line(*error, kError, "config_error");
    return 2;
  }
  // SIGHUP reads the command line's configuration (its file) again.
  auto reload = [&cli]() -> httpok::Result<httpok::Config> {
    auto again = httpok::resolve_config(cli);
    if (!again)
      return again;
    if (const auto error = httpok::validate(again.value()))
      return httpok::Result<httpok::Config>::failure(*error);
    return again;
  };
  return httpok::run_listener(std::move(config), *env, reload);
}
