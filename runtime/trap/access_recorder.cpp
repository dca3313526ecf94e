#include "trap/access_recorder.h"

#include "interpose/runtime_state.h"
#include "trap/attachment_table.h"

namespace shmcheck::trap {

namespace {

// The part of [address, end) inside `a`, clipped to the segment's size (the
// tail of its last page is addressable but is not part of the segment), as
// an offset in the segment or object.
bool clip(const Attachment &a, uintptr_t address, uintptr_t end,
          uint64_t *offset, uint64_t *length) {
  const uintptr_t segment_end = a.base + a.size;
  const uintptr_t from = address > a.base ? address : a.base;
  const uintptr_t to = end < segment_end ? end : segment_end;
  if (from >= to)
    return false;
  *offset = a.offset_of(from);
  *length = to - from;
  return true;
}

}  // namespace

bool touches_watched(uintptr_t address, uint64_t size) {
  if (!any_watched() || size == 0)
    return false;
  bool found = false;
  for_each_attachment([&](const Attachment &a) {
    if (a.watched && address < a.base + a.mapped && a.base < address + size)
      found = true;
  });
  return found;
}

void record_range(uintptr_t address, uint64_t size, core::AccessType type,
                  core::MemoryOrder order, const uintptr_t *frames,
                  size_t frame_count, RecordedAccesses *recorded) {
  if (size == 0 || !interpose::should_check())
    return;
  core::ThreadState *thread = core::current_thread();
  if (thread == nullptr)
    return;
  const core::StackTrace stack{frames, static_cast<uint32_t>(frame_count)};
  const uintptr_t end = address + size;
  interpose::RuntimeScope scope;
  for_each_attachment([&](const Attachment &a) {
    uint64_t offset = 0;
    uint64_t length = 0;
    if (a.watched && a.segment != core::kNoSegment &&
        clip(a, address, end, &offset, &length)) {
      core::access(thread, a.segment, offset, length, type, order, stack);
      if (recorded->count < sizeof(recorded->items) / sizeof(RecordedAccess))
        recorded->items[recorded->count++] = {a.segment, offset, length, type,
                                              order};
    }
  });
}

void complete_recorded(const RecordedAccesses &recorded) {
  if (recorded.count == 0 || !interpose::should_check())
    return;
  core::ThreadState *thread = core::current_thread();
  if (thread == nullptr)
    return;
  interpose::RuntimeScope scope;
  for (size_t i = 0; i < recorded.count; ++i) {
    const RecordedAccess &r = recorded.items[i];
    // Stores published their release in access() already.
    if (r.type != core::AccessType::Write &&
        r.type != core::AccessType::AtomicWrite)
      core::access_completed(thread, r.segment, r.offset, r.size, r.type,
                             r.order);
  }
}

}  // namespace shmcheck::trap
