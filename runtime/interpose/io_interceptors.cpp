// System calls whose buffers may lie in a watched segment (see io_buffers.h),
// and that may carry a hand-off between processes (a pipe, socket, eventfd:
// reported to runtime/kernel_sync around the call). Calls whose buffers do
// not touch a segment go straight to libc.
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/futex.h>

#include <cerrno>

#include "interpose/interceptor.h"
#include "interpose/io_buffers.h"
#include "interpose/kernel_call.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "trap/attachment_table.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

using core::AccessType;

#define SHMCHECK_CALLER reinterpret_cast<uintptr_t>(__builtin_return_address(0))

bool watched(const void *buffer, size_t length) {
  return should_check() && buffer_is_watched(buffer, length);
}

bool watched(const struct iovec *iov, int iovcnt) {
  return should_check() && iovec_is_watched(iov, iovcnt);
}

// Runs `single(pointer)` when the buffer maps to one piece, else
// `vectored(pieces, count)`; then records the bytes moved.
template <typename Single, typename Vectored>
ssize_t through_pieces(void *buffer, size_t length, AccessType type,
                       uintptr_t caller, Single &&single, Vectored &&vectored) {
  struct iovec pieces[kMaxPieces];
  int count = 0;
  if (!split_buffer(buffer, length, pieces, &count, kMaxPieces)) {
    errno = EINVAL;
    return -1;
  }
  const ssize_t rc = count == 1 ? single(pieces[0].iov_base)
                                : vectored(pieces, count);
  if (rc > 0) {
    const int saved_errno = errno;
    const struct iovec whole{buffer, length};
    record_transfer(&whole, 1, static_cast<size_t>(rc), type, caller);
    errno = saved_errno;
  }
  return rc;
}

template <typename Vectored>
ssize_t through_iovec(const struct iovec *iov, int iovcnt, AccessType type,
                      uintptr_t caller, Vectored &&vectored) {
  struct iovec pieces[kMaxPieces];
  int count = 0;
  if (iovcnt < 0 || !split_iovec(iov, iovcnt, pieces, &count, kMaxPieces)) {
    errno = EINVAL;
    return -1;
  }
  const ssize_t rc = vectored(pieces, count);
  if (rc > 0) {
    const int saved_errno = errno;
    record_transfer(iov, iovcnt, static_cast<size_t>(rc), type, caller);
    errno = saved_errno;
  }
  return rc;
}

// recvmsg/sendmsg on a copy of the header whose iovec is split.
template <typename Call>
ssize_t through_msghdr(struct msghdr *msg, AccessType type, uintptr_t caller,
                       Call &&call) {
  struct iovec pieces[kMaxPieces];
  int count = 0;
  if (!split_iovec(msg->msg_iov, static_cast<int>(msg->msg_iovlen), pieces,
                   &count, kMaxPieces)) {
    errno = EINVAL;
    return -1;
  }
  struct msghdr local = *msg;
  local.msg_iov = pieces;
  local.msg_iovlen = static_cast<size_t>(count);
  const ssize_t rc = call(&local);
  const int saved_errno = errno;
  msg->msg_namelen = local.msg_namelen;
  msg->msg_controllen = local.msg_controllen;
  msg->msg_flags = local.msg_flags;
  if (rc > 0)
    record_transfer(msg->msg_iov, static_cast<int>(msg->msg_iovlen),
                    static_cast<size_t>(rc), type, caller);
  errno = saved_errno;
  return rc;
}

}  // namespace

