#include "trap/access_recorder.h"

#include <cstring>

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

bool word_sized(uint64_t size) {
  return size == 1 || size == 2 || size == 4 || size == 8;
}

// A word through the alias (a plain load: x86 keeps aligned ones whole).
uint64_t read_word(uintptr_t alias, uint64_t size) {
  uint64_t value = 0;
  memcpy(&value, reinterpret_cast<const void *>(alias), size);
  return value;
}

constexpr greg_t kZeroFlag = 0x40;

// The word's value before the update: from the register the instruction
// left it in when there is one, else as read through the alias before.
uint64_t previous_value(const RecordedAccess &r, const mcontext_t *context,
                        uint64_t after) {
  if (context == nullptr || r.previous_value_register < 0)
    return r.before;
  if (r.compare_exchange && (context->gregs[REG_EFL] & kZeroFlag) == 0)
    return after;  // a failed cmpxchg changed nothing
  const uint64_t mask = r.size == 8 ? ~0ull : (1ull << (8 * r.size)) - 1;
  return static_cast<uint64_t>(context->gregs[r.previous_value_register]) &
         mask;
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
      uintptr_t alias = 0;
      uint64_t before = 0;
      if (type == core::AccessType::AtomicUpdate && length == size &&
          word_sized(size) && a.alias != 0 && a.readable()) {
        alias = a.alias + (address - a.base);
        before = read_word(alias, size);
      }
      core::access(thread, a.segment, offset, length, type, order, stack);
      if (recorded->count < sizeof(recorded->items) / sizeof(RecordedAccess))
        recorded->items[recorded->count++] = {
            a.segment, offset, length, type, order, alias, before, false, -1,
            false};
    }
  });
}

void complete_recorded(const RecordedAccesses &recorded,
                       const mcontext_t *context) {
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
    if (r.alias != 0) {
      const uint64_t after = read_word(r.alias, r.size);
      core::atomic_update_done(thread, r.segment, r.offset, r.size,
                               previous_value(r, context, after), after,
                               r.exchange);
    }
  }
}

}  // namespace shmcheck::trap
