// The atomic operations themselves, as the instrumented program asked for
// them: loads and stores with the requested order, read-modify-writes and
// compare-exchanges sequentially consistent (on x86-64 every order of those
// compiles to the same locked instruction). 16-byte operations use
// cmpxchg16b (this header is only included where -mcx16 is on).
#pragma once

#include "instrument/atomic_edges.h"

namespace shmcheck::instrument {

template <typename T>
struct AtomicOps {
  static T load(const volatile T *a, int order) {
    switch (plain_order(order)) {
      case 0:
        return __atomic_load_n(a, __ATOMIC_RELAXED);
      case 1:
      case 2:
        return __atomic_load_n(a, __ATOMIC_ACQUIRE);
      default:
        return __atomic_load_n(a, __ATOMIC_SEQ_CST);
    }
  }
  static void store(volatile T *a, T v, int order) {
    switch (plain_order(order)) {
      case 0:
        __atomic_store_n(a, v, __ATOMIC_RELAXED);
        return;
      case 3:
        __atomic_store_n(a, v, __ATOMIC_RELEASE);
        return;
      default:
        __atomic_store_n(a, v, __ATOMIC_SEQ_CST);
        return;
    }
  }
  static T exchange(volatile T *a, T v) {
    return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);
  }
  static T fetch_add(volatile T *a, T v) {
    return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);
  }
  static T fetch_sub(volatile T *a, T v) {
    return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);
  }
  static T fetch_and(volatile T *a, T v) {
    return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);
  }
  static T fetch_or(volatile T *a, T v) {
    return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);
  }
  static T fetch_xor(volatile T *a, T v) {
    return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);
  }
  static T fetch_nand(volatile T *a, T v) {
    return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST);
  }
  // On failure `*expected` receives the current value.
  static bool compare_exchange(volatile T *a, T *expected, T desired) {
    return __atomic_compare_exchange_n(a, expected, desired, false,
                                       __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  }
};

// 16 bytes: every operation is a cmpxchg16b loop (a load too, which
// therefore needs writable memory, as with any 16-byte atomic on x86-64).
template <>
struct AtomicOps<__int128> {
  using T = __int128;
  static T cas(volatile T *a, T expected, T desired) {
    return __sync_val_compare_and_swap(a, expected, desired);
  }
  static T load(const volatile T *a, int) {
    return cas(const_cast<volatile T *>(a), 0, 0);
  }
  template <typename Fn>
  static T update(volatile T *a, Fn next) {
    T old = load(a, 0);
    for (;;) {
      const T seen = cas(a, old, next(old));
      if (seen == old)
        return old;
      old = seen;
    }
  }
  static void store(volatile T *a, T v, int) {
    update(a, [v](T) { return v; });
  }
  static T exchange(volatile T *a, T v) {
    return update(a, [v](T) { return v; });
  }
  static T fetch_add(volatile T *a, T v) {
    return update(a, [v](T old) {
      return static_cast<T>(static_cast<unsigned __int128>(old) +
                            static_cast<unsigned __int128>(v));
    });
  }
  static T fetch_sub(volatile T *a, T v) {
    return update(a, [v](T old) {
      return static_cast<T>(static_cast<unsigned __int128>(old) -
                            static_cast<unsigned __int128>(v));
    });
  }
  static T fetch_and(volatile T *a, T v) {
    return update(a, [v](T old) { return old & v; });
  }
  static T fetch_or(volatile T *a, T v) {
    return update(a, [v](T old) { return old | v; });
  }
  static T fetch_xor(volatile T *a, T v) {
    return update(a, [v](T old) { return old ^ v; });
  }
  static T fetch_nand(volatile T *a, T v) {
    return update(a, [v](T old) { return ~(old & v); });
  }
  static bool compare_exchange(volatile T *a, T *expected, T desired) {
    const T seen = cas(a, *expected, desired);
    if (seen == *expected)
      return true;
    *expected = seen;
    return false;
  }
};

}  // namespace shmcheck::instrument
