// The C++ twin of atomic_handoff.c: std::atomic objects constructed in a
// segment, shared by two processes, as the only synchronization. No report.
//
// Usage: atomic_handoff_cxx [N]   (default 1000)
#include <sched.h>
#include <sys/shm.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

extern "C" {
#include "../../e2e/programs/e2e_util.h"
}

namespace {

struct Shared {  // lives in the segment
  std::atomic<long> events{0};
  std::atomic<int> lock{0};
  long guarded = 0;
  std::atomic<int> ready{0};
  long payload = 0;
};

class SpinGuard {
 public:
  explicit SpinGuard(std::atomic<int> &lock) : lock_(lock) {
    int expected = 0;
    while (!lock_.compare_exchange_weak(expected, 1, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      expected = 0;
      sched_yield();
    }
  }
  ~SpinGuard() { lock_.exchange(0, std::memory_order_release); }
  SpinGuard(const SpinGuard &) = delete;
  SpinGuard &operator=(const SpinGuard &) = delete;

 private:
  std::atomic<int> &lock_;
};

void work(Shared &s, long n) {
  for (long i = 0; i < n; ++i) {
    s.events.fetch_add(1, std::memory_order_relaxed);
    SpinGuard guard(s.lock);
    s.guarded++;  // ordered by the spinlock
  }
}

}  // namespace

int main(int argc, char **argv) {
  const long n = arg_long(argc, argv, 1, 1000);
  auto *s = new (new_segment(sizeof(Shared), nullptr)) Shared;
  const pid_t child = fork_or_die();
  if (child == 0) {
    work(*s, n);
    while (s->ready.load(std::memory_order_acquire) == 0)
      sched_yield();
    const long seen = s->payload;  // ordered after the parent's write
    shmdt(s);
    _exit(seen == 42 ? 0 : 1);
  }
  s->payload = 42;
  s->ready.fetch_add(1, std::memory_order_release);
  work(*s, n);
  const int status = wait_child(child);
  std::printf("events %ld, guarded %ld, expected %ld, child %d\n",
              s->events.load(), s->guarded, 2 * n, status);
  shmdt(s);
  return 0;
}
