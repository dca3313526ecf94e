// What a file descriptor refers to, as far as the kernel's synchronisation
// is concerned, and the keys its transfers use.
//
// A pipe or FIFO is its inode (both ends share it); a POSIX message queue
// its inode in the mqueue file system; an eventfd its id (all anonymous
// inodes share one inode number); a socket the connection or receiving
// address (socket_channels.h). What a descriptor number was found to be is
// cached and trusted until the descriptor is closed or replaced (close,
// dup2, dup3, close_range, fclose and the like call forget()), so a read or
// write costs no extra system call. All functions are [signal-safe]: raw
// system calls only.
#pragma once

#include <cstdint>

#include "core/core_api.h"

namespace shmcheck::kernel_sync {

enum class DescriptorKind : uint8_t {
  Other,       // a regular file, a terminal...: no edge
  Pipe,        // pipe or FIFO
  Socket,
  EventFd,
  SignalFd,
  MessageQueue,
};

struct Descriptor {
  DescriptorKind kind = DescriptorKind::Other;
  uint64_t dev = 0;
  uint64_t ino = 0;
  // What a write/send releases and a read/receive acquires (for a socket
  // whose sends go to an address given with the call, the send key is
  // computed per call by socket_channels.h).
  core::SyncKey send_key{};
  core::SyncKey receive_key{};
  bool has_send_key = false;
  bool has_receive_key = false;
};

// False when `fd` is not open.
bool describe(int fd, Descriptor *out);

// Forgets what was cached about `fd` (closed, or replaced by dup2/dup3).
void forget(int fd);

// fstat through the raw system call; false on failure.
bool raw_fstat_identity(int fd, uint64_t *dev, uint64_t *ino, uint32_t *mode);

}  // namespace shmcheck::kernel_sync
