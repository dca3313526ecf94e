// The run's races as a SARIF 2.1.0 log, so that they land in code scanning
// next to shm-tidy's findings: one rule, `data-race`; one result per race,
// located at the user frame of the access that found it, with the earlier
// access (and where the segment was attached) as related locations and
// both stacks in full.
#pragma once

#include <string>

#include "run_facts.h"
#include "run_records.h"
#include "source_paths.h"

namespace shmcheck::launcher {

inline constexpr const char *kSarifSchema =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";
inline constexpr const char *kSourceRootId = "SRCROOT";
inline constexpr const char *kFingerprintKey = "shmcheckRace/v1";

std::string sarif_document(const RunRecords &run, const RunFacts &facts,
                           const SourcePaths &paths);

}  // namespace shmcheck::launcher
