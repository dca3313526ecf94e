// Descriptors and file locks (runtime/kernel_sync): close (also through
// fclose, pclose, closedir) and dup keep the descriptor bookkeeping right and end the locks a close ends; fcntl, flock
// and lockf locks are locks, by file and byte range.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose/interceptor.h"
#include "interpose/kernel_call.h"
#include "interpose/real_functions.h"
#include "trap/trap_budget.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

SHMCHECK_INTERCEPTOR int close(int fd) {
  KernelCall call(SYS_close, fd);
  return call.returned(real::close()(fd));
}

// The C library closes these descriptors internally, out of reach of the
// close interceptor: they are reported as the close they make.
SHMCHECK_INTERCEPTOR int fclose(FILE *stream) {
  KernelCall call(SYS_close, stream != nullptr ? fileno(stream) : -1);
  return call.returned(real::fclose()(stream));
}

SHMCHECK_INTERCEPTOR int pclose(FILE *stream) {
  KernelCall call(SYS_close, stream != nullptr ? fileno(stream) : -1);
  return call.returned(real::pclose()(stream));
}

SHMCHECK_INTERCEPTOR int closedir(DIR *directory) {
  KernelCall call(SYS_close, dirfd(directory));
  return call.returned(real::closedir()(directory));
}

SHMCHECK_INTERCEPTOR int dup(int fd) noexcept {
  KernelCall call(SYS_dup, fd);
  return call.returned(real::dup()(fd));
}

SHMCHECK_INTERCEPTOR int dup2(int fd, int target) noexcept {
  KernelCall call(SYS_dup2, fd, target);
  return call.returned(real::dup2()(fd, target));
}

SHMCHECK_INTERCEPTOR int dup3(int fd, int target, int flags) noexcept {
  KernelCall call(SYS_dup3, fd, target, flags);
  return call.returned(real::dup3()(fd, target, flags));
}

namespace {

template <typename Real>
int fcntl_with(Real real, int fd, int cmd, long arg) {
  KernelCall call(SYS_fcntl, fd, cmd, arg);
  int rc;
  if (cmd == F_SETLKW || cmd == F_OFD_SETLKW) {
    trap::BudgetedWait waiting;  // may block for as long as another process holds it
    rc = real(fd, cmd, arg);
  } else {
    rc = real(fd, cmd, arg);
  }
  return call.returned(rc);
}

}  // namespace

// Every fcntl command's third argument fits in a long (an int, or a pointer).
SHMCHECK_INTERCEPTOR int fcntl(int fd, int cmd, ...) {
  va_list args;
  va_start(args, cmd);
  const long arg = va_arg(args, long);
  va_end(args);
  return fcntl_with(real::fcntl(), fd, cmd, arg);
}

SHMCHECK_INTERCEPTOR int fcntl64(int fd, int cmd, ...) {
  va_list args;
  va_start(args, cmd);
  const long arg = va_arg(args, long);
  va_end(args);
  return fcntl_with(real::fcntl64(), fd, cmd, arg);
}

SHMCHECK_INTERCEPTOR int flock(int fd, int operation) noexcept {
  KernelCall call(SYS_flock, fd, operation);
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = real::flock()(fd, operation);
  }
  return call.returned(rc);
}

// lockf is a record lock from the current offset (the C library makes it
// with fcntl internally, out of our reach): reported as that fcntl.
SHMCHECK_INTERCEPTOR int lockf(int fd, int command, off_t length) {
  struct flock lock{};
  lock.l_whence = SEEK_CUR;
  lock.l_start = 0;
  lock.l_len = length;
  int cmd = -1;
  switch (command) {
    case F_LOCK: lock.l_type = F_WRLCK; cmd = F_SETLKW; break;
    case F_TLOCK: lock.l_type = F_WRLCK; cmd = F_SETLK; break;
    case F_ULOCK: lock.l_type = F_UNLCK; cmd = F_SETLK; break;
    default: return real::lockf()(fd, command, length);
  }
  KernelCall call(SYS_fcntl, fd, cmd, reinterpret_cast<long>(&lock));
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = real::lockf()(fd, command, length);
  }
  return call.returned(rc);
}

SHMCHECK_INTERCEPTOR int lockf64(int fd, int command, off_t length)
    __attribute__((alias("lockf")));
