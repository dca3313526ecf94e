#include "kernel_sync/descriptor_identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstring>

#include "core/proc_path.h"
#include "kernel_sync/kernel_keys.h"
#include "kernel_sync/socket_channels.h"
#include "trap/raw_syscall.h"

namespace shmcheck::kernel_sync {

namespace {

using trap::raw_syscall;

// Descriptors below this number are cached; others are identified per call.
constexpr int kCachedDescriptors = 1024;

// One cached descriptor, written under a sequence count so that threads
// (and signal handlers) reading it never see a half-written entry: an odd
// count means it is being written, and a reader that sees the count change
// ignores what it copied.
struct CacheEntry {
  std::atomic<uint32_t> sequence;
  bool valid;
  Descriptor descriptor;
};

CacheEntry g_cache[kCachedDescriptors];

bool cache_lookup(int fd, Descriptor *out) {
  if (fd < 0 || fd >= kCachedDescriptors) return false;
  CacheEntry &e = g_cache[fd];
  const uint32_t before = e.sequence.load(std::memory_order_acquire);
  if (before & 1) return false;
  const bool valid = e.valid;
  Descriptor copy = e.descriptor;
  std::atomic_thread_fence(std::memory_order_acquire);
  if (e.sequence.load(std::memory_order_relaxed) != before || !valid) return false;
  *out = copy;
  return true;
}

void cache_store(int fd, const Descriptor &descriptor) {
  if (fd < 0 || fd >= kCachedDescriptors) return;
  CacheEntry &e = g_cache[fd];
  uint32_t seq = e.sequence.load(std::memory_order_relaxed);
  if ((seq & 1) || !e.sequence.compare_exchange_strong(seq, seq + 1, std::memory_order_acquire))
    return;  // another thread is writing it: leave it to that one
  e.descriptor = descriptor;
  e.valid = true;
  e.sequence.store(seq + 2, std::memory_order_release);
}


// The number after `field` in `text`, if present.
bool field_value(const char *text, const char *field, uint64_t *value) {
  const char *p = strstr(text, field);
  if (p == nullptr) return false;
  p += strlen(field);
  while (*p == ' ' || *p == '\t') ++p;
  uint64_t v = 0;
  bool any = false;
  for (; *p >= '0' && *p <= '9'; ++p, any = true) v = v * 10 + static_cast<uint64_t>(*p - '0');
  *value = v;
  return any;
}

// An anonymous inode (eventfd, signalfd, epoll, timerfd...): what it is and
// its eventfd id, from /proc/self/fdinfo.
void describe_anonymous(int fd, Descriptor *out) {
  char path[40];
  core::proc_path(path, "/proc/self/fdinfo/", static_cast<unsigned>(fd));
  const long file = raw_syscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path),
                                O_RDONLY | O_CLOEXEC);
  if (file < 0) return;
  char text[1024];
  const long n = raw_syscall(SYS_read, file, reinterpret_cast<long>(text), sizeof text - 1);
  raw_syscall(SYS_close, file);
  text[n > 0 ? n : 0] = '\0';
  uint64_t id = 0;
  if (field_value(text, "eventfd-id:", &id)) {
    out->kind = DescriptorKind::EventFd;
    out->send_key = out->receive_key = eventfd_key(id);
    out->has_send_key = out->has_receive_key = true;
  } else if (strstr(text, "sigmask:") != nullptr) {
    out->kind = DescriptorKind::SignalFd;
  }
}

}  // namespace

bool raw_fstat_identity(int fd, uint64_t *dev, uint64_t *ino, uint32_t *mode) {
  struct stat st;
  if (raw_syscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return false;
  *dev = static_cast<uint64_t>(st.st_dev);
  *ino = static_cast<uint64_t>(st.st_ino);
  *mode = static_cast<uint32_t>(st.st_mode);
  return true;
}

bool describe(int fd, Descriptor *out) {
  // What this descriptor number was found to be stays true until it is
  // closed or replaced, which forget() hears of: no system call per use.
  if (cache_lookup(fd, out)) return true;
  uint64_t dev, ino;
  uint32_t mode;
  if (!raw_fstat_identity(fd, &dev, &ino, &mode)) return false;
  Descriptor d;
  d.dev = dev;
  d.ino = ino;
  bool complete = true;
  switch (mode & S_IFMT) {
    case S_IFIFO:
      d.kind = DescriptorKind::Pipe;
      d.send_key = d.receive_key = object_key(dev, ino);
      d.has_send_key = d.has_receive_key = true;
      break;
    case S_IFSOCK:
      d.kind = DescriptorKind::Socket;
      // Not connected or bound yet: identified again at the next use.
      complete = describe_socket(fd, ino, &d);
      break;
    case 0:
      describe_anonymous(fd, &d);
      break;
    default:
      break;
  }
  if (complete) cache_store(fd, d);
  *out = d;
  return true;
}

void forget(int fd) {
  if (fd < 0 || fd >= kCachedDescriptors) return;
  CacheEntry &e = g_cache[fd];
  for (int attempt = 0; attempt < 64; ++attempt) {
    uint32_t seq = e.sequence.load(std::memory_order_relaxed);
    if ((seq & 1) == 0 &&
        e.sequence.compare_exchange_strong(seq, seq + 1, std::memory_order_acquire)) {
      e.valid = false;
      e.sequence.store(seq + 2, std::memory_order_release);
      return;
    }
  }
}

}  // namespace shmcheck::kernel_sync
