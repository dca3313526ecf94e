// The last line of a run: how much was analysed, what was found, how long it
// took, e.g.
//   shm-tidy: 212 files, 3 findings (shm-unguarded-access: 2,
//   shm-unchecked-shmat: 1), 1 treated as error, 1 file failed, 8.4 s
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace shmtidy {

struct RunSummary {
  size_t Files = 0;
  size_t Findings = 0;
  std::map<std::string, size_t> FindingsByCheck;
  size_t PromotedToErrors = 0;
  size_t FailedFiles = 0;
  double Seconds = 0;
};

std::string formatSummary(const RunSummary &Summary);

// The line of whole-program mode's first pass, e.g.
//   shm-tidy: project index: 805 files, 12 summarised, 3.1 s
std::string formatIndexSummary(size_t Units, size_t Summarised, size_t Failed,
                               double Seconds);

} // namespace shmtidy
