// The libc definitions our interceptors stand in front of, found with
// dlsym(RTLD_NEXT) on first use. First use may come before our constructor
// (another library's constructor locking a mutex), so nothing here depends
// on it; and after start everything has been resolved, so the lookups never
// run in a signal handler.
#pragma once

#include <pthread.h>
#include <semaphore.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
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

// The slot holds a void*: std::atomic of a function pointer type would drop
// the declarations' attributes (nonnull, noexcept) with a warning.
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

// System V shared memory and semaphores
SHMCHECK_REAL(shmget, nullptr)
SHMCHECK_REAL(shmat, nullptr)
SHMCHECK_REAL(shmdt, nullptr)
SHMCHECK_REAL(shmctl, nullptr)
SHMCHECK_REAL(semop, nullptr)
SHMCHECK_REAL(semtimedop, nullptr)
SHMCHECK_REAL(semctl, nullptr)
// POSIX shared memory and mappings
SHMCHECK_REAL(shm_open, nullptr)
SHMCHECK_REAL(shm_unlink, nullptr)
SHMCHECK_REAL(memfd_create, nullptr)
SHMCHECK_REAL(mmap, nullptr)
SHMCHECK_REAL(munmap, nullptr)
SHMCHECK_REAL(mremap, nullptr)
SHMCHECK_REAL(mprotect, nullptr)
// Processes
SHMCHECK_REAL(fork, nullptr)
SHMCHECK_REAL(swapcontext, nullptr)
SHMCHECK_REAL(setcontext, nullptr)
SHMCHECK_REAL(_exit, nullptr)
SHMCHECK_REAL(execve, nullptr)
SHMCHECK_REAL(execv, nullptr)
SHMCHECK_REAL(execvp, nullptr)
SHMCHECK_REAL(execvpe, nullptr)
SHMCHECK_REAL(_Exit, nullptr)
SHMCHECK_REAL(wait, nullptr)
SHMCHECK_REAL(waitpid, nullptr)
SHMCHECK_REAL(wait4, nullptr)
SHMCHECK_REAL(waitid, nullptr)
// Threads
SHMCHECK_REAL(pthread_create, nullptr)
SHMCHECK_REAL(pthread_join, nullptr)
SHMCHECK_REAL(pthread_tryjoin_np, nullptr)
SHMCHECK_REAL(pthread_timedjoin_np, nullptr)
// Mutexes
SHMCHECK_REAL(pthread_mutex_lock, nullptr)
SHMCHECK_REAL(pthread_mutex_trylock, nullptr)
SHMCHECK_REAL(pthread_mutex_timedlock, nullptr)
SHMCHECK_REAL(pthread_mutex_clocklock, nullptr)
SHMCHECK_REAL(pthread_mutex_unlock, nullptr)
// Read-write locks
SHMCHECK_REAL(pthread_rwlock_rdlock, nullptr)
SHMCHECK_REAL(pthread_rwlock_tryrdlock, nullptr)
SHMCHECK_REAL(pthread_rwlock_timedrdlock, nullptr)
SHMCHECK_REAL(pthread_rwlock_clockrdlock, nullptr)
SHMCHECK_REAL(pthread_rwlock_wrlock, nullptr)
SHMCHECK_REAL(pthread_rwlock_trywrlock, nullptr)
SHMCHECK_REAL(pthread_rwlock_timedwrlock, nullptr)
SHMCHECK_REAL(pthread_rwlock_clockwrlock, nullptr)
SHMCHECK_REAL(pthread_rwlock_unlock, nullptr)
// Spinlocks
SHMCHECK_REAL(pthread_spin_lock, nullptr)
SHMCHECK_REAL(pthread_spin_trylock, nullptr)
SHMCHECK_REAL(pthread_spin_unlock, nullptr)
// Condition variables: the unversioned lookup can return the pre-NPTL
// compatibility version, so ask for the current one by name.
SHMCHECK_REAL(pthread_cond_wait, "GLIBC_2.3.2")
SHMCHECK_REAL(pthread_cond_timedwait, "GLIBC_2.3.2")
SHMCHECK_REAL(pthread_cond_clockwait, nullptr)
SHMCHECK_REAL(pthread_cond_signal, "GLIBC_2.3.2")
SHMCHECK_REAL(pthread_cond_broadcast, "GLIBC_2.3.2")
// Barriers
SHMCHECK_REAL(pthread_barrier_wait, nullptr)
// End of life of sync objects
SHMCHECK_REAL(pthread_mutex_destroy, nullptr)
SHMCHECK_REAL(pthread_rwlock_destroy, nullptr)
SHMCHECK_REAL(pthread_spin_destroy, nullptr)
SHMCHECK_REAL(pthread_cond_destroy, "GLIBC_2.3.2")
SHMCHECK_REAL(pthread_barrier_destroy, nullptr)
SHMCHECK_REAL(sem_destroy, nullptr)
// POSIX semaphores
SHMCHECK_REAL(sem_wait, nullptr)
SHMCHECK_REAL(sem_trywait, nullptr)
SHMCHECK_REAL(sem_timedwait, nullptr)
SHMCHECK_REAL(sem_clockwait, nullptr)
SHMCHECK_REAL(sem_post, nullptr)
SHMCHECK_REAL(sem_open, nullptr)
SHMCHECK_REAL(sem_close, nullptr)
// Signals
SHMCHECK_REAL(sigaction, nullptr)
SHMCHECK_REAL(signal, nullptr)
SHMCHECK_REAL(sigprocmask, nullptr)
SHMCHECK_REAL(pthread_sigmask, nullptr)
// System calls that read or write user buffers
SHMCHECK_REAL(read, nullptr)
SHMCHECK_REAL(write, nullptr)
SHMCHECK_REAL(pread, nullptr)
SHMCHECK_REAL(pwrite, nullptr)
SHMCHECK_REAL(readv, nullptr)
SHMCHECK_REAL(writev, nullptr)
SHMCHECK_REAL(preadv, nullptr)
SHMCHECK_REAL(pwritev, nullptr)
SHMCHECK_REAL(recv, nullptr)
SHMCHECK_REAL(recvfrom, nullptr)
SHMCHECK_REAL(recvmsg, nullptr)
SHMCHECK_REAL(send, nullptr)
SHMCHECK_REAL(sendto, nullptr)
SHMCHECK_REAL(sendmsg, nullptr)
SHMCHECK_REAL(syscall, nullptr)
SHMCHECK_REAL(fstat, nullptr)
SHMCHECK_REAL(stat, nullptr)
SHMCHECK_REAL(lstat, nullptr)
SHMCHECK_REAL(fstatat, nullptr)
SHMCHECK_REAL(poll, nullptr)
SHMCHECK_REAL(epoll_wait, nullptr)
SHMCHECK_REAL(sigaltstack, nullptr)
SHMCHECK_REAL(lseek, nullptr)
SHMCHECK_REAL(fdatasync, nullptr)
SHMCHECK_REAL(kill, nullptr)

#undef SHMCHECK_REAL

}  // namespace shmcheck::interpose::real
