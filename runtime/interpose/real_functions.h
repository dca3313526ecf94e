// The libc definitions our interceptors stand in front of, found with
// dlsym(RTLD_NEXT). First use may come before our constructor (another
// library's constructor locking a mutex), so each one is looked up when
// first asked for; and resolve_all() looks every one up before main, so that
// no lookup ever runs in a signal handler: dlsym takes the loader's lock,
// which the code the signal interrupted may hold (a handler that calls
// _exit() would wait for it forever).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>

namespace shmcheck::interpose::real {

// Aborts with a message when libc lacks `name` (never for the glibc we
// support).
void *next_symbol(const char *name, const char *version);

// Every function we stand in front of: X(name, symbol version or nullptr).
// Condition variables: the unversioned lookup can return the pre-NPTL
// compatibility version, so they ask for the current one by name.
#define SHMCHECK_REAL_FUNCTIONS(X) \
  /* System V shared memory and semaphores */ \
  X(shmget, nullptr) \
  X(shmat, nullptr) \
  X(shmdt, nullptr) \
  X(shmctl, nullptr) \
  X(semop, nullptr) \
  X(semtimedop, nullptr) \
  X(semctl, nullptr) \
  /* POSIX shared memory and mappings */ \
  X(shm_open, nullptr) \
  X(shm_unlink, nullptr) \
  X(memfd_create, nullptr) \
  X(mmap, nullptr) \
  X(munmap, nullptr) \
  X(mremap, nullptr) \
  X(mprotect, nullptr) \
  /* Processes */ \
  X(fork, nullptr) \
  X(swapcontext, nullptr) \
  X(setcontext, nullptr) \
  X(_exit, nullptr) \
  X(execve, nullptr) \
  X(execv, nullptr) \
  X(execvp, nullptr) \
  X(execvpe, nullptr) \
  X(_Exit, nullptr) \
  X(wait, nullptr) \
  X(waitpid, nullptr) \
  X(wait4, nullptr) \
  X(waitid, nullptr) \
  /* Threads */ \
  X(pthread_create, nullptr) \
  X(pthread_join, nullptr) \
  X(pthread_tryjoin_np, nullptr) \
  X(pthread_timedjoin_np, nullptr) \
  /* Mutexes */ \
  X(pthread_mutex_lock, nullptr) \
  X(pthread_mutex_trylock, nullptr) \
  X(pthread_mutex_timedlock, nullptr) \
  X(pthread_mutex_clocklock, nullptr) \
  X(pthread_mutex_unlock, nullptr) \
  /* Read-write locks */ \
  X(pthread_rwlock_rdlock, nullptr) \
  X(pthread_rwlock_tryrdlock, nullptr) \
  X(pthread_rwlock_timedrdlock, nullptr) \
  X(pthread_rwlock_clockrdlock, nullptr) \
  X(pthread_rwlock_wrlock, nullptr) \
  X(pthread_rwlock_trywrlock, nullptr) \
  X(pthread_rwlock_timedwrlock, nullptr) \
  X(pthread_rwlock_clockwrlock, nullptr) \
  X(pthread_rwlock_unlock, nullptr) \
  /* Spinlocks */ \
  X(pthread_spin_lock, nullptr) \
  X(pthread_spin_trylock, nullptr) \
  X(pthread_spin_unlock, nullptr) \
  /* Condition variables */ \
  X(pthread_cond_wait, "GLIBC_2.3.2") \
  X(pthread_cond_timedwait, "GLIBC_2.3.2") \
  X(pthread_cond_clockwait, nullptr) \
  X(pthread_cond_signal, "GLIBC_2.3.2") \
  X(pthread_cond_broadcast, "GLIBC_2.3.2") \
  /* Barriers */ \
  X(pthread_barrier_wait, nullptr) \
  /* End of life of sync objects */ \
  X(pthread_mutex_destroy, nullptr) \
  X(pthread_rwlock_destroy, nullptr) \
  X(pthread_spin_destroy, nullptr) \
  X(pthread_cond_destroy, "GLIBC_2.3.2") \
  X(pthread_barrier_destroy, nullptr) \
  X(sem_destroy, nullptr) \
  /* POSIX semaphores */ \
  X(sem_wait, nullptr) \
  X(sem_trywait, nullptr) \
  X(sem_timedwait, nullptr) \
  X(sem_clockwait, nullptr) \
  X(sem_post, nullptr) \
  X(sem_open, nullptr) \
  X(sem_close, nullptr) \
  /* Signals */ \
  X(sigaction, nullptr) \
  X(signal, nullptr) \
  X(sigprocmask, nullptr) \
  X(pthread_sigmask, nullptr) \
  /* System calls that read or write user buffers */ \
  X(read, nullptr) \
  X(write, nullptr) \
  X(pread, nullptr) \
  X(pwrite, nullptr) \
  X(readv, nullptr) \
  X(writev, nullptr) \
  X(preadv, nullptr) \
  X(pwritev, nullptr) \
  X(recv, nullptr) \
  X(recvfrom, nullptr) \
  X(recvmsg, nullptr) \
  X(send, nullptr) \
  X(sendto, nullptr) \
  X(sendmsg, nullptr) \
  X(syscall, nullptr) \
  X(fstat, nullptr) \
  X(stat, nullptr) \
  X(lstat, nullptr) \
  X(fstatat, nullptr) \
  X(poll, nullptr) \
  X(epoll_wait, nullptr) \
  X(sigaltstack, nullptr) \
  X(lseek, nullptr) \
  X(fdatasync, nullptr) \
  X(kill, nullptr) \
  /* Descriptors and file locks */ \
  X(close, nullptr) \
  X(dup, nullptr) \
  X(dup2, nullptr) \
  X(dup3, nullptr) \
  X(fcntl, nullptr) \
  X(fcntl64, nullptr) \
  X(flock, nullptr) \
  X(lockf, nullptr) \
  X(fclose, nullptr) \
  X(pclose, nullptr) \
  X(closedir, nullptr) \
  /* Messages */ \
  X(mq_send, nullptr) \
  X(mq_timedsend, nullptr) \
  X(mq_receive, nullptr) \
  X(mq_timedreceive, nullptr) \
  X(msgsnd, nullptr) \
  X(msgrcv, nullptr) \
  X(eventfd_read, nullptr) \
  X(eventfd_write, nullptr) \
  /* Signals */ \
  X(raise, nullptr) \
  X(pthread_kill, nullptr) \
  X(sigqueue, nullptr) \
  X(tgkill, nullptr) \
  X(sigwait, nullptr) \
  X(sigwaitinfo, nullptr) \
  X(sigtimedwait, nullptr)

// real::name() is the libc definition of `name`, with its declared type. The
// slot holds a void*: std::atomic of a function pointer type would drop the
// declarations' attributes (nonnull, noexcept) with a warning.
#define SHMCHECK_REAL(name, version)                                    \
  inline decltype(&::name) name() {                                     \
    static std::atomic<void *> slot{nullptr};                           \
    void *fn = slot.load(std::memory_order_acquire);                    \
    if (fn == nullptr) {                                                \
      fn = next_symbol(#name, version);                                 \
      slot.store(fn, std::memory_order_release);                        \
    }                                                                   \
    return reinterpret_cast<decltype(&::name)>(fn);                     \
  }
SHMCHECK_REAL_FUNCTIONS(SHMCHECK_REAL)
#undef SHMCHECK_REAL

// Looks every one of them up (before main; see above).
void resolve_all();

}  // namespace shmcheck::interpose::real
