#include "CommandLine.h"

#include "ArgumentEditing.h"
#include "ExitStatus.h"

#include "clang/Tooling/CommonOptionsParser.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Allocator.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <fcntl.h>
#include <unistd.h>

using namespace llvm;

namespace shmtidy {
namespace {

// clang-tidy keeps its option objects file-static; LLVM's option registry is
// the public way to their values. The types are those clang-tidy 19 declares.
cl::Option *registeredOption(StringRef Name) {
  return cl::getRegisteredOptions().lookup(Name);
}

bool given(StringRef Name) {
  const cl::Option *O = registeredOption(Name);
  return O && O->getNumOccurrences() > 0;
}

bool flagValue(StringRef Name) {
  auto *O = static_cast<cl::opt<bool> *>(registeredOption(Name));
  return O && *O;
}

std::string stringValue(StringRef Name) {
  auto *O = static_cast<cl::opt<std::string> *>(registeredOption(Name));
  return O ? std::string(*O) : std::string();
}

std::optional<std::string> stringIfGiven(StringRef Name) {
  if (!given(Name))
    return std::nullopt;
  return stringValue(Name);
}

// The category clang-tidy's options live in, so that --help shows ours too.
cl::OptionCategory *clangTidyCategory() {
  const cl::Option *Checks = registeredOption("checks");
  if (!Checks || Checks->Categories.empty())
    return nullptr;
  return Checks->Categories.front();
}

// llvm::cl reports "prog: Unknown command line argument '--x'.  Try: 'prog
// --help'\nprog: Did you mean '--y'?"; keep the facts, on one line.
std::string oneLineParseError(StringRef Message) {
  SmallVector<StringRef> Lines;
  Message.split(Lines, '\n', -1, /*KeepEmpty=*/false);
  std::string Result;
  for (StringRef Line : Lines) {
    Line = Line.trim();
    if (auto Colon = Line.find(": "); Colon != StringRef::npos &&
                                      !Line.take_front(Colon).contains(' '))
      Line = Line.drop_front(Colon + 2); // "prog: "
    Line = Line.split("  Try:").first.trim();
    Line.consume_back(".");
    if (Line.empty())
      continue;
    if (!Result.empty())
      Result += " (" + Line.lower() + ")";
    else
      Result = Line.str();
  }
  if (!Result.empty())
    Result[0] = toLower(Result[0]);
  return Result;
}

// CommonOptionsParser prints "Error while trying to load a compilation
// database ... Running without flags." when none is found; shm-tidy looks for
// the database itself afterwards and reports a missing one as an error, so
// that note is only noise. Everything the parser has to say about the
// command line itself comes back in its llvm::Error.
class SilencedStderr {
public:
  SilencedStderr() {
    errs().flush();
    Saved = dup(STDERR_FILENO);
    const int Null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (Saved >= 0 && Null >= 0)
      dup2(Null, STDERR_FILENO);
    if (Null >= 0)
      close(Null);
  }
  ~SilencedStderr() {
    errs().flush();
    if (Saved >= 0) {
      dup2(Saved, STDERR_FILENO);
      close(Saved);
    }
  }
  SilencedStderr(const SilencedStderr &) = delete;
  SilencedStderr &operator=(const SilencedStderr &) = delete;

private:
  int Saved = -1;
};

std::vector<unsigned> sourcePositions(size_t Count) {
  std::vector<unsigned> Positions;
  auto &Positionals = cl::SubCommand::getTopLevel().PositionalOpts;
  if (Positionals.empty())
    return Positions;
  // The one positional clang-tidy has: CommonOptionsParser's source list.
  auto *SourceList = static_cast<cl::list<std::string> *>(Positionals.front());
  for (unsigned I = 0; I < Count && I < SourceList->size(); ++I)
    Positions.push_back(SourceList->getPosition(I));
  return Positions;
}

} // namespace

std::vector<std::string>
CommandLine::clangTidyArgs(bool KeepSourcesAndExports) const {
  std::vector<std::string> Result = Args;
  if (!KeepSourcesAndExports) {
    removePositions(Result, SourcePositions);
    static constexpr NamedOption ExportFixesOption[] = {
        {"export-fixes", true}};
    removeNamedOptions(Result, ExportFixesOption);
  }
  // Each run is given its complete check list (DefaultChecks.h) instead.
  static constexpr NamedOption ChecksOption[] = {{"checks", true}};
  removeNamedOptions(Result, ChecksOption);
  removeDriverOptions(Result);
  return Result;
}

Expected<CommandLine> parseCommandLine(int Argc, const char **Argv) {
  BumpPtrAllocator Alloc;
  SmallVector<const char *, 32> Expanded(Argv, Argv + Argc);
  cl::ExpansionContext Expansion(Alloc, cl::TokenizeGNUCommandLine);
  if (Error Err = Expansion.expandResponseFiles(Expanded))
    return userError("cannot read a response file: " + toString(std::move(Err)),
                     "check the @file arguments");

  CommandLine Result;
  Result.Args.assign(Expanded.begin(), Expanded.end());

  cl::OptionCategory *Category = clangTidyCategory();
  if (!Category)
    return userError("clang-tidy's options are not linked into this binary",
                     "rebuild shm-tidy");
  showDriverOptionsInHelp(*Category);
  if (cl::Option *Load = registeredOption("load"))
    Load->addCategory(*Category);
  cl::AddExtraVersionPrinter([](raw_ostream &OS) {
    OS << "shm-tidy " SHMTIDY_VERSION " (checks for memory shared between "
          "processes)\n";
  });

  int ParsedArgc = static_cast<int>(Expanded.size());
  Expected<clang::tooling::CommonOptionsParser> Parser = [&] {
    SilencedStderr Silence;
    return clang::tooling::CommonOptionsParser::create(
        ParsedArgc, Expanded.data(), *Category, cl::ZeroOrMore);
  }();
  if (!Parser)
    return userError(oneLineParseError(toString(Parser.takeError())),
                     "run 'shm-tidy --help' for the options");

  Result.Sources = Parser->getSourcePathList();
  Result.SourcePositions = sourcePositions(Result.Sources.size());
  if (Result.SourcePositions.size() != Result.Sources.size())
    return userError("cannot tell the source files from the options",
                     "give file names after all options");
  Result.HasCompilerArgs =
      compilerArgsBegin(Result.Args) != Result.Args.size();

  Result.BuildPath = stringValue("p");
  Result.ExportFixes = stringValue("export-fixes");
  Result.AppliesFixes =
      flagValue("fix") || flagValue("fix-errors") || flagValue("fix-notes");
  Result.InformationOnly = flagValue("list-checks") ||
                           flagValue("dump-config") ||
                           flagValue("explain-config") ||
                           flagValue("verify-config");
  Result.Quiet = flagValue("quiet");
  if (given("use-color"))
    Result.UseColor = flagValue("use-color");
  Result.Checks = stringIfGiven("checks");
  Result.ConfigText = stringIfGiven("config");
  Result.ConfigFile = stringIfGiven("config-file");

  Expected<DriverOptions> Driver = readDriverOptions();
  if (!Driver)
    return Driver.takeError();
  Result.Driver = *Driver;
  return Result;
}

} // namespace shmtidy
