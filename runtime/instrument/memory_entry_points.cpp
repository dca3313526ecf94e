// __tsan_read*/__tsan_write* and their unaligned, _pc and range forms, the
// vtable pointer hooks, and the memory intrinsics. Each is one range check
// for private memory; shared memory goes to record_access.
#include <cstring>

#include "instrument/libc_memory_calls.h"
#include "instrument/shared_access.h"
#include "interpose/interceptor.h"

using namespace shmcheck;
using namespace shmcheck::instrument;

namespace {

using Type = core::AccessType;

inline void check(const void *address, uint64_t size, Type type, uintptr_t pc) {
  if (__builtin_expect(maybe_shared(address), 0))
    record_access(reinterpret_cast<uintptr_t>(address), size, type, pc);
}

inline void check_range(const void *address, uint64_t size, Type type,
                        uintptr_t pc) {
  if (__builtin_expect(maybe_shared_range(address, size), 0))
    record_range(reinterpret_cast<uintptr_t>(address), size, type, pc);
}

}  // namespace

#define SHMCHECK_PC reinterpret_cast<uintptr_t>(__builtin_return_address(0))

#define SHMCHECK_SIZED_ACCESS(size)                                           \
  SHMCHECK_INTERCEPTOR void __tsan_read##size(void *a) {                      \
    check(a, size, Type::Read, SHMCHECK_PC);                                  \
  }                                                                           \
  SHMCHECK_INTERCEPTOR void __tsan_write##size(void *a) {                     \
    check(a, size, Type::Write, SHMCHECK_PC);                                 \
  }                                                                           \
  SHMCHECK_INTERCEPTOR void __tsan_read##size##_pc(void *a, void *pc) {       \
    check(a, size, Type::Read, reinterpret_cast<uintptr_t>(pc));              \
  }                                                                           \
  SHMCHECK_INTERCEPTOR void __tsan_write##size##_pc(void *a, void *pc) {      \
    check(a, size, Type::Write, reinterpret_cast<uintptr_t>(pc));             \
  }

// Unaligned accesses are checked like aligned ones: the shadow is per byte.
#define SHMCHECK_UNALIGNED_ACCESS(size)                                       \
  SHMCHECK_INTERCEPTOR void __tsan_unaligned_read##size(const void *a) {      \
    check(a, size, Type::Read, SHMCHECK_PC);                                  \
  }                                                                           \
  SHMCHECK_INTERCEPTOR void __tsan_unaligned_write##size(void *a) {           \
    check(a, size, Type::Write, SHMCHECK_PC);                                 \
  }

SHMCHECK_SIZED_ACCESS(1)
SHMCHECK_SIZED_ACCESS(2)
SHMCHECK_SIZED_ACCESS(4)
SHMCHECK_SIZED_ACCESS(8)
SHMCHECK_SIZED_ACCESS(16)
SHMCHECK_UNALIGNED_ACCESS(2)
SHMCHECK_UNALIGNED_ACCESS(4)
SHMCHECK_UNALIGNED_ACCESS(8)
SHMCHECK_UNALIGNED_ACCESS(16)

SHMCHECK_INTERCEPTOR void __tsan_read_range(void *a, unsigned long size) {
  check_range(a, size, Type::Read, SHMCHECK_PC);
}

SHMCHECK_INTERCEPTOR void __tsan_write_range(void *a, unsigned long size) {
  check_range(a, size, Type::Write, SHMCHECK_PC);
}

SHMCHECK_INTERCEPTOR void __tsan_read_range_pc(void *a, unsigned long size,
                                               void *pc) {
  check_range(a, size, Type::Read, reinterpret_cast<uintptr_t>(pc));
}

SHMCHECK_INTERCEPTOR void __tsan_write_range_pc(void *a, unsigned long size,
                                                void *pc) {
  check_range(a, size, Type::Write, reinterpret_cast<uintptr_t>(pc));
}

// A C++ object's vtable pointer: written by constructors and destructors,
// read by virtual calls. Storing the pointer it already holds is no write
// (a destructor chain re-stores it), so it cannot race.
SHMCHECK_INTERCEPTOR void __tsan_vptr_update(void **vptr, void *new_value) {
  if (__builtin_expect(maybe_shared(vptr), 0) && *vptr != new_value)
    record_access(reinterpret_cast<uintptr_t>(vptr), sizeof(void *),
                  Type::Write, SHMCHECK_PC);
}

SHMCHECK_INTERCEPTOR void __tsan_vptr_read(void **vptr) {
  check(vptr, sizeof(void *), Type::Read, SHMCHECK_PC);
}

// The memory intrinsics, checked as one read range and one write range and
// then done by the C library.
SHMCHECK_INTERCEPTOR void *__tsan_memcpy(void *to, const void *from,
                                         unsigned long size) {
  check_range(from, size, Type::Read, SHMCHECK_PC);
  check_range(to, size, Type::Write, SHMCHECK_PC);
  return libc_memory::copy(to, from, size);
}

SHMCHECK_INTERCEPTOR void *__tsan_memmove(void *to, const void *from,
                                          unsigned long size) {
  check_range(from, size, Type::Read, SHMCHECK_PC);
  check_range(to, size, Type::Write, SHMCHECK_PC);
  return libc_memory::move(to, from, size);
}

SHMCHECK_INTERCEPTOR void *__tsan_memset(void *to, int value,
                                         unsigned long size) {
  check_range(to, size, Type::Write, SHMCHECK_PC);
  return libc_memory::fill(to, value, size);
}
