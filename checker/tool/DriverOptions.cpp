#include "DriverOptions.h"

#include "ArgumentEditing.h"
#include "ExitStatus.h"

#include "llvm/ADT/StringRef.h"

using namespace llvm;

namespace shmtidy {
namespace {

// Each option is declared once here; removeDriverOptions() finds them by the
// same names, so adding one means adding it to DriverOptionNames too.
// NOLINTBEGIN(cppcoreguidelines-avoid-non-const-global-variables)
cl::opt<bool> AllFiles(
    "all-files",
    cl::desc("Analyse every translation unit of the compilation database\n"
             "(found with -p, or above the current directory)."));

cl::opt<unsigned> Jobs(
    "j", cl::value_desc("N"), cl::Prefix,
    cl::desc("Analyse N files at a time (default: one per core).\n"
             "Each file runs in its own process."));

cl::opt<std::string> Shard(
    "shard", cl::value_desc("K/N"),
    cl::desc("Analyse only the K-th of N equal shares of the files, so\n"
             "that N CI jobs split a tree between them."));

cl::opt<ReportFormat> Format(
    "format", cl::desc("Report format (default: text)."),
    cl::values(clEnumValN(ReportFormat::Text, "text",
                          "clang-tidy's diagnostics"),
               clEnumValN(ReportFormat::Sarif, "sarif",
                          "SARIF 2.1.0, for code scanning services")),
    cl::init(ReportFormat::Text));

cl::opt<std::string> Output(
    "output", cl::value_desc("file"),
    cl::desc("Write the report to <file> instead of stdout. With\n"
             "--format=sarif the diagnostics still go to stdout."));

cl::opt<std::string> SourceRoot(
    "source-root", cl::value_desc("dir"),
    cl::desc("Directory SARIF file locations are relative to\n"
             "(default: the enclosing git work tree, else the\n"
             "current directory)."));
cl::opt<bool> WholeProgram(
    "whole-program",
    cl::desc("With a compilation database, first summarise every file of\n"
             "it into a project index, so that shared memory, locks and\n"
             "forks are followed across files (default: true)."),
    cl::init(true));

cl::opt<std::string> IndexDir(
    "index-dir", cl::value_desc("dir"),
    cl::desc("Where the project index is kept (default:\n"
             "<build dir>/.shm-tidy-index). Unchanged files are not\n"
             "summarised again."));

cl::opt<bool> IndexOnly(
    "index-only",
    cl::desc("Only build or refresh the project index (for CI jobs that\n"
             "share it between --shard jobs)."));
// NOLINTEND(cppcoreguidelines-avoid-non-const-global-variables)

constexpr NamedOption DriverOptionNames[] = {
    {"all-files", false}, {"j", true, true},      {"shard", true},
    {"format", true},     {"output", true}, {"source-root", true},
    {"whole-program", false}, {"index-dir", true}, {"index-only", false},
};

} // namespace

void showDriverOptionsInHelp(cl::OptionCategory &ClangTidyCategory) {
  for (cl::Option *O : std::initializer_list<cl::Option *>{
           &AllFiles, &Jobs, &Shard, &Format, &Output, &SourceRoot,
           &WholeProgram, &IndexDir, &IndexOnly})
    O->addCategory(ClangTidyCategory);
}

std::optional<ShardSpec> parseShard(StringRef Text) {
  auto [K, N] = Text.split('/');
  unsigned Index = 0;
  unsigned Count = 0;
  if (K.trim().getAsInteger(10, Index) || N.trim().getAsInteger(10, Count))
    return std::nullopt;
  if (Count == 0 || Index == 0 || Index > Count)
    return std::nullopt;
  return ShardSpec{Index - 1, Count};
}

Expected<DriverOptions> readDriverOptions() {
  DriverOptions Options;
  Options.AllFiles = AllFiles;
  Options.Jobs = Jobs;
  Options.Format = Format;
  Options.Output = Output;
  Options.SourceRoot = SourceRoot;
  Options.WholeProgram = WholeProgram;
  Options.IndexDir = IndexDir;
  Options.IndexOnly = IndexOnly;
  if (Shard.getNumOccurrences() > 0) {
    Options.Shard = parseShard(Shard);
    if (!Options.Shard)
      return userError("--shard expects K/N with 1 <= K <= N, got '" + Shard +
                           "'",
                       "for example --shard 2/4 for the second of four jobs");
  }
  return Options;
}

void removeDriverOptions(std::vector<std::string> &Args) {
  removeNamedOptions(Args, DriverOptionNames);
}

} // namespace shmtidy
