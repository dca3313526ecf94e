// Whether a system call of the calling thread is worth translating into
// edges: the process is checked, the thread is registered and not already
// inside the runtime, and some segment is watched (without one there is no
// access to order). Every edge of runtime/kernel_sync starts here; when it
// says no, a call costs this check and nothing else.
#pragma once

#include "core/core_api.h"
#include "interpose/runtime_state.h"
#include "trap/attachment_table.h"

namespace shmcheck::kernel_sync {

inline bool edges_wanted() {
  return interpose::should_check() && trap::any_watched();
}

// The registered thread to give edges to, or nullptr.
inline core::ThreadState *edge_thread() {
  return edges_wanted() ? core::current_thread() : nullptr;
}

}  // namespace shmcheck::kernel_sync
