// The end of a run whose last process was killed: its session's shared
// state is still in /dev/shm, possibly with races it queued but never
// wrote. The launcher joins the session for a moment, as a checked process
// without segments: joining reclaims the dead processes, leaving writes the
// orphaned reports (text on stderr or log_path, records to report_json) and,
// as the last process, removes the state and its shadow objects.
#pragma once

#include <string>

namespace shmcheck::launcher {

// `options`: the SHMCHECK_OPTIONS the program ran with. Does nothing when
// the session left nothing behind. Call after the whole process tree ended.
void finish_leftover_session(const std::string &options);

}  // namespace shmcheck::launcher
