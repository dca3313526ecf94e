#include "Driver.h"

#include "CommandLine.h"
#include "ExitStatus.h"
#include "InformationQueries.h"
#include "InputFiles.h"
#include "ProjectRun.h"
#include "RunSummary.h"
#include "WholeProgram.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <unistd.h>

using namespace llvm;

namespace shmtidy {
namespace {

// report_fatal_error is how LLVM gives up on bad input it cannot recover from
// (an unreadable working directory, a broken file system overlay); the user
// gets one line instead of LLVM's crash banner.
void fatalErrorToOneLine(void *, const char *Reason, bool) {
  llvm::errs().flush();
  const std::string Line =
      std::string("shm-tidy: error: ") + Reason + "\n";
  ssize_t Ignored = write(STDERR_FILENO, Line.data(), Line.size());
  (void)Ignored;
  _exit(ExitNotAnalysed);
}

} // namespace

int runShmTidy(int Argc, const char **Argv) {
  llvm::install_fatal_error_handler(fatalErrorToOneLine);
  Expected<CommandLine> Command = parseCommandLine(Argc, Argv);
  if (!Command)
    return reportAndFail(Command.takeError());
  if (Command->InformationOnly)
    return answerInformationQuery(*Command);
  Expected<InputFiles> Inputs = selectInputFiles(*Command);
  if (!Inputs)
    return reportAndFail(Inputs.takeError());
  if (Command->Driver.IndexOnly && !wholeProgramEnabled(*Command, *Inputs))
    return reportAndFail(userError(
        "--index-only needs whole-program mode and a compilation database",
        "pass -p BUILD_DIR (and no '--' flags or --whole-program=false)"));
  if (Error Err = installLibraryModels(Argv[0]))
    return reportAndFail(std::move(Err));
  if (Inputs->Files.empty() && !Command->Driver.IndexOnly) {
    // A shard with nothing in it: a clean run, and said so.
    if (!Command->Quiet)
      errs() << formatSummary(RunSummary{}) << "\n";
    return ExitClean;
  }
  return analyseFiles(*Command, *Inputs);
}

} // namespace shmtidy
