// The system-call boundary's fast path for the most common calls.
//
// Once system calls are dispatched (the process has a watched segment),
// each of these libc functions would cost a SIGSYS round trip. Called by
// the program through its PLT, they go to the boundary directly instead:
// the same translation, recording and synchronisation reports, without the
// signal. Calls made inside libc (stdio, ...) still reach the boundary
// through SIGSYS. Without dispatch they go straight to libc.
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "interpose/interceptor.h"
#include "interpose/kernel_call.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "syscall/boundary.h"
#include "syscall/dispatch_switch.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

bool through_boundary() { return syscall::t_armed && !in_runtime(); }

// Runs the call at the boundary (as a cancellation point when libc's
// function is one), with libc's convention for the result.
template <bool kCancellationPoint = true>
__attribute__((always_inline)) inline long call(long number, long a0, long a1,
                                                long a2, long a3 = 0,
                                                long a4 = 0, long a5 = 0) {
  const long args[6] = {a0, a1, a2, a3, a4, a5};
  syscall::CallSite site;
  site.return_address =
      reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  site.cancellation_point = kCancellationPoint;
  const long result = syscall::perform(number, args, site);
  if (result < 0 && result > -4096) {
    errno = static_cast<int>(-result);
    return -1;
  }
  return result;
}

template <typename T>
long arg(T value) {
  return (long)value;  // NOLINT: pointers and integers alike
}

}  // namespace

SHMCHECK_INTERCEPTOR ssize_t read(int fd, void *buffer, size_t length) {
  if (!through_boundary())
    return real::read()(fd, buffer, length);
  return call(SYS_read, fd, arg(buffer), arg(length));
}

SHMCHECK_INTERCEPTOR ssize_t write(int fd, const void *buffer, size_t length) {
  if (!through_boundary())
    return real::write()(fd, buffer, length);
  return call(SYS_write, fd, arg(buffer), arg(length));
}

SHMCHECK_INTERCEPTOR ssize_t pread(int fd, void *buffer, size_t length,
                                   off_t offset) {
  if (!through_boundary())
    return real::pread()(fd, buffer, length, offset);
  return call(SYS_pread64, fd, arg(buffer), arg(length), offset);
}

SHMCHECK_INTERCEPTOR ssize_t pread64(int fd, void *buffer, size_t length,
                                     off_t offset)
    __attribute__((alias("pread")));

SHMCHECK_INTERCEPTOR ssize_t pwrite(int fd, const void *buffer, size_t length,
                                    off_t offset) {
  if (!through_boundary())
    return real::pwrite()(fd, buffer, length, offset);
  return call(SYS_pwrite64, fd, arg(buffer), arg(length), offset);
}

SHMCHECK_INTERCEPTOR ssize_t pwrite64(int fd, const void *buffer,
                                      size_t length, off_t offset)
    __attribute__((alias("pwrite")));

SHMCHECK_INTERCEPTOR ssize_t readv(int fd, const struct iovec *iov,
                                   int iovcnt) {
  if (!through_boundary())
    return real::readv()(fd, iov, iovcnt);
  return call(SYS_readv, fd, arg(iov), iovcnt);
}

SHMCHECK_INTERCEPTOR ssize_t writev(int fd, const struct iovec *iov,
                                    int iovcnt) {
  if (!through_boundary())
    return real::writev()(fd, iov, iovcnt);
  return call(SYS_writev, fd, arg(iov), iovcnt);
}

// The kernel takes the offset as two halves; on x86-64 the high one is 0.
SHMCHECK_INTERCEPTOR ssize_t preadv(int fd, const struct iovec *iov,
                                    int iovcnt, off_t offset) {
  if (!through_boundary())
    return real::preadv()(fd, iov, iovcnt, offset);
  return call(SYS_preadv, fd, arg(iov), iovcnt, offset, 0);
}

SHMCHECK_INTERCEPTOR ssize_t pwritev(int fd, const struct iovec *iov,
                                     int iovcnt, off_t offset) {
  if (!through_boundary())
    return real::pwritev()(fd, iov, iovcnt, offset);
  return call(SYS_pwritev, fd, arg(iov), iovcnt, offset, 0);
}

SHMCHECK_INTERCEPTOR ssize_t recv(int fd, void *buffer, size_t length,
                                  int flags) {
  if (!through_boundary())
    return real::recv()(fd, buffer, length, flags);
  return call(SYS_recvfrom, fd, arg(buffer), arg(length), flags, 0, 0);
}

SHMCHECK_INTERCEPTOR ssize_t recvfrom(int fd, void *buffer, size_t length,
                                      int flags, struct sockaddr *from,
                                      socklen_t *from_length) {
  if (!through_boundary())
    return real::recvfrom()(fd, buffer, length, flags, from, from_length);
  return call(SYS_recvfrom, fd, arg(buffer), arg(length), flags, arg(from),
              arg(from_length));
}

SHMCHECK_INTERCEPTOR ssize_t send(int fd, const void *buffer, size_t length,
                                  int flags) {
  if (!through_boundary())
    return real::send()(fd, buffer, length, flags);
  return call(SYS_sendto, fd, arg(buffer), arg(length), flags, 0, 0);
}

