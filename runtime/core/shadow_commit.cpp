#include "shadow_commit.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "robust_mutex.h"

namespace shmcheck::core {
namespace {

// The memory cgroup keeps this much for everything else (/dev/shm needs no
// margin: fallocate fails cleanly when it is full).
constexpr uint64_t kRoomMargin = 64ull << 20;

char g_cgroup_current[256];  // ".../memory.current", empty without a v2 cgroup
char g_cgroup_max[256];
bool g_warned;

// Reads a small decimal file ("max" and failures give UINT64_MAX).
uint64_t read_number(const char *path) {
  if (path[0] == '\0') return UINT64_MAX;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return UINT64_MAX;
  char text[32];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0 || text[0] < '0' || text[0] > '9') return UINT64_MAX;
  uint64_t value = 0;
  for (ssize_t i = 0; i < n && text[i] >= '0' && text[i] <= '9'; ++i)
    value = value * 10 + static_cast<uint64_t>(text[i] - '0');
  return value;
}

// Room in the memory cgroup (tmpfs pages are charged to it: the OOM killer,
// not an error, is what a full cgroup gives).
uint64_t cgroup_room() {
  uint64_t max = read_number(g_cgroup_max);
  if (max == UINT64_MAX) return UINT64_MAX;
  uint64_t current = read_number(g_cgroup_current);
  if (current == UINT64_MAX) return UINT64_MAX;
  return max > current ? max - current : 0;
}

void note_peak(StateHeaderShm &h, uint64_t now) {
  uint64_t peak = h.state_peak_bytes.load(std::memory_order_relaxed);
  while (now > peak && !h.state_peak_bytes.compare_exchange_weak(peak, now)) {
  }
}

void warn_refused(const LocalSegment &local, const char *why) {
  if (g_warned) return;
  g_warned = true;
  char line[300];
  snprintf(line, sizeof line,
           "shmcheck: no room for more state (%s, %llu MiB in use); pid %d leaves the "
           "rest of shadow '%s' unchecked",
           why,
           static_cast<unsigned long long>(
               g_runtime.state->header.state_bytes.load(std::memory_order_relaxed) >> 20),
           static_cast<int>(getpid()), local.name);
  print_error(line);
}

}  // namespace

bool reserve_state_bytes(uint64_t bytes, const char **why) {
  StateHeaderShm &h = state().header;
  const uint64_t limit = h.state_limit_bytes.load(std::memory_order_relaxed);
  uint64_t used = h.state_bytes.load(std::memory_order_relaxed);
  do {
    if (limit != 0 && used + bytes > limit) {
      *why = "max_state_mb reached";
      return false;
    }
  } while (!h.state_bytes.compare_exchange_weak(used, used + bytes));
  if (cgroup_room() < bytes + kRoomMargin) *why = "the memory cgroup is full";
  else {
    note_peak(h, used + bytes);
    return true;
  }
  h.state_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  return false;
}

void release_state_bytes(uint64_t bytes) {
  StateHeaderShm &h = state().header;
  uint64_t used = h.state_bytes.load(std::memory_order_relaxed);
  while (!h.state_bytes.compare_exchange_weak(used, used >= bytes ? used - bytes : 0)) {
  }
}

uint32_t shadow_chunk_shift(uint64_t reserve_size) {
  const uint64_t words = (reserve_size + 7) / 8;
  uint32_t shift = kShadowChunkMinShift;
  while (shift < 40 && (words >> shift) >= kShadowChunkBits) ++shift;
  return shift;
}

bool shadow_chunks_committed(LocalSegment &local, uint64_t first, uint64_t last) {
  ShadowHeaderShm *h = local.shadow.load(std::memory_order_relaxed);
  const uint64_t from = first >> local.chunk_shift;
  const uint64_t to = last >> local.chunk_shift;
  if (to >= kShadowChunkBits) return false;  // beyond what the shadow was made for
  for (uint64_t c = from; c <= to; ++c) {
    const uint64_t bit = 1ull << (c % 64);
    if (h->committed[c / 64].load(std::memory_order_acquire) & bit) continue;
    if (h->refused[c / 64].load(std::memory_order_relaxed) & bit) return false;
    RobustLock lock(h->commit_lock, SignalsStayOpen{});
    if (!lock.ok()) return false;
    if (h->committed[c / 64].load(std::memory_order_acquire) & bit) continue;
    const uint64_t bytes = shadow_chunk_bytes(local.chunk_shift);
    const char *why = "";
    bool done = reserve_state_bytes(bytes, &why);
    if (done) {
      // The words area starts after the header; a chunk past the file's
      // end (a POSIX object that may grow) is allocated without changing
      // its size.
      int fd = shm_open(local.name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
      done = fd >= 0 &&
             fallocate(fd, FALLOC_FL_KEEP_SIZE,
                       static_cast<off_t>(kShadowCellsOffset + c * bytes),
                       static_cast<off_t>(bytes)) == 0;
      if (!done) why = errno == ENOSPC ? "/dev/shm is full" : "cannot allocate shadow";
      if (fd >= 0) close(fd);
      if (!done) release_state_bytes(bytes);
    }
    if (!done) {
      h->refused[c / 64].fetch_or(bit, std::memory_order_relaxed);
      state().header.chunks_refused.fetch_add(1, std::memory_order_relaxed);
      warn_refused(local, why);
      return false;
    }
    h->committed[c / 64].fetch_or(bit, std::memory_order_release);
  }
  return true;
}

void find_memory_cgroup() {
  g_cgroup_current[0] = g_cgroup_max[0] = '\0';
  FILE *f = fopen("/proc/self/cgroup", "re");
  if (f == nullptr) return;
  char line[200];
  while (fgets(line, sizeof line, f) != nullptr) {
    if (strncmp(line, "0::", 3) != 0) continue;
    line[strcspn(line, "\n")] = '\0';
    const char *path = line + 3;
    if (strcmp(path, "/") == 0) path = "";
    snprintf(g_cgroup_current, sizeof g_cgroup_current, "/sys/fs/cgroup%s/memory.current",
             path);
    snprintf(g_cgroup_max, sizeof g_cgroup_max, "/sys/fs/cgroup%s/memory.max", path);
  }
  fclose(f);
}

uint64_t state_limit_default() {
  uint64_t smallest = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                      static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t cgroup = read_number(g_cgroup_max);
  if (cgroup < smallest) smallest = cgroup;
  struct statvfs st;
  if (statvfs("/dev/shm", &st) == 0) {
    const uint64_t shm = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
    if (shm < smallest) smallest = shm;
  }
  return smallest / 2;
}

}  // namespace shmcheck::core
