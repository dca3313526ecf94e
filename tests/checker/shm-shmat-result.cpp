// RUN: %shm_tidy --checks=-*,shm-shmat-result %s -- -std=c++17 %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
// RUN: cp %s %t.cpp
// RUN: %shm_tidy --checks=-*,shm-shmat-result --fix %t.cpp -- -std=c++17 %clang_flags > %t.log 2>&1
// RUN: FileCheck %s -check-prefix=CHECK-FIXES --input-file=%t.cpp
// RUN: clang++-19 -std=c++17 -fsyntax-only -Wno-everything %t.cpp
// RUN: %shm_tidy --checks=-*,shm-shmat-result %t.cpp -- -std=c++17 %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=FIXED --allow-empty
// FIXED-NOT: {{warning|error}}:
//
// C++ spellings: static_cast, nullptr, members reached through `this`.
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include <cstdio>
#include <cstring>

struct Ring {
  unsigned head;
  unsigned tail;
  char slots[64][128];
};

class Attachment {
public:
  bool attach(int id) {
    base_ = shmat(id, nullptr, 0);
    if (!base_)
      // CHECK-MESSAGES: :[[@LINE-1]]:9: warning: 'base_' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
      // CHECK-FIXES: {{^}}    if (base_ == (void *)-1)
      return false;
    return true;
  }

  bool attach_checked(int id) {
    base_ = shmat(id, nullptr, 0);
    return base_ != reinterpret_cast<void *>(-1);
  }

private:
  void *base_ = nullptr;
};

int ring_head(int id) {
  auto *ring = static_cast<Ring *>(shmat(id, nullptr, 0));
  if (ring == nullptr)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'ring' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // CHECK-FIXES: {{^}}  if (ring == (void *)-1)
    return -1;
  return static_cast<int>(ring->head);
}

bool ring_attached(int id) {
  Ring *ring = static_cast<Ring *>(shmat(id, nullptr, 0));
  return !ring == false;
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: 'ring' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
  // CHECK-FIXES: {{^}}  return (ring == (void *)-1) == false;
}

int ring_mapped(int fd) {
  void *raw = mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (raw == nullptr)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'raw' compared with NULL, but 'mmap' returns MAP_FAILED on failure [shm-shmat-result]
    // CHECK-FIXES: {{^}}  if (raw == MAP_FAILED)
    return -1;
  return static_cast<int>(static_cast<Ring *>(raw)->tail);
}

// Correct: no diagnostics.
int ring_checked(int id) {
  void *raw = shmat(id, nullptr, 0);
  if (raw == reinterpret_cast<void *>(-1)) {
    std::perror("shmat");
    return -1;
  }
  auto *ring = static_cast<Ring *>(raw);
  std::memset(ring->slots[0], 0, sizeof ring->slots[0]);
  return static_cast<int>(ring->head);
}

int ring_checked_map(int fd) {
  auto *ring = static_cast<Ring *>(
      mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (ring == MAP_FAILED)
    return -1;
  return static_cast<int>(ring->tail);
}
