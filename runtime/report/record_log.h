// The runtime's side of report_json: appends this process's records (see
// race_record.h) to report_json.<pid>. Normal context only (the records are
// formatted with allocations): process start, fork child, segment attach,
// flush_reports and process exit.
#pragma once

#include <cstddef>
#include <string>

#include "core_api.h"

namespace shmcheck::core {

// Appends one line; nothing when report_json is not set. The file is opened
// for each record and closed again, so the runtime never keeps a descriptor
// that the application could close or reuse.
void record_append(const std::string &line);

void record_process_started();
void record_segment_attached(const SegmentIdentity &identity, size_t size);
void record_process_exit();

}  // namespace shmcheck::core
