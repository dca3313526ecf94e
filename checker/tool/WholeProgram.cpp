#include "WholeProgram.h"

#include "ExitStatus.h"
#include "LocalFiles.h"
#include "Progress.h"
#include "WorkerProcess.h"

#include "summary/LibraryModels.h"
#include "summary/ProjectIndex.h"
#include "summary/ProjectSummaryCheck.h"

#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace llvm;
using clang::tidy::shm::ProjectFacts;
using clang::tidy::shm::UnitSummary;

namespace shmtidy {
namespace {

std::string hexHash(StringRef Data) { return utohexstr(xxh3_64bits(Data), /*LowerCase=*/true); }

// Content hashes of files, each read once per run.
class FileHashes {
public:
  const std::string &of(StringRef Path) {
    auto [It, New] = Cache.try_emplace(Path);
    if (New) {
      auto Text = MemoryBuffer::getFile(Path);
      It->second = Text ? hexHash((*Text)->getBuffer()) : "missing";
    }
    return It->second;
  }

private:
  StringMap<std::string> Cache;
};

// What a summary of File is made from: its content, its compile commands and
// the tool's version. Headers are checked separately, through the
// dependencies the summary lists.
std::string unitKey(StringRef File, const clang::tooling::CompilationDatabase &Database,
                    FileHashes &Hashes) {
  // The summary format is part of the key: a summary written by an earlier
  // build of the same version may lack facts that this one reads.
  std::string Material = SHMTIDY_VERSION "\nsummary format 2\n" + Hashes.of(File) + "\n";
  for (const clang::tooling::CompileCommand &Command : Database.getCompileCommands(File)) {
    Material += Command.Directory + "\n";
    for (const std::string &Arg : Command.CommandLine)
      Material += Arg + "\n";
  }
  return hexHash(Material);
}

std::string summaryPath(StringRef IndexDir, StringRef File) {
  SmallString<256> Path(IndexDir);
  sys::path::append(Path, "units", hexHash(File) + ".json");
  return std::string(Path);
}

std::optional<UnitSummary> readSummary(StringRef Path) {
  auto Text = MemoryBuffer::getFile(Path);
  if (!Text)
    return std::nullopt;
  Expected<json::Value> Parsed = json::parse((*Text)->getBuffer());
  if (!Parsed) {
    consumeError(Parsed.takeError());
    return std::nullopt;
  }
  Expected<UnitSummary> Summary = UnitSummary::fromJSON(*Parsed);
  if (!Summary) {
    consumeError(Summary.takeError());
    return std::nullopt;
  }
  return std::move(*Summary);
}

bool isCurrent(const UnitSummary &Summary, StringRef Key, FileHashes &Hashes) {
  if (Summary.Key != Key)
    return false;
  return llvm::all_of(Summary.Dependencies,
                      [&](const auto &Dep) { return Hashes.of(Dep.first) == Dep.second; });
}

// Written next to the final name and renamed, so that a reader (another
// shard, an interrupted run) never sees half a file.
Error writeAtomically(StringRef Path, const json::Value &Value) {
  SmallString<256> Temporary(Path);
  Temporary += ".tmp";
  std::error_code EC;
  {
    raw_fd_ostream Out(Temporary, EC, sys::fs::OF_Text);
    if (EC)
      return createStringError(EC, "cannot write '%s': %s", Temporary.c_str(), EC.message().c_str());
    Out << Value;
  }
  if (std::error_code RenameEC = sys::fs::rename(Temporary, Path))
    return createStringError(RenameEC, "cannot write '%s': %s", Path.str().c_str(), RenameEC.message().c_str());
  return Error::success();
}

std::string modelDirectory(const char *Argv0) {
  static int Anchor;
  std::string Exe = sys::fs::getMainExecutable(Argv0, &Anchor);
  SmallString<256> Dir(sys::path::parent_path(sys::path::parent_path(Exe)));
  sys::path::append(Dir, "share", "shm-tidy", "models");
  return std::string(Dir);
}

} // namespace

Error installLibraryModels(const char *Argv0) {
  std::vector<std::string> Errors;
  ProjectFacts Models = clang::tidy::shm::loadLibraryModels(modelDirectory(Argv0), Errors);
  if (!Errors.empty())
    return userError("cannot read a library model: " + Errors.front(),
                     "fix or remove that file of share/shm-tidy/models");
  ProjectFacts::install(std::move(Models));
  return Error::success();
}

bool wholeProgramEnabled(const CommandLine &Command, const InputFiles &Inputs) {
  return Command.Driver.WholeProgram && !Inputs.DatabaseDir.empty();
}

Expected<IndexStatistics> buildProjectIndex(const CommandLine &Command, const InputFiles &Inputs) {
  const auto Start = std::chrono::steady_clock::now();
  std::string Ignored;
  std::unique_ptr<clang::tooling::CompilationDatabase> Database =
      clang::tooling::CompilationDatabase::loadFromDirectory(Inputs.DatabaseDir, Ignored);
  if (!Database)
    return userError("cannot read the compilation database in '" + Inputs.DatabaseDir + "'",
                     "check compile_commands.json, or run with --whole-program=false");
  std::vector<std::string> Units = Database->getAllFiles();
  llvm::sort(Units);
  Units.erase(std::unique(Units.begin(), Units.end()), Units.end());

  SmallString<256> IndexDir(Command.Driver.IndexDir);
  if (IndexDir.empty()) {
    IndexDir = Inputs.DatabaseDir;
    sys::path::append(IndexDir, ".shm-tidy-index");
  }
  SmallString<256> UnitsDir(IndexDir);
  sys::path::append(UnitsDir, "units");
  SmallString<128> Fallback;
  if (std::error_code EC = sys::fs::create_directories(UnitsDir)) {
    // A read-only build directory: an index for this run only.
    if (!Command.Driver.IndexDir.empty() || Command.Driver.IndexOnly ||
        sys::fs::createUniqueDirectory("shm-tidy-index", Fallback))
      return userError("cannot create the project index in '" + IndexDir.str().str() + "': " + EC.message(),
                       "make the build directory writable, or pass --index-dir");
    IndexDir = Fallback;
    UnitsDir = Fallback;
    sys::path::append(UnitsDir, "units");
    sys::fs::create_directories(UnitsDir);
  }

  FileHashes Hashes;
  IndexStatistics Stats;
  Stats.Units = Units.size();
  std::vector<std::optional<UnitSummary>> Summaries(Units.size());
  std::vector<std::string> Keys(Units.size());
  std::vector<size_t> Stale;
  for (size_t I = 0; I < Units.size(); ++I) {
    Keys[I] = unitKey(Units[I], *Database, Hashes);
    std::optional<UnitSummary> Cached = readSummary(summaryPath(IndexDir, Units[I]));
    if (Cached && isCurrent(*Cached, Keys[I], Hashes))
      Summaries[I] = std::move(Cached);
    else
      Stale.push_back(I);
  }

  // First pass over the files that changed.
  SmallString<128> WorkDir;
  if (!Stale.empty()) {
    if (std::error_code EC = sys::fs::createUniqueDirectory("shm-tidy-index", WorkDir))
      return userError("cannot create a temporary directory: " + EC.message(), "check TMPDIR");
  }
  std::vector<WorkerJob> Jobs;
  std::vector<std::string> Outputs;
  for (size_t I : Stale) {
    SmallString<128> Output(WorkDir), Stderr(WorkDir);
    sys::path::append(Output, std::to_string(I) + ".json");
    sys::path::append(Stderr, std::to_string(I) + ".stderr");
    WorkerJob Job;
    Job.File = Units[I];
    Job.StderrPath = std::string(Stderr);
    Job.Args = {Command.Args.front(),
                "--checks=-*," + clang::tidy::shm::ProjectSummaryCheck::Name.str(),
                "--config={}",
                "--quiet",
                "-p=" + Inputs.DatabaseDir,
                Units[I]};
    std::string OutputPath(Output);
    Job.Prepare = [OutputPath] { clang::tidy::shm::setSummaryOutputPath(OutputPath); };
    Jobs.push_back(std::move(Job));
    Outputs.push_back(std::string(Output));
  }
  unsigned Parallelism = Command.Driver.Jobs ? Command.Driver.Jobs
                                             : llvm::hardware_concurrency().compute_thread_count();
  Progress Bar(Jobs.size());
  size_t Done = 0;
  Error RunError = runWorkers(Jobs, std::max(1u, Parallelism), [&](size_t J, WorkerExit) {
    const size_t I = Stale[J];
    Bar.update(++Done, Units[I]);
    std::optional<UnitSummary> Made = readSummary(Outputs[J]);
    if (!Made) {
      ++Stats.Failed; // summarised again next time
      return true;
    }
    Made->File = Units[I];
    Made->Key = Keys[I];
    for (auto &Dep : Made->Dependencies)
      Dep.second = Hashes.of(Dep.first);
    if (Error E = writeAtomically(summaryPath(IndexDir, Units[I]), Made->toJSON()))
      consumeError(std::move(E)); // kept in memory; made again next time
    Summaries[I] = std::move(Made);
    ++Stats.Summarised;
    return true;
  });
  Bar.clear();
  if (!WorkDir.empty())
    sys::fs::remove_directories(WorkDir);
  if (RunError)
    return RunError;

  std::vector<UnitSummary> Present;
  for (std::optional<UnitSummary> &S : Summaries)
    if (S)
      Present.push_back(std::move(*S));
  ProjectFacts Facts = clang::tidy::shm::mergeUnitSummaries(Present);
  SmallString<256> IndexFile(IndexDir);
  sys::path::append(IndexFile, "index.json");
  if (Error E = writeAtomically(IndexFile, Facts.toJSON()))
    return userError(toString(std::move(E)), "make the build directory writable, or pass --index-dir");

  // The models stay underneath: the index adds what the project's own code
  // does, and a model wins for the functions it names.
  ProjectFacts Installed = ProjectFacts::current() ? *ProjectFacts::current() : ProjectFacts();
  Installed.merge(Facts);
  ProjectFacts::install(std::move(Installed));
  if (!Fallback.empty())
    sys::fs::remove_directories(Fallback);
  Stats.Seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - Start).count();
  return Stats;
}

} // namespace shmtidy
