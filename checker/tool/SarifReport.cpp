#include "SarifReport.h"

#include "ArtifactUri.h"
#include "CheckDocs.h"
#include "ExportedDiagnostics.h"
#include "SourcePositions.h"
#include "UniqueDiagnostics.h"

#include "clang-tidy/ClangTidyModule.h"
#include "clang-tidy/ClangTidyModuleRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/xxhash.h"

#include <map>

namespace shmtidy {

using clang::tidy::ClangTidyError;
using clang::tooling::Diagnostic;
using clang::tooling::DiagnosticMessage;
namespace json = llvm::json;

namespace {

constexpr llvm::StringLiteral FingerprintKey = "shmTidyFingerprint/v1";

// json::Value keeps a StringRef by reference; every string goes in as an
// owned copy instead.
json::Object text(std::string Text) {
  return json::Object{{"text", std::move(Text)}};
}

// Every shm-* check this binary knows, documented or not, so that a SARIF
// viewer can show rule help for findings of past and future runs alike.
std::vector<std::string> registeredShmChecks() {
  clang::tidy::ClangTidyCheckFactories Factories;
  for (const auto &Entry : clang::tidy::ClangTidyModuleRegistry::entries())
    Entry.instantiate()->addCheckFactories(Factories);
  std::vector<std::string> Names;
  for (const auto &Factory : Factories)
    if (Factory.getKey().starts_with("shm-"))
      Names.push_back(Factory.getKey().str());
  llvm::sort(Names);
  return Names;
}

// clang-tidy's own checks are documented on its web site, one page per check
// under the module name ("bugprone-use-after-move" ->
// bugprone/use-after-move.html).
std::string clangTidyCheckUri(llvm::StringRef Check) {
  auto [Module, Name] = Check.split('-');
  return ("https://clang.llvm.org/extra/clang-tidy/checks/" + Module + "/" +
          Name + ".html")
      .str();
}

json::Object rule(llvm::StringRef Id) {
  json::Object Rule{{"id", Id.str()}};
  if (std::optional<CheckDoc> Doc = findCheckDoc(Id)) {
    Rule["shortDescription"] = text(Doc->Summary);
    Rule["fullDescription"] = text(Doc->Description);
    Rule["help"] = json::Object{{"text", Doc->Markdown},
                                {"markdown", Doc->Markdown}};
  } else if (Id == "clang-diagnostic-error") {
    Rule["shortDescription"] = text("The translation unit does not compile.");
    Rule["fullDescription"] =
        text("A compiler error: shm-tidy could not analyse the file.");
  } else if (Id.starts_with("clang-diagnostic-")) {
    const std::string Warning = ("-W" + Id.drop_front(17)).str();
    Rule["shortDescription"] = text("Compiler warning " + Warning + ".");
    Rule["fullDescription"] = text("Clang's warning " + Warning + ".");
  } else if (Id.starts_with("shm-")) {
    // A check without its page yet (the SARIF test insists on one).
    Rule["shortDescription"] = text(("shm-tidy check " + Id + ".").str());
    Rule["fullDescription"] = text(("The shm-tidy check " + Id + ".").str());
  } else {
    Rule["shortDescription"] = text(("clang-tidy check " + Id + ".").str());
    Rule["fullDescription"] =
        text(("The clang-tidy check " + Id + "; see its documentation.").str());
    Rule["helpUri"] = clangTidyCheckUri(Id);
  }
  Rule["defaultConfiguration"] = json::Object{
      {"level", Id == "clang-diagnostic-error" ? "error" : "warning"}};
  return Rule;
}

const char *levelOf(const ClangTidyError &D) {
  if (D.DiagLevel == Diagnostic::Error || D.IsWarningAsError)
    return "error";
  if (D.DiagLevel == Diagnostic::Remark)
    return "note";
  return "warning";
}

class SarifWriter {
public:
  explicit SarifWriter(llvm::StringRef SourceRoot) : Uris(SourceRoot) {}

  json::Value log(const SarifRun &Run) {
    json::Array Results;
    for (const ClangTidyError &D : Run.Diagnostics)
      Results.push_back(result(D));

    json::Array Rules;
    for (const std::string &Id : RuleOrder)
      Rules.push_back(rule(Id));

    json::Array Notifications;
    for (const std::string &File : Run.FailedFiles)
      Notifications.push_back(json::Object{
          {"level", "error"},
          {"message", text("could not analyse the file")},
          {"locations", json::Array{json::Object{
                            {"physicalLocation",
                             json::Object{{"artifactLocation",
                                           artifactLocation(File)}}}}}}});

    json::Object Driver{
        {"name", "shm-tidy"},
        {"fullName", "shm-tidy " SHMTIDY_VERSION},
        {"version", SHMTIDY_VERSION},
        {"semanticVersion", SHMTIDY_VERSION},
        {"rules", std::move(Rules)},
    };
    if (llvm::StringRef(SHMTIDY_INFORMATION_URI).size() != 0)
      Driver["informationUri"] = SHMTIDY_INFORMATION_URI;
    json::Object Invocation{
        {"executionSuccessful", Run.FailedFiles.empty()},
        {"exitCode", Run.ExitStatus},
    };
    if (!Notifications.empty())
      Invocation["toolExecutionNotifications"] = std::move(Notifications);

    json::Object SarifRunObject{
        {"tool", json::Object{{"driver", std::move(Driver)}}},
        {"invocations", json::Array{std::move(Invocation)}},
        {"originalUriBaseIds",
         json::Object{{SourceRootId, json::Object{{"uri", Uris.rootUri()}}}}},
        {"columnKind", "utf16CodeUnits"},
        {"results", std::move(Results)},
    };
    return json::Object{
        {"$schema", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/"
                    "schemas/sarif-schema-2.1.0.json"},
        {"version", "2.1.0"},
        {"runs", json::Array{std::move(SarifRunObject)}},
    };
  }

