// POSIX semaphores: sem_post -> sem_wait edges. A named semaphore is named by
// its name (every process that opens it gets its own mapping at its own
// address); an unnamed one by where it lives (segment + offset when it lives
// in a watched segment).
#include <fcntl.h>
#include <semaphore.h>

#include <atomic>
#include <cstdarg>

#include "interpose/interceptor.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"
#include "trap/trap_budget.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

struct NamedSemaphore {
  sem_t *sem;
  uint64_t name_hash;
  int opens;  // sem_open returns the same sem_t for the same name
};

constexpr size_t kMaxNamed = 128;
NamedSemaphore g_named[kMaxNamed];
std::atomic_flag g_named_lock = ATOMIC_FLAG_INIT;
// Entries in use: while none are, an unnamed semaphore's post and wait skip
// the table.
std::atomic<int> g_named_count{0};

class NamedTableLock {
 public:
  NamedTableLock() {
    while (g_named_lock.test_and_set(std::memory_order_acquire))
      __builtin_ia32_pause();
  }
  ~NamedTableLock() { g_named_lock.clear(std::memory_order_release); }
};

// FNV-1a over the name as the C library resolves it (leading slashes do not
// count: "/x" and "x" are the same semaphore).
uint64_t hash_name(const char *name) {
  while (*name == '/')
    ++name;
  uint64_t h = 0xcbf29ce484222325ull;
  for (; *name; ++name) {
    h ^= static_cast<unsigned char>(*name);
    h *= 0x100000001b3ull;
  }
  return h;
}

void remember_named(sem_t *sem, uint64_t hash) {
  NamedTableLock lock;
  NamedSemaphore *free_entry = nullptr;
  for (NamedSemaphore &entry : g_named) {
    if (entry.sem == sem) {
      entry.opens += 1;
      return;
    }
    if (entry.sem == nullptr && free_entry == nullptr)
      free_entry = &entry;
  }
  if (free_entry != nullptr) {
    *free_entry = {sem, hash, 1};
    g_named_count.fetch_add(1, std::memory_order_relaxed);
  }
}

void forget_named(sem_t *sem) {
  NamedTableLock lock;
  for (NamedSemaphore &entry : g_named)
    if (entry.sem == sem && --entry.opens <= 0) {
      entry = {};
      g_named_count.fetch_sub(1, std::memory_order_relaxed);
    }
}

core::SyncKey semaphore_key(sem_t *sem) {
  if (g_named_count.load(std::memory_order_relaxed) != 0) {
    NamedTableLock lock;
    for (const NamedSemaphore &entry : g_named)
      if (entry.sem == sem)
        return {core::SyncKind::NamedSemaphore, entry.name_hash, 0};
  }
  return sync_key_for(sem);
}

template <typename Call>
int wait_with(sem_t *sem, Call &&call) {
  if (!should_check())
    return call(sem);
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = call(usable(sem));
  }
  if (rc == 0)
    acquire_event(semaphore_key(sem));
  return rc;
}

}  // namespace

SHMCHECK_INTERCEPTOR int sem_wait(sem_t *sem) {
  return wait_with(sem, [](sem_t *s) { return real::sem_wait()(s); });
}

SHMCHECK_INTERCEPTOR int sem_trywait(sem_t *sem) noexcept {
  return wait_with(sem, [](sem_t *s) { return real::sem_trywait()(s); });
}

SHMCHECK_INTERCEPTOR int sem_timedwait(sem_t *sem,
                                       const struct timespec *abstime) {
  return wait_with(sem,
                   [abstime](sem_t *s) { return real::sem_timedwait()(s, abstime); });
}

SHMCHECK_INTERCEPTOR int sem_clockwait(sem_t *sem, clockid_t clock,
                                       const struct timespec *abstime) {
  return wait_with(sem, [clock, abstime](sem_t *s) {
    return real::sem_clockwait()(s, clock, abstime);
  });
}

SHMCHECK_INTERCEPTOR int sem_post(sem_t *sem) noexcept {
  if (!should_check())
    return real::sem_post()(sem);
  release_event(semaphore_key(sem));
  return real::sem_post()(usable(sem));
}

SHMCHECK_INTERCEPTOR sem_t *sem_open(const char *name, int oflag, ...) noexcept {
  mode_t mode = 0;
  unsigned value = 0;
  if (oflag & O_CREAT) {
    va_list args;
    va_start(args, oflag);
    mode = static_cast<mode_t>(va_arg(args, unsigned));
    value = va_arg(args, unsigned);
    va_end(args);
  }
  sem_t *sem = real::sem_open()(name, oflag, mode, value);
  if (sem != SEM_FAILED && !in_runtime())
    remember_named(sem, hash_name(name));
  return sem;
}

SHMCHECK_INTERCEPTOR int sem_close(sem_t *sem) noexcept {
  if (!in_runtime())
    forget_named(sem);
  return real::sem_close()(sem);
}
