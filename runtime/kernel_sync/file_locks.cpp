#include "kernel_sync/file_locks.h"

#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "kernel_sync/descriptor_identity.h"
#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"

namespace shmcheck::kernel_sync {

namespace {

using trap::raw_syscall;

// Byte offsets up to 2^40 have keys of their own; the top values name the
// whole-file keys.
constexpr uint64_t kByteBits = 40;
constexpr uint64_t kByteMask = (1ull << kByteBits) - 1;
constexpr uint64_t kWideByte = kByteMask;         // wide record locks
constexpr uint64_t kSummaryByte = kByteMask - 1;  // what narrow locks released
constexpr uint64_t kFlockByte = kByteMask - 2;    // flock
constexpr uint64_t kLastByte = kByteMask - 3;
constexpr uint64_t kToEnd = ~0ull;

enum class Owner : uint8_t { Process, Description, Flock };

// A lock this process holds. `edges` is false for a lock of a shared open
// file description: it orders nothing.
struct HeldFileLock {
  std::atomic<uint32_t> state;  // kFree, kClaimed (being written), kHeld
  Owner owner;
  bool shared;
  bool edges;
  int fd;
  uint64_t dev, ino, start, end;
};
constexpr uint32_t kFree = 0, kClaimed = 1, kHeld = 2;
constexpr int kMaxHeld = 64;
HeldFileLock g_held[kMaxHeld];

// Descriptors whose open file description another process shares.
constexpr int kTrackedDescriptors = 4096;
std::atomic<uint64_t> g_shared[kTrackedDescriptors / 64];

bool is_shared(int fd) {
  if (fd < 0 || fd >= kTrackedDescriptors) return false;
  return (g_shared[fd / 64].load(std::memory_order_relaxed) >> (fd % 64)) & 1;
}

void set_shared(int fd, bool on) {
  if (fd < 0 || fd >= kTrackedDescriptors) return;
  const uint64_t bit = 1ull << (fd % 64);
  if (on) g_shared[fd / 64].fetch_or(bit, std::memory_order_relaxed);
  else g_shared[fd / 64].fetch_and(~bit, std::memory_order_relaxed);
}

bool narrow(uint64_t start, uint64_t end) {
  return end != kToEnd && end > start && end - start <= kNarrowLockBytes && end <= kLastByte;
}

void release_range(core::ThreadState *thread, uint64_t dev, uint64_t ino, uint64_t start,
                   uint64_t end) {
  if (narrow(start, end)) {
    for (uint64_t b = start; b < end; ++b) core::release(thread, file_lock_key(dev, ino, b));
    core::release(thread, file_lock_key(dev, ino, kSummaryByte));
  } else {
    core::release(thread, file_lock_key(dev, ino, kWideByte));
  }
}

void acquire_range(core::ThreadState *thread, uint64_t dev, uint64_t ino, uint64_t start,
                   uint64_t end) {
  core::acquire(thread, file_lock_key(dev, ino, kWideByte));
  if (narrow(start, end)) {
    for (uint64_t b = start; b < end; ++b) core::acquire(thread, file_lock_key(dev, ino, b));
  } else {
    core::acquire(thread, file_lock_key(dev, ino, kSummaryByte));
  }
}

core::SyncKey shown_key(const HeldFileLock &h) {
  return file_lock_key(h.dev, h.ino, h.owner == Owner::Flock ? kFlockByte
                                     : h.start <= kLastByte ? h.start : kWideByte);
}

// Releases (when it orders anything) and forgets one held lock.
void drop(core::ThreadState *thread, HeldFileLock &h, bool release) {
  uint32_t expected = kHeld;
  if (!h.state.compare_exchange_strong(expected, kClaimed, std::memory_order_acquire)) return;
  core::lock_dropped(thread, shown_key(h));
  if (release && h.edges) {
    if (h.owner == Owner::Flock) core::release(thread, file_lock_key(h.dev, h.ino, kFlockByte));
    else release_range(thread, h.dev, h.ino, h.start, h.end);
  }
  h.state.store(kFree, std::memory_order_release);
}

void remember(core::ThreadState *thread, Owner owner, int fd, uint64_t dev, uint64_t ino,
              uint64_t start, uint64_t end, bool shared, bool edges) {
  for (HeldFileLock &h : g_held) {
    uint32_t expected = kFree;
    if (!h.state.compare_exchange_strong(expected, kClaimed, std::memory_order_acquire)) continue;
    h.owner = owner;
    h.fd = fd;
    h.dev = dev;
    h.ino = ino;
    h.start = start;
    h.end = end;
    h.shared = shared;
    h.edges = edges;
    h.state.store(kHeld, std::memory_order_release);
    core::lock_held(thread, shown_key(h), shared);
    return;
  }
  // More locks held than the table has room for: they still order (the
  // edges were made), they are just not shown or released at close/exit.
}

bool same_file(const HeldFileLock &h, Owner owner, uint64_t dev, uint64_t ino) {
  return h.state.load(std::memory_order_acquire) == kHeld && h.owner == owner && h.dev == dev &&
         h.ino == ino;
}

bool overlaps(const HeldFileLock &h, uint64_t start, uint64_t end) {
  return h.start < end && start < h.end;
}

// The absolute byte range [start, end) a struct flock names.
bool absolute_range(int fd, const struct flock &l, uint64_t *start, uint64_t *end) {
  int64_t base = 0;
  if (l.l_whence == SEEK_CUR) {
    base = raw_syscall(SYS_lseek, fd, 0, SEEK_CUR);
    if (base < 0) return false;
  } else if (l.l_whence == SEEK_END) {
    struct stat st;
    if (raw_syscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return false;
    base = st.st_size;
  }
  int64_t s = base + l.l_start;
  if (l.l_len > 0) {
    *start = static_cast<uint64_t>(s);
    *end = static_cast<uint64_t>(s + l.l_len);
  } else if (l.l_len == 0) {
    *start = static_cast<uint64_t>(s);
    *end = kToEnd;
  } else {
    *start = static_cast<uint64_t>(s + l.l_len);
    *end = static_cast<uint64_t>(s);
  }
  return s >= 0;
}

bool is_lock_command(int cmd) {
  return cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
}

struct LockRequest {
  Owner owner;
  uint64_t dev, ino, start, end;
  short type;
  bool edges;
};

bool read_request(int fd, int cmd, const struct flock *lock, LockRequest *out) {
  if (!is_lock_command(cmd) || lock == nullptr) return false;
  // The caller's struct may lie in a watched segment: read it through the alias.
  const struct flock l = *static_cast<const struct flock *>(trap::alias_of(lock));
  uint64_t dev, ino;
  uint32_t mode;
  if (!raw_fstat_identity(fd, &dev, &ino, &mode)) return false;
  out->owner = (cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW) ? Owner::Description : Owner::Process;
  out->dev = dev;
  out->ino = ino;
  out->type = l.l_type;
  out->edges = out->owner == Owner::Process || !is_shared(fd);
  return absolute_range(fd, l, &out->start, &out->end);
}

}  // namespace

core::SyncKey file_lock_key(uint64_t dev, uint64_t ino, uint64_t byte) {
  const uint64_t folded = (dev ^ (dev >> 24)) & 0xffffff;
  return {core::SyncKind::FileLock, ino, folded << kByteBits | (byte & kByteMask)};
}

void before_record_lock(core::ThreadState *thread, int fd, int cmd, const struct flock *lock) {
  LockRequest r;
  if (!read_request(fd, cmd, lock, &r)) return;
  if (r.type == F_UNLCK) {
    if (r.edges) release_range(thread, r.dev, r.ino, r.start, r.end);
    for (HeldFileLock &h : g_held)
      if (same_file(h, r.owner, r.dev, r.ino) && r.start <= h.start && h.end <= r.end)
        drop(thread, h, false);
    return;
  }
  // A lock changed in place (a write lock turned into a read lock lets
  // readers in): what was done under it is released first.
  for (HeldFileLock &h : g_held) {
    if (same_file(h, r.owner, r.dev, r.ino) && overlaps(h, r.start, r.end)) {
      if (r.edges) release_range(thread, r.dev, r.ino, r.start, r.end);
      break;
    }
  }
}

void after_record_lock(core::ThreadState *thread, int fd, int cmd, const struct flock *lock,
                       long result) {
  if (result != 0) return;
  LockRequest r;
  if (!read_request(fd, cmd, lock, &r) || r.type == F_UNLCK) return;
  if (r.edges) acquire_range(thread, r.dev, r.ino, r.start, r.end);
  for (HeldFileLock &h : g_held)
    if (same_file(h, r.owner, r.dev, r.ino) && h.start == r.start && h.end == r.end)
      drop(thread, h, false);
  remember(thread, r.owner, fd, r.dev, r.ino, r.start, r.end, r.type == F_RDLCK, r.edges);
}

void before_flock(core::ThreadState *thread, int fd, int operation) {
  uint64_t dev, ino;
  uint32_t mode;
  if (!raw_fstat_identity(fd, &dev, &ino, &mode)) return;
  // Unlock, or a conversion (flock drops the old lock before taking the new).
  for (HeldFileLock &h : g_held)
    if (same_file(h, Owner::Flock, dev, ino)) drop(thread, h, true);
  if ((operation & ~LOCK_NB) == LOCK_UN && !is_shared(fd))
    core::release(thread, file_lock_key(dev, ino, kFlockByte));
}

void after_flock(core::ThreadState *thread, int fd, int operation, long result) {
  const int op = operation & ~LOCK_NB;
  if (result != 0 || (op != LOCK_SH && op != LOCK_EX)) return;
  uint64_t dev, ino;
  uint32_t mode;
  if (!raw_fstat_identity(fd, &dev, &ino, &mode)) return;
  const bool edges = !is_shared(fd);
  if (edges) core::acquire(thread, file_lock_key(dev, ino, kFlockByte));
  remember(thread, Owner::Flock, fd, dev, ino, 0, kToEnd, op == LOCK_SH, edges);
}

void descriptor_closing(core::ThreadState *thread, int fd) {
  uint64_t dev, ino;
  uint32_t mode;
  bool any = false;
  for (const HeldFileLock &h : g_held) any |= h.state.load(std::memory_order_relaxed) == kHeld;
  if (!any || !raw_fstat_identity(fd, &dev, &ino, &mode)) return;
  for (HeldFileLock &h : g_held) {
    if (h.state.load(std::memory_order_acquire) != kHeld || h.dev != dev || h.ino != ino) continue;
    // Record locks go with any descriptor of the file; description locks
    // with the description (approximated by the descriptor that took them).
    if (h.owner == Owner::Process || h.fd == fd) drop(thread, h, true);
  }
}

void release_all_file_locks(core::ThreadState *thread) {
  for (HeldFileLock &h : g_held) drop(thread, h, true);
}

void mark_open_descriptors_shared() {
  const long dir = raw_syscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/fd"),
                               O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  alignas(8) char buffer[2048];
  for (;;) {
    const long n = raw_syscall(SYS_getdents64, dir, reinterpret_cast<long>(buffer), sizeof buffer);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      const auto *entry = reinterpret_cast<const struct dirent64 *>(buffer + at);
      int fd = 0;
      bool number = entry->d_name[0] != '\0';
      for (const char *p = entry->d_name; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9') number = false;
        else fd = fd * 10 + (*p - '0');
      }
      if (number && fd != dir) set_shared(fd, true);
      at += entry->d_reclen;
    }
  }
  raw_syscall(SYS_close, dir);
  // This process's record locks are not the child's, and the child's
  // copies of description locks are the same locks, ordering nothing
  // between the two. (The parent's keep their edges: its unlock orders it
  // before a third process's lock.)
}

void descriptor_duplicated(int from, int to) { set_shared(to, is_shared(from)); }

void descriptor_gone(int fd) { set_shared(fd, false); }

void forget_inherited_locks() {
  for (HeldFileLock &h : g_held) {
    if (h.state.load(std::memory_order_acquire) != kHeld) continue;
    if (h.owner == Owner::Process) h.state.store(kFree, std::memory_order_release);
    else h.edges = false;
  }
}

}  // namespace shmcheck::kernel_sync
