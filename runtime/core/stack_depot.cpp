#include "stack_depot.h"

#include "robust_mutex.h"
#include "core_state.h"

namespace shmcheck::core {

uint32_t hash_frames(const PackedFrame *frames, uint32_t count) {
  uint64_t h = 0xcbf29ce484222325ull ^ count;
  for (uint32_t i = 0; i < count; ++i) {
    h ^= frames[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

namespace {

bool same_stack(const StackDepotShm &d, const StackEntryShm &e, const PackedFrame *frames,
                uint32_t count, uint32_t hash) {
  if (e.hash != hash || e.size != count) return false;
  if (e.first_frame > kDepotFrames || count > kDepotFrames - e.first_frame) return false;
  for (uint32_t i = 0; i < count; ++i)
    if (d.frames[e.first_frame + i] != frames[i]) return false;
  return true;
}

}  // namespace

uint32_t depot_put(const PackedFrame *frames, uint32_t count, uint32_t hash) {
  if (count == 0) return 0;
  StackDepotShm &d = state().depot;
  RobustLock lock(state().header.depot_lock, SignalsStayOpen{});
  if (!lock.ok()) return 0;
  uint32_t stack_count = d.stack_count;
  if (stack_count > kDepotStacks) return 0;  // corrupt: refuse to grow
  uint32_t &bucket = d.buckets[hash % kDepotBuckets];
  uint32_t id = bucket;
  for (uint32_t steps = 0; id != 0 && steps < kDepotStacks; ++steps) {
    if (id > stack_count) break;
    const StackEntryShm &e = d.stacks[id - 1];
    if (same_stack(d, e, frames, count, hash)) return id;
    id = e.next;
  }
  if (stack_count == kDepotStacks || d.frame_count > kDepotFrames ||
      count > kDepotFrames - d.frame_count)
    return 0;
  StackEntryShm &e = d.stacks[stack_count];
  e.hash = hash;
  e.size = count;
  e.first_frame = d.frame_count;
  for (uint32_t i = 0; i < count; ++i) d.frames[d.frame_count + i] = frames[i];
  d.frame_count += count;
  e.next = bucket <= stack_count ? bucket : 0;
  // Publish: lock-free readers check ids against stack_count.
  __atomic_store_n(&d.stack_count, stack_count + 1, __ATOMIC_RELEASE);
  bucket = stack_count + 1;
  return stack_count + 1;
}

uint32_t depot_get(uint32_t id, PackedFrame *out, uint32_t max) {
  if (g_runtime.state == nullptr) return 0;
  const StackDepotShm &d = state().depot;
  uint32_t stack_count = __atomic_load_n(&d.stack_count, __ATOMIC_ACQUIRE);
  if (id == 0 || id > stack_count || id > kDepotStacks) return 0;
  const StackEntryShm &e = d.stacks[id - 1];
  uint32_t count = e.size < max ? e.size : max;
  if (e.first_frame > kDepotFrames || count > kDepotFrames - e.first_frame) return 0;
  for (uint32_t i = 0; i < count; ++i) out[i] = d.frames[e.first_frame + i];
  return count;
}

}  // namespace shmcheck::core
