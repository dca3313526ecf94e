#include "patch/code_pages.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include "trap/raw_syscall.h"

namespace shmcheck::patch {

namespace {

using trap::raw_syscall;

constexpr uintptr_t kPage = 4096;
constexpr size_t kMaxPages = 4096;
// Lowest and highest addresses a page of ours may take: above the kernel's
// mmap_min_addr default, below the top of the 47-bit user space.
constexpr uintptr_t kLowest = 0x100000;
constexpr uintptr_t kHighest = (uintptr_t{1} << 47) - 2 * kPage;
constexpr uintptr_t kReach = (uintptr_t{1} << 31) - 0x10000;

struct CodePage {
  uintptr_t base;
  uint64_t used[kPage / 64];  // one bit per byte
};

CodePage g_pages[kMaxPages];
size_t g_page_count = 0;

bool used(const CodePage &p, size_t i) { return (p.used[i / 64] >> (i % 64)) & 1; }
void mark(CodePage &p, size_t i) { p.used[i / 64] |= uint64_t{1} << (i % 64); }

// The first start in [from, to] (offsets in the page) of `size` free bytes
// that stay in the page; -1 when none.
long free_run(const CodePage &p, size_t from, size_t to, size_t size) {
  for (size_t start = from; start <= to && start + size <= kPage; ++start) {
    size_t n = 0;
    while (n < size && !used(p, start + n))
      ++n;
    if (n == size)
      return static_cast<long>(start);
    start += n;  // skip past the used byte
  }
  return -1;
}

CodePage *page_at(uintptr_t base) {
  for (size_t i = 0; i < g_page_count; ++i)
    if (g_pages[i].base == base)
      return &g_pages[i];
  return nullptr;
}

CodePage *map_page(uintptr_t base) {
  if (g_page_count == kMaxPages || base < kLowest || base > kHighest)
    return nullptr;
  const long got = raw_syscall(SYS_mmap, static_cast<long>(base), kPage,
                               PROT_READ | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                               -1, 0);
  if (got < 0 && got > -4096)
    return nullptr;
  if (static_cast<uintptr_t>(got) != base) {  // a kernel without NOREPLACE
    raw_syscall(SYS_munmap, got, kPage);
    return nullptr;
  }
  CodePage &p = g_pages[g_page_count];
  p.base = base;
  for (uint64_t &w : p.used)
    w = 0;
  __atomic_store_n(&g_page_count, g_page_count + 1, __ATOMIC_RELEASE);
  return &p;
}

uintptr_t take(CodePage &p, size_t start, size_t size) {
  for (size_t i = 0; i < size; ++i)
    mark(p, start + i);
  return p.base + start;
}

// Tries the page at `base` (ours already, or mapped now) for a start in
// [lo, hi].
uintptr_t try_page(uintptr_t base, uintptr_t lo, uintptr_t hi, size_t size,
                   bool may_map) {
  CodePage *p = page_at(base);
  if (p == nullptr && may_map)
    p = map_page(base);
  if (p == nullptr)
    return 0;
  const size_t from = lo > base ? lo - base : 0;
  const size_t to = hi - base < kPage - 1 ? hi - base : kPage - 1;
  const long start = free_run(*p, from, to, size);
  return start < 0 ? 0 : take(*p, static_cast<size_t>(start), size);
}

}  // namespace

uintptr_t allocate_code(uintptr_t lo, uintptr_t hi, size_t size) {
  if (lo > hi || size == 0 || size > kPage)
    return 0;
  // Pages we have first, then new ones (a few candidates across the window).
  for (size_t i = 0; i < g_page_count; ++i) {
    const uintptr_t base = g_pages[i].base;
    if (base + kPage > lo && base <= hi)
      if (const uintptr_t got = try_page(base, lo, hi, size, false))
        return got;
  }
  const uintptr_t first = lo & ~(kPage - 1);
  const uintptr_t last = hi & ~(kPage - 1);
  const uintptr_t pages = (last - first) / kPage + 1;
  const uintptr_t step = pages <= 16 ? 1 : pages / 16;
  for (uintptr_t k = 0; k < pages; k += step)
    if (const uintptr_t got = try_page(first + k * kPage, lo, hi, size, true))
      return got;
  return 0;
}

uintptr_t allocate_code_near(uintptr_t near, size_t size) {
  const uintptr_t lo = near > kReach + kLowest ? near - kReach : kLowest;
  const uintptr_t hi = near + kReach < kHighest ? near + kReach : kHighest;
  for (size_t i = 0; i < g_page_count; ++i) {
    const uintptr_t base = g_pages[i].base;
    if (base >= lo && base + kPage <= hi)
      if (const uintptr_t got = try_page(base, base, base + kPage - 1, size,
                                         false))
        return got;
  }
  // New pages: outward from `near` in 1 MiB steps, below first (programs
  // grow their heaps upwards from just above the executable).
  const uintptr_t center = near & ~(kPage - 1);
  for (uintptr_t d = 1 << 20; d < kReach; d += 1 << 20) {
    if (center - d >= lo && center > d)
      if (const uintptr_t got = try_page(center - d, lo, hi, size, true))
        return got;
    if (center + d + kPage <= hi)
      if (const uintptr_t got = try_page(center + d, lo, hi, size, true))
        return got;
  }
  return 0;
}

bool in_code_pages(uintptr_t address) {
  const size_t n = __atomic_load_n(&g_page_count, __ATOMIC_ACQUIRE);
  for (size_t i = 0; i < n; ++i)
    if (address - g_pages[i].base < kPage)
      return true;
  return false;
}

}  // namespace shmcheck::patch
