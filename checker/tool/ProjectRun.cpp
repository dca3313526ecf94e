#include "ProjectRun.h"

#include "ArgumentEditing.h"
#include "ArtifactUri.h"
#include "DefaultChecks.h"
#include "ExitStatus.h"
#include "ExportedDiagnostics.h"
#include "LocalFiles.h"
#include "Progress.h"
#include "RunSummary.h"
#include "SarifReport.h"
#include "TextReport.h"
#include "UniqueDiagnostics.h"
#include "WorkerMessages.h"
#include "WholeProgram.h"
#include "WorkerProcess.h"

#include "clang-tidy/ClangTidy.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <unistd.h>

using namespace llvm;
using clang::tidy::ClangTidyError;

namespace shmtidy {
namespace {

// What one worker left behind, once read.
struct FileOutcome {
  std::vector<ClangTidyError> Diagnostics;
  std::string Messages; // its stderr, minus clang-tidy's per-file chatter
  bool Failed = false;  // compile errors, or the worker crashed
  std::string CrashLog; // set when it crashed
  int CrashSignal = 0;
};

class ProjectRun {
public:
  ProjectRun(const CommandLine &TheCommand, const InputFiles &TheInputs)
      : Command(TheCommand), Inputs(TheInputs),
        Defaults(TheCommand.Checks, TheCommand.ConfigText,
                 TheCommand.ConfigFile),
        Text(TheCommand.UseColor), Bar(TheInputs.Files.size()),
        Outcomes(TheInputs.Files.size()) {}

  int run();

private:
  Error openOutputs();
  Error makeJobs();
  bool finished(size_t Index, WorkerExit Exit);
  void reportReadyFiles();
  void report(size_t Index, FileOutcome &Outcome);
  int finish(double Seconds);
  unsigned parallelism() const;

  const CommandLine &Command;
  const InputFiles &Inputs;
  DefaultChecks Defaults;
  TextReport Text;
  Progress Bar;
  UniqueDiagnostics Unique;

  SmallString<128> WorkDir;
  std::vector<WorkerJob> Jobs;
  std::vector<std::string> ExportPaths;
  std::vector<std::optional<FileOutcome>> Outcomes;
  size_t NextToReport = 0;
  size_t Done = 0;
  std::vector<std::string> FailedFiles;
  size_t Crashes = 0;
  std::optional<std::string> Stopped; // why a worker failure ended the run

