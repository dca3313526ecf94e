#include "robust_mutex.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

#include <atomic>
#include <cerrno>

#include "core_state.h"
#include "proc_path.h"
#include "libc_direct.h"

namespace shmcheck::core {

bool RobustMutex::init() {
  pthread_mutexattr_t attr;
  if (pthread_mutexattr_init(&attr) != 0) return false;
  bool ok = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
            pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
            pthread_mutex_init(&mutex, &attr) == 0;
  pthread_mutexattr_destroy(&attr);
  return ok;
}

namespace {

constexpr int kSpins = 200;

// How many hot-path locks this thread holds or is taking. Counted before
// the lock is taken, so that an interruption at any point of the locking is
// covered.
__attribute__((tls_model("initial-exec"))) thread_local int t_hot_depth = 0;

void enter_hot() {
  ++t_hot_depth;
  // A signal handler of this thread must see the count before the lock is
  // taken.
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

void leave_hot() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  --t_hot_depth;
}

bool interrupted_inside_lock_here() { return t_hot_depth > 0; }

// --- the hot-path lock ---------------------------------------------------------
//
// The locks of the per-access paths (shadow stripes, sync stripes, stack
// depot, read sets) are taken millions of times a second, and glibc's robust
// mutexes spend most of their cost on the robust list. These locks use the
// same word (the mutex's lock word, so that the layout stays and tools that
// watch it keep reading the owner's thread id in its low 30 bits) with a
// protocol of their own: 0 free, else the owner's thread id, plus
// kWaitersBit when someone may sleep on it. The kernel does not clean up
// after a dead owner here; a waiter that has waited for a while checks the
// owner itself and takes the lock over (counted like EOWNERDEAD).

constexpr int kTidMask = 0x3fffffff;
constexpr int kWaitersBit = static_cast<int>(0x80000000u);
constexpr long kWaitSliceNs = 2'000'000;
// A thread id that still exists but that no live slot of the session names
// may have been reused by an unrelated thread after the owner died: after
// this long it is not believed any more.
constexpr uint64_t kUnregisteredOwnerNs = 1'000'000'000;

long raw_syscall4(long number, long a, long b, long c, long d) {
  long result;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return result;
}

// The calling thread's id, cached (forget_lock_owner_id() after fork).
__attribute__((tls_model("initial-exec"))) thread_local int t_owner_id = 0;

int owner_id() {
  if (t_owner_id == 0) t_owner_id = static_cast<int>(raw_syscall4(SYS_gettid, 0, 0, 0, 0));
  return t_owner_id;
}

int *lock_word(RobustMutex &mutex) { return &mutex.mutex.__data.__lock; }

uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

bool registered_live_thread(int tid) {
  if (g_runtime.state == nullptr) return true;  // nothing to check against: believe it
  uint32_t width = clock_width();
  for (uint32_t i = 0; i < width; ++i) {
    const ThreadSlotShm &slot = state().slots[i];
    if (__atomic_load_n(&slot.state, __ATOMIC_RELAXED) == kSlotLive &&
        static_cast<int>(__atomic_load_n(&slot.tid, __ATOMIC_RELAXED)) == tid)
      return true;
  }
  return false;
}

// Whether thread `tid` has ended: no such thread, or a zombie (a killed
// process's main thread stays one until it is reaped). Raw system calls:
// this may run in the fault handler.
bool thread_ended(int tid) {
  if (raw_syscall4(SYS_kill, tid, 0, 0, 0) == -ESRCH) return true;
  char path[32];
  proc_path(path, "/proc/", static_cast<unsigned>(tid), "/stat");
  const long fd = raw_syscall4(SYS_open, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC, 0, 0);
  if (fd < 0) return fd == -ENOENT || fd == -ESRCH;
  char stat[512];
  const long length = raw_syscall4(SYS_read, fd, reinterpret_cast<long>(stat), sizeof stat, 0);
  raw_syscall4(SYS_close, fd, 0, 0, 0);
  if (length <= 0) return false;
  // "pid (comm) S ...": the state follows the last ')'.
  long close_paren = -1;
  for (long i = 0; i < length; ++i)
    if (stat[i] == ')') close_paren = i;
  if (close_paren < 0 || close_paren + 2 >= length) return false;
  const char state = stat[close_paren + 2];
  return state == 'Z' || state == 'X' || state == 'x';
}

// Whether the thread that holds the lock as `owner` is gone: ended, or,
// after a long wait, not a thread that the session knows.
bool owner_gone(int owner, uint64_t waited_ns) {
  if (owner == 0) return false;
  if (thread_ended(owner)) return true;
  return waited_ns >= kUnregisteredOwnerNs && !registered_live_thread(owner);
}

void hot_lock(int *word) {
  const int me = owner_id();
  int expected = 0;
  if (__atomic_compare_exchange_n(word, &expected, me, false, __ATOMIC_ACQUIRE,
                                  __ATOMIC_RELAXED))
    return;
  // The holders' critical sections last well under a microsecond: spin a
  // little (reading, so that the holder's cache line stays put) first.
  for (int spin = 0; spin < kSpins; ++spin) {
    __builtin_ia32_pause();
    expected = 0;
    if (__atomic_load_n(word, __ATOMIC_RELAXED) == 0 &&
        __atomic_compare_exchange_n(word, &expected, me, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED))
      return;
  }
  // Then sleep, in slices, checking the owner between them. Taken from here
  // the lock keeps the waiters bit: others may still sleep on it.
  uint64_t waiting_since = 0;
  int waited_for = 0;
  for (;;) {
    int value = __atomic_load_n(word, __ATOMIC_RELAXED);
    if ((value & kTidMask) == 0) {
      if (__atomic_compare_exchange_n(word, &value, me | kWaitersBit, false, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED))
        return;
      continue;
    }
    if ((value & kWaitersBit) == 0) {
      if (!__atomic_compare_exchange_n(word, &value, value | kWaitersBit, false,
                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        continue;
      value |= kWaitersBit;
    }
    const struct timespec slice = {0, kWaitSliceNs};
    const long rc = raw_syscall4(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAIT, value,
                                 reinterpret_cast<long>(&slice));
    if (rc != -ETIMEDOUT) continue;
    // A whole slice without a wake-up: is the owner still there?
    const uint64_t now = now_ns();
    if (waited_for != value) {
      waited_for = value;
      waiting_since = now;
    }
    if (owner_gone(value & kTidMask, now - waiting_since) &&
        __atomic_compare_exchange_n(word, &value, me | kWaitersBit, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED)) {
      // What it guarded may be half-updated; readers tolerate that.
      note_lock_recovered();
      return;
    }
  }
}

void hot_unlock(int *word) {
  const int previous = __atomic_exchange_n(word, 0, __ATOMIC_RELEASE);
  if (previous & kWaitersBit) raw_syscall4(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAKE, 1, 0);
}

}  // namespace

bool interrupted_inside_lock() { return interrupted_inside_lock_here(); }

void forget_lock_owner_id() { t_owner_id = 0; }

void RobustLock::take_over_if_owner_died(int rc) {
  if (rc == EOWNERDEAD) {
    // The previous owner died inside its critical section. What it guarded
    // may be half-updated; readers tolerate that, so take the lock over.
    pthread_mutex_consistent(&mutex_.mutex);
    note_lock_recovered();
    rc = 0;
  }
  locked_ = rc == 0;
}

RobustLock::RobustLock(RobustMutex &mutex) : mutex_(mutex) {
  sigset_t all;
  sigfillset(&all);
  libc::signal_mask(SIG_SETMASK, &all, &saved_mask_);
  mask_changed_ = true;
  take_over_if_owner_died(libc::mutex_lock(&mutex_.mutex));
  if (!locked_) {
    libc::signal_mask(SIG_SETMASK, &saved_mask_, nullptr);
    mask_changed_ = false;
  }
}

RobustLock::RobustLock(RobustMutex &mutex, SignalsStayOpen) : mutex_(mutex), hot_(true) {
  enter_hot();
  hot_lock(lock_word(mutex_));
  locked_ = true;
}

RobustLock::~RobustLock() {
  if (!locked_) return;
  if (hot_) {
    hot_unlock(lock_word(mutex_));
    leave_hot();
    return;
  }
  libc::mutex_unlock(&mutex_.mutex);
  if (mask_changed_) libc::signal_mask(SIG_SETMASK, &saved_mask_, nullptr);
}

}  // namespace shmcheck::core