SHMCHECK_INTERCEPTOR ssize_t sendto(int fd, const void *buffer, size_t length,
                                    int flags, const struct sockaddr *to,
                                    socklen_t to_length) {
  if (!through_boundary())
    return real::sendto()(fd, buffer, length, flags, to, to_length);
  return call(SYS_sendto, fd, arg(buffer), arg(length), flags, arg(to),
              to_length);
}

SHMCHECK_INTERCEPTOR ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  if (!through_boundary())
    return real::recvmsg()(fd, msg, flags);
  return call(SYS_recvmsg, fd, arg(msg), flags);
}

SHMCHECK_INTERCEPTOR ssize_t sendmsg(int fd, const struct msghdr *msg,
                                     int flags) {
  if (!through_boundary())
    return real::sendmsg()(fd, msg, flags);
  return call(SYS_sendmsg, fd, arg(msg), flags);
}

// Raw system calls made through libc's syscall(): straight to the boundary
// (a futex word in a segment, for instance, is used through the alias).
SHMCHECK_INTERCEPTOR long syscall(long number, ...) noexcept {
  va_list args;
  va_start(args, number);
  long a[6];
  for (long &value : a)
    value = va_arg(args, long);
  va_end(args);
  if (!through_boundary() || syscall::needs_dispatch_handler(number))
    return real::syscall()(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  return call<false>(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// File status and readiness.
SHMCHECK_INTERCEPTOR int fstat(int fd, struct stat *st) {
  if (!through_boundary())
    return real::fstat()(fd, st);
  return static_cast<int>(call<false>(SYS_fstat, fd, arg(st), 0));
}

SHMCHECK_INTERCEPTOR int fstat64(int fd, struct stat64 *st)
    __attribute__((alias("fstat")));

SHMCHECK_INTERCEPTOR int stat(const char *path, struct stat *st) {
  if (!through_boundary())
    return real::stat()(path, st);
  return static_cast<int>(call<false>(SYS_newfstatat, AT_FDCWD, arg(path), arg(st), 0));
}

SHMCHECK_INTERCEPTOR int stat64(const char *path, struct stat64 *st)
    __attribute__((alias("stat")));

SHMCHECK_INTERCEPTOR int lstat(const char *path, struct stat *st) {
  if (!through_boundary())
    return real::lstat()(path, st);
  return static_cast<int>(call<false>(SYS_newfstatat, AT_FDCWD, arg(path), arg(st),
                               AT_SYMLINK_NOFOLLOW));
}

SHMCHECK_INTERCEPTOR int lstat64(const char *path, struct stat64 *st)
    __attribute__((alias("lstat")));

SHMCHECK_INTERCEPTOR int fstatat(int dirfd, const char *path, struct stat *st,
                                 int flags) {
  if (!through_boundary())
    return real::fstatat()(dirfd, path, st, flags);
  return static_cast<int>(call<false>(SYS_newfstatat, dirfd, arg(path), arg(st), flags));
}

SHMCHECK_INTERCEPTOR int fstatat64(int dirfd, const char *path,
                                   struct stat64 *st, int flags)
    __attribute__((alias("fstatat")));

SHMCHECK_INTERCEPTOR int poll(struct pollfd *fds, nfds_t count, int timeout) {
  if (!through_boundary())
    return real::poll()(fds, count, timeout);
  return static_cast<int>(call(SYS_poll, arg(fds), static_cast<long>(count),
                               timeout));
}

SHMCHECK_INTERCEPTOR int epoll_wait(int epfd, struct epoll_event *events,
                                    int max, int timeout) {
  if (!through_boundary())
    return real::epoll_wait()(epfd, events, max, timeout);
  return static_cast<int>(call(SYS_epoll_wait, epfd, arg(events), max, timeout));
}

// Calls with no memory argument that servers make often (PostgreSQL: lseek
// is its most frequent call, fdatasync comes with every commit, kill wakes
// other processes' latches): to the boundary without the signal as well.
SHMCHECK_INTERCEPTOR off_t lseek(int fd, off_t offset, int whence) {
  if (!through_boundary())
    return real::lseek()(fd, offset, whence);
  return call<false>(SYS_lseek, fd, offset, whence);
}

SHMCHECK_INTERCEPTOR off64_t lseek64(int fd, off64_t offset, int whence)
    __attribute__((alias("lseek")));

SHMCHECK_INTERCEPTOR int fdatasync(int fd) {
  if (!through_boundary())
    return real::fdatasync()(fd);
  return static_cast<int>(call(SYS_fdatasync, fd, 0, 0));
}

SHMCHECK_INTERCEPTOR int kill(pid_t pid, int sig) noexcept {
  if (!through_boundary()) {
    KernelCall sent(SYS_kill, pid, sig);
    return sent.returned(real::kill()(pid, sig));
  }
  return static_cast<int>(call<false>(SYS_kill, pid, sig, 0));
}