namespace {
ssize_t read_through_segment(int fd, void *buffer, size_t length, uintptr_t caller) {
  if (!watched(buffer, length))
    return real::read()(fd, buffer, length);
  return through_pieces(
      buffer, length, AccessType::Write, caller,
      [&](void *p) { return real::read()(fd, p, length); },
      [&](struct iovec *v, int n) { return real::readv()(fd, v, n); });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t read(int fd, void *buffer, size_t length) {
  KernelCall call(SYS_read, fd, reinterpret_cast<long>(buffer),
                  static_cast<long>(length));
  return call.returned(
      read_through_segment(fd, buffer, length, SHMCHECK_CALLER));
}

namespace {
ssize_t write_through_segment(int fd, const void *buffer, size_t length, uintptr_t caller) {
  if (!watched(buffer, length))
    return real::write()(fd, buffer, length);
  return through_pieces(
      const_cast<void *>(buffer), length, AccessType::Read, caller,
      [&](void *p) { return real::write()(fd, p, length); },
      [&](struct iovec *v, int n) { return real::writev()(fd, v, n); });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t write(int fd, const void *buffer, size_t length) {
  KernelCall call(SYS_write, fd, reinterpret_cast<long>(buffer),
                  static_cast<long>(length));
  return call.returned(
      write_through_segment(fd, buffer, length, SHMCHECK_CALLER));
}

SHMCHECK_INTERCEPTOR ssize_t pread(int fd, void *buffer, size_t length,
                                   off_t offset) {
  if (!watched(buffer, length))
    return real::pread()(fd, buffer, length, offset);
  return through_pieces(
      buffer, length, AccessType::Write, SHMCHECK_CALLER,
      [&](void *p) { return real::pread()(fd, p, length, offset); },
      [&](struct iovec *v, int n) { return real::preadv()(fd, v, n, offset); });
}

SHMCHECK_INTERCEPTOR ssize_t pread64(int fd, void *buffer, size_t length,
                                     off_t offset)
    __attribute__((alias("pread")));

SHMCHECK_INTERCEPTOR ssize_t pwrite(int fd, const void *buffer, size_t length,
                                    off_t offset) {
  if (!watched(buffer, length))
    return real::pwrite()(fd, buffer, length, offset);
  return through_pieces(
      const_cast<void *>(buffer), length, AccessType::Read, SHMCHECK_CALLER,
      [&](void *p) { return real::pwrite()(fd, p, length, offset); },
      [&](struct iovec *v, int n) { return real::pwritev()(fd, v, n, offset); });
}

SHMCHECK_INTERCEPTOR ssize_t pwrite64(int fd, const void *buffer,
                                      size_t length, off_t offset)
    __attribute__((alias("pwrite")));

namespace {
ssize_t readv_through_segment(int fd, const struct iovec *iov,
                                   int iovcnt, uintptr_t caller) {
  if (!watched(iov, iovcnt))
    return real::readv()(fd, iov, iovcnt);
  return through_iovec(iov, iovcnt, AccessType::Write, caller,
                       [&](struct iovec *v, int n) {
                         return real::readv()(fd, v, n);
                       });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t readv(int fd, const struct iovec *iov,
                                   int iovcnt) {
  KernelCall call(SYS_readv, fd, reinterpret_cast<long>(iov), iovcnt);
  return call.returned(readv_through_segment(fd, iov, iovcnt, SHMCHECK_CALLER));
}

namespace {
ssize_t writev_through_segment(int fd, const struct iovec *iov,
                                    int iovcnt, uintptr_t caller) {
  if (!watched(iov, iovcnt))
    return real::writev()(fd, iov, iovcnt);
  return through_iovec(iov, iovcnt, AccessType::Read, caller,
                       [&](struct iovec *v, int n) {
                         return real::writev()(fd, v, n);
                       });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t writev(int fd, const struct iovec *iov,
                                    int iovcnt) {
  KernelCall call(SYS_writev, fd, reinterpret_cast<long>(iov), iovcnt);
  return call.returned(
      writev_through_segment(fd, iov, iovcnt, SHMCHECK_CALLER));
}

SHMCHECK_INTERCEPTOR ssize_t preadv(int fd, const struct iovec *iov,
                                    int iovcnt, off_t offset) {
  if (!watched(iov, iovcnt))
    return real::preadv()(fd, iov, iovcnt, offset);
  return through_iovec(iov, iovcnt, AccessType::Write, SHMCHECK_CALLER,
                       [&](struct iovec *v, int n) {
                         return real::preadv()(fd, v, n, offset);
                       });
}

SHMCHECK_INTERCEPTOR ssize_t pwritev(int fd, const struct iovec *iov,
                                     int iovcnt, off_t offset) {
  if (!watched(iov, iovcnt))
    return real::pwritev()(fd, iov, iovcnt, offset);
  return through_iovec(iov, iovcnt, AccessType::Read, SHMCHECK_CALLER,
                       [&](struct iovec *v, int n) {
                         return real::pwritev()(fd, v, n, offset);
                       });
}

namespace {
ssize_t recv_through_segment(int fd, void *buffer, size_t length,
                                  int flags, uintptr_t caller) {
  if (!watched(buffer, length))
    return real::recv()(fd, buffer, length, flags);
  return through_pieces(
      buffer, length, AccessType::Write, caller,
      [&](void *p) { return real::recv()(fd, p, length, flags); },
      [&](struct iovec *v, int n) {
        struct msghdr msg{};
        msg.msg_iov = v;
        msg.msg_iovlen = static_cast<size_t>(n);
        return real::recvmsg()(fd, &msg, flags);
      });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t recv(int fd, void *buffer, size_t length,
                                  int flags) {
  KernelCall call(SYS_recvfrom, fd, reinterpret_cast<long>(buffer),
                  static_cast<long>(length), flags);
  return call.returned(
      recv_through_segment(fd, buffer, length, flags, SHMCHECK_CALLER));
}

namespace {
ssize_t recvfrom_through_segment(int fd, void *buffer, size_t length,
                                      int flags, struct sockaddr *from,
                                      socklen_t *from_length, uintptr_t caller) {
  if (!watched(buffer, length))
    return real::recvfrom()(fd, buffer, length, flags, from, from_length);
  return through_pieces(
      buffer, length, AccessType::Write, caller,
      [&](void *p) {
        return real::recvfrom()(fd, p, length, flags, from, from_length);
      },
      [&](struct iovec *v, int n) {
        struct msghdr msg{};
        msg.msg_name = from;
        msg.msg_namelen = from_length != nullptr ? *from_length : 0;
        msg.msg_iov = v;
        msg.msg_iovlen = static_cast<size_t>(n);
        const ssize_t rc = real::recvmsg()(fd, &msg, flags);
        if (rc >= 0 && from_length != nullptr)
          *from_length = msg.msg_namelen;
        return rc;
      });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t recvfrom(int fd, void *buffer, size_t length,
                                      int flags, struct sockaddr *from,
                                      socklen_t *from_length) {
  KernelCall call(SYS_recvfrom, fd, reinterpret_cast<long>(buffer),
                  static_cast<long>(length), flags, reinterpret_cast<long>(from),
                  reinterpret_cast<long>(from_length));
  return call.returned(
      recvfrom_through_segment(fd, buffer, length, flags, from, from_length, SHMCHECK_CALLER));
}

namespace {
ssize_t send_through_segment(int fd, const void *buffer, size_t length,
                                  int flags, uintptr_t caller) {
  if (!watched(buffer, length))
    return real::send()(fd, buffer, length, flags);
  return through_pieces(
      const_cast<void *>(buffer), length, AccessType::Read, caller,
      [&](void *p) { return real::send()(fd, p, length, flags); },
      [&](struct iovec *v, int n) {
        struct msghdr msg{};
        msg.msg_iov = v;
        msg.msg_iovlen = static_cast<size_t>(n);
        return real::sendmsg()(fd, &msg, flags);
      });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t send(int fd, const void *buffer, size_t length,
                                  int flags) {
  KernelCall call(SYS_sendto, fd, reinterpret_cast<long>(buffer),
                  static_cast<long>(length), flags);
  return call.returned(
      send_through_segment(fd, buffer, length, flags, SHMCHECK_CALLER));
}

namespace {
ssize_t sendto_through_segment(int fd, const void *buffer, size_t length,
                                    int flags, const struct sockaddr *to,
                                    socklen_t to_length, uintptr_t caller) {
  if (!watched(buffer, length))
    return real::sendto()(fd, buffer, length, flags, to, to_length);
  return through_pieces(
      const_cast<void *>(buffer), length, AccessType::Read, caller,
      [&](void *p) {
        return real::sendto()(fd, p, length, flags, to, to_length);
      },
      [&](struct iovec *v, int n) {
        struct msghdr msg{};
        msg.msg_name = const_cast<struct sockaddr *>(to);
        msg.msg_namelen = to_length;
        msg.msg_iov = v;
        msg.msg_iovlen = static_cast<size_t>(n);
        return real::sendmsg()(fd, &msg, flags);
      });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t sendto(int fd, const void *buffer, size_t length,
                                    int flags, const struct sockaddr *to,
                                    socklen_t to_length) {
  KernelCall call(SYS_sendto, fd, reinterpret_cast<long>(buffer),
                  static_cast<long>(length), flags, reinterpret_cast<long>(to),
                  static_cast<long>(to_length));
  return call.returned(
      sendto_through_segment(fd, buffer, length, flags, to, to_length, SHMCHECK_CALLER));
}

namespace {
ssize_t recvmsg_through_segment(int fd, struct msghdr *msg, int flags, uintptr_t caller) {
  if (msg == nullptr ||
      !watched(msg->msg_iov, static_cast<int>(msg->msg_iovlen)))
    return real::recvmsg()(fd, msg, flags);
  return through_msghdr(msg, AccessType::Write, caller,
                        [&](struct msghdr *m) {
                          return real::recvmsg()(fd, m, flags);
                        });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  KernelCall call(SYS_recvmsg, fd, reinterpret_cast<long>(msg), flags);
  return call.returned(
      recvmsg_through_segment(fd, msg, flags, SHMCHECK_CALLER));
}

namespace {
ssize_t sendmsg_through_segment(int fd, const struct msghdr *msg,
                                     int flags, uintptr_t caller) {
  if (msg == nullptr ||
      !watched(msg->msg_iov, static_cast<int>(msg->msg_iovlen)))
    return real::sendmsg()(fd, msg, flags);
  struct msghdr copy = *msg;
  return through_msghdr(&copy, AccessType::Read, caller,
                        [&](struct msghdr *m) {
                          return real::sendmsg()(fd, m, flags);
                        });
}
}  // namespace

SHMCHECK_INTERCEPTOR ssize_t sendmsg(int fd, const struct msghdr *msg,
                                     int flags) {
  KernelCall call(SYS_sendmsg, fd, reinterpret_cast<long>(msg), flags);
  return call.returned(
      sendmsg_through_segment(fd, msg, flags, SHMCHECK_CALLER));
}

// Any system call made through syscall(): its edges (kernel_sync). And
// home-made futexes: the futex word (and the second word of requeue and
// wake-op) are used through the alias view. Not recorded as accesses: the
// kernel only compares the word, and the application's own atomic
// operations on it are trapped like any access.
SHMCHECK_INTERCEPTOR long syscall(long number, ...) noexcept {
  va_list args;
  va_start(args, number);
  long a[6];
  for (long &arg : a)
    arg = va_arg(args, long);
  va_end(args);
  // Edges see the application's addresses, before the futex words move to
  // the alias view.
  KernelCall call(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (number == SYS_futex && should_check() && trap::any_watched()) {
    a[0] = reinterpret_cast<long>(trap::alias_of(reinterpret_cast<void *>(a[0])));
    const int op = static_cast<int>(a[1]) & FUTEX_CMD_MASK;
    if (op == FUTEX_REQUEUE || op == FUTEX_CMP_REQUEUE || op == FUTEX_WAKE_OP ||
        op == FUTEX_CMP_REQUEUE_PI)
      a[4] = reinterpret_cast<long>(
          trap::alias_of(reinterpret_cast<void *>(a[4])));
  }
  return call.returned(real::syscall()(number, a[0], a[1], a[2], a[3], a[4], a[5]));
}
