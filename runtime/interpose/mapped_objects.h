// What a new MAP_SHARED mapping maps, and whether the runtime checks it.
//
// An object is identified by device and inode, the same in every process:
// st_dev/st_ino of the descriptor it was mapped from, or, for
// MAP_SHARED|MAP_ANONYMOUS (and /dev/zero), the shmem inode that the kernel
// made for the region, as /proc/self/maps shows it. A fork child inherits
// the region with that inode, so parent and child name it alike; opening
// /proc/self/map_files/ would show the same inode but needs CAP_SYS_ADMIN.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "core/core_api.h"

namespace shmcheck::interpose {

enum class ObjectKind : uint8_t {
  ShmObject,  // shm_open (a file in /dev/shm)
  Memfd,      // memfd_create
  Anonymous,  // MAP_SHARED|MAP_ANONYMOUS, or a shared mapping of /dev/zero
  File,       // any other regular file (checked with shared_files=1)
};

struct MappedObject {
  ObjectKind kind;
  core::SegmentIdentity identity;
  uint64_t offset;  // where the mapping starts in the object
  uint64_t size;    // the object's size when it was mapped
  // For reports: "object /dev/shm/NAME", "object memfd:NAME",
  // "anonymous shared mapping", "file PATH".
  char description[124];
};

// Describes the shared mapping just made at `view` by mmap(..., flags, fd,
// offset). False when it is nothing the runtime checks: a device other
// than /dev/zero, huge pages, or a regular file without shared_files=1.
bool identify_mapping(uintptr_t view, int flags, int fd, off_t offset,
                      MappedObject *out);

// The identity of the object /dev/shm holds under the shm_open `name`.
bool identify_shm_name(const char *name, core::SegmentIdentity *out);

}  // namespace shmcheck::interpose
