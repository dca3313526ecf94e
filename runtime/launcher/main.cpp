// shmcheck [options] [--] PROGRAM [ARGS...]: runs a program and its whole
// process tree under libshmcheck.so, collects every process's reports,
// writes --json/--sarif, prints a summary and passes on a meaningful status.
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "child_environment.h"
#include "command_line.h"
#include "json_output.h"
#include "leftover_session.h"
#include "options.h"
#include "private_directory.h"
#include "process_tree.h"
#include "program_inspection.h"
#include "run_records.h"
#include "run_summary.h"
#include "sarif_output.h"
#include "suppressions.h"

extern char **environ;

namespace shmcheck::launcher {
namespace {

constexpr const char *kRecordsPrefix = "records";

void say(const std::string &line) { fmt::print(stderr, "shmcheck: {}\n", line); }

bool write_text(const std::string &path, const std::string &text, std::string *error) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n < 0 ? strerror(errno) : "short write";
      close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0) {
    *error = strerror(errno);
    return false;
  }
  return true;
}

// Every suppressions file, checked now (a bad line stops the launcher
// before the program runs) and merged into one text for the runtime.
bool gather_suppressions(const std::vector<std::string> &files, std::string &merged,
                         std::string *error) {
  for (const std::string &file : files) {
    std::string text, reason;
    if (!report::read_suppressions_file(file, text, &reason)) {
      *error = "cannot read suppressions '" + file + "': " + reason;
      return false;
    }
    report::SuppressionList check;
    if (!check.parse(text, "suppressions '" + file + "'", error)) return false;
    merged += "# " + file + "\n" + text + "\n";
  }
  return true;
}

std::string private_session_name() {
  uint32_t nonce = 0;
  if (getrandom(&nonce, sizeof nonce, 0) != sizeof nonce)
    nonce = static_cast<uint32_t>(time(nullptr));
  return fmt::format("run-{}-{:08x}", getpid(), nonce);
}

std::string own_executable(const char *argv0) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n > 0) return std::string(path, static_cast<size_t>(n));
  return argv0;
}

int run(int argc, char **argv) {
  CommandLine cl;
  std::string error;
  if (!parse_command_line(std::vector<std::string>(argv + 1, argv + argc), cl, &error)) {
    say(error);
    return kExitUsage;
  }
  if (cl.help) {
    fmt::print("{}", usage_text());
    return 0;
  }
  if (cl.version) {
    fmt::print("shmcheck {}\n", SHMCHECK_VERSION);
    return 0;
  }

  // Everything the user gave is checked before the program runs.
  const char *user_options = getenv("SHMCHECK_OPTIONS");
  core::Options user;
  char message[256] = "";
  if (!core::parse_options(user_options, user, message, sizeof message)) {
    std::string line = message;
    if (line.compare(0, 10, "shmcheck: ") == 0) line = line.substr(10);
    size_t tail = line.rfind("; using defaults");
    if (tail != std::string::npos) line.resize(tail);
    say(line);
    return kExitUsage;
  }
  std::vector<std::string> suppression_files = cl.suppressions;
  if (!user.suppressions.empty()) suppression_files.insert(suppression_files.begin(), user.suppressions.c_str());
  std::string suppressions;
  if (!gather_suppressions(suppression_files, suppressions, &error)) {
    say(error);
    return kExitUsage;
  }
  for (const std::string *output : {&cl.json_path, &cl.sarif_path}) {
    if (output->empty()) continue;
    if (!write_text(*output, "", &error)) {
      say(fmt::format("cannot write '{}': {}", *output, error));
      return kExitUsage;
    }
  }

  std::string runtime;
  if (!find_runtime(own_executable(argv[0]), runtime, &error)) {
    say(error);
    return kExitLauncherFailed;
  }
  PrivateDirectory directory;
  if (!directory.create(&error)) {
    say(error);
    return kExitLauncherFailed;
  }
  LauncherSettings settings;
  if (!option_is_set(user_options != nullptr ? user_options : "", "session"))
    settings.session = private_session_name();
  settings.report_json = directory.path() + "/" + kRecordsPrefix;
  if (!suppressions.empty()) {
    settings.suppressions = directory.path() + "/suppressions";
    if (!write_text(settings.suppressions, suppressions, &error)) {
      say(fmt::format("cannot write '{}': {}", settings.suppressions, error));
      return kExitLauncherFailed;
    }
  }
  std::string options;
  if (!merged_options(user_options, settings, options, &error)) {
    say(error);
    return kExitLauncherFailed;
  }
  std::vector<std::string> environment =
      environment_with(environ, {"LD_PRELOAD=" + merged_preload(runtime, getenv("LD_PRELOAD")),
                                 "SHMCHECK_OPTIONS=" + options});

  // Programs the runtime cannot be loaded into would only show as a run
  // where nothing was checked: say why before running them.
  const std::string program_path = resolve_program(cl.program[0]);
  if (!program_path.empty())
    for (const std::string &warning : preload_warnings(cl.program[0], program_path))
      say("warning: " + warning);

  ProgramOutcome outcome = run_process_tree(cl.program, environment);
  if (outcome.exec_errno != 0) {
    say(fmt::format("cannot run '{}': {}", cl.program[0], strerror(outcome.exec_errno)));
    return outcome.exec_errno == ENOENT ? kExitNotFound : kExitCannotExecute;
  }
  finish_leftover_session(options);

  RunRecords records = read_run_records(directory.path(), kRecordsPrefix, getpid());
  RunFacts facts;
  facts.command = cl.program;
  facts.version = SHMCHECK_VERSION;
  facts.program_status = shell_status(outcome.wait_status);
  facts.program_signal = WIFSIGNALED(outcome.wait_status) ? WTERMSIG(outcome.wait_status) : 0;
  facts.exit_status = records.races.empty() ? facts.program_status : user.exitcode;

  char cwd[PATH_MAX];
  SourcePaths paths(getcwd(cwd, sizeof cwd) != nullptr ? cwd : "/");
  bool outputs_ok = true;
  if (!cl.json_path.empty() && !write_text(cl.json_path, json_document(records, facts), &error)) {
    say(fmt::format("cannot write '{}': {}", cl.json_path, error));
    outputs_ok = false;
  }
  if (!cl.sarif_path.empty() &&
      !write_text(cl.sarif_path, sarif_document(records, facts, paths), &error)) {
    say(fmt::format("cannot write '{}': {}", cl.sarif_path, error));
    outputs_ok = false;
  }
  std::string summary = format_summary(records, facts, paths);
  fflush(stdout);
  fputs(summary.c_str(), stderr);
  return outputs_ok ? facts.exit_status : kExitLauncherFailed;
}

}  // namespace
}  // namespace shmcheck::launcher

int main(int argc, char **argv) { return shmcheck::launcher::run(argc, argv); }
