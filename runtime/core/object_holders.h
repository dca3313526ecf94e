// Whether a process still holds a descriptor of a given object (device,
// inode): the history of a memfd, an unlinked shm object or a file outlives
// its last mapping while a checked process could map it again.
#pragma once

#include <cstdint>
#include <sys/types.h>

namespace shmcheck::core {

// True when /proc/<pid>/fd names an open descriptor of (dev, ino).
bool holds_descriptor_of(pid_t pid, uint64_t dev, uint64_t ino);

}  // namespace shmcheck::core
