// The environment the checked program starts with: libshmcheck.so preloaded
// and SHMCHECK_OPTIONS carrying the launcher's settings on top of the
// user's. Children inherit both, so the whole process tree is checked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shmcheck::launcher {

// libshmcheck.so at ../lib/ from the directory of `launcher_path` (the
// launcher's own executable). False with `error` when it is missing or its
// path cannot be carried by LD_PRELOAD (':' or whitespace).
bool find_runtime(const std::string &launcher_path, std::string &runtime, std::string *error);

// `runtime` first, then whatever was preloaded already.
std::string merged_preload(const std::string &runtime, const char *existing);

// True when the SHMCHECK_OPTIONS text `options` sets `name`.
bool option_is_set(std::string_view options, std::string_view name);

// What the launcher adds to SHMCHECK_OPTIONS.
struct LauncherSettings {
  std::string session;       // empty: keep the user's session
  std::string report_json;   // records prefix in the private directory
  std::string suppressions;  // merged suppressions file; empty: none
};

// The user's options (may be null) followed by the launcher's, which win.
// False with `error` when the user's options are malformed (the runtime
// would ignore all of them) or the result does not parse.
bool merged_options(const char *user, const LauncherSettings &ours, std::string &merged,
                    std::string *error);

// `base` (an environ array) with NAME=value entries replaced or added.
std::vector<std::string> environment_with(char **base,
                                          const std::vector<std::string> &overrides);

}  // namespace shmcheck::launcher
