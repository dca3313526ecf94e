#include "run_summary.h"

#include <algorithm>
#include <map>

#include <string.h>

#include <fmt/format.h>

namespace shmcheck::launcher {
namespace {

std::string counted(size_t n, const char *singular, const char *plural) {
  return fmt::format("{} {}", n, n == 1 ? singular : plural);
}

}  // namespace

std::string format_summary(const RunRecords &run, const RunFacts &facts,
                           const SourcePaths &paths) {
  std::string out;
  for (const std::string &problem : run.problems)
    out += fmt::format("shmcheck: warning: {}\n", problem);
  if (run.processes.empty()) {
    out += "shmcheck: no process was checked (a static or setuid program, or one that "
           "cleared its environment, runs unchecked)\n";
  }
  out += fmt::format("shmcheck: checked {}, {}: {}\n",
                     counted(run.processes.size(), "process", "processes"),
                     counted(run.segments.size(), "segment", "segments"),
                     run.races.empty() ? std::string("no data race")
                                       : counted(run.races.size(), "data race", "data races"));
  // Races by the location of the access that found them, most first.
  std::map<std::string, size_t> by_location;
  for (const report::PrintedRace &race : run.races)
    ++by_location[race.current.stack.empty() ? race.current.stack_missing
                                             : paths.location(race.current.stack)];
  std::vector<std::pair<std::string, size_t>> locations(by_location.begin(), by_location.end());
  std::stable_sort(locations.begin(), locations.end(),
                   [](const auto &x, const auto &y) { return x.second > y.second; });
  for (const auto &[location, count] : locations)
    out += fmt::format("shmcheck:   {} at {}\n", counted(count, "race", "races"), location);
  if (run.races_suppressed > 0)
    out += fmt::format("shmcheck: {} suppressed\n",
                       counted(run.races_suppressed, "race was", "races were"));
  if (run.state_peak_bytes > 0)
    out += fmt::format("shmcheck: the shared state took at most {} MiB\n",
                       (run.state_peak_bytes + (1 << 20) - 1) >> 20);
  if (facts.program_signal != 0)
    out += fmt::format("shmcheck: the program was killed by signal {} ({})\n",
                       facts.program_signal, sigabbrev_np(facts.program_signal) != nullptr
                                                 ? std::string("SIG") + sigabbrev_np(facts.program_signal)
                                                 : std::string("unknown"));
  return out;
}

}  // namespace shmcheck::launcher
