#include "InformationQueries.h"

#include "DefaultChecks.h"
#include "ExitStatus.h"
#include "LocalFiles.h"
#include "WorkerMessages.h"
#include "WorkerProcess.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace shmtidy {

// --list-checks, --dump-config, --explain-config, --verify-config: answered
// by clang-tidy's driver itself, with shm-tidy's default checks, in a worker
// so that a bad configuration is reported in one line like everywhere else.
int answerInformationQuery(const CommandLine &Command) {
  std::vector<std::string> Args = Command.clangTidyArgs(true);
  DefaultChecks Defaults(Command.Checks, Command.ConfigText,
                         Command.ConfigFile);
  const std::string Probe =
      absolutePath(Command.Sources.empty() ? "dummy" : Command.Sources.front());
  Args.insert(Args.begin() + 1, "--checks=" + Defaults.checksFor(Probe));
  // The answers do not depend on compiler flags: an empty "--" spares the
  // compilation database lookup and its warnings when there is none.
  if (!Command.HasCompilerArgs)
    Args.push_back("--");

  SmallString<128> StderrPath;
  if (std::error_code EC =
          sys::fs::createTemporaryFile("shm-tidy", "stderr", StderrPath))
    return reportAndFail(userError(
        "cannot create a temporary file: " + EC.message(), "check TMPDIR"));
  WorkerJob Job;
  Job.Args = std::move(Args);
  Job.StderrPath = std::string(StderrPath);
  Job.KeepStdout = true;
  WorkerExit Exit;
  Error RunError =
      runWorkers(Job, 1, [&](size_t, WorkerExit Done) {
        Exit = Done;
        return true;
      });
  const std::string Stderr = readWholeFile(StderrPath);
  sys::fs::remove(StderrPath);
  if (RunError)
    return reportAndFail(std::move(RunError));
  if (Exit.Status == 0 && Exit.Signal == 0) {
    errs() << Stderr;
    return ExitClean;
  }
  // --verify-config explains itself in warnings; keep them.
  if (Stderr.find("[-verify-config]") != std::string::npos) {
    errs() << Stderr;
    printErrorLine("the configuration has problems",
                   "fix what the warnings above point at");
    return ExitNotAnalysed;
  }
  return reportAndFail(explainWorkerFailure(Stderr));
}

} // namespace shmtidy
