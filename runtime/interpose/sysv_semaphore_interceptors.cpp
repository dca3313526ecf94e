// System V semaphores, on the process-independent key (semid, semnum): a
// positive sem_op (V) releases before the call; a negative one (P) and a
// wait-for-zero acquire after it succeeded. A P also releases before the
// call: workers that each decrement a semaphore when done are how a
// wait-for-zero learns that they are done (for a lock-style P the extra
// release adds no ordering the V after it would not add).
//
// The operation array is copied to the stack first: it may live in a watched
// segment, where the kernel could not read it (the copy itself is an
// ordinary, trapped read of the application's array).
#include <sys/sem.h>

#include <cerrno>
#include <cstring>

#include "interpose/interceptor.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"
#include "trap/trap_budget.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

// The kernel refuses more than SEMOPM (500 by default) operations per call;
// larger calls go through unchanged and fail there.
constexpr size_t kMaxOps = 1024;

core::SyncKey semaphore_key(int semid, unsigned short semnum) {
  return {core::SyncKind::SysVSemaphore, static_cast<uint64_t>(semid), semnum};
}

template <typename Call>
int semop_with(int semid, struct sembuf *sops, size_t nsops, Call &&call) {
  if (!should_check() || nsops == 0 || nsops > kMaxOps || sops == nullptr)
    return call(sops);
  struct sembuf ops[kMaxOps];
  memcpy(ops, sops, nsops * sizeof(struct sembuf));
  for (size_t i = 0; i < nsops; ++i)
    if (ops[i].sem_op != 0)
      release_event(semaphore_key(semid, ops[i].sem_num));
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = call(ops);
  }
  if (rc == 0) {
    const int saved_errno = errno;
    for (size_t i = 0; i < nsops; ++i)
      if (ops[i].sem_op <= 0)
        acquire_event(semaphore_key(semid, ops[i].sem_num));
    errno = saved_errno;
  }
  return rc;
}

}  // namespace

SHMCHECK_INTERCEPTOR int semop(int semid, struct sembuf *sops,
                               size_t nsops) noexcept {
  return semop_with(semid, sops, nsops, [semid, nsops](struct sembuf *ops) {
    return real::semop()(semid, ops, nsops);
  });
}

SHMCHECK_INTERCEPTOR int semtimedop(int semid, struct sembuf *sops,
                                    size_t nsops,
                                    const struct timespec *timeout) noexcept {
  struct timespec local_timeout;
  if (timeout != nullptr && should_check()) {
    local_timeout = *timeout;
    timeout = &local_timeout;
  }
  return semop_with(semid, sops, nsops,
                    [semid, nsops, timeout](struct sembuf *ops) {
                      return real::semtimedop()(semid, ops, nsops, timeout);
                    });
}
