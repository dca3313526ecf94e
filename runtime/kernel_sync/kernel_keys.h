// How the kernel's objects are named as sync keys: by what the kernel itself
// knows them by (device and inode, queue id, eventfd id, a connection's two
// ends, a process id and a signal), never by an address, so that every
// process using the object names it alike.
#pragma once

#include <cstdint>
#include <sys/types.h>

#include "core/core_api.h"

namespace shmcheck::kernel_sync {

// A pipe, FIFO or POSIX message queue: its inode.
inline core::SyncKey object_key(uint64_t dev, uint64_t ino) {
  return {core::SyncKind::KernelObject, dev, ino};
}

inline core::SyncKey eventfd_key(uint64_t id) {
  return {core::SyncKind::EventCounter, id, 0};
}

inline core::SyncKey message_queue_key(long msqid) {
  return {core::SyncKind::MessageQueue, static_cast<uint64_t>(msqid), 0};
}

// A socket connection or a receiving address, already hashed.
inline core::SyncKey socket_key(uint64_t hash) {
  return {core::SyncKind::SocketChannel, hash, 0};
}

// A signal sent to a process, or to a process group (kill(0, ...),
// kill(-pgid, ...)): a receiver acquires both its own and its group's key.
inline constexpr uint64_t kSignalGroup = 1ull << 32;
inline core::SyncKey signal_key(pid_t pid, int sig) {
  return {core::SyncKind::SignalDelivery, static_cast<uint64_t>(pid),
          static_cast<uint64_t>(sig)};
}
inline core::SyncKey signal_group_key(pid_t pgid, int sig) {
  return {core::SyncKind::SignalDelivery,
          kSignalGroup | static_cast<uint64_t>(pgid), static_cast<uint64_t>(sig)};
}

// Bytes and hashes fold into 64-bit key parts (FNV-1a).
inline uint64_t hash_bytes(const void *data, size_t size,
                           uint64_t h = 0xcbf29ce484222325ull) {
  const auto *p = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < size; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

}  // namespace shmcheck::kernel_sync
