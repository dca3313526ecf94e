// __tsan_atomic{8,16,32,64,128}_* and the fences: each performs the
// operation (atomic_operations.h) and, on shared memory, records it with its
// edges (atomic_edges.h). Private memory costs one range check.
#include "instrument/atomic_operations.h"
#include "interpose/interceptor.h"

using namespace shmcheck;
using namespace shmcheck::instrument;

namespace {

using Type = core::AccessType;

#define SHMCHECK_PC reinterpret_cast<uintptr_t>(__builtin_return_address(0))

template <typename T>
T load(const volatile T *a, int order, uintptr_t pc) {
  if (!maybe_shared(a))
    return AtomicOps<T>::load(a, order);
  AtomicSite site(a, sizeof(T), pc);
  const T value = AtomicOps<T>::load(a, order);
  site.after(Type::AtomicRead, order);
  return value;
}

template <typename T>
void store(volatile T *a, T v, int order, uintptr_t pc) {
  if (!maybe_shared(a))
    return AtomicOps<T>::store(a, v, order);
  AtomicSite site(a, sizeof(T), pc);
  site.before_store(order);
  AtomicOps<T>::store(a, v, order);
  site.after(Type::AtomicWrite, order);
}

// The word's value around an update, for the spinlocks shown in reports
// (the value after is read again: exact unless another thread changed the
// word meanwhile, which a held spinlock's word does not).
template <typename T>
uint64_t word_value(T value) {
  if constexpr (sizeof(T) <= 8)
    return static_cast<uint64_t>(value) & (~0ull >> (64 - 8 * sizeof(T)));
  else
    return 1;  // 16-byte words are not spinlocks
}

template <typename T, typename Operation>
T update(volatile T *a, int order, uintptr_t pc, bool exchange,
         Operation operation) {
  if (!maybe_shared(a))
    return operation();
  AtomicSite site(a, sizeof(T), pc);
  site.before_store(order);
  const T old = operation();
  site.after(Type::AtomicUpdate, order);
  if (site.active())
    site.update_values(word_value(old), word_value(AtomicOps<T>::load(a, 0)),
                       exchange);
  return old;
}

// A failed compare-exchange stored nothing: it is checked as a load with
// the failure order.
template <typename T>
bool compare_exchange(volatile T *a, T *expected, T desired, int order,
                      int failure_order, uintptr_t pc) {
  if (!maybe_shared(a))
    return AtomicOps<T>::compare_exchange(a, expected, desired);
  AtomicSite site(a, sizeof(T), pc);
  site.before_store(order);
  const T wanted = *expected;
  const bool done = AtomicOps<T>::compare_exchange(a, expected, desired);
  if (done) {
    site.after(Type::AtomicUpdate, order);
    if (site.active())
      site.update_values(word_value(wanted), word_value(desired), true);
  } else
    site.after(Type::AtomicRead, failure_order);
  return done;
}

}  // namespace

#define SHMCHECK_ATOMIC_UPDATE(bits, T, name)                                 \
  SHMCHECK_INTERCEPTOR T __tsan_atomic##bits##_##name(volatile T *a, T v,     \
                                                      int order) {            \
    return update(a, order, SHMCHECK_PC,                                      \
                  __builtin_strcmp(#name, "exchange") == 0,                   \
                  [a, v] { return AtomicOps<T>::name(a, v); });               \
  }

#define SHMCHECK_ATOMIC_ENTRY_POINTS(bits, T)                                 \
  SHMCHECK_INTERCEPTOR T __tsan_atomic##bits##_load(const volatile T *a,      \
                                                    int order) {              \
    return load(a, order, SHMCHECK_PC);                                       \
  }                                                                           \
  SHMCHECK_INTERCEPTOR void __tsan_atomic##bits##_store(volatile T *a, T v,   \
                                                        int order) {          \
    store(a, v, order, SHMCHECK_PC);                                          \
  }                                                                           \
  SHMCHECK_ATOMIC_UPDATE(bits, T, exchange)                                   \
  SHMCHECK_ATOMIC_UPDATE(bits, T, fetch_add)                                  \
  SHMCHECK_ATOMIC_UPDATE(bits, T, fetch_sub)                                  \
  SHMCHECK_ATOMIC_UPDATE(bits, T, fetch_and)                                  \
  SHMCHECK_ATOMIC_UPDATE(bits, T, fetch_or)                                   \
  SHMCHECK_ATOMIC_UPDATE(bits, T, fetch_xor)                                  \
  SHMCHECK_ATOMIC_UPDATE(bits, T, fetch_nand)                                 \
  SHMCHECK_INTERCEPTOR int __tsan_atomic##bits##_compare_exchange_strong(     \
      volatile T *a, T *expected, T desired, int order, int failure_order) {  \
    return compare_exchange(a, expected, desired, order, failure_order,       \
                            SHMCHECK_PC);                                     \
  }                                                                           \
  /* A strong compare-exchange is a valid weak one (it never fails        \
     spuriously). */                                                          \
  SHMCHECK_INTERCEPTOR int __tsan_atomic##bits##_compare_exchange_weak(       \
      volatile T *a, T *expected, T desired, int order, int failure_order) {  \
    return compare_exchange(a, expected, desired, order, failure_order,       \
                            SHMCHECK_PC);                                     \
  }                                                                           \
  SHMCHECK_INTERCEPTOR T __tsan_atomic##bits##_compare_exchange_val(          \
      volatile T *a, T expected, T desired, int order, int failure_order) {   \
    compare_exchange(a, &expected, desired, order, failure_order,             \
                     SHMCHECK_PC);                                            \
    return expected;                                                          \
  }

SHMCHECK_ATOMIC_ENTRY_POINTS(8, char)
SHMCHECK_ATOMIC_ENTRY_POINTS(16, short)
SHMCHECK_ATOMIC_ENTRY_POINTS(32, int)
SHMCHECK_ATOMIC_ENTRY_POINTS(64, long)
SHMCHECK_ATOMIC_ENTRY_POINTS(128, __int128)

// The fence orders the program's own memory operations; its edges are
// taken after it (an acquire fence) or apply to later stores (release).
SHMCHECK_INTERCEPTOR void __tsan_atomic_thread_fence(int order) {
  switch (plain_order(order)) {
    case 0:
      break;
    case 5:
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      break;
    default:
      __atomic_thread_fence(__ATOMIC_ACQ_REL);
      break;
  }
  fence_edges(order);
}

// A signal handler runs on the thread it interrupted: program order already
// orders the two, only the compiler must not move accesses across.
SHMCHECK_INTERCEPTOR void __tsan_atomic_signal_fence(int) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}
