// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- -std=c++17 %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// The program's own RAII guards over a semaphore or a lock class, also as
// class templates; lambdas and function templates run inside a guard's scope
// are guarded; a std::atomic flag published with release and read with
// acquire orders the data around it.
#include <atomic>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

class SemGuard {
public:
  explicit SemGuard(sem_t *s) : s_(s) { sem_wait(s_); }
  ~SemGuard() { sem_post(s_); }

private:
  sem_t *s_;
};

template <typename Lock> class Guard {
public:
  explicit Guard(Lock &l) : l_(l) { l_.acquire(); }
  ~Guard() { l_.release(); }

private:
  Lock &l_;
};

struct ShmSem {
  sem_t s;
  void acquire() { sem_wait(&s); }
  void release() { sem_post(&s); }
};

struct Seg {
  sem_t sem;
  ShmSem lock;
  long count;
  long other;
  long third;
  long unguarded;
  long payload;
  std::atomic<int> ready;
};

template <typename F> void locked(sem_t *s, F f) {
  SemGuard g(s);
  f();
}

template <typename T> void bump(Seg *seg, T v) {
  Guard<ShmSem> g(seg->lock);
  seg->other += v;
}

template <typename T> void bump_unguarded(Seg *seg, T v) {
  seg->unguarded += v;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'seg->unguarded' without holding a lock [shm-unguarded-access]
}

int main() {
  Seg *seg = static_cast<Seg *>(mmap(nullptr, sizeof(Seg), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  sem_init(&seg->sem, 1, 1);
  sem_init(&seg->lock.s, 1, 1);
  pid_t child = fork();
  if (child == 0) {
    seg->payload = 1;
    seg->ready.store(1, std::memory_order_release);
  }
  locked(&seg->sem, [&] { seg->count++; });
  bump(seg, 1L);
  bump_unguarded(seg, 1L);
  {
    SemGuard g(&seg->sem);
    auto add = [&](long v) { seg->third += v; };
    add(2);
  }
  if (child != 0) {
    while (!seg->ready.load(std::memory_order_acquire))
      ;
    long seen = seg->payload;
    (void)seen;
    wait(nullptr);
  }
  return 0;
}
