#include "child_environment.h"

#include <climits>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include "options.h"

namespace shmcheck::launcher {
namespace {

bool is_option_separator(char c) {
  return c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string strip_suffix(std::string text, std::string_view suffix) {
  if (text.size() >= suffix.size() &&
      text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0)
    text.resize(text.size() - suffix.size());
  return text;
}

bool parses(const std::string &text, std::string *error) {
  core::Options parsed;
  char message[256] = "";
  if (core::parse_options(text.c_str(), parsed, message, sizeof message)) return true;
  // The runtime's message ends with what it would do about it; the launcher
  // stops instead.
  std::string line = strip_suffix(message, "; using defaults");
  if (line.compare(0, 10, "shmcheck: ") == 0) line = line.substr(10);
  if (error != nullptr) *error = line;
  return false;
}

}  // namespace

bool find_runtime(const std::string &launcher_path, std::string &runtime, std::string *error) {
  std::string dir = launcher_path;
  size_t slash = dir.rfind('/');
  dir = slash == std::string::npos ? "." : dir.substr(0, slash);
  std::string candidate = dir + "/../lib/libshmcheck.so";
  char resolved[PATH_MAX];
  if (realpath(candidate.c_str(), resolved) == nullptr || access(resolved, R_OK) != 0) {
    if (error != nullptr) *error = "cannot find the runtime '" + candidate + "'";
    return false;
  }
  runtime = resolved;
  if (runtime.find_first_of(": \t\n") != std::string::npos) {
    if (error != nullptr)
      *error = "the runtime's path '" + runtime + "' contains ':' or whitespace, "
               "which LD_PRELOAD cannot carry";
    return false;
  }
  return true;
}

std::string merged_preload(const std::string &runtime, const char *existing) {
  if (existing == nullptr || existing[0] == '\0') return runtime;
  return runtime + ":" + existing;
}

bool option_is_set(std::string_view options, std::string_view name) {
  size_t i = 0;
  while (i < options.size()) {
    while (i < options.size() && is_option_separator(options[i])) ++i;
    size_t start = i;
    while (i < options.size() && !is_option_separator(options[i])) ++i;
    std::string_view item = options.substr(start, i - start);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) return true;
  }
  return false;
}

bool merged_options(const char *user, const LauncherSettings &ours, std::string &merged,
                    std::string *error) {
  std::string text = user != nullptr ? user : "";
  if (!parses(text, error)) return false;
  // Values cannot contain separators: the launcher's never do (it picks the
  // session and the directory), and it checks the directory.
  auto add = [&](const char *name, const std::string &value) {
    if (!text.empty()) text += ':';
    text += name;
    text += '=';
    text += value;
  };
  if (!ours.session.empty()) add("session", ours.session);
  if (!ours.report_json.empty()) add("report_json", ours.report_json);
  if (!ours.suppressions.empty()) add("suppressions", ours.suppressions);
  if (!parses(text, error)) return false;
  merged = text;
  return true;
}

std::vector<std::string> environment_with(char **base,
                                          const std::vector<std::string> &overrides) {
  std::vector<std::string> out;
  auto name_of = [](const std::string &entry) { return entry.substr(0, entry.find('=')); };
  for (char **e = base; e != nullptr && *e != nullptr; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (const std::string &o : overrides) replaced |= name_of(o) == name_of(entry);
    if (!replaced) out.push_back(entry);
  }
  out.insert(out.end(), overrides.begin(), overrides.end());
  return out;
}

}  // namespace shmcheck::launcher
