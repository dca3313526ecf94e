// File locks as locks: fcntl record locks (F_SETLK, F_SETLKW: owned by the
// process), open-file-description locks (F_OFD_SETLK, F_OFD_SETLKW) and
// flock (owned by the open file description), identified by the file
// (device, inode) and the byte range, never by a descriptor number.
//
// Taking a lock acquires, dropping it (unlock, closing the file, exit)
// releases; held locks show in reports. Ranges: a lock of at most
// kNarrowLockBytes bytes uses one key per byte, so that locks of different
// bytes of one file (SQLite's lock bytes) order nothing between them and
// overlapping ones meet; a wider lock (or one to the end of the file) uses a
// key of the whole file that every locker of the file acquires, and acquires
// what narrow locks released. flock locks are keyed apart (they do not
// interact with record locks on Linux).
//
// A lock owned by an open file description that two processes share
// (inherited across fork) excludes nothing between them, so it gives no edge
// at all (it is still shown as held). The descriptors open when a process
// forks are marked shared in both; dup copies the mark; close clears it.
//
// [signal-safe]: raw system calls and a fixed table only. The caller holds
// a RuntimeScope and passes the registered thread.
#pragma once

#include <fcntl.h>

#include "core/core_api.h"

namespace shmcheck::kernel_sync {

inline constexpr uint64_t kNarrowLockBytes = 16;

// fcntl(fd, cmd, lock) for the lock commands: the release half (unlock, or
// a change of a lock already held) before the call, the acquire half after
// it succeeded.
void before_record_lock(core::ThreadState *thread, int fd, int cmd, const struct flock *lock);
void after_record_lock(core::ThreadState *thread, int fd, int cmd, const struct flock *lock,
                       long result);

// flock(fd, operation).
void before_flock(core::ThreadState *thread, int fd, int operation);
void after_flock(core::ThreadState *thread, int fd, int operation, long result);

// Closing `fd` drops this process's record locks on its file and the
// description locks taken through it.
void descriptor_closing(core::ThreadState *thread, int fd);

// Exit drops everything held.
void release_all_file_locks(core::ThreadState *thread);

// Descriptor bookkeeping for shared open file descriptions.
void mark_open_descriptors_shared();
// In a fork child: the parent's record locks are not inherited; its
// description locks are, and order nothing between the two.
void forget_inherited_locks();
void descriptor_duplicated(int from, int to);
void descriptor_gone(int fd);

// The key a lock is shown by in reports ("file lock dev:ino@start").
core::SyncKey file_lock_key(uint64_t dev, uint64_t ino, uint64_t byte);

}  // namespace shmcheck::kernel_sync
