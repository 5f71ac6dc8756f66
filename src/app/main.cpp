// httpok: entry point. Command-line handling as superlance does it, then the listener.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "httpok/app.hpp"
#include "httpok/config.hpp"
#include "httpok/http.hpp"
#include "httpok/log.hpp"

namespace {

void print_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  const httpok::CliResult cli = httpok::parse_command_line(args);
  switch (cli.action) {
    case httpok::CliAction::help:
      print_stdout(httpok::usage_text());
      return 0;
    case httpok::CliAction::version:
      print_stdout(httpok::version_text());
      return 0;
    case httpok::CliAction::usage_error:
      if (!cli.error.empty())
        httpok::log::line(cli.error);
      print_stdout(httpok::usage_text());
      return 255;
    case httpok::CliAction::run:
      break;
  }
  for (const httpok::Target& target : cli.config.targets) {
    const auto url = httpok::parse_url(target.url);
    if (!url) {
      httpok::log::line("httpok: " + url.error());
      print_stdout(httpok::usage_text());
      return 255;
    }
  }
  const auto env = httpok::listener_environment();
  if (!env) {
    httpok::log::raw("httpok must be run as a supervisor event listener\n");
    return 0;
  }
  if (const auto error = httpok::validate(cli.config)) {
    httpok::log::line(*error);
    return 2;
  }
  return httpok::run_listener(cli.config, *env);
}
