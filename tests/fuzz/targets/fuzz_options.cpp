// libFuzzer target: the SHMCHECK_OPTIONS parser (runtime/core/options.cpp).
//
// Any text either parses, and then printing the options back and parsing
// that gives the same options, or fails with one line naming the option
// and leaves every option at its default.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "options.h"

using shmcheck::core::default_options;
using shmcheck::core::OptionString;
using shmcheck::core::Options;
using shmcheck::core::parse_options;

namespace {

[[noreturn]] void broken(const char *what, const std::string &input) {
  fprintf(stderr, "fuzz_options: %s for input '%s'\n", what, input.c_str());
  abort();
}

bool same(bool a, bool b) { return a == b; }
bool same(int a, int b) { return a == b; }
bool same(const OptionString &a, const OptionString &b) { return strcmp(a.text, b.text) == 0; }

bool same_options(const Options &a, const Options &b) {
#define SHMCHECK_OPTION(type, name, default_value, help) \
  if (!same(a.name, b.name)) return false;
#include "options.inc"
#undef SHMCHECK_OPTION
  return true;
}

void print(std::string &out, const char *name, bool value) {
  out += std::string(name) + (value ? "=1:" : "=0:");
}
void print(std::string &out, const char *name, int value) {
  out += std::string(name) + "=" + std::to_string(value) + ":";
}
void print(std::string &out, const char *name, const OptionString &value) {
  out += std::string(name) + "=" + value.text + ":";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The environment cannot carry a NUL: the text ends at the first one.
  const std::string input(reinterpret_cast<const char *>(data), size);
  Options parsed;
  char error[256];
  memset(error, 'x', sizeof error);
  const bool ok = parse_options(input.c_str(), parsed, error, sizeof error);
  if (!ok) {
    if (memchr(error, '\0', sizeof error) == nullptr) broken("unterminated error", input);
    const std::string line = error;
    if (line.find('\n') != std::string::npos) broken("error on more than one line", input);
    if (line.compare(0, 22, "shmcheck: bad option '") != 0)
      broken("error does not name the option", input);
    if (!same_options(parsed, default_options())) broken("failure left options changed", input);
    return 0;
  }
  // Printed back (a value never holds a separator) and parsed again.
  std::string again;
#define SHMCHECK_OPTION(type, name, default_value, help) print(again, #name, parsed.name);
#include "options.inc"
#undef SHMCHECK_OPTION
  Options reparsed;
  if (!parse_options(again.c_str(), reparsed, error, sizeof error))
    broken("the options printed back do not parse", input);
  if (!same_options(parsed, reparsed)) broken("the options printed back differ", input);
  return 0;
}
