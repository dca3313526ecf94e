// RUN: %shm_tidy --checks=-*,shm-lock-imbalance %s -- -std=c++17 %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// C++ code: RAII guards release on every way out; explicit lock()/unlock()
// and pthread calls do not.
#include <pthread.h>

#include <mutex>
#include <stdexcept>

struct Registry {
  pthread_mutex_t lock;
  int entries[16];
  int used = 0;
};

class Table {
public:
  int add(int value) {
    mutex_.lock();
    if (count_ == 16)
      return -1;
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: '{{.*}}mutex_' is still held when 'add' returns [shm-lock-imbalance]
    rows_[count_++] = value;
    mutex_.unlock();
    return 0;
  }

  int add_guarded(int value) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (count_ == 16)
      return -1;
    rows_[count_++] = value;
    return 0;
  }

  int take() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (count_ == 0)
      return -1;
    int value = rows_[--count_];
    lock.unlock();
    return value;
  }

  void clear_twice() {
    mutex_.lock();
    count_ = 0;
    mutex_.unlock();
    mutex_.unlock();
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: '{{.*}}mutex_' released while not held [shm-lock-imbalance]
  }

  void lock() { mutex_.lock(); }     // acquire wrapper
  void unlock() { mutex_.unlock(); } // release wrapper

private:
  std::mutex mutex_;
  int rows_[16] = {};
  int count_ = 0;
};

int registry_add(Registry *r, int value) {
  pthread_mutex_lock(&r->lock);
  if (r->used == 16)
    throw std::runtime_error("registry full");
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'r->lock' is still held when 'registry_add' throws [shm-lock-imbalance]
  r->entries[r->used++] = value;
  if (value < 0)
    return -1;
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'r->lock' is still held when 'registry_add' returns [shm-lock-imbalance]
  pthread_mutex_unlock(&r->lock);
  return 0;
}

int registry_add_checked(Registry *r, int value) {
  if (pthread_mutex_lock(&r->lock) != 0)
    return -1;
  r->entries[r->used++] = value;
  pthread_mutex_unlock(&r->lock);
  return 0;
}

void use_table(Table &t) {
  t.lock();
  t.add_guarded(1);
  t.unlock();
  {
    std::scoped_lock<std::mutex> both(*new std::mutex);
  }
}
