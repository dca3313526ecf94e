// RUN: %shm_tidy --checks=-*,shm-pointer-in-segment %s -- -std=c++17 %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// C++ objects built in a segment: constructors and methods write `this`.
#include <sys/ipc.h>
#include <sys/shm.h>

#include <cstddef>
#include <cstdint>
#include <new>

struct Slot {
  int value = 0;
};

class Ring {
public:
  explicit Ring(const char *label) : label_(label), head_(&slots_[0]) {}
  // CHECK-MESSAGES: :[[@LINE-1]]:38: warning: pointer stored into shared memory 'label_' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  // CHECK-MESSAGES: :[[@LINE-2]]:53: warning: pointer stored into shared memory 'head_' is only valid in this process; store an offset instead [shm-pointer-in-segment]

  void advance() {
    head_ = head_ + 1 == &slots_[8] ? &slots_[0] : head_ + 1;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: pointer stored into shared memory 'head_' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  }

private:
  const char *label_;
  Slot *head_;
  Slot slots_[8];
};

class IndexRing {
public:
  IndexRing() : head_(0), tail_(nullptr) {}
  void advance() { head_ = (head_ + 1) % 8; }
  Slot &head() { return slots_[head_]; }

private:
  std::size_t head_;
  Slot *tail_; // never given a non-null value
  Slot slots_[8];
};

Ring *make_ring(int id) {
  void *raw = shmat(id, nullptr, 0);
  if (raw == reinterpret_cast<void *>(-1))
    return nullptr;
  Ring *ring = new (raw) Ring("requests");
  ring->advance();
  return ring;
}

IndexRing *make_index_ring(int id) {
  void *raw = shmat(id, nullptr, 0);
  if (raw == reinterpret_cast<void *>(-1))
    return nullptr;
  IndexRing *ring = new (raw) IndexRing();
  ring->advance();
  return ring;
}

// Rings in ordinary memory may hold pointers.
class LocalRing {
public:
  LocalRing() : head_(&slots_[0]) {}

private:
  Slot *head_;
  Slot slots_[8];
};
LocalRing local_ring;
