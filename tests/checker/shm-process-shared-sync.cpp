// RUN: %shm_tidy --checks=-*,shm-process-shared-sync %s -- -std=c++17 %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// C++ objects constructed in shared memory.
#include <pthread.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include <condition_variable>
#include <mutex>
#include <new>

struct Mailbox {
  std::mutex lock;
  std::condition_variable ready;
  int message = 0;
};

struct Counter {
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  long value = 0;
};

class SharedCounter {
public:
  SharedCounter() {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&lock_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  void add(long n) {
    pthread_mutex_lock(&lock_);
    value_ += n;
    pthread_mutex_unlock(&lock_);
  }

private:
  pthread_mutex_t lock_;
  long value_ = 0;
};

class PrivateCounter {
public:
  PrivateCounter() { pthread_mutex_init(&lock_, nullptr); }
  // CHECK-MESSAGES: :[[@LINE-1]]:22: warning: 'lock_' in shared memory initialised without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]

private:
  pthread_mutex_t lock_;
  long value_ = 0;
};

Mailbox *create_mailbox(int id) {
  void *raw = shmat(id, nullptr, 0);
  if (raw == reinterpret_cast<void *>(-1))
    return nullptr;
  return new (raw) Mailbox();
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: 'Mailbox' placed in shared memory contains 'std::mutex', which only works within one process [shm-process-shared-sync]
}

Counter *create_counter(int id) {
  void *raw = shmat(id, nullptr, 0);
  if (raw == reinterpret_cast<void *>(-1))
    return nullptr;
  return new (raw) Counter();
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: 'Counter' placed in shared memory initialises 'lock' without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]
}

SharedCounter *create_shared_counter(int id) {
  void *raw = shmat(id, nullptr, 0);
  if (raw == reinterpret_cast<void *>(-1))
    return nullptr;
  return new (raw) SharedCounter(); // initialised with a shared attribute
}

PrivateCounter *create_private_counter(int id) {
  void *raw = shmat(id, nullptr, 0);
  if (raw == reinterpret_cast<void *>(-1))
    return nullptr;
  return new (raw) PrivateCounter();
}

// Not in shared memory: no diagnostics.
Mailbox local_mailbox;
Counter *heap_counter() { return new Counter(); }
