// The launcher's --json file: one document with the run (command, statuses),
// the processes checked, the segments they attached, and one record per
// race, each with both accesses in full (the same fields as the runtime's
// race records, see runtime/report/race_record.h).
#pragma once

#include <string>

#include "run_facts.h"
#include "run_records.h"

namespace shmcheck::launcher {

std::string json_document(const RunRecords &run, const RunFacts &facts);

}  // namespace shmcheck::launcher
