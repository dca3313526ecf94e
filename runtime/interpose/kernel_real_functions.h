// The libc definitions in front of which the kernel-synchronisation
// interceptors stand (the descriptor, message and signal calls), found with
// dlsym(RTLD_NEXT) like real_functions.h; resolve_kernel_calls() looks them
// all up at start so that no lookup ever happens in a signal handler.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/msg.h>
#include <unistd.h>

#include <atomic>
#include <initializer_list>

#include "interpose/real_functions.h"

namespace shmcheck::interpose::real {

#define SHMCHECK_KERNEL_REAL(name, ...)                                 \
  using name##_type = __VA_ARGS__;                                      \
  inline name##_type name() {                                           \
    static std::atomic<void *> slot{nullptr};                           \
    void *fn = slot.load(std::memory_order_acquire);                    \
    if (fn == nullptr) {                                                \
      fn = next_symbol(#name, nullptr);                                 \
      slot.store(fn, std::memory_order_release);                        \
    }                                                                   \
    return reinterpret_cast<name##_type>(fn);                                  \
  }

// Descriptors and file locks
SHMCHECK_KERNEL_REAL(close, int (*)(int))
SHMCHECK_KERNEL_REAL(dup, int (*)(int))
SHMCHECK_KERNEL_REAL(dup2, int (*)(int, int))
SHMCHECK_KERNEL_REAL(dup3, int (*)(int, int, int))
SHMCHECK_KERNEL_REAL(fcntl, int (*)(int, int, ...))
SHMCHECK_KERNEL_REAL(fcntl64, int (*)(int, int, ...))
SHMCHECK_KERNEL_REAL(flock, int (*)(int, int))
SHMCHECK_KERNEL_REAL(lockf, int (*)(int, int, off_t))
SHMCHECK_KERNEL_REAL(fclose, int (*)(FILE *))
SHMCHECK_KERNEL_REAL(pclose, int (*)(FILE *))
SHMCHECK_KERNEL_REAL(closedir, int (*)(DIR *))
// Messages
SHMCHECK_KERNEL_REAL(mq_send, int (*)(mqd_t, const char *, size_t, unsigned))
SHMCHECK_KERNEL_REAL(mq_timedsend, int (*)(mqd_t, const char *, size_t, unsigned,
                                           const struct timespec *))
SHMCHECK_KERNEL_REAL(mq_receive, ssize_t (*)(mqd_t, char *, size_t, unsigned *))
SHMCHECK_KERNEL_REAL(mq_timedreceive, ssize_t (*)(mqd_t, char *, size_t, unsigned *,
                                                  const struct timespec *))
SHMCHECK_KERNEL_REAL(msgsnd, int (*)(int, const void *, size_t, int))
SHMCHECK_KERNEL_REAL(msgrcv, ssize_t (*)(int, void *, size_t, long, int))
SHMCHECK_KERNEL_REAL(eventfd_read, int (*)(int, eventfd_t *))
SHMCHECK_KERNEL_REAL(eventfd_write, int (*)(int, eventfd_t))
// Signals
SHMCHECK_KERNEL_REAL(raise, int (*)(int))
SHMCHECK_KERNEL_REAL(pthread_kill, int (*)(pthread_t, int))
SHMCHECK_KERNEL_REAL(sigqueue, int (*)(pid_t, int, const union sigval))
SHMCHECK_KERNEL_REAL(tgkill, int (*)(pid_t, pid_t, int))
SHMCHECK_KERNEL_REAL(sigwait, int (*)(const sigset_t *, int *))
SHMCHECK_KERNEL_REAL(sigwaitinfo, int (*)(const sigset_t *, siginfo_t *))
SHMCHECK_KERNEL_REAL(sigtimedwait, int (*)(const sigset_t *, siginfo_t *,
                                           const struct timespec *))

#undef SHMCHECK_KERNEL_REAL

// Looks every one of them up (called once at start).
void resolve_kernel_calls();

}  // namespace shmcheck::interpose::real
