#include "WorkerMessages.h"

#include "ExitStatus.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Regex.h"

#include <optional>

namespace shmtidy {
namespace {

bool isChatter(llvm::StringRef Line) {
  static const llvm::Regex Chatter(
      "^([0-9]+ warnings?( and [0-9]+ errors?)? generated\\.|"
      "[0-9]+ errors? generated\\.|"
      "Suppressed [0-9]+ warnings|"
      "Use -header-filter=|Use -system-headers|"
      "Error while processing |"
      "[0-9]+ warnings? treated as errors?$|"
      "Found compiler error\\(s\\)\\.|"
      "Error while trying to load a compilation database|"
      "Running without flags\\.)");
  return Chatter.match(Line);
}

struct KnownFailure {
  llvm::StringRef Prefix;
  llvm::StringRef Remedy;
  // The reason is a YAML diagnostic printed before the message
  // ("<file>:1:2: error: unknown key 'Chekcs'").
  bool ReasonIsYamlError = false;
};

// What clang-tidy 19 says when it gives up on its configuration, and what to
// do about each.
constexpr KnownFailure KnownFailures[] = {
    {"Error: no checks enabled",
     "select checks with --checks (for example --checks='-*,shm-*') or a "
     "Checks line in .clang-tidy"},
    {"No checks enabled",
     "select checks with --checks (for example --checks='-*,shm-*') or a "
     "Checks line in .clang-tidy"},
    {"Error: invalid configuration specified",
     "fix the YAML given with --config or --config-file", true},
    {"Error: --config-file and --config are mutually exclusive",
     "give only one of them"},
    {"Error: can't read config-file", "check the --config-file path"},
    {"Invalid LineFilter",
     "--line-filter takes JSON such as "
     "'[{\"name\":\"file.c\",\"lines\":[[1,20]]}]'"},
    {"Can't load virtual filesystem overlay file", "check the --vfsoverlay path"},
    {"Error: invalid virtual filesystem overlay file",
     "fix the --vfsoverlay file"},
    {"Error opening output file", "check that --export-fixes can be written"},
};

// "Error: no checks enabled." -> "no checks enabled"; only the first
// sentence, as the remedy says the rest.
std::string problemText(llvm::StringRef Line) {
  Line.consume_front("Error: ");
  Line = Line.split(". ").first;
  Line.consume_back(".");
  std::string Text = Line.str();
  // A sentence's capital, not a name's ("Invalid LineFilter" stays a name).
  if (Text.size() > 1 && llvm::isUpper(Text[0]) && llvm::isLower(Text[1]))
    Text[0] = llvm::toLower(Text[0]);
  return Text;
}

// "<command-line-config>:1:2: error: unknown key 'Chekcs'" ->
// "unknown key 'Chekcs' (<command-line-config>:1:2)"
std::optional<std::string>
yamlErrorIn(llvm::ArrayRef<llvm::StringRef> Lines) {
  for (llvm::StringRef Line : Lines) {
    auto [Where, What] = Line.split(": error: ");
    if (!What.empty())
      return What.trim().str() + " (" + Where.trim().str() + ")";
  }
  return std::nullopt;
}

} // namespace

std::string workerMessagesToShow(llvm::StringRef Stderr) {
  llvm::SmallVector<llvm::StringRef> Lines;
  Stderr.split(Lines, '\n', -1, /*KeepEmpty=*/false);
  std::string Shown;
  for (llvm::StringRef Line : Lines) {
    if (isChatter(Line))
      continue;
    Shown += Line;
    Shown += '\n';
  }
  return Shown;
}

llvm::Error explainWorkerFailure(llvm::StringRef Stderr) {
  llvm::SmallVector<llvm::StringRef> Lines;
  Stderr.split(Lines, '\n', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef RawLine : Lines) {
    llvm::StringRef Line = RawLine.trim();
    for (const KnownFailure &Known : KnownFailures) {
      if (!Line.starts_with(Known.Prefix))
        continue;
      std::string Problem = problemText(Line);
      if (Known.ReasonIsYamlError)
        if (std::optional<std::string> Reason = yamlErrorIn(Lines))
          Problem += ": " + *Reason;
      return userError(Problem, Known.Remedy.str());
    }
  }
  for (llvm::StringRef Line : Lines) {
    Line = Line.trim();
    if (isChatter(Line) || Line.empty())
      continue;
    Line.consume_front("shm-tidy: error: "); // LLVM's fatal errors, one-lined
    return userError(Line.str(), "run 'shm-tidy --help' for the options");
  }
  return userError("clang-tidy stopped without analysing the file",
                   "run 'shm-tidy --help' for the options");
}

} // namespace shmtidy
