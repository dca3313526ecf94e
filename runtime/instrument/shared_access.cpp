#include "instrument/shared_access.h"

#include "instrument/shadow_stack.h"
#include "interpose/runtime_state.h"
#include "trap/access_recorder.h"
#include "trap/stack_capture.h"

namespace shmcheck::instrument {

namespace {

// The attachment this thread found last, valid while the table's generation
// has not moved. Accesses come in runs on one segment: most lookups end here.
struct LastAttachment {
  uint64_t generation;
  uintptr_t base;
  uint64_t size;  // bytes from base that belong to the segment or object
  uint64_t object_offset;
  core::SegmentRef segment;
  uintptr_t alias;
  int prot;
};
__thread LastAttachment t_last __attribute__((tls_model("initial-exec")));

}  // namespace

bool find_shared(uintptr_t address, SharedPlace *place) {
  const uint64_t generation = trap::attachments_generation();
  LastAttachment &last = t_last;
  if (last.generation != generation || address - last.base >= last.size) {
    const trap::Attachment *a = trap::watched_attachment(address);
    if (a == nullptr || a->segment == core::kNoSegment)
      return false;
    last = {generation, a->base, a->size, a->object_offset, a->segment,
            a->alias, a->prot};
    if (address - a->base >= a->size)
      return false;  // the tail of the last page
  }
  place->segment = last.segment;
  place->offset = last.object_offset + (address - last.base);
  place->remaining = last.size - (address - last.base);
  place->alias = last.alias == 0 ? 0 : last.alias + (address - last.base);
  place->prot = last.prot;
  return true;
}

core::ThreadState *recording_thread() {
  if (t_shadow_stack.ignored != 0 || !interpose::should_check())
    return nullptr;
  return core::current_thread();
}

void record_access(uintptr_t address, uint64_t size, core::AccessType type,
                   uintptr_t pc) {
  core::ThreadState *thread = recording_thread();
  if (thread == nullptr)
    return;
  SharedPlace place;
  if (!find_shared(address, &place)) {
    // An access that starts just before a segment and reaches into it.
    if (trap::maybe_watched(address + size - 1))
      record_range(address, size, type, pc);
    return;
  }
  uintptr_t frames[trap::kMaxFrames];
  const core::StackTrace stack{
      frames, static_cast<uint32_t>(capture_stack(pc, frames, trap::kMaxFrames))};
  record_at(thread, place, size, type, 0, stack);
}

void record_at(core::ThreadState *thread, const SharedPlace &place,
               uint64_t size, core::AccessType type, core::MemoryOrder order,
               const core::StackTrace &stack) {
  if (size > place.remaining)
    size = place.remaining;
  interpose::RuntimeScope scope;
  core::access(thread, place.segment, place.offset, size, type, order, stack);
}

void record_range(uintptr_t address, uint64_t size, core::AccessType type,
                  uintptr_t pc) {
  if (recording_thread() == nullptr || !maybe_shared_range(
          reinterpret_cast<const void *>(address), size))
    return;
  uintptr_t frames[trap::kMaxFrames];
  const size_t count = capture_stack(pc, frames, trap::kMaxFrames);
  trap::RecordedAccesses recorded{};
  trap::record_range(address, size, type, 0, frames, count, &recorded);
}

}  // namespace shmcheck::instrument
