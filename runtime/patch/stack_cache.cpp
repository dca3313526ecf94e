#include "patch/stack_cache.h"

#include <atomic>

#include "patch/site_table.h"
#include "trap/stack_capture.h"

namespace shmcheck::patch {

namespace {

constexpr size_t kWays = 2;
constexpr size_t kFrames = trap::kMaxFrames;
// A frame larger than this is not remembered (a distance that large is
// more likely a stack switch than a frame).
constexpr uintptr_t kMaxFrameBytes = 1 << 20;

struct Entry {
  std::atomic<uint32_t> sequence;  // odd while being written
  uint32_t count;
  uintptr_t frames[kFrames];
  // Stack pointer of frame i minus that of frame i - 1 (frame 0: the
  // site, at the application's rsp); frames[i] is the return address just
  // below frame i's stack pointer.
  uint32_t distance[kFrames];
};

struct SiteStacks {
  Entry ways[kWays];
  std::atomic<uint32_t> next;
};

SiteStacks g_stacks[kMaxSites];

bool matches(uintptr_t rsp, const uintptr_t *frames, const uint32_t *distance,
             size_t count) {
  uintptr_t sp = rsp;
  for (size_t i = 1; i < count; ++i) {
    sp += distance[i];
    if (*reinterpret_cast<const uintptr_t *>(sp - 8) != frames[i])
      return false;
  }
  return true;
}

}  // namespace

size_t cached_stack(const PatchedSite &site, uintptr_t rsp, uintptr_t *frames,
                    size_t max) {
  SiteStacks &stacks = g_stacks[site_index(site)];
  for (Entry &e : stacks.ways) {
    const uint32_t before = e.sequence.load(std::memory_order_acquire);
    if (before == 0 || (before & 1) != 0)
      continue;
    uint32_t distance[kFrames];
    const size_t count = e.count < max ? e.count : max;
    for (size_t i = 0; i < count; ++i) {
      frames[i] = e.frames[i];
      distance[i] = e.distance[i];
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    if (e.sequence.load(std::memory_order_relaxed) != before)
      continue;
    if (count > 0 && matches(rsp, frames, distance, count))
      return count;
  }
  return 0;
}

void remember_stack(const PatchedSite &site, uintptr_t rsp,
                    const uintptr_t *frames, const uintptr_t *cfas,
                    size_t count) {
  if (count < 2 || count > kFrames)
    return;
  if (cfas[0] != rsp)
    return;
  uint32_t distance[kFrames];
  distance[0] = 0;
  for (size_t i = 1; i < count; ++i) {
    if (cfas[i] <= cfas[i - 1] || cfas[i] - cfas[i - 1] > kMaxFrameBytes)
      return;  // not a plain chain of frames on one stack
    distance[i] = static_cast<uint32_t>(cfas[i] - cfas[i - 1]);
  }
  SiteStacks &stacks = g_stacks[site_index(site)];
  Entry &e = stacks.ways[stacks.next.fetch_add(1, std::memory_order_relaxed) %
                         kWays];
  uint32_t even = e.sequence.load(std::memory_order_relaxed);
  if ((even & 1) != 0 ||
      !e.sequence.compare_exchange_strong(even, even + 1,
                                          std::memory_order_acquire))
    return;  // another thread is writing it
  std::atomic_thread_fence(std::memory_order_release);
  e.count = static_cast<uint32_t>(count);
  for (size_t i = 0; i < count; ++i) {
    e.frames[i] = frames[i];
    e.distance[i] = distance[i];
  }
  e.sequence.store(even + 2, std::memory_order_release);
}

}  // namespace shmcheck::patch
