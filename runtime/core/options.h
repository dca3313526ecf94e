// Runtime options (declared in options.inc) and their parser.
#pragma once

#include <cstddef>

namespace shmcheck::core {

inline constexpr size_t kOptionStringMax = 256;

// Fixed storage so that options can be parsed without allocating.
struct OptionString {
  char text[kOptionStringMax];
  const char *c_str() const { return text; }
  bool empty() const { return text[0] == '\0'; }
};

using option_bool = bool;
using option_int = int;
using option_string = OptionString;

struct Options {
#define SHMCHECK_OPTION(type, name, default_value, help) option_##type name;
#include "options.inc"
#undef SHMCHECK_OPTION
};

// The table's defaults.
Options default_options();

// Parses "a=1:b=2" (':' or whitespace separate options) over the defaults.
// On a malformed option, writes a one-line diagnostic into `error` (at most
// `error_size` bytes), returns false, and leaves `out` at the defaults.
bool parse_options(const char *text, Options &out, char *error, size_t error_size);

// Writes the help=1 listing (name, default, help of every option) to `fd`.
void print_options_help(int fd);

}  // namespace shmcheck::core
