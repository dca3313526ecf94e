#include "RunSummary.h"

#include "llvm/Support/FormatVariadic.h"

namespace shmtidy {
namespace {

std::string counted(size_t Count, const char *Singular, const char *Plural) {
  return std::to_string(Count) + " " + (Count == 1 ? Singular : Plural);
}

} // namespace

std::string formatSummary(const RunSummary &Summary) {
  std::string Line = "shm-tidy: " + counted(Summary.Files, "file", "files") +
                     ", " + counted(Summary.Findings, "finding", "findings");
  if (!Summary.FindingsByCheck.empty()) {
    Line += " (";
    bool First = true;
    for (const auto &[Check, Count] : Summary.FindingsByCheck) {
      if (!First)
        Line += ", ";
      Line += Check + ": " + std::to_string(Count);
      First = false;
    }
    Line += ")";
  }
  if (Summary.PromotedToErrors > 0)
    Line += ", " + std::to_string(Summary.PromotedToErrors) +
            " treated as error" + (Summary.PromotedToErrors == 1 ? "" : "s");
  if (Summary.FailedFiles > 0)
    Line += ", " + counted(Summary.FailedFiles, "file", "files") +
            " not analysed";
  Line += llvm::formatv(", {0:f2} s", Summary.Seconds).str();
  return Line;
}

} // namespace shmtidy
