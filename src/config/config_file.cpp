// The config file: libinih splits the lines, this file gives them meaning. See
// include/httpok/config_file.hpp and man/httpok.conf.5.
#include "httpok/config_file.hpp"

#include <glob.h>
#include <ini.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "httpok/http.hpp"
#include "httpok/python_text.hpp"
#include "values.hpp"

namespace httpok {

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr)
    return std::nullopt;
  return std::string(value);
}

namespace {

using namespace config_detail;

constexpr int kMaxIncludeDepth = 8;
constexpr int kMaxLine = 64 * 1024;  // libinih's buffer: a line, its CR LF and a NUL
// libinih keeps 49 bytes of a section's name (MAX_SECTION in ini.c), "target:" included.
constexpr std::size_t kMaxTargetName = 42;

// Where a value came from, for error lines: "httpok.conf:6".
struct Place {
  std::string file;
  int line = 0;
  std::string text() const { return file + ":" + std::to_string(line); }
};

// A target's settings: its own keys over the [httpok] defaults. The keys are applied at
// the end (in the order they came), once every default is known, so that a default given
// after a target section still counts, as in supervisord.
struct Setting {
  std::string key;
  std::string value;
  std::string written;  // when the value came from the environment: as written
  Place place;
};

struct TargetSection {
  std::string name;
  Place place;  // the section header
  std::vector<Setting> settings;
};

// The keys a target takes, in [httpok] (defaults) or its own section.
// clang-format off
constexpr std::array<std::string_view, 34> kTargetKeys{
    "url", "programs", "any", "codes", "body", "timeout", "interval", "max_body", "eager",
    "email", "insecure", "cafile", "capath", "client_cert", "client_key", "tls_server_name",
    "session_resumption", "method", "header", "unix_socket", "body_absent",
    "body_regex", "fails", "rises", "max_restarts", "restart_window", "grace",
    "notify_recovery", "revive", "dry_run", "presignal", "presignal_wait", "cert_expiry_days",
    "reuse_connection"};
// clang-format on
// Keys only [httpok] takes.
constexpr std::array<std::string_view, 15> kGlobalKeys{
    "email",         "sendmail_program", "name",           "gcore",          "coredir",
    "rpc_timeout",   "wait_timeout",     "action_timeout", "max_concurrent", "jitter",
    "core_interval", "metrics_file",     "log_format",     "log_timestamps", "log_rounds"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

class Loader {
 public:
  explicit Loader(const EnvLookup& env) : env_(env) {}

  Result<Config> load(const std::string& path) {
    if (!read_file(path, 0))
      return Result<Config>::failure(error_);
    if (!finish())
      return Result<Config>::failure(error_);
    return std::move(config_);
  }

 private:
  // One file being read: the reader and the handler of libinih see this.
  struct FileState {
    Loader* loader;
    std::FILE* file;
    Place place;          // file and the line being read
    std::string section;  // the current [section], as the reader saw its header
    std::string here;     // %(here)s
    int depth;
  };

  bool fail(const Place& place, const std::string& text) {
    if (error_.empty())
      error_ = "httpok: " + place.text() + ": " + text;
    return false;
  }

  // fgets for libinih. It reads whole lines (up to the limit: a file of no line ends is
  // not read whole), counts them, and refuses what libinih would read otherwise than a
  // reader of the file expects: a line too long for its buffer (which it would split), a
  // NUL byte (where it would stop), an indented line (a key of its own to libinih, the
  // value continued to supervisord). It also notes the section headers: libinih calls
  // the handler only for keys, so an empty or misspelt section would otherwise go unseen.
  static char* reader(char* buffer, int size, void* stream) {
    auto* state = static_cast<FileState*>(stream);
    Loader& loader = *state->loader;
    std::string& read = loader.line_;
    read.clear();
    for (int c; read.size() <= kMaxLine && (c = getc_unlocked(state->file)) != EOF;) {
      read += static_cast<char>(c);
      if (c == '\n')
        break;
    }
    if (std::ferror(state->file) != 0) {
      loader.fail(Place{state->place.file, state->place.line + 1},
                  std::string("cannot read this line: ") + std::strerror(errno));
      return nullptr;
    }
    if (read.empty())
      return nullptr;  // the end of the file
    ++state->place.line;
    const std::string_view whole(read);
    std::string_view line = whole.substr(0, whole.find_last_not_of("\r\n") + 1);
    if (line.size() > kMaxLine - 3 || whole.size() >= static_cast<std::size_t>(size)) {
      loader.fail(state->place, "line longer than " + std::to_string(kMaxLine - 3) + " bytes");
      return nullptr;
    }
    if (line.find('\0') != std::string_view::npos) {
      loader.fail(state->place, "a NUL byte in this line");
      return nullptr;
    }
    if (state->place.line == 1 && line.starts_with("\xEF\xBB\xBF"))
      line.remove_prefix(3);  // a UTF-8 byte order mark, which libinih skips too
    const std::size_t start = line.find_first_not_of(" \t\r\f\v");
    if (start != std::string_view::npos && start > 0 && line[start] != ';' && line[start] != '#') {
      loader.fail(state->place,
                  "an indented line (a value does not continue on the next line: remove the "
                  "indent)");
      return nullptr;
    }
    if (start == 0 && line[0] == '[') {
      const std::size_t end = line.find(']');
      if (end != std::string_view::npos)
        loader.on_section(*state, std::string(line.substr(1, end - 1)));
    }
    std::memcpy(buffer, whole.data(), whole.size() + 1);
    return buffer;
  }

  static int handler(void* user, const char* section, const char* name, const char* value) {
    auto* state = static_cast<FileState*>(user);
    return state->loader->on_key(*state, section, name, value) ? 1 : 0;
  }

  bool read_file(const std::string& path, int depth) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      error_ = "httpok: cannot read the config file " + python_repr(path) + ": it is a directory";
      return false;
    }
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "r"),
                                                         &std::fclose);
    if (file == nullptr) {
      const int err = errno;
      if (error_.empty())
        error_ =
            "httpok: cannot read the config file " + python_repr(path) + ": " + std::strerror(err);
      return false;
    }
    // The file names the commands httpok runs through the shell (sendmail_program, gcore):
    // one that anyone may write would let anyone run anything as httpok's user.
    struct stat opened {};
    if (::fstat(fileno(file.get()), &opened) == 0 && (opened.st_mode & S_IWOTH) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(opened.st_mode & 07777));
      error_ = "httpok: refusing the config file " + python_repr(path) +
               ": anyone can write it (mode " + mode +
               "), and it names the commands httpok runs; chmod o-w it";
      return false;
    }
    // Long values (a bearer token) are fine: lines of up to 64 KiB (the reader refuses a
    // longer one rather than let libinih split it).
    ini_use_stack = false;
    ini_allow_realloc = false;
    ini_max_line = kMaxLine;
    ini_initial_alloc = kMaxLine;  // the heap buffer's size, without realloc
    ini_stop_on_first_error = true;
    // An indented line is an error, not a continuation that would silently replace the
    // value (supervisord's configparser would join it).
    ini_allow_multiline = false;
    std::error_code ec;
    const std::string here = std::filesystem::absolute(directory_of(path), ec).lexically_normal();
    FileState state{this, file.get(), Place{path, 0}, "", ec ? directory_of(path) : here, depth};
    const int rc = ini_parse_stream(&Loader::reader, &state, &Loader::handler, &state);
    if (!error_.empty())
      return false;
    if (rc > 0)
      return fail(Place{path, rc},
                  "cannot parse this line (expected [section], key = value or a "
                  "comment)");
    if (rc != 0) {
      error_ = "httpok: cannot read the config file " + python_repr(path);
      return false;
    }
    return true;
  }

  void on_section(FileState& state, std::string name) {
    state.section = name;
    if (!error_.empty())
      return;
    if (name == "httpok" || name == "include")
      return;
    if (name.rfind("target:", 0) == 0) {
      const std::string target = name.substr(7);
      const bool valid = !target.empty() && std::all_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
      });
      if (!valid) {
        fail(state.place, "invalid target name in [" + name +
                              "]: expected letters, digits or "
                              "punctuation, no spaces");
        return;
      }
      if (target.size() > kMaxTargetName) {
        fail(state.place, "invalid target name in [" + name + "]: longer than " +
                              std::to_string(kMaxTargetName) + " characters");
        return;
      }
      const auto [at, added] = target_index_.emplace(target, targets_.size());
      if (!added) {
        fail(state.place, "duplicate target name '" + target + "' (first defined at " +
                              targets_[at->second].place.text() + ")");
        return;
      }
      targets_.push_back(TargetSection{target, state.place, {}});
      return;
    }
    fail(state.place, "unknown section [" + name +
                          "] (expected [httpok], [target:NAME] or "
                          "[include])");
  }

  // supervisord's expansions: %(ENV_X)s, %(here)s, and %% for a percent sign. When one
  // came from the environment, `written` is the value as written, with %(here)s resolved
  // (so that it is valid config text wherever it is printed); else it is left empty.
  std::optional<std::string> expand(const FileState& state, std::string_view key,
                                    std::string_view value, std::string& written) {
    std::string out;
    std::string text;
    bool from_environment = false;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] != '%') {
        out += value[i];
        text += value[i];
        continue;
      }
      if (i + 1 < value.size() && value[i + 1] == '%') {
        out += '%';
        text += "%%";
        ++i;
        continue;
      }
      const std::size_t close = value.find(')', i);
      if (i + 1 >= value.size() || value[i + 1] != '(' || close == std::string_view::npos ||
          close + 1 >= value.size() || value[close + 1] != 's') {
        fail(state.place, "bad expansion in " + std::string(key) + ": " + python_repr(value) +
                              " (expected %(ENV_NAME)s, %(here)s or %%)");
        return std::nullopt;
      }
      const std::string name(value.substr(i + 2, close - i - 2));
      if (name == "here") {
        out += state.here;
        for (const char c : state.here)
          text += c == '%' ? std::string("%%") : std::string(1, c);
      } else if (name.rfind("ENV_", 0) == 0 && name.size() > 4) {
        const auto found = env_(name.substr(4));
        if (!found) {
          fail(state.place, "%(" + name + ")s in " + std::string(key) +
                                ": the environment variable " + name.substr(4) + " is not set");
          return std::nullopt;
        }
        out += *found;
        text += value.substr(i, close + 2 - i);
        from_environment = true;
      } else {
        fail(state.place, "unknown expansion %(" + name + ")s in " + std::string(key) +
                              " (expected %(ENV_NAME)s or %(here)s)");
        return std::nullopt;
      }
      i = close + 1;
    }
    written = from_environment ? std::move(text) : std::string();
    return out;
  }

  // Remembers, in `noted` (the entries of `section` so far), how a setting of `section` was
  // written when it came from the environment, for --check-config. A later setting of the
  // key replaces the earlier one (a target's own over a default of [httpok]), but for the
  // header lines, which add up.
  static void note_environment(std::vector<EnvironmentValue>& noted, const std::string& section,
                               const std::string& key, const std::string& value,
                               const std::string& written) {
    if (key != "header")
      std::erase_if(noted, [&](const EnvironmentValue& e) { return e.key == key; });
    if (!written.empty())
      noted.push_back(EnvironmentValue{section, key, value, written});
  }

  bool on_key(FileState& state, const char* section_c, const char* name_c, const char* value_c) {
    if (!error_.empty())
      return false;
    const std::string section(section_c);
    // Key names are case-insensitive, as in supervisord's configparser.
    std::string key(name_c);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string written;
    const auto value = expand(state, key, value_c, written);
    if (!value)
      return false;
    const std::string where = " in [" + section + "]";
    if (section.empty())
      return fail(state.place, "key '" + key +
                                   "' before any section (expected [httpok] or "
                                   "[target:NAME] first)");
    if (section == "include") {
      if (key != "files")
        return fail(state.place, "unknown key '" + key + "'" + where + " (expected files)");
      return include(state, *value);
    }
    if (section == "httpok") {
      if (key == "url")
        return fail(state.place, "key 'url' in [httpok]: a URL belongs to a [target:NAME]");
      if (among(kGlobalKeys, key)) {
        // Only [httpok]'s are noted until finish(), which adds the targets'.
        note_environment(config_.from_environment, "httpok", key, *value, written);
        return global(state, key, written.empty() ? *value : written, *value);
      }
      if (among(kTargetKeys, key)) {
        defaults_.push_back(Setting{key, *value, written, state.place});
        return true;
      }
      return fail(state.place, "unknown key '" + key + "'" + where);
    }
    // [target:NAME]; the reader saw its header, which on_section() checked.
    if (!among(kTargetKeys, key)) {
      const bool global_only = among(kGlobalKeys, key);
      return fail(state.place, "unknown key '" + key + "'" + where +
                                   (global_only ? " (it belongs to [httpok])" : ""));
    }
    if (section.rfind("target:", 0) == 0) {
      if (const auto at = target_index_.find(section.substr(7)); at != target_index_.end()) {
        targets_[at->second].settings.push_back(Setting{key, *value, written, state.place});
        return true;
      }
    }
    return fail(state.place, "unknown section [" + section + "]");
  }

  bool include(FileState& state, const std::string& value) {
    if (state.depth >= kMaxIncludeDepth)
      return fail(state.place, "includes nested more than " + std::to_string(kMaxIncludeDepth) +
                                   " deep (does a file include itself?)");
    // As supervisord: globs separated by white space, relative to the including file.
    std::vector<std::string> patterns;
    for (std::size_t i = 0; i < value.size();) {
      const std::size_t start = value.find_first_not_of(" \t\n", i);
      if (start == std::string::npos)
        break;
      const std::size_t end = std::min(value.find_first_of(" \t\n", start), value.size());
      patterns.push_back(value.substr(start, end - start));
      i = end;
    }
    const Place at = state.place;
    for (std::string pattern : patterns) {
      if (pattern.front() != '/')
        pattern = state.here + "/" + pattern;
      glob_t found{};
      const int rc = ::glob(pattern.c_str(), 0, nullptr, &found);
      std::vector<std::string> paths(found.gl_pathv, found.gl_pathv + found.gl_pathc);
      globfree(&found);
      if (rc != 0 && rc != GLOB_NOMATCH)
        return fail(at, "cannot read the files of " + python_repr(pattern));
      for (const std::string& path : paths) {
        if (!read_file(path, state.depth + 1)) {
          error_ += " (included from " + at.text() + ")";
          return false;
        }
      }
    }
    return true;
  }

  // `shown` is the value as an error may quote it: as written when it came from the
  // environment, which may hold a secret.
  bool global(const FileState& state, const std::string& key, const std::string& shown,
              const std::string& value) {
    const auto bad = [&](const std::string& expected) {
      return fail(state.place, "invalid value for " + key + " in [httpok]: " + python_repr(shown) +
                                   " (" + expected + ")");
    };
    if ((key == "email" || key == "name") && value.find_first_of("\r\n") != std::string::npos)
      return bad("line breaks are not allowed: they would inject mail headers");
    if (key == "email") {
      config_.email = value.empty() ? std::nullopt : std::optional<std::string>(value);
    } else if (key == "sendmail_program") {
      config_.sendmail = value;
    } else if (key == "name") {
      config_.name = value;
    } else if (key == "gcore") {
      config_.gcore = value;
    } else if (key == "coredir") {
      config_.coredir = value.empty() ? std::nullopt : std::optional<std::string>(value);
    } else if (key == "metrics_file") {
      config_.metrics_file = value.empty() ? std::nullopt : std::optional<std::string>(value);
    } else if (key == "max_concurrent") {
      const auto n = read_count(value, 1, 100000);
      if (!n)
        return bad(n.error());
      config_.max_concurrent = n.value();
    } else if (key == "log_format") {
      const auto format = read_log_format(value);
      if (!format)
        return bad(format.error());
      config_.log_format = format.value();
    } else if (key == "log_timestamps" || key == "log_rounds") {
      const auto on = read_bool(value);
      if (!on)
        return bad(on.error());
      (key == "log_rounds" ? config_.log_rounds : config_.log_timestamps) = on.value();
    } else if (key == "jitter") {
      const auto f = read_fraction(value);
      if (!f)
        return bad(f.error());
      config_.jitter = f.value();
    } else {
      const auto seconds = read_seconds(value, key == "core_interval" ? 0 : 1);
      if (!seconds)
        return bad(seconds.error());
      (key == "rpc_timeout"      ? config_.rpc_timeout
       : key == "wait_timeout"   ? config_.wait_timeout
       : key == "action_timeout" ? config_.action_timeout
                                 : config_.core_interval) = seconds.value();
    }
    return true;
  }

  // One setting of a target (its own, or a default from [httpok]).
  // `noted`: the target's values from the environment so far.
  bool apply(Target& target, const Setting& s, const std::string& section,
             std::vector<EnvironmentValue>& noted) {
    // A value from the environment is quoted as written: it may hold a secret.
    const std::string& shown = s.written.empty() ? s.value : s.written;
    const auto bad = [&](const std::string& expected) {
      return fail(s.place, "invalid value for " + s.key + " in [" + section +
                               "]: " + python_repr(shown) + " (" + expected + ")");
    };
    ProbeSettings& probe = target.probe;
    const std::string& key = s.key;
    const std::string& value = s.value;
    if (!s.written.empty() || !noted.empty())
      note_environment(noted, "target:" + target.name, key, value, s.written);
    if (key == "url") {
      if (auto url = parse_url(value); !url) {
        // Where the URL holds a password or a value from the environment, parse_url's
        // words (which quote it, or pieces of it) are not shown.
        if (s.written.empty() && redact_password(value) == value)
          return fail(s.place, url.error() + " (url in [" + section + "])");
        return fail(s.place, "invalid URL " + python_repr(redact_password(shown)) + " in [" +
                                 section +
                                 "]: it does not parse once expanded (what it says is not "
                                 "shown, as it holds a secret)");
      }
      probe.url = value;
      probe.written_url.clear();
      // As written, but for the doubled percent signs, which only the file needs.
      for (std::size_t i = 0; i < s.written.size(); ++i) {
        probe.written_url += s.written[i];
        if (s.written[i] == '%' && i + 1 < s.written.size() && s.written[i + 1] == '%')
          ++i;
      }
    } else if (key == "programs") {
      target.restart.programs = read_list(value);
    } else if (key == "body") {
      probe.body = value.empty() ? std::nullopt : std::optional<std::string>(value);
    } else if (key == "email") {
      if (value.find_first_of("\r\n") != std::string::npos)
        return bad("line breaks are not allowed: they would inject mail headers");
      target.email = value;  // an empty one: no mail for this target
    } else if (key == "body_regex") {
      auto regex = config_detail::read_body_regex(value);
      if (!regex)
        return bad(regex.error());
      probe.body_regex = std::move(regex).value();
    } else if (key == "body_absent") {
      probe.body_absent = value.empty() ? std::nullopt : std::optional<std::string>(value);
    } else if (key == "unix_socket") {
      probe.unix_socket = value;
    } else if (key == "cafile") {
      probe.tls.cafile = value;
    } else if (key == "capath") {
      probe.tls.capath = value;
    } else if (key == "client_cert") {
      probe.tls.client_cert = value;
    } else if (key == "client_key") {
      probe.tls.client_key = value;
    } else if (key == "codes") {
      auto codes = read_status_codes(value);
      if (!codes)
        return bad(codes.error());
      probe.codes = std::move(codes).value();
    } else if (key == "timeout" || key == "interval") {
      const auto seconds = read_seconds(value);
      if (!seconds)
        return bad(seconds.error());
      (key == "timeout" ? probe.timeout : target.interval.emplace()) = seconds.value();
    } else if (key == "cert_expiry_days") {
      const auto days = read_count(value, 0, 3650);
      if (!days)
        return bad(days.error());
      target.cert_expiry_days = static_cast<std::uint32_t>(days.value());
    } else if (key == "fails" || key == "rises" || key == "max_restarts") {
      const auto count = read_count(value, key == "max_restarts" ? 0 : 1, 10000);
      if (!count)
        return bad(count.error());
      PolicySettings& policy = target.restart.policy;
      (key == "fails"   ? policy.fails
       : key == "rises" ? policy.rises
                        : policy.max_restarts) = static_cast<std::uint32_t>(count.value());
    } else if (key == "restart_window" || key == "grace" || key == "presignal_wait") {
      const auto seconds = read_seconds(value, key == "restart_window" ? 1 : 0);
      if (!seconds)
        return bad(seconds.error());
      (key == "grace"            ? target.restart.policy.grace
       : key == "presignal_wait" ? target.restart.presignal_wait
                                 : target.restart.policy.restart_window) =
          std::chrono::duration_cast<std::chrono::seconds>(seconds.value());
    } else if (key == "presignal") {
      auto signal = read_signal(value);
      if (!signal)
        return bad(signal.error());
      target.restart.presignal = std::move(signal).value();
    } else if (key == "method") {
      auto method = read_method(value);
      if (!method)
        return bad(method.error());
      probe.method = std::move(method).value();
    } else if (key == "header") {
      // Repeatable: [httpok]'s header lines apply to every target, its own follow them.
      auto header = read_header(value);
      if (!header)
        return bad(header.error());
      probe.headers.push_back(std::move(header).value());
    } else if (key == "max_body") {
      const auto bytes = read_max_body(value);
      if (!bytes)
        return bad(bytes.error());
      probe.max_body = bytes.value();
    } else if (key == "tls_server_name") {
      auto name = read_tls_server_name(value);
      if (!name)
        return bad(name.error());
      probe.tls_server_name = std::move(name).value();
    } else {  // any, eager, insecure, session_resumption, notify_recovery, revive, dry_run,
              // reuse_connection
      const auto flag = read_bool(value);
      if (!flag)
        return bad(flag.error());
      (key == "any"                ? target.restart.any
       : key == "eager"            ? target.restart.eager
       : key == "insecure"         ? probe.tls.insecure
       : key == "notify_recovery"  ? target.restart.notify_recovery
       : key == "revive"           ? target.restart.revive
       : key == "dry_run"          ? target.restart.dry_run
       : key == "reuse_connection" ? probe.reuse_connection
                                   : probe.tls.session_resumption) = flag.value();
    }
    return true;
  }

  bool finish() {
    std::vector<EnvironmentValue> noted;
    if (targets_.empty()) {
      // Checked even when no target takes them (a file of globals, its URL on the
      // command line): every mistake is a start-up error.
      Target scratch;
      for (const Setting& s : defaults_) {
        if (!apply(scratch, s, "httpok", noted))
          return false;
      }
    }
    config_.targets.reserve(targets_.size());  // no growth that holds two copies at once
    for (const TargetSection& section : targets_) {
      Target target;
      target.name = section.name;
      const std::string name = "target:" + section.name;
      noted.clear();
      for (const Setting& s : defaults_) {
        if (!apply(target, s, "httpok", noted))
          return false;
      }
      for (const Setting& s : section.settings) {
        if (!apply(target, s, name, noted))
          return false;
      }
      std::move(noted.begin(), noted.end(), std::back_inserter(config_.from_environment));
      if (target.probe.url.empty())
        return fail(section.place, "[" + name + "] has no url");
      const TlsOptions& tls = target.probe.tls;
      if (tls.client_cert.empty() != tls.client_key.empty()) {
        return fail(section.place, "[" + name + "] has " +
                                       (tls.client_cert.empty() ? "client_key" : "client_cert") +
                                       " without " +
                                       (tls.client_cert.empty() ? "client_cert" : "client_key"));
      }
      config_.targets.push_back(std::move(target));
    }
    return true;
  }

  const EnvLookup& env_;
  Config config_;
  std::vector<Setting> defaults_;  // target keys in [httpok]
  std::vector<TargetSection> targets_;
  // A target's place in targets_ by name: a file of many targets loads in time in
  // proportion to them.
  std::unordered_map<std::string, std::size_t> target_index_;
  std::string error_;
  std::string line_;  // the reader's line, for every file read
};

}  // namespace

Result<Config> load_config_file(const std::string& path, const EnvLookup& env) {
  return Loader(env).load(path);
}

}  // namespace httpok
