#include "syscall/app_memory.h"

#include <sys/syscall.h>
#include <sys/uio.h>

#include <cstring>

#include "trap/access_recorder.h"
#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"

namespace shmcheck::syscall {

namespace {

// Calls fn(part, alias_or_0, length) for the runs of [address, end) that
// are inside one watched piece (with its alias) or outside all of them.
template <typename Fn>
bool for_each_run(uintptr_t address, size_t size, Fn &&fn) {
  const uintptr_t end = address + size;
  while (address < end) {
    uintptr_t run_end = end;
    uintptr_t alias = 0;
    if (const trap::Attachment *a = trap::watched_attachment(address)) {
      if (a->base + a->mapped < run_end)
        run_end = a->base + a->mapped;
      alias = a->alias != 0 ? a->alias + (address - a->base) : 0;
    } else {
      trap::for_each_attachment([&](const trap::Attachment &other) {
        if (other.watched && other.base > address && other.base < run_end)
          run_end = other.base;
      });
    }
    if (!fn(address, alias, run_end - address))
      return false;
    address = run_end;
  }
  return true;
}

bool self_transfer(long number, void *local, uintptr_t remote, size_t size) {
  struct iovec l{local, size};
  struct iovec r{reinterpret_cast<void *>(remote), size};
  const long done = trap::raw_syscall(number, trap::raw_syscall(SYS_getpid),
                                      reinterpret_cast<long>(&l), 1,
                                      reinterpret_cast<long>(&r), 1, 0);
  return done == static_cast<long>(size);
}

}  // namespace

bool read_app(void *out, uintptr_t address, size_t size) {
  auto *to = static_cast<char *>(out);
  return for_each_run(address, size, [&](uintptr_t at, uintptr_t alias,
                                         size_t n) {
    if (alias != 0)
      memcpy(to, reinterpret_cast<const void *>(alias), n);
    else if (!self_transfer(SYS_process_vm_readv, to, at, n))
      return false;
    to += n;
    return true;
  });
}

bool write_app(uintptr_t address, const void *in, size_t size) {
  const auto *from = static_cast<const char *>(in);
  return for_each_run(address, size, [&](uintptr_t at, uintptr_t alias,
                                         size_t n) {
    if (alias != 0)
      memcpy(reinterpret_cast<void *>(alias), from, n);
    else if (!self_transfer(SYS_process_vm_writev, const_cast<char *>(from),
                            at, n))
      return false;
    from += n;
    return true;
  });
}

bool app_string_length(uintptr_t address, size_t max, size_t *length) {
  char chunk[256];
  size_t done = 0;
  while (done <= max) {
    // Never read past the page that holds the string's end: a chunk that
    // crosses into an unmapped page would fail as a whole.
    const uintptr_t at = address + done;
    size_t n = 4096 - (at & 4095);
    if (n > sizeof(chunk))
      n = sizeof(chunk);
    if (!read_app(chunk, at, n))
      return false;
    const void *nul = memchr(chunk, 0, n);
    if (nul != nullptr) {
      *length = done + static_cast<size_t>(static_cast<const char *>(nul) -
                                           chunk);
      return *length <= max;
    }
    done += n;
  }
  return false;
}

uintptr_t alias_range(uintptr_t address, uint64_t size) {
  const trap::Attachment *a = trap::watched_attachment(address);
  if (a == nullptr || a->alias == 0 || address + size > a->base + a->mapped)
    return 0;
  return a->alias + (address - a->base);
}

bool is_watched(uintptr_t address, uint64_t size) {
  if (size == 0)
    return false;
  // One comparison dismisses a range outside the bounds of every piece.
  const uintptr_t lo = trap::g_watched_bounds.lo.load(std::memory_order_relaxed);
  const uintptr_t hi = trap::g_watched_bounds.hi.load(std::memory_order_relaxed);
  if (lo == hi || address >= hi || address + size <= lo)
    return false;
  return trap::touches_watched(address, size);
}

}  // namespace shmcheck::syscall
