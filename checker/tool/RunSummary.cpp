#include "RunSummary.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstdio>

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

std::string formatIndexSummary(size_t Units, size_t Summarised, size_t Failed,
                               double Seconds) {
  char Time[32];
  snprintf(Time, sizeof(Time), "%.2f s", Seconds);
  std::string Line = "shm-tidy: project index: " + std::to_string(Units) +
                     (Units == 1 ? " file, " : " files, ") +
                     std::to_string(Summarised) + " summarised";
  if (Failed > 0)
    Line += ", " + std::to_string(Failed) + " could not be";
  return Line + ", " + Time;
}

} // namespace shmtidy
