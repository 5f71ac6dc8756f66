// libFuzzer target: the config file (the config library's loader: libinih, the sections,
// every key's value, %(ENV_X)s and %(here)s expansions). The input is the file; the
// environment is a fixed fake one. A file that does not load says why, naming the place
// ("httpok: FILE:LINE: ..."); each target of one that loads has a name and a URL (a file
// without targets loads: the command line's URL may be the one).
#include <unistd.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "httpok/config_file.hpp"

namespace {

// One file for the run, removed at exit (a plain array: no destructor runs before that).
const char* file_path() {
  static char path[] = "/tmp/httpok-config-fuzz-XXXXXX";
  static const bool made = [] {
    const int fd = ::mkstemp(path);
    if (fd < 0)
      return false;
    ::close(fd);
    std::atexit([] { ::unlink(path); });
    return true;
  }();
  return made ? path : nullptr;
}

std::optional<std::string> fake_env(const std::string& name) {
  if (name == "API_TOKEN")
    return std::string("s3cret");
  if (name == "PORT")
    return std::string("8080");
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  // No [include]: it would read whatever files the input names (/proc/kmsg blocks), so
  // includes are left to the unit tests.
  std::string lower(reinterpret_cast<const char*>(bytes), size);
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("include") != std::string::npos)
    return 0;
  const char* path = file_path();
  std::FILE* file = path != nullptr ? std::fopen(path, "wb") : nullptr;
  if (file == nullptr)
    return 0;
  std::fwrite(bytes, 1, size, file);
  std::fclose(file);
  const auto config = httpok::load_config_file(path, fake_env);
  if (!config) {
    if (config.error().rfind("httpok: ", 0) != 0)
      __builtin_trap();
    return 0;
  }
  for (const httpok::Target& target : config.value().targets) {
    if (target.probe.url.empty() || target.name.empty())
      __builtin_trap();
  }
  return 0;
}
