// What a patched site's generated code asks of the runtime: the instrumented
// fast path (instrument/shared_access.h) with an unwound stack, and the
// address the instruction should run on.
#include <sys/mman.h>

#include "instrument/shared_access.h"
#include "interpose/runtime_state.h"
#include "patch/access_thunk.h"
#include "patch/stack_cache.h"
#include "trap/attachment_table.h"
#include "trap/stack_capture.h"

using namespace shmcheck;
using namespace shmcheck::patch;

namespace {

bool allowed(const PatchedSite &site, int prot) {
  if ((prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) == 0)
    return false;
  return !site.writes || (prot & PROT_WRITE) != 0;
}

// The alias address for an access that does not lie wholly inside the
// segment's bytes (the tail of its last page), or 0.
uintptr_t alias_in_piece(const PatchedSite &site, uintptr_t address) {
  trap::Attachment a;
  if (!trap::find_attachment(address, &a) || a.alias == 0 ||
      address + site.access_size > a.base + a.mapped ||
      !allowed(site, a.prot))
    return 0;
  return a.alias + (address - a.base);
}

}  // namespace

extern "C" void shmcheck_patched_access(PatchFrame *frame) {
  const PatchedSite &site = *frame->site;
  const uintptr_t address = frame->application;
  frame->use = address;
  frame->application = 0;
  if (!instrument::maybe_shared(reinterpret_cast<void *>(address)))
    return;  // private memory: the instruction runs as written
  instrument::SharedPlace place;
  const bool found = instrument::find_shared(address, &place);
  if (found && place.alias != 0 && place.remaining >= site.access_size) {
    if (!allowed(site, place.prot))
      return;  // the program's own fault: it happens on the view
    frame->use = place.alias;
  } else {
    // Past the segment's end (nothing to record there), or straddling
    // pieces: the alias when the whole access lies in one piece; otherwise
    // the view, where the trap path takes over (and records).
    frame->use = alias_in_piece(site, address);
    if (frame->use == 0) {
      frame->use = address;
      return;
    }
    if (!found || place.alias == 0)
      return;
  }
  core::ThreadState *thread = instrument::recording_thread();
  if (thread == nullptr)
    return;
  // The application's rsp at the site: the frame sits where the relocated
  // instruction's rsp is.
  const uintptr_t rsp = reinterpret_cast<uintptr_t>(frame) + kFrameBytes;
  uintptr_t frames[trap::kMaxFrames];
  size_t count = cached_stack(site, rsp, frames, trap::kMaxFrames);
  if (count == 0) {
    uintptr_t cfas[trap::kMaxFrames];
    count = trap::capture_caller_stack(frame->unwind_pc, frames, cfas,
                                       trap::kMaxFrames);
    remember_stack(site, rsp, frames, cfas, count);
  }
  instrument::record_at(thread, place, site.access_size, site.type,
                        site.order, {frames, static_cast<uint32_t>(count)});
  if (site.completes)
    frame->application = address;
}

extern "C" void shmcheck_patched_access_done(PatchFrame *frame) {
  if (frame->application == 0)
    return;
  core::ThreadState *thread = instrument::recording_thread();
  instrument::SharedPlace place;
  if (thread == nullptr || !instrument::find_shared(frame->application, &place))
    return;
  const PatchedSite &site = *frame->site;
  const uint64_t size = site.access_size < place.remaining ? site.access_size
                                                           : place.remaining;
  interpose::RuntimeScope scope;
  core::access_completed(thread, place.segment, place.offset, size, site.type,
                         site.order);
}
