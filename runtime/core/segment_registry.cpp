#include "segment_registry.h"

#include <cstdio>

#include <sys/mman.h>
#include <unistd.h>

#include "module_map.h"
#include "object_holders.h"
#include "process_registry.h"
#include "robust_mutex.h"
#include "core_state.h"
#include "expanded_words.h"
#include "shadow_commit.h"
#include "shared_state.h"
#include "stack_depot.h"
#include "sync_table.h"

namespace shmcheck::core {
namespace {

bool has_attachers(const SegmentShm &seg) {
  for (uint64_t word : seg.attached)
    if (word != 0) return true;
  return false;
}

void set_attached(SegmentShm &seg, uint32_t process, bool on) {
  if (process >= kMaxProcesses) return;
  uint64_t bit = 1ull << (process % 64);
  if (on) seg.attached[process / 64] |= bit;
  else seg.attached[process / 64] &= ~bit;
}

void shadow_name(uint32_t index, uint32_t generation, char *out, size_t size) {
  shadow_object_name(g_runtime.state_name, state().header.nonce, index, generation, out, size);
}

// Shadows of POSIX objects may grow (see core_api.h): address space for
// this many times the first size, or this much more, whichever is larger,
// is reserved behind the mapping so that it grows in place. Untouched
// reservations cost no memory.
constexpr uint64_t kGrowthFactor = 4;
constexpr uint64_t kGrowthMinimum = 64ull << 20;
constexpr uint64_t kGrowthReserveLimit = 1ull << 36;  // segment bytes

uint64_t page_up_size(uint64_t bytes) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

bool may_grow(const SegmentShm &seg) {
  return static_cast<SegmentKind>(seg.kind) == SegmentKind::PosixObject;
}

uint64_t reserve_for(const SegmentShm &seg) {
  if (!may_grow(seg)) return seg.size;
  uint64_t reserve = seg.size * kGrowthFactor;
  if (reserve < seg.size + kGrowthMinimum) reserve = seg.size + kGrowthMinimum;
  if (reserve > kGrowthReserveLimit) reserve = seg.size > kGrowthReserveLimit ? seg.size
                                                                              : kGrowthReserveLimit;
  return reserve;
}

void unmap_local(uint32_t index) {
  LocalSegment &local = g_runtime.segments[index];
  ShadowHeaderShm *shadow = local.shadow.exchange(nullptr, std::memory_order_acq_rel);
  if (shadow != nullptr) munmap(shadow, local.reserved);
  local.words = nullptr;
  local.size.store(0, std::memory_order_relaxed);
  local.attach_count = 0;
}

// Registry lock held. A removed segment that no process has attached goes,
// unless it is a POSIX object that a live checked process (other than
// `leaving`) still holds a descriptor of: it may be mapped again, and its
// history must still be there (a memfd mapped by one process after another
// unmapped it). Such a segment is looked at again whenever a process leaves
// or detaches.
bool may_destroy(const SegmentShm &seg, uint32_t leaving = kNoIndex) {
  if (!seg.removed || has_attachers(seg)) return false;
  if (static_cast<SegmentKind>(seg.kind) != SegmentKind::PosixObject) return true;
  for (uint32_t i = 0; i < kMaxProcesses; ++i) {
    const ProcessShm &p = state().processes[i];
    if (i == leaving || p.state != kProcessLive || p.pid == 0) continue;
    if (holds_descriptor_of(static_cast<pid_t>(p.pid), seg.id, seg.key)) return false;
  }
  return true;
}

// Registry lock held.
void destroy_segment(uint32_t index) {
  SegmentShm &seg = state().segments[index];
  char name[160];
  shadow_name(index, seg.generation, name, sizeof name);
  // What the shadow committed goes back to the session's room with it.
  release_state_bytes(shadow_allocated_bytes(name));
  shm_unlink(name);
  sync_forget_segment(index);
  expanded_forget_segment(index);
  if (g_runtime.segments[index].attach_count == 0) unmap_local(index);
  seg.state = kSegmentFree;
}

// A shadow this process maps already and that another process has grown
// since: the new cells are mapped in place, then `size` says they are there.
bool grow_local(uint32_t index, const SegmentShm &seg) {
  LocalSegment &local = g_runtime.segments[index];
  char name[160];
  shadow_name(index, seg.generation, name, sizeof name);
  ShadowMapping mapping{local.shadow.load(), local.map_size, local.reserved};
  if (!extend_shadow_mapping(name, seg.size, &mapping)) return false;
  local.map_size = mapping.map_size;
  local.size.store(seg.size, std::memory_order_release);
  return true;
}

// Once per process: the segments it attaches from now on are not checked.
void warn_unwatched(const char *why) {
  static bool warned = false;
  if (warned) return;
  warned = true;
  char line[200];
  snprintf(line, sizeof line,
           "shmcheck: no room for more state (%s); pid %d leaves further segments unchecked",
           why, static_cast<int>(getpid()));
  print_error(line);
}

bool map_local(uint32_t index, const SegmentShm &seg, bool create) {
  LocalSegment &local = g_runtime.segments[index];
  if (local.shadow.load() != nullptr && local.generation == seg.generation)
    return local.size.load() >= seg.size || grow_local(index, seg);
  unmap_local(index);
  char name[160];
  shadow_name(index, seg.generation, name, sizeof name);
  ShadowMapping mapping{};
  const char *why = "";
  if (create && !reserve_state_bytes(kShadowCellsOffset, &why)) {
    warn_unwatched(why);
    return false;
  }
  const bool mapped =
      create ? create_shadow(name, seg.size, seg.generation, reserve_for(seg),
                             shadow_chunk_shift(reserve_for(seg)), &mapping)
             : open_shadow(name, seg.size, seg.generation, reserve_for(seg), &mapping);
  if (!mapped) {
    if (create) release_state_bytes(kShadowCellsOffset);
    return false;
  }
  snprintf(local.name, sizeof local.name, "%s", name);
  local.chunk_shift = mapping.header->chunk_shift;
  local.words = reinterpret_cast<ShadowWordShm *>(reinterpret_cast<char *>(mapping.header) +
                                                  kShadowCellsOffset);
  local.size.store(seg.size, std::memory_order_relaxed);
  local.map_size = mapping.map_size;
  local.reserved = mapping.reserved;
  local.generation = seg.generation;
  local.shadow.store(mapping.header, std::memory_order_release);
  return true;
}

// A live entry with this identity. System V segments must also have this
// size (a shmid reused for a segment of another size is another segment);
// a POSIX object is one segment whatever extent each attachment needs.
uint32_t find_segment(const SegmentIdentity &identity, size_t size) {
  for (uint32_t i = 0; i < kMaxSegments; ++i) {
    const SegmentShm &seg = state().segments[i];
    if (seg.state == kSegmentLive && seg.kind == static_cast<uint8_t>(identity.kind) &&
        seg.id == identity.id && seg.key == identity.key &&
        (seg.size == size || may_grow(seg)))
      return i;
  }
  return kNoIndex;
}

// Registry lock held: the shared shadow of entry `index` covers `size`
// bytes (grown when it covered fewer, never shrunk), and so does this
// process's mapping of it.
bool cover(uint32_t index, uint64_t size) {
  SegmentShm &seg = state().segments[index];
  if (size <= seg.size) return true;
  LocalSegment &local = g_runtime.segments[index];
  if (local.shadow.load() != nullptr && local.generation == seg.generation &&
      page_up_size(shadow_map_size(size)) > local.reserved)
    return false;  // no room to grow our mapping in place: leave the shadow as it is
  char name[160];
  shadow_name(index, seg.generation, name, sizeof name);
  if (!grow_shadow(name, size)) return false;
  seg.size = size;
  return true;
}

// A free entry; when the table is full, the entry of a segment nobody has
// attached is recycled.
uint32_t free_segment_entry() {
  for (uint32_t i = 0; i < kMaxSegments; ++i)
    if (state().segments[i].state == kSegmentFree) return i;
  for (uint32_t i = 0; i < kMaxSegments; ++i) {
    if (!has_attachers(state().segments[i])) {
      destroy_segment(i);
      return i;
    }
  }
  return kNoIndex;
}

}  // namespace

SegmentRef attach_segment(const SegmentIdentity &identity, size_t size, const StackTrace *where,
                          ThreadState *thread) {
  if (size == 0) return kNoSegment;
  refresh_modules();
  uint32_t where_stack = 0;
  if (where != nullptr && where->frames != nullptr) {
    PackedFrame frames[kMaxStackDepth];
    uint32_t count = where->size < kMaxStackDepth ? where->size : kMaxStackDepth;
    for (uint32_t i = 0; i < count; ++i) {
      if (where->frames[i] == 0) {
        count = i;
        break;
      }
      frames[i] = pack_frame(where->frames[i]);
    }
    where_stack = depot_put(frames, count, hash_frames(frames, count));
  }
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return kNoSegment;
  uint32_t index = find_segment(identity, size);
  bool created = false;
  if (index != kNoIndex && !cover(index, size)) return kNoSegment;
  if (index == kNoIndex) {
    index = free_segment_entry();
    if (index == kNoIndex) return kNoSegment;
    SegmentShm &seg = state().segments[index];
    seg.generation += 1;
    seg.kind = static_cast<uint8_t>(identity.kind);
    seg.id = identity.id;
    seg.key = identity.key;
    seg.size = size;
    seg.removed = 0;
    for (uint64_t &word : seg.attached) word = 0;
    seg.where_pid = static_cast<uint32_t>(g_runtime.pid);
    seg.where_tid = thread != nullptr ? static_cast<uint32_t>(thread->tid) : 0;
    seg.where_stack = where_stack;
    state().segment_names[index].text[0] = '\0';
    state().segment_names[index].generation = seg.generation;
    created = true;
  }
  SegmentShm &seg = state().segments[index];
  if (!map_local(index, seg, created)) {
    if (created) seg.state = kSegmentFree;
    return kNoSegment;
  }
  seg.state = kSegmentLive;
  set_attached(seg, g_runtime.process_index, true);
  g_runtime.segments[index].attach_count += 1;
  return index;
}

void detach_segment(SegmentRef segment) {
  if (segment >= kMaxSegments) return;
  LocalSegment &local = g_runtime.segments[segment];
  if (local.attach_count == 0) return;
  if (--local.attach_count > 0) return;
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return;
  SegmentShm &seg = state().segments[segment];
  unmap_local(segment);
  if (seg.state != kSegmentLive) return;
  set_attached(seg, g_runtime.process_index, false);
  if (may_destroy(seg)) destroy_segment(segment);
}

void name_segment(SegmentRef segment, const char *description) {
  if (segment >= kMaxSegments || description == nullptr) return;
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return;
  const SegmentShm &seg = state().segments[segment];
  SegmentNameShm &name = state().segment_names[segment];
  if (seg.state != kSegmentLive || name.generation != seg.generation || name.text[0] != '\0')
    return;
  size_t n = 0;
  for (; description[n] != '\0' && n + 1 < sizeof name.text; ++n) name.text[n] = description[n];
  name.text[n] = '\0';
}

void attach_segment_again(SegmentRef segment) {
  if (segment >= kMaxSegments) return;
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return;
  LocalSegment &local = g_runtime.segments[segment];
  if (local.attach_count > 0) local.attach_count += 1;
}

void remove_object(const SegmentIdentity &identity) {
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return;
  for (uint32_t i = 0; i < kMaxSegments; ++i) {
    SegmentShm &seg = state().segments[i];
    if (seg.state != kSegmentLive || seg.kind != static_cast<uint8_t>(identity.kind) ||
        seg.id != identity.id || seg.key != identity.key)
      continue;
    seg.removed = 1;
    if (may_destroy(seg)) destroy_segment(i);
  }
}

void remove_segment(SegmentRef segment) {
  if (segment >= kMaxSegments) return;
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return;
  SegmentShm &seg = state().segments[segment];
  if (seg.state != kSegmentLive) return;
  seg.removed = 1;
  if (may_destroy(seg)) destroy_segment(segment);
}

void segments_drop_process(uint32_t process) {
  for (uint32_t i = 0; i < kMaxSegments; ++i) {
    SegmentShm &seg = state().segments[i];
    if (seg.state != kSegmentLive) continue;
    set_attached(seg, process, false);
    if (may_destroy(seg, process)) destroy_segment(i);
  }
}

void segments_adopt_inherited() {
  for (uint32_t i = 0; i < kMaxSegments; ++i) {
    if (g_runtime.segments[i].attach_count == 0) continue;
    SegmentShm &seg = state().segments[i];
    if (seg.state == kSegmentLive && seg.generation == g_runtime.segments[i].generation)
      set_attached(seg, g_runtime.process_index, true);
    else
      unmap_local(i);
  }
}

void segments_lend_to_child(uint32_t process) {
  for (uint32_t i = 0; i < kMaxSegments; ++i) {
    SegmentShm &seg = state().segments[i];
    if (g_runtime.segments[i].attach_count > 0 && seg.state == kSegmentLive &&
        seg.generation == g_runtime.segments[i].generation)
      set_attached(seg, process, true);
  }
}

void unmap_all_segments() {
  for (uint32_t i = 0; i < kMaxSegments; ++i) unmap_local(i);
}

}  // namespace shmcheck::core
