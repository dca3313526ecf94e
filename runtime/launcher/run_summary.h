// The summary the launcher prints on stderr at the end of a run: processes
// checked, segments, and the races grouped by the location of the access
// that found them.
#pragma once

#include <string>

#include "run_facts.h"
#include "run_records.h"
#include "source_paths.h"

namespace shmcheck::launcher {

// Lines starting with "shmcheck: ", ending with a newline.
std::string format_summary(const RunRecords &run, const RunFacts &facts,
                           const SourcePaths &paths);

}  // namespace shmcheck::launcher
