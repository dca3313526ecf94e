#include "module_map.h"

#include <atomic>
#include <climits>
#include <cstring>

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <unistd.h>

#include "libc_direct.h"
#include "robust_mutex.h"
#include "core_state.h"

namespace shmcheck::core {
namespace {

constexpr uint32_t kMaxRanges = 1024;

struct Range {
  uintptr_t start;
  uintptr_t end;
  uintptr_t bias;
  uint32_t module;  // 1-based index into the shared table
};

struct RangeTable {
  uint32_t count;
  Range ranges[kMaxRanges];  // sorted by start
};

RangeTable g_tables[2];
std::atomic<int> g_current{-1};
std::atomic<uint32_t> g_generation{0};
pthread_mutex_t g_refresh_mutex = PTHREAD_MUTEX_INITIALIZER;
unsigned long long g_seen_adds = ~0ull;
unsigned long long g_seen_subs = ~0ull;

// Finds or adds `path` in the shared table (registry lock held); 1-based.
uint32_t register_module(const char *path) {
  SharedStateShm &s = state();
  size_t len = strlen(path);
  if (len > kModulePathMax) return 0;
  uint32_t count = s.header.module_count;
  if (count > kMaxModules) count = kMaxModules;
  for (uint32_t i = 0; i < count; ++i) {
    const ModuleShm &m = s.modules[i];
    if (m.used && m.path_len == len && memcmp(m.path, path, len) == 0) return i + 1;
  }
  if (count == kMaxModules) return 0;
  ModuleShm &m = s.modules[count];
  memcpy(m.path, path, len);
  m.path[len] = '\0';
  m.path_len = static_cast<uint32_t>(len);
  m.used = 1;
  s.header.module_count = count + 1;
  return count + 1;
}

struct Collector {
  RangeTable *table;
  unsigned long long adds;
  unsigned long long subs;
  char exe_path[PATH_MAX];
};

int collect(struct dl_phdr_info *info, size_t, void *data) {
  auto *collector = static_cast<Collector *>(data);
  collector->adds = info->dlpi_adds;
  collector->subs = info->dlpi_subs;
  const char *path = info->dlpi_name;
  if (path == nullptr || path[0] == '\0') path = collector->exe_path;
  if (path[0] != '/') return 0;  // the vdso and the like: nothing to symbolize
  uint32_t module = register_module(path);
  if (module == 0) return 0;
  RangeTable &t = *collector->table;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    if (t.count == kMaxRanges) return 1;
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    t.ranges[t.count++] = Range{start, start + ph.p_memsz, info->dlpi_addr, module};
  }
  return 0;
}

void rebuild() {
  int current = g_current.load(std::memory_order_acquire);
  int next = current == 0 ? 1 : 0;
  Collector collector{};
  collector.table = &g_tables[next];
  collector.table->count = 0;
  ssize_t n = readlink("/proc/self/exe", collector.exe_path, sizeof collector.exe_path - 1);
  collector.exe_path[n > 0 ? n : 0] = '\0';
  {
    RobustLock lock(state().header.registry_lock);
    if (!lock.ok()) return;
    dl_iterate_phdr(collect, &collector);
  }
  RangeTable &t = *collector.table;
  // Insertion sort: a few dozen ranges.
  for (uint32_t i = 1; i < t.count; ++i) {
    Range r = t.ranges[i];
    uint32_t j = i;
    while (j > 0 && t.ranges[j - 1].start > r.start) {
      t.ranges[j] = t.ranges[j - 1];
      --j;
    }
    t.ranges[j] = r;
  }
  g_seen_adds = collector.adds;
  g_seen_subs = collector.subs;
  g_current.store(next, std::memory_order_release);
  g_generation.fetch_add(1, std::memory_order_release);
}

int peek_counts(struct dl_phdr_info *info, size_t, void *data) {
  auto *counts = static_cast<unsigned long long *>(data);
  counts[0] = info->dlpi_adds;
  counts[1] = info->dlpi_subs;
  return 1;  // the counters are the same in every call: stop at the first
}

}  // namespace

void refresh_modules() {
  if (g_runtime.state == nullptr) return;
  libc::mutex_lock(&g_refresh_mutex);
  unsigned long long counts[2] = {0, 0};
  dl_iterate_phdr(peek_counts, counts);
  if (g_current.load() < 0 || counts[0] != g_seen_adds || counts[1] != g_seen_subs) rebuild();
  libc::mutex_unlock(&g_refresh_mutex);
}

void reset_modules() {
  // After fork in a multi-threaded parent the mutex may be held by a thread
  // that does not exist here.
  pthread_mutex_init(&g_refresh_mutex, nullptr);
  g_current.store(-1);
  g_generation.fetch_add(1, std::memory_order_release);
  g_seen_adds = g_seen_subs = ~0ull;
}

uint32_t modules_generation() { return g_generation.load(std::memory_order_acquire); }

PackedFrame pack_frame(uintptr_t pc) {
  int current = g_current.load(std::memory_order_acquire);
  if (current >= 0) {
    const RangeTable &t = g_tables[current];
    uint32_t lo = 0, hi = t.count;
    while (lo < hi) {
      uint32_t mid = (lo + hi) / 2;
      if (t.ranges[mid].start <= pc) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) {
      const Range &r = t.ranges[lo - 1];
      if (pc < r.end && pc - r.bias <= kFrameOffsetMask)
        return (static_cast<uint64_t>(r.module) << kFrameModuleShift) | (pc - r.bias);
    }
  }
  return static_cast<uint64_t>(pc) & kFrameOffsetMask;
}

bool module_path(uint32_t index, char *out, size_t out_size) {
  if (index == 0 || index > kMaxModules || g_runtime.state == nullptr) return false;
  const ModuleShm &m = state().modules[index - 1];
  if (!m.used || m.path_len > kModulePathMax || m.path_len + 1 > out_size) return false;
  memcpy(out, m.path, m.path_len);
  out[m.path_len] = '\0';
  return strlen(out) == m.path_len;
}

bool module_local_bias(uint32_t index, uintptr_t *bias) {
  int current = g_current.load(std::memory_order_acquire);
  if (current < 0) return false;
  const RangeTable &t = g_tables[current];
  for (uint32_t i = 0; i < t.count; ++i) {
    if (t.ranges[i].module == index) {
      *bias = t.ranges[i].bias;
      return true;
    }
  }
  return false;
}

}  // namespace shmcheck::core
