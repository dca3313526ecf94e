#include "options.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

namespace shmcheck::core {
namespace {

void set_default(bool &field, bool value) { field = value; }
void set_default(int &field, int value) { field = value; }
void set_default(OptionString &field, const char *value) {
  snprintf(field.text, sizeof field.text, "%s", value);
}

// Each setter returns an error fragment, or nullptr when `value` was valid.
const char *set_value(bool &field, const char *value, size_t len) {
  auto is = [&](const char *word) {
    return strlen(word) == len && strncmp(value, word, len) == 0;
  };
  if (is("1") || is("true") || is("yes")) field = true;
  else if (is("0") || is("false") || is("no")) field = false;
  else return "expected 0 or 1";
  return nullptr;
}

const char *set_value(int &field, const char *value, size_t len) {
  char buffer[32];
  if (len == 0 || len >= sizeof buffer) return "expected an integer";
  memcpy(buffer, value, len);
  buffer[len] = '\0';
  char *end = nullptr;
  errno = 0;
  long parsed = strtol(buffer, &end, 0);
  if (errno != 0 || *end != '\0' || parsed < INT_MIN || parsed > INT_MAX)
    return "expected an integer";
  field = static_cast<int>(parsed);
  return nullptr;
}

const char *set_value(OptionString &field, const char *value, size_t len) {
  if (len >= sizeof field.text) return "value too long";
  memcpy(field.text, value, len);
  field.text[len] = '\0';
  return nullptr;
}

bool is_separator(char c) { return c == ':' || isspace(static_cast<unsigned char>(c)); }

bool valid_session(const OptionString &session) {
  size_t len = strlen(session.text);
  if (len == 0 || len > 48) return false;
  for (size_t i = 0; i < len; ++i) {
    char c = session.text[i];
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  }
  return true;
}

// The integer options' valid ranges (an exit status is 0..255: 256 would
// turn a reported race into status 0).
struct IntRange {
  const char *name;
  long low;
  long high;
};
constexpr IntRange kIntRanges[] = {
    {"exitcode", 0, 255},
    {"verbosity", 0, 3},
    {"trap_budget", 0, 100},
    {"max_state_mb", 0, 1 << 30},
};

const char *range_problem(const char *name, size_t name_len, int value, char *buffer,
                          size_t size) {
  for (const IntRange &range : kIntRanges) {
    if (strlen(range.name) != name_len || strncmp(range.name, name, name_len) != 0) continue;
    if (value >= range.low && value <= range.high) return nullptr;
    snprintf(buffer, size, "expected %ld..%ld", range.low, range.high);
    return buffer;
  }
  return nullptr;
}

const char *range_problem(const char *, size_t, bool, char *, size_t) { return nullptr; }
const char *range_problem(const char *, size_t, const OptionString &, char *, size_t) {
  return nullptr;
}

std::string show_default(bool value) { return value ? "1" : "0"; }
std::string show_default(int value) { return std::to_string(value); }
std::string show_default(const char *value) { return fmt::format("\"{}\"", value); }

}  // namespace

Options default_options() {
  Options options;
#define SHMCHECK_OPTION(type, name, default_value, help) \
  set_default(options.name, default_value);
#include "options.inc"
#undef SHMCHECK_OPTION
  return options;
}

bool parse_options(const char *text, Options &out, char *error, size_t error_size) {
  out = default_options();
  if (text == nullptr) return true;
  Options parsed = out;
  const char *p = text;
  while (*p != '\0') {
    while (is_separator(*p)) ++p;
    if (*p == '\0') break;
    const char *start = p;
    while (*p != '\0' && !is_separator(*p)) ++p;
    size_t item_len = static_cast<size_t>(p - start);
    const char *eq = static_cast<const char *>(memchr(start, '=', item_len));
    const char *problem = nullptr;
    char range[48];
    if (eq == nullptr || eq == start) {
      problem = "expected name=value";
    } else {
      size_t name_len = static_cast<size_t>(eq - start);
      const char *value = eq + 1;
      size_t value_len = item_len - name_len - 1;
      problem = "unknown option";
#define SHMCHECK_OPTION(type, name, default_value, help)                       \
  if (name_len == sizeof(#name) - 1 && strncmp(start, #name, name_len) == 0) { \
    problem = set_value(parsed.name, value, value_len);                        \
    if (problem == nullptr)                                                    \
      problem = range_problem(start, name_len, parsed.name, range, sizeof range); \
  }
#include "options.inc"
#undef SHMCHECK_OPTION
    }
    if (problem != nullptr) {
      snprintf(error, error_size,
               "shmcheck: bad option '%.*s' in SHMCHECK_OPTIONS: %s; using defaults",
               static_cast<int>(item_len > 80 ? 80 : item_len), start, problem);
      return false;
    }
  }
  if (!valid_session(parsed.session)) {
    snprintf(error, error_size,
             "shmcheck: bad option 'session=%.60s' in SHMCHECK_OPTIONS: use at most 48 "
             "of [A-Za-z0-9_.-]; using defaults",
             parsed.session.text);
    return false;
  }
  out = parsed;
  return true;
}

void print_options_help(int fd) {
  std::string text = "shmcheck options (SHMCHECK_OPTIONS=name=value:name=value):\n";
#define SHMCHECK_OPTION(type, name, default_value, help) \
  text += fmt::format("  {}={}\n      {}\n", #name, show_default(default_value), help);
#include "options.inc"
#undef SHMCHECK_OPTION
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
}

}  // namespace shmcheck::core