  bool PrintText = true;
  std::unique_ptr<raw_fd_ostream> SarifOut;
};

unsigned ProjectRun::parallelism() const {
  // Fixes are applied by each worker as it finishes; two workers editing the
  // same header at once could clobber each other's fixes.
  if (Command.AppliesFixes)
    return 1;
  unsigned Count = Command.Driver.Jobs;
  if (Count == 0)
    Count = llvm::hardware_concurrency().compute_thread_count();
  return std::max(1u, Count);
}

Error ProjectRun::openOutputs() {
  const DriverOptions &Driver = Command.Driver;
  if (Driver.Format == ReportFormat::Sarif) {
    std::error_code EC;
    SarifOut = std::make_unique<raw_fd_ostream>(
        Driver.Output.empty() ? "-" : Driver.Output, EC);
    if (EC)
      return userError("cannot write '" + Driver.Output + "': " + EC.message(),
                       "check the --output path");
    // SARIF on stdout leaves no room for the text diagnostics.
    PrintText = !Driver.Output.empty();
    return Error::success();
  }
  if (!Driver.Output.empty()) {
    int Fd = -1;
    if (std::error_code EC = sys::fs::openFileForWrite(Driver.Output, Fd))
      return userError("cannot write '" + Driver.Output + "': " + EC.message(),
                       "check the --output path");
    outs().flush();
    dup2(Fd, STDOUT_FILENO);
    close(Fd);
  }
  return Error::success();
}

Error ProjectRun::makeJobs() {
  if (std::error_code EC = sys::fs::createUniqueDirectory("shm-tidy", WorkDir))
    return userError("cannot create a temporary directory: " + EC.message(),
                     "check TMPDIR");
  const std::vector<std::string> Base = Command.clangTidyArgs(false);
  const size_t Split = compilerArgsBegin(Base);
  bool AnyShmCheck = false;
  std::string LastChecks;
  for (size_t I = 0; I < Inputs.Files.size(); ++I) {
    const std::string &File = Inputs.Files[I];
    SmallString<128> Export(WorkDir);
    sys::path::append(Export, std::to_string(I) + ".yaml");
    SmallString<128> Stderr(WorkDir);
    sys::path::append(Stderr, std::to_string(I) + ".stderr");

    WorkerJob Job;
    Job.File = File;
    Job.StderrPath = std::string(Stderr);
    Job.Args.assign(Base.begin(), Base.begin() + Split);
    std::string Checks = Defaults.checksFor(absolutePath(File));
    AnyShmCheck = AnyShmCheck || !DefaultChecks::enabledShmChecks(Checks).empty();
    Job.Args.insert(Job.Args.begin() + 1, "--checks=" + Checks);
    LastChecks = std::move(Checks);
    if (Command.BuildPath.empty() && !Inputs.DatabaseDir.empty())
      Job.Args.push_back("-p=" + Inputs.DatabaseDir);
    Job.Args.push_back(("--export-fixes=" + Export).str());
    Job.Args.push_back(File);
    Job.Args.insert(Job.Args.end(), Base.begin() + Split, Base.end());
    Jobs.push_back(std::move(Job));
    ExportPaths.push_back(std::string(Export));
  }
  // A run that checks nothing of ours must not pass for a clean one.
  if (!AnyShmCheck && !Command.Driver.IndexOnly)
    return userError("no shm-* check is enabled (the checks are '" +
                         LastChecks + "')",
                     "remove '-*' or '-shm-*' from Checks in .clang-tidy or "
                     "--checks, or add the shm-* checks you want after it");
  return Error::success();
}

// Keeps the crash output of a worker where the user can find it after the
// work directory is gone.
std::string keepCrashLog(StringRef Stderr) {
  SmallString<128> Path;
  int Fd = -1;
  if (sys::fs::createTemporaryFile("shm-tidy-crash", "log", Fd, Path))
    return {};
  raw_fd_ostream Out(Fd, /*shouldClose=*/true);
  Out << Stderr;
  return std::string(Path);
}

bool ProjectRun::finished(size_t Index, WorkerExit Exit) {
  FileOutcome Outcome;
  const std::string Stderr = readWholeFile(Jobs[Index].StderrPath);
  ++Done;
  if (Exit.Signal != 0) {
    Outcome.Failed = true;
    Outcome.CrashSignal = Exit.Signal;
    Outcome.CrashLog = keepCrashLog(Stderr);
  } else {
    Expected<std::vector<ClangTidyError>> Diagnostics =
        readExportedDiagnostics(ExportPaths[Index]);
    if (!Diagnostics) {
      Stopped = toString(Diagnostics.takeError()) +
                "; check that the temporary directory is writable";
      return false;
    }
    Outcome.Diagnostics = std::move(*Diagnostics);
    const bool CompileErrors =
        llvm::any_of(Outcome.Diagnostics, isCompilerError);
    const bool Promoted =
        llvm::any_of(Outcome.Diagnostics,
                     [](const ClangTidyError &D) { return D.IsWarningAsError; });
    // clang-tidy exits non-zero for compile errors and promoted warnings;
    // with neither, it stopped before analysing: its configuration or an
    // option is wrong, and every other file would fail the same way.
    if (Exit.Status != 0 && !CompileErrors && !Promoted) {
      Stopped = toString(explainWorkerFailure(Stderr));
      return false;
    }
    Outcome.Failed = CompileErrors;
    Outcome.Messages = workerMessagesToShow(Stderr);
  }
  Outcomes[Index] = std::move(Outcome);
  reportReadyFiles();
  Bar.update(Done, Jobs[Index].File);
  return true;
}

// Files are reported in input order whatever order they finish in, so output
// is the same with -j1 and -j8, and a header's diagnostic is always reported
// with the same (first) file that includes it.
void ProjectRun::reportReadyFiles() {
  while (NextToReport < Outcomes.size() && Outcomes[NextToReport]) {
    report(NextToReport, *Outcomes[NextToReport]);
    Outcomes[NextToReport].reset();
    ++NextToReport;
  }
}

void ProjectRun::report(size_t Index, FileOutcome &Outcome) {
  Bar.clear();
  std::vector<ClangTidyError> Fresh =
      Unique.add(std::move(Outcome.Diagnostics));
  if (PrintText)
    Text.print(Fresh);
  if (!Outcome.Messages.empty())
    errs() << Outcome.Messages;
  if (Outcome.Failed)
    FailedFiles.push_back(absolutePath(Jobs[Index].File));
  if (Outcome.CrashSignal != 0) {
    ++Crashes;
    printErrorLine(
        "the analysis of '" + Jobs[Index].File + "' crashed (" +
            strsignal(Outcome.CrashSignal) + ")",
        Outcome.CrashLog.empty()
            ? std::string("please report this with the file")
            : "its log is in " + Outcome.CrashLog + "; please report it");
  }
}

int ProjectRun::finish(double Seconds) {
  Bar.clear();
  if (Stopped) {
    printErrorLine(*Stopped, "");
    return ExitNotAnalysed;
  }

  int Status = ExitClean;
  if (Unique.promotedToErrors() > 0)
    Status = ExitFindingsPromoted;
  if (!FailedFiles.empty())
    Status = ExitNotAnalysed;

  if (!Command.ExportFixes.empty() && !Unique.all().empty()) {
    std::error_code EC;
    raw_fd_ostream Out(Command.ExportFixes, EC);
    if (EC) {
      printErrorLine("cannot write '" + Command.ExportFixes +
                         "': " + EC.message(),
                     "check the --export-fixes path");
      return ExitNotAnalysed;
    }
    clang::tidy::exportReplacements(absolutePath(Inputs.Files.front()),
                                    Unique.all(), Out);
  }

  if (SarifOut) {
    SarifRun Run;
    Run.Diagnostics = Unique.all();
    Run.SourceRoot = chooseSourceRoot(Command.Driver.SourceRoot);
    Run.FailedFiles = FailedFiles;
    Run.ExitStatus = Status;
    writeSarif(*SarifOut, Run);
    SarifOut->flush();
  }
  outs().flush();

  // One file is a compiler-style run (CMake's CMAKE_C_CLANG_TIDY runs one per
  // compile): its diagnostics say it all, and a summary per compile would
  // only clutter the build log.
  if (!Command.Quiet && (Command.Driver.AllFiles || Inputs.Files.size() > 1)) {
    RunSummary Summary;
    Summary.Files = Inputs.Files.size();
    Summary.Findings = Unique.findings();
    Summary.FindingsByCheck = Unique.findingsByCheck();
    Summary.PromotedToErrors = Unique.promotedToErrors();
    Summary.FailedFiles = FailedFiles.size();
    Summary.Seconds = Seconds;
    errs() << formatSummary(Summary) << "\n";
  }

  if (!FailedFiles.empty()) {
    std::string Names;
    for (size_t I = 0; I < FailedFiles.size() && I < 3; ++I)
      Names += (I ? ", " : "") + sys::path::filename(FailedFiles[I]).str();
    if (FailedFiles.size() > 3)
      Names += ", ...";
    printErrorLine(std::to_string(FailedFiles.size()) +
                       (FailedFiles.size() == 1 ? " file" : " files") +
                       " could not be analysed (" + Names + ")",
                   Crashes == FailedFiles.size()
                       ? "see the crash reports above"
                       : "fix the compile errors reported above (or the "
                         "compiler flags in the compilation database) and run "
                         "again");
  }
  return Status;
}

int ProjectRun::run() {
  const auto Start = std::chrono::steady_clock::now();
  if (Error Err = makeJobs()) {
    if (!WorkDir.empty())
      sys::fs::remove_directories(WorkDir);
    return reportAndFail(std::move(Err));
  }
  if (wholeProgramEnabled(Command, Inputs)) {
    Expected<IndexStatistics> Index = buildProjectIndex(Command, Inputs);
    if (!Index) {
      sys::fs::remove_directories(WorkDir);
      return reportAndFail(Index.takeError());
    }
    // Like the summary line: not in compiler-style runs on one file.
    const bool Summarises = Command.Driver.AllFiles || Inputs.Files.size() > 1;
    if (!Command.Quiet && (Command.Driver.IndexOnly ||
                           (Index->Summarised > 0 && Summarises)))
      errs() << formatIndexSummary(Index->Units, Index->Summarised,
                                   Index->Failed, Index->Seconds)
             << "\n";
    if (Command.Driver.IndexOnly) {
      sys::fs::remove_directories(WorkDir);
      return ExitClean;
    }
  }
  if (Error Err = openOutputs()) {
    sys::fs::remove_directories(WorkDir);
    return reportAndFail(std::move(Err));
  }
  Error RunError = runWorkers(
      Jobs, parallelism(),
      [this](size_t Index, WorkerExit Exit) { return finished(Index, Exit); });
  const std::chrono::duration<double> Elapsed =
      std::chrono::steady_clock::now() - Start;
  sys::fs::remove_directories(WorkDir);
  if (RunError)
    return reportAndFail(std::move(RunError));
  return finish(Elapsed.count());
}

} // namespace

int analyseFiles(const CommandLine &Command, const InputFiles &Inputs) {
  return ProjectRun(Command, Inputs).run();
}

} // namespace shmtidy
