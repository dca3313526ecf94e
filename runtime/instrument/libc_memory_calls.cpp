// memcpy, memmove and memset called by name. Clang's instrumentation calls
// __tsan_memcpy & co. for the program's own copies, but gcc's calls the C
// library, and so does every library that was not instrumented (a
// std::string copied into a segment by libstdc++): in an instrumented
// process those copies are checked here. Without instrumentation the page
// traps see them, and these functions only pass the call on.
#include "instrument/libc_memory_calls.h"

#include <cstring>

#include <atomic>

#include "instrument/instrumented_mode.h"
#include "instrument/shared_access.h"
#include "interpose/interceptor.h"
#include "interpose/real_functions.h"

using namespace shmcheck;
using namespace shmcheck::instrument;

namespace {

template <typename Fn>
Fn resolved(std::atomic<void *> &slot, const char *name) {
  void *fn = slot.load(std::memory_order_acquire);
  if (fn == nullptr) {
    fn = interpose::real::next_symbol(name, nullptr);
    slot.store(fn, std::memory_order_release);
  }
  return reinterpret_cast<Fn>(fn);
}

using CopyFn = void *(*)(void *, const void *, size_t);
using FillFn = void *(*)(void *, int, size_t);
std::atomic<void *> g_memcpy{nullptr};
std::atomic<void *> g_memmove{nullptr};
std::atomic<void *> g_memset{nullptr};

inline bool worth_checking(const void *address, size_t size) {
  return instrumented() && maybe_shared_range(address, size);
}

}  // namespace

namespace shmcheck::instrument::libc_memory {

void *copy(void *to, const void *from, size_t size) {
  return resolved<CopyFn>(g_memcpy, "memcpy")(to, from, size);
}

void *move(void *to, const void *from, size_t size) {
  return resolved<CopyFn>(g_memmove, "memmove")(to, from, size);
}

void *fill(void *to, int value, size_t size) {
  return resolved<FillFn>(g_memset, "memset")(to, value, size);
}

}  // namespace shmcheck::instrument::libc_memory

#define SHMCHECK_PC reinterpret_cast<uintptr_t>(__builtin_return_address(0))

SHMCHECK_INTERCEPTOR void *memcpy(void *to, const void *from,
                                  size_t size) noexcept {
  if (__builtin_expect(worth_checking(from, size), 0))
    record_range(reinterpret_cast<uintptr_t>(from), size,
                 core::AccessType::Read, SHMCHECK_PC);
  if (__builtin_expect(worth_checking(to, size), 0))
    record_range(reinterpret_cast<uintptr_t>(to), size,
                 core::AccessType::Write, SHMCHECK_PC);
  return libc_memory::copy(to, from, size);
}

SHMCHECK_INTERCEPTOR void *memmove(void *to, const void *from,
                                   size_t size) noexcept {
  if (__builtin_expect(worth_checking(from, size), 0))
    record_range(reinterpret_cast<uintptr_t>(from), size,
                 core::AccessType::Read, SHMCHECK_PC);
  if (__builtin_expect(worth_checking(to, size), 0))
    record_range(reinterpret_cast<uintptr_t>(to), size,
                 core::AccessType::Write, SHMCHECK_PC);
  return libc_memory::move(to, from, size);
}

SHMCHECK_INTERCEPTOR void *memset(void *to, int value, size_t size) noexcept {
  if (__builtin_expect(worth_checking(to, size), 0))
    record_range(reinterpret_cast<uintptr_t>(to), size,
                 core::AccessType::Write, SHMCHECK_PC);
  return libc_memory::fill(to, value, size);
}
