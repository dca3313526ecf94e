#include "object_holders.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

namespace shmcheck::core {

namespace {

long sys(long number, long a = 0, long b = 0, long c = 0, long d = 0) {
  return syscall(number, a, b, c, d);
}

}  // namespace

bool holds_descriptor_of(pid_t pid, uint64_t dev, uint64_t ino) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", static_cast<int>(pid));
  // Raw calls: these go around the runtime's own interceptors.
  const long dir = sys(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path),
                       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  bool found = false;
  alignas(8) char buffer[4096];
  while (!found) {
    const long n = sys(SYS_getdents64, dir, reinterpret_cast<long>(buffer), sizeof buffer);
    if (n <= 0) break;
    for (long at = 0; at < n && !found;) {
      const auto *entry = reinterpret_cast<const struct dirent64 *>(buffer + at);
      at += entry->d_reclen;
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      struct stat st;
      // Following the descriptor's link reaches the object itself.
      if (sys(SYS_newfstatat, dir, reinterpret_cast<long>(entry->d_name),
              reinterpret_cast<long>(&st), 0) == 0 &&
          static_cast<uint64_t>(st.st_dev) == dev && static_cast<uint64_t>(st.st_ino) == ino)
        found = true;
    }
  }
  sys(SYS_close, dir);
  return found;
}

}  // namespace shmcheck::core
