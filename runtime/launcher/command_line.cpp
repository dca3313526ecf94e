#include "command_line.h"

namespace shmcheck::launcher {
namespace {

// Options that take a file: "--json FILE" or "--json=FILE".
struct FileOption {
  const char *name;
  void (*store)(CommandLine &, std::string);
};

const FileOption kFileOptions[] = {
    {"--json", [](CommandLine &c, std::string v) { c.json_path = std::move(v); }},
    {"--sarif", [](CommandLine &c, std::string v) { c.sarif_path = std::move(v); }},
    {"--suppressions", [](CommandLine &c, std::string v) { c.suppressions.push_back(std::move(v)); }},
};

}  // namespace

bool parse_command_line(const std::vector<std::string> &args, CommandLine &out,
                        std::string *error) {
  out = CommandLine();
  auto fail = [&](std::string message) {
    if (error != nullptr) *error = std::move(message);
    return false;
  };
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;  // the program
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      continue;
    }
    if (arg == "--version") {
      out.version = true;
      continue;
    }
    bool known = false;
    for (const FileOption &option : kFileOptions) {
      std::string name = option.name;
      if (arg == name) {
        if (i + 1 >= args.size()) return fail("option '" + name + "' needs a file name");
        option.store(out, args[++i]);
        known = true;
      } else if (arg.compare(0, name.size() + 1, name + "=") == 0) {
        std::string value = arg.substr(name.size() + 1);
        if (value.empty()) return fail("option '" + name + "' needs a file name");
        option.store(out, value);
        known = true;
      }
      if (known) break;
    }
    if (!known) return fail("unknown option '" + arg + "' (see 'shmcheck --help')");
  }
  out.program.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  if (out.help || out.version) return true;
  if (out.program.empty())
    return fail("no program to run (usage: shmcheck [options] -- PROGRAM [ARGS...])");
  return true;
}

std::string usage_text() {
  return "usage: shmcheck [options] [--] PROGRAM [ARGS...]\n"
         "\n"
         "Runs PROGRAM, and every process it starts, under libshmcheck.so, which\n"
         "reports data races between processes (and threads) on shared memory.\n"
         "At the end prints a summary on stderr and exits with 66 when a race was\n"
         "reported (the exitcode runtime option), otherwise with the program's own\n"
         "status (128+N when a signal N ended it).\n"
         "\n"
         "options:\n"
         "  --json FILE          write the races, processes and segments as JSON\n"
         "  --sarif FILE         write the races as SARIF 2.1.0 (for code scanning)\n"
         "  --suppressions FILE  do not report races matching FILE (race:PATTERN,\n"
         "                       race_top:PATTERN, as for ThreadSanitizer); repeatable\n"
         "  -h, --help           print this help and exit\n"
         "  --version            print the version and exit\n"
         "\n"
         "Runtime options come from SHMCHECK_OPTIONS (SHMCHECK_OPTIONS=help=1 lists\n"
         "them). The launcher adds a private session unless one is set there.\n"
         "Exit status 2: bad usage; 125: the launcher failed; 126/127: PROGRAM\n"
         "could not be executed / was not found.\n";
}

}  // namespace shmcheck::launcher
