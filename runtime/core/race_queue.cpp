#include "race_queue.h"

#include <cstring>

#include "access_history.h"
#include "active_suppressions.h"
#include "core_state.h"
#include "stack_depot.h"

namespace shmcheck::core {
namespace {

uint64_t top_frame(uint32_t stack_id) {
  PackedFrame frame = 0;
  return depot_get(stack_id, &frame, 1) == 1 ? frame : 0;
}

void snapshot(const AccessContextShm &ctx, uint64_t offset, uint8_t type,
              AccessSnapshotShm &out) {
  out.pid = ctx.pid;
  out.tid = ctx.tid;
  out.stack_id = ctx.stack_id;
  out.process = ctx.process;
  out.nlocks = ctx.nlocks;
  out.type = type;
  out.size = ctx.size;
  out.offset = offset;
  out.incarnation = ctx.incarnation;
  memcpy(out.locks, ctx.locks, sizeof out.locks);
  // The report may be written after the segment is gone (its entry freed,
  // not yet reused): remember which use of the entry the lock was in.
  for (HeldLockShm &lock : out.locks) {
    const auto kind = static_cast<SyncKind>(lock.kind);
    lock.segment_known = 0;
    if ((kind == SyncKind::InSegment || kind == SyncKind::SpinWord) && lock.a < kMaxSegments) {
      const SegmentShm &seg = state().segments[lock.a];
      if (seg.state == kSegmentLive) {
        lock.segment_known = 1;
        lock.segment_generation = seg.generation;
      }
    }
  }
}

}  // namespace

void mark_involved(uint16_t process, uint64_t incarnation) {
  if (process >= kMaxProcesses) return;
  ProcessShm &p = state().processes[process];
  if (p.state != kProcessFree && p.incarnation == incarnation)
    p.flags.fetch_or(kProcessRaceInvolved, std::memory_order_relaxed);
}

bool dedup_insert(std::atomic<uint64_t> *set, uint32_t size, uint64_t key) {
  uint32_t start = static_cast<uint32_t>(key % size);
  for (uint32_t i = 0; i < 64; ++i) {
    std::atomic<uint64_t> &slot = set[(start + i) % size];
    uint64_t seen = slot.load(std::memory_order_acquire);
    if (seen == key) return false;
    if (seen == 0) {
      if (slot.compare_exchange_strong(seen, key)) return true;
      if (seen == key) return false;
    }
  }
  return true;
}

bool first_of_its_kind(std::atomic<uint64_t> *set, uint64_t here, uint64_t there) {
  if (!dedup_insert(set, kDedupSlots, unordered_pair_key(here, there))) return false;
  // A race whose earlier access is lost (there == 0) says only "this site
  // races": nothing new once the site has been reported with a partner. So a
  // report with both sites marks each as reported on its own too.
  if (there != 0) {
    dedup_insert(set, kDedupSlots, unordered_pair_key(here, 0));
    dedup_insert(set, kDedupSlots, unordered_pair_key(there, 0));
  }
  return true;
}

void queue_race(ThreadState *thread, const RaceFacts &facts) {
  SharedStateShm &s = state();
  AccessContextShm current{}, previous{};
  if (!read_context(facts.current_ctx, current)) {
    // Our own context can only be lost under extreme churn; report without it.
    current.pid = static_cast<uint32_t>(g_runtime.pid);
    current.tid = static_cast<uint32_t>(thread->tid);
    current.process = static_cast<uint16_t>(g_runtime.process_index);
    current.incarnation = g_runtime.incarnation;
    current.size = static_cast<uint32_t>(facts.access_size);
  }
  bool previous_known = read_context(facts.previous_ctx, previous);
  // Marked now, the other process learns it even if it leaves before the
  // report is written. With suppressions the writer marks instead, once it
  // knows the race is not suppressed.
  if (!suppressions_active()) {
    mark_involved(static_cast<uint16_t>(g_runtime.process_index), g_runtime.incarnation);
    if (previous_known) mark_involved(previous.process, previous.incarnation);
  }
  if (!first_of_its_kind(s.dedup_pcs, top_frame(current.stack_id),
                         previous_known ? top_frame(previous.stack_id) : 0))
    return;

  for (ReportShm &report : s.reports) {
    uint32_t expected = kReportFree;
    if (!report.state.compare_exchange_strong(expected, kReportFilling)) continue;
    report.detector_pid = static_cast<uint32_t>(g_runtime.pid);
    report.detector_incarnation = g_runtime.incarnation;
    report.segment = facts.segment;
    const SegmentShm &seg = s.segments[facts.segment % kMaxSegments];
    report.seg_kind = seg.kind;
    report.seg_id = seg.id;
    report.seg_key = seg.key;
    report.seg_size = seg.size;
    report.where_pid = seg.where_pid;
    report.where_tid = seg.where_tid;
    report.where_stack = seg.where_stack;
    snapshot(current, facts.access_offset, facts.access_type, report.current);
    report.current.size = facts.access_size;
    report.previous_known = previous_known ? 1 : 0;
    if (previous_known) {
      uint64_t start = facts.byte_offset >= facts.previous_index
                           ? facts.byte_offset - facts.previous_index
                           : facts.byte_offset;
      snapshot(previous, start, facts.previous_type, report.previous);
    } else {
      memset(&report.previous, 0, sizeof report.previous);
      report.previous.type = facts.previous_type;
      report.previous.offset = facts.byte_offset;
    }
    report.state.store(kReportPending, std::memory_order_release);
    return;
  }
  s.header.reports_dropped.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace shmcheck::core
