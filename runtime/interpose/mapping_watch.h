// Watching a shared mapping of a POSIX object: the view becomes PROT_NONE
// (accesses trap) and an unprotected alias of the same pages is made for
// the runtime, as for a System V attachment.
//
// The alias is made with mremap(view, 0, length, MREMAP_MAYMOVE): with an
// old size of 0 the kernel maps the same pages of a shared mapping a second
// time. That works alike for shm objects, memfds, shared file mappings and
// MAP_SHARED|MAP_ANONYMOUS regions (which have no descriptor to map again,
// and whose /proc/self/map_files entry cannot be opened without
// CAP_SYS_ADMIN), and it does not need the descriptor to be still open.
// Futexes of shared mappings are keyed by object and offset, so a
// process-shared mutex or sem_t works through either view.
#pragma once

#include <cstdint>

#include "core/core_api.h"

namespace shmcheck::interpose {

struct NewMapping {
  uintptr_t view;    // page-aligned
  uintptr_t length;  // whole pages
  int prot;          // what the application asked for
  core::SegmentIdentity identity;
  uint64_t object_offset;  // of `view`
  uint64_t object_size;    // the object's size, if known (else 0)
  const char *description;  // for reports; nullptr: already named
  // Memfds, anonymous regions and files: the shadow goes with the last
  // mapping of the object in any checked process (a later mapping starts
  // afresh). shm_open objects keep theirs until shm_unlink.
  bool dies_with_last_mapping;
  uintptr_t caller;  // return address of the interceptor, for reports
};

// Watches `mapping`. On failure (no alias possible, tables full) prints why
// and leaves the mapping as the application made it, unchecked.
void watch_mapping(const NewMapping &mapping);

// Makes the alias of [view, view + length) with protection `prot`; 0 on
// failure (the errno in *error). Raw system calls: usable with the trap
// lock held.
uintptr_t make_alias(uintptr_t view, uintptr_t length, int prot,
                     long *error = nullptr);

}  // namespace shmcheck::interpose