  void addRegisteredRules() {
    for (const std::string &Id : registeredShmChecks())
      ruleIndex(Id);
  }

private:
  unsigned ruleIndex(llvm::StringRef Id) {
    auto [It, Inserted] =
        RuleIndices.try_emplace(Id, static_cast<unsigned>(RuleOrder.size()));
    if (Inserted)
      RuleOrder.push_back(Id.str());
    return It->second;
  }

  json::Object artifactLocation(llvm::StringRef AbsolutePath) {
    ArtifactUri Uri = Uris.forFile(AbsolutePath);
    json::Object Location{{"uri", Uri.Uri}};
    if (Uri.UnderSourceRoot)
      Location["uriBaseId"] = SourceRootId.str();
    return Location;
  }

  // The region a message points at: its caret, extended to the end of its
  // first highlighted range when that range starts at the caret's line.
  // Nothing for a message without a file (a note about the command line).
  std::optional<json::Object>
  physicalLocation(const DiagnosticMessage &Message,
                   llvm::StringRef BuildDirectory,
                   std::string *LineText = nullptr) {
    ClangTidyError Located("", Diagnostic::Warning, BuildDirectory, false);
    Located.Message = Message;
    const std::string Path = absoluteDiagnosticPath(Located);
    if (Path.empty())
      return std::nullopt;
    json::Object Physical{{"artifactLocation", artifactLocation(Path)}};
    std::optional<SourcePosition> Start =
        Positions.at(Path, Message.FileOffset);
    if (!Start)
      return Physical;
    json::Object Region{{"startLine", Start->Line},
                        {"startColumn", Start->Column},
                        {"snippet", text(Start->LineText)}};
    for (const clang::tooling::FileByteRange &Range : Message.Ranges) {
      if (Range.FilePath != Message.FilePath ||
          Range.FileOffset > Message.FileOffset ||
          Range.FileOffset + Range.Length <= Message.FileOffset)
        continue;
      if (auto End = Positions.at(Path, Range.FileOffset + Range.Length)) {
        Region["endLine"] = End->Line;
        Region["endColumn"] = End->Column;
      }
      break;
    }
    Physical["region"] = std::move(Region);
    if (LineText)
      *LineText = Start->LineText;
    return Physical;
  }

  // Stable across runs and unrelated edits: the rule, the file, the message
  // and the text of the line (not its number), plus a counter for identical
  // lines in one file.
  std::string fingerprint(const ClangTidyError &D, llvm::StringRef Uri,
                          llvm::StringRef LineText) {
    std::string Key = D.DiagnosticName + '\0' + Uri.str() + '\0' +
                      D.Message.Message + '\0' +
                      llvm::StringRef(LineText).trim().str();
    const unsigned Occurrence = Occurrences[Key]++;
    Key += '\0' + std::to_string(Occurrence);
    return llvm::utohexstr(llvm::xxh3_64bits(Key), /*LowerCase=*/true) + ":" +
           std::to_string(Occurrence + 1);
  }

  json::Object result(const ClangTidyError &D) {
    std::string LineText;
    std::optional<json::Object> Physical =
        physicalLocation(D.Message, D.BuildDirectory, &LineText);
    const std::string Path = absoluteDiagnosticPath(D);
    const std::string Uri = Path.empty() ? "" : Uris.forFile(Path).Uri;

    json::Array Related;
    int64_t NoteId = 1;
    for (const DiagnosticMessage &Note : D.Notes) {
      json::Object Location{{"id", NoteId++}, {"message", text(Note.Message)}};
      if (auto NotePhysical = physicalLocation(Note, D.BuildDirectory))
        Location["physicalLocation"] = std::move(*NotePhysical);
      Related.push_back(std::move(Location));
    }

    json::Object Result{
        {"ruleId", D.DiagnosticName},
        {"ruleIndex", ruleIndex(D.DiagnosticName)},
        {"level", levelOf(D)},
        {"message", text(D.Message.Message)},
        {"partialFingerprints",
         json::Object{{FingerprintKey, fingerprint(D, Uri, LineText)}}},
    };
    if (Physical)
      Result["locations"] = json::Array{
          json::Object{{"physicalLocation", std::move(*Physical)}}};
    if (!Related.empty())
      Result["relatedLocations"] = std::move(Related);
    return Result;
  }

  ArtifactUris Uris;
  SourcePositions Positions;
  llvm::StringMap<unsigned> RuleIndices;
  std::vector<std::string> RuleOrder;
  std::map<std::string, unsigned> Occurrences;
};

} // namespace

void writeSarif(llvm::raw_ostream &OS, const SarifRun &Run) {
  SarifWriter Writer(Run.SourceRoot);
  Writer.addRegisteredRules();
  OS << llvm::formatv("{0:2}", Writer.log(Run)) << "\n";
}

} // namespace shmtidy
