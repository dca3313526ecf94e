// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- -std=c++17 %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// C++: RAII guards (std::lock_guard, std::unique_lock with an early unlock,
// std::scoped_lock), std::atomic, a segment wrapped in a class (members,
// accessors returning pointers and references), methods called on objects
// in the segment, references bound into it, Clang thread-safety attributes
// (ACQUIRE/RELEASE/TRY_ACQUIRE/REQUIRES, SCOPED_CAPABILITY), placement new.
#include <array>
#include <atomic>
#include <mutex>
#include <new>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAPABILITY(x) __attribute__((capability(x)))
#define ACQUIRE(...) __attribute__((acquire_capability(__VA_ARGS__)))
#define RELEASE(...) __attribute__((release_capability(__VA_ARGS__)))
#define TRY_ACQUIRE(...) __attribute__((try_acquire_capability(__VA_ARGS__)))
#define REQUIRES(...) __attribute__((requires_capability(__VA_ARGS__)))
#define SCOPED_CAPABILITY __attribute__((scoped_lockable))

// A spinlock on a word of shared memory, annotated for -Wthread-safety.
class CAPABILITY("mutex") ShmSpin {
public:
  void lock() ACQUIRE() {
    while (word_.exchange(1, std::memory_order_acquire))
      ;
  }
  void unlock() RELEASE() { word_.store(0, std::memory_order_release); }
  bool try_lock() TRY_ACQUIRE(true) { return !word_.exchange(1, std::memory_order_acquire); }

private:
  std::atomic<int> word_{0};
};

class SCOPED_CAPABILITY SpinGuard {
public:
  explicit SpinGuard(ShmSpin &s) ACQUIRE(s) : spin_(s) { spin_.lock(); }
  ~SpinGuard() RELEASE() { spin_.unlock(); }

private:
  ShmSpin &spin_;
};

struct Board {
  std::mutex m; // process-shared on Linux/glibc: a futex word
  ShmSpin spin;
  std::atomic<long> visits{0};
  long score = 0;
  long bonus = 0;
  std::array<int, 8> cells{};

  void addScore(long v) { score += v; }
  // CHECK-MESSAGES: :[[@LINE-1]]:27: warning: read-modify-write of shared memory 'score' without holding a lock [shm-unguarded-access]
  void addBonus(long v) REQUIRES(spin) { bonus += v; }
};

class Segment {
public:
  Segment()
      : mem_(static_cast<Board *>(
            mmap(nullptr, sizeof(Board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0))) {}
  Board *get() const { return mem_; }
  Board &operator*() const { return *mem_; }

private:
  Board *mem_;
};

static void play(Segment &seg, int round) {
  Board *b = seg.get();
  {
    std::lock_guard<std::mutex> hold(b->m);
    b->score += round;
  }
  b->score -= round;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'b->score' without holding a lock [shm-unguarded-access]
  {
    std::unique_lock<std::mutex> hold(b->m);
    b->cells[round % 8] = round;
    hold.unlock();
    b->cells[0] = 0;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: write to shared memory 'b->cells[0]' without holding a lock [shm-unguarded-access]
    hold.lock();
    b->cells[1] = 1;
  }
  std::scoped_lock both(b->m);
  b->visits++;
  b->visits.fetch_add(1, std::memory_order_relaxed);
  b->bonus = b->visits.load();
}

static void annotated(Segment &seg) {
  Board &b = *seg;
  b.addScore(1);
  {
    SpinGuard g(b.spin);
    b.score = 0;
    b.addBonus(2);
  }
  if (b.spin.try_lock()) {
    b.bonus = 1;
    b.spin.unlock();
  }
  b.spin.lock();
  int &cell = b.cells[2];
  cell = 3;
  b.spin.unlock();
  cell = 4;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'cell' without holding a lock [shm-unguarded-access]
}

int main() {
  Segment seg;
  if (seg.get() == MAP_FAILED)
    return 1;
  new (seg.get()) Board(); // before fork: construct in place
  pid_t child = fork();
  for (int round = 0; round < 10; ++round)
    play(seg, round);
  annotated(seg);
  if (child == 0)
    _exit(0);
  waitpid(child, nullptr, 0);
  long score = seg.get()->score; // the child is gone
  seg.get()->~Board();
  return static_cast<int>(score);
}
