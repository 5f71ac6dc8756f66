// The config file (--config FILE): INI like supervisord's own, read with libinih. An
// [httpok] section holds the global settings and the defaults of every target; each
// [target:NAME] section is one target; [include] files = globs pulls in more files,
// relative to the including one. Values may use supervisord's expansions: %(ENV_X)s is
// the environment variable X, %(here)s the directory of the file, %% a percent sign.
// Start-up only: it reads files, and returns values or one error line naming the file,
// the line, the key and the value.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "httpok/config.hpp"
#include "httpok/result.hpp"

namespace httpok {

// Looks up an environment variable for %(ENV_X)s; nothing when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process environment.
std::optional<std::string> process_env(const std::string& name);

// Reads `path` (and what it includes) into a Config: its globals over the built-in
// defaults, its targets in the order they come. The error is one line, e.g.
// "httpok.conf:6: unknown key 'tiemout' in [target:api]".
Result<Config> load_config_file(const std::string& path, const EnvLookup& env = process_env);

}  // namespace httpok
