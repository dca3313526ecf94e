#include "stack_depot.h"

#include "robust_mutex.h"
#include "core_state.h"

namespace shmcheck::core {

static_assert((kDepotStacks & (kDepotStacks - 1)) == 0,
              "ids wrap at 2^32: the entry of an id must not move when they do");

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

StackEntryShm &entry_of(StackDepotShm &d, uint32_t id) {
  return d.stacks[(id - 1) % kDepotStacks];
}

// The frames of an entry are still in the ring: no newer stack's frames
// were written over them.
bool frames_live(uint64_t first_frame, uint32_t size, uint64_t head) {
  return size <= kMaxStackDepth && first_frame + size <= head &&
         head - first_frame <= kDepotFrames;
}

bool same_stack(const StackDepotShm &d, const StackEntryShm &e, const PackedFrame *frames,
                uint32_t count, uint32_t hash, uint64_t head) {
  if (e.hash != hash || e.size != count || !frames_live(e.first_frame, count, head)) return false;
  for (uint32_t i = 0; i < count; ++i)
    if (d.frames[(e.first_frame + i) % kDepotFrames] != frames[i]) return false;
  return true;
}

}  // namespace

uint32_t depot_put(const PackedFrame *frames, uint32_t count, uint32_t hash) {
  if (count == 0) return 0;
  if (count > kMaxStackDepth) count = kMaxStackDepth;
  StackDepotShm &d = state().depot;
  RobustLock lock(state().header.depot_lock, SignalsStayOpen{});
  if (!lock.ok()) return 0;
  uint64_t head = d.frame_head.load(std::memory_order_relaxed);
  uint32_t &bucket = d.buckets[hash % kDepotBuckets];
  // The chain runs from the newest stack to older ones; the first entry
  // that holds another stack now ends it (everything after it is older
  // still, so recycled too).
  uint32_t id = bucket;
  for (uint32_t steps = 0; id != 0 && steps < kDepotStacks; ++steps) {
    const StackEntryShm &e = entry_of(d, id);
    if (e.id.load(std::memory_order_relaxed) != id) break;
    if (same_stack(d, e, frames, count, hash, head)) {
      // A stack in the older half of the depot is stored again: what names
      // it from now on (a new access context) keeps it for another full
      // round of recycling.
      if (d.stack_count - id < kDepotStacks / 2) return id;
      break;
    }
    id = e.next;
  }
  uint32_t fresh = d.stack_count + 1;
  if (fresh == 0) fresh = 1;
  StackEntryShm &e = entry_of(d, fresh);
  if (e.id.load(std::memory_order_relaxed) != 0 || e.size != 0)
    d.recycled.fetch_add(1, std::memory_order_relaxed);
  // Lock-free readers check the entry's id before and after copying, and
  // the frame head after: mark the entry, claim the frames, then write.
  e.id.store(0, std::memory_order_relaxed);
  d.frame_head.store(head + count, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (uint32_t i = 0; i < count; ++i) d.frames[(head + i) % kDepotFrames] = frames[i];
  e.hash = hash;
  e.size = count;
  e.first_frame = head;
  e.next = bucket;
  e.id.store(fresh, std::memory_order_release);
  d.stack_count = fresh;
  bucket = fresh;
  return fresh;
}

uint32_t depot_get(uint32_t id, PackedFrame *out, uint32_t max) {
  if (g_runtime.state == nullptr || id == 0) return 0;
  StackDepotShm &d = state().depot;
  const StackEntryShm &e = entry_of(d, id);
  if (e.id.load(std::memory_order_acquire) != id) return 0;
  uint64_t first = e.first_frame;
  uint32_t size = e.size;
  uint32_t count = size < max ? size : max;
  if (!frames_live(first, size, d.frame_head.load(std::memory_order_acquire))) return 0;
  for (uint32_t i = 0; i < count; ++i) out[i] = d.frames[(first + i) % kDepotFrames];
  // A writer that took the entry or the frames meanwhile moved one of them.
  std::atomic_thread_fence(std::memory_order_acquire);
  if (e.id.load(std::memory_order_relaxed) != id ||
      !frames_live(first, size, d.frame_head.load(std::memory_order_relaxed)))
    return 0;
  return count;
}

bool depot_holds(uint32_t id) {
  if (g_runtime.state == nullptr || id == 0) return false;
  StackDepotShm &d = state().depot;
  const StackEntryShm &e = entry_of(d, id);
  return e.id.load(std::memory_order_acquire) == id &&
         frames_live(e.first_frame, e.size, d.frame_head.load(std::memory_order_acquire));
}

const char *depot_missing_reason(uint32_t id) {
  if (id == 0) return "<stack not recorded: no frame was captured>";
  return "<stack no longer stored: newer stacks took its place in the stack depot>";
}

}  // namespace shmcheck::core
