#include "InputFiles.h"

#include "ExitStatus.h"

#include "clang/Tooling/CompilationDatabase.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <memory>

using namespace llvm;

namespace shmtidy {
namespace {

struct LocatedDatabase {
  std::string Dir;
  std::unique_ptr<clang::tooling::CompilationDatabase> Database;
};

// The same walk as clang's autoDetectFromSource/FromDirectory (the directory,
// then its parents), but keeping the directory it found, so that every worker
// can be pointed at exactly that database.
std::optional<LocatedDatabase> locateDatabase(StringRef Start) {
  SmallString<256> Dir(Start);
  sys::fs::make_absolute(Dir);
  sys::path::remove_dots(Dir, /*remove_dot_dot=*/true);
  if (!sys::fs::is_directory(Dir))
    sys::path::remove_filename(Dir);
  for (StringRef Current = Dir; !Current.empty();
       Current = sys::path::parent_path(Current)) {
    std::string Ignored;
    if (auto Database = clang::tooling::CompilationDatabase::loadFromDirectory(
            Current, Ignored))
      return LocatedDatabase{Current.str(), std::move(Database)};
  }
  return std::nullopt;
}

Error missingDatabase(StringRef Start) {
  const std::string Where =
      sys::fs::is_directory(Start)
          ? "in '" + Start.str() + "' or above it"
          : "for '" + Start.str() + "' (in its directory or above)";
  return userError(
      "no compilation database (compile_commands.json) found " + Where,
      "configure the project with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON and pass "
      "its build directory with -p, or give the compiler flags after '--'");
}

Expected<std::vector<std::string>>
allDatabaseFiles(const clang::tooling::CompilationDatabase &Database,
                 StringRef Dir) {
  std::vector<std::string> Files = Database.getAllFiles();
  llvm::sort(Files);
  Files.erase(std::unique(Files.begin(), Files.end()), Files.end());
  if (Files.empty())
    return userError("the compilation database in '" + Dir.str() +
                         "' lists no files",
                     "build the project's configure step first, or pass -p "
                     "with the right build directory");
  return Files;
}

Error checkNamedFilesExist(const std::vector<std::string> &Files) {
  for (const std::string &File : Files)
    if (!sys::fs::exists(File))
      return userError("no such file: '" + File + "'",
                       "check the path (relative paths start at the current "
                       "directory)");
  return Error::success();
}

Error noInputFiles() {
  return userError("no input files",
                   "name the files to analyse, or analyse a whole project with "
                   "-p BUILD_DIR --all-files");
}

} // namespace

std::vector<std::string> shardOf(const std::vector<std::string> &Files,
                                 const ShardSpec &Shard) {
  std::vector<std::string> Share;
  for (size_t I = Shard.Index; I < Files.size(); I += Shard.Count)
    Share.push_back(Files[I]);
  return Share;
}

Expected<InputFiles> selectInputFiles(const CommandLine &Command) {
  DriverOptions Driver = Command.Driver;
  // --index-only alone covers the whole database.
  if (Driver.IndexOnly && Command.Sources.empty())
    Driver.AllFiles = true;
  InputFiles Result;

  if (!Driver.AllFiles && Command.Sources.empty())
    return noInputFiles();
  if (Error Err = checkNamedFilesExist(Command.Sources))
    return Err;
  if (Driver.AllFiles && !Command.Sources.empty())
    return userError("--all-files analyses every file of the compilation "
                     "database, and file names were given too",
                     "drop either the file names or --all-files");

  if (Command.HasCompilerArgs) {
    if (Driver.AllFiles)
      return userError("--all-files needs a compilation database, but the "
                       "flags after '--' replace it",
                       "drop '--' and what follows it, and pass -p BUILD_DIR");
    Result.Files = Command.Sources;
  } else {
    StringRef Start = !Command.BuildPath.empty() ? StringRef(Command.BuildPath)
                      : Driver.AllFiles || Command.Sources.empty()
                          ? StringRef(".")
                          : StringRef(Command.Sources.front());
    std::optional<LocatedDatabase> Located = locateDatabase(Start);
    if (!Located)
      return missingDatabase(Start);
    Result.DatabaseDir = Located->Dir;
    if (Driver.AllFiles) {
      auto Files = allDatabaseFiles(*Located->Database, Located->Dir);
      if (!Files)
        return Files.takeError();
      Result.Files = std::move(*Files);
    } else {
      Result.Files = Command.Sources;
    }
  }

  if (Result.Files.empty())
    return noInputFiles();

  Result.TotalBeforeSharding = Result.Files.size();
  if (Driver.Shard)
    Result.Files = shardOf(Result.Files, *Driver.Shard);
  return Result;
}

} // namespace shmtidy
