#include "access_history.h"

#include <cstring>
#include <initializer_list>

#include "module_map.h"
#include "core_state.h"
#include "stack_depot.h"

namespace shmcheck::core {
namespace {

AccessContextShm &slot_for(uint32_t id) { return state().history[id % kHistorySize]; }

// The cache key of an access context: the raw pcs (valid while the module
// ranges stay the same), the locks held, the type and the size. 0 is "empty".
uint64_t context_key(ThreadState *thread, const StackTrace &stack, uint32_t count,
                     AccessType type, uint64_t size) {
  // Multiply-xor per word (the frames are the hot part: keep their chain
  // short), and one final fold so that the low bits, which pick the cache
  // slot, depend on all of them.
  uint64_t h = 0xcbf29ce484222325ull ^ (static_cast<uint64_t>(modules_generation()) << 32);
  for (uint32_t i = 0; i < count; ++i) h = (h ^ stack.frames[i]) * 0x100000001b3ull;
  for (uint64_t part : {thread->locks_hash, static_cast<uint64_t>(type), size})
    h = (h ^ part) * 0x100000001b3ull;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return h != 0 ? h : 1;
}

uint32_t new_context(ThreadState *thread, const StackTrace &stack, uint32_t count,
                     AccessType type, uint64_t size) {
  PackedFrame frames[kMaxStackDepth];
  for (uint32_t i = 0; i < count; ++i) frames[i] = pack_frame(stack.frames[i]);
  uint32_t stack_id = depot_put(frames, count, hash_frames(frames, count));
  uint32_t id = state().header.next_context.fetch_add(1, std::memory_order_relaxed);
  if (id == 0) id = state().header.next_context.fetch_add(1, std::memory_order_relaxed);

  AccessContextShm &record = slot_for(id);
  record.seq.store(0, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  record.pid = static_cast<uint32_t>(g_runtime.pid);
  record.tid = static_cast<uint32_t>(thread->tid);
  record.stack_id = stack_id;
  record.process = static_cast<uint16_t>(g_runtime.process_index);
  record.type = static_cast<uint8_t>(type);
  record.size = size > 0xffffffffu ? 0xffffffffu : static_cast<uint32_t>(size);
  record.incarnation = g_runtime.incarnation;
  // The innermost (most recently taken) locks are the interesting ones.
  uint32_t nlocks = thread->nlocks < kContextLocks ? thread->nlocks : kContextLocks;
  record.nlocks = static_cast<uint8_t>(nlocks);
  for (uint32_t i = 0; i < nlocks; ++i) {
    const HeldLock &held = thread->locks[thread->nlocks - nlocks + i];
    HeldLockShm &out = record.locks[i];
    memset(&out, 0, sizeof out);
    out.kind = static_cast<uint8_t>(held.key.kind);
    out.shared = held.shared ? 1 : 0;
    out.a = held.key.a;
    out.b = held.key.b;
  }
  record.seq.store(id, std::memory_order_release);
  return id;
}

}  // namespace

uint32_t make_context(ThreadState *thread, const StackTrace &stack, AccessType type,
                      uint64_t size) {
  uint32_t count = stack.size < kMaxStackDepth ? stack.size : kMaxStackDepth;
  if (stack.frames == nullptr) count = 0;
  // A zero pc ends an unwound stack: it is not a frame.
  for (uint32_t i = 0; i < count; ++i) {
    if (stack.frames[i] == 0) {
      count = i;
      break;
    }
  }
  const uint64_t key = context_key(thread, stack, count, type, size);
  CachedContext &cached = thread->contexts[key % kContextCacheSize];
  // Still in the ring (not overwritten since), and its stack still in the
  // depot (which recycles its oldest stacks): reuse it.
  if (cached.key == key && cached.ctx != 0 &&
      slot_for(cached.ctx).seq.load(std::memory_order_acquire) == cached.ctx &&
      (count == 0 || depot_holds(slot_for(cached.ctx).stack_id)))
    return cached.ctx;
  const uint32_t id = new_context(thread, stack, count, type, size);
  cached.key = key;
  cached.ctx = id;
  return id;
}

bool read_context(uint32_t id, AccessContextShm &out) {
  if (id == 0) return false;
  const AccessContextShm &record = slot_for(id);
  if (record.seq.load(std::memory_order_acquire) != id) return false;
  out.pid = record.pid;
  out.tid = record.tid;
  out.stack_id = record.stack_id;
  out.process = record.process;
  out.nlocks = record.nlocks < kContextLocks ? record.nlocks : kContextLocks;
  out.type = record.type;
  out.size = record.size;
  out.incarnation = record.incarnation;
  memcpy(out.locks, record.locks, sizeof out.locks);
  std::atomic_thread_fence(std::memory_order_acquire);
  return record.seq.load(std::memory_order_relaxed) == id;
}

}  // namespace shmcheck::core
