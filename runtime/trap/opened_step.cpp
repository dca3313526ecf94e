#include "trap/opened_step.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"
#include "trap/step_end.h"
#include "trap/trap_lock.h"

namespace shmcheck::trap {

namespace {

struct Range {
  uintptr_t start;
  uintptr_t length;
};

// The one opened step of the process; guarded by the trap lock.
struct OpenedStep {
  bool active;
  bool repeated;  // rep cmps/lods/scas single-stepped: a trap per element
  uintptr_t pc;
  Range opened[8];
  size_t count;
  StepEnd end;
};
OpenedStep g_step;

void set_protection(uintptr_t start, uintptr_t length, int protection) {
  raw_syscall(SYS_mprotect, static_cast<long>(start),
              static_cast<long>(length), protection);
}

// Opens the page(s) of `a` that [address, address + size) touches, or the
// whole attachment when it is toggled as a whole.
void open_in(const Attachment &a, uintptr_t address, uint64_t size) {
  uintptr_t start = a.base;
  uintptr_t end = a.base + a.mapped;
  if (!a.whole_toggle) {
    const uintptr_t last = address + (size ? size : 1);
    start = page_down(address > a.base ? address : a.base);
    end = page_up(last < end ? last : end);
  }
  for (size_t i = 0; i < g_step.count; ++i) {
    const Range &r = g_step.opened[i];
    if (r.start <= start && end <= r.start + r.length)
      return;  // already open
  }
  if (g_step.count == sizeof(g_step.opened) / sizeof(Range))
    return;
  set_protection(start, end - start, a.protection());
  g_step.opened[g_step.count++] = {start, end - start};
}

void open_range(uintptr_t address, uint64_t size) {
  for_each_attachment([&](const Attachment &a) {
    if (a.watched && address < a.base + a.mapped && a.base < address + size)
      open_in(a, address, size);
  });
}

}  // namespace

void run_opened(ucontext_t *uc, uintptr_t pc, const DecodedAccesses &decoded,
                const RecordedAccesses &recorded) {
  g_step.count = 0;
  for (size_t i = 0; i < decoded.count; ++i)
    open_range(decoded.accesses[i].address, decoded.accesses[i].size);
  g_step.active = true;
  g_step.pc = pc;
  arm_step_end(uc, pc, decoded, -1, 0, false, recorded, &g_step.end);
  g_step.repeated = decoded.repeated && !g_step.end.by_int3;
}

bool opened_step_displaced() { return g_step.end.by_int3; }

bool extend_opened_step(uintptr_t fault_address) {
  if (!g_step.active)
    return false;
  Attachment a;
  if (!find_attachment(fault_address, &a))
    return false;
  open_in(a, fault_address, 1);
  return true;
}

bool finish_opened_step(ucontext_t *uc) {
  if (!g_step.active || !trap_lock_held_by_me() || !is_step_end(uc, g_step.end))
    return false;
  const auto pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  if (g_step.repeated && pc == g_step.pc)
    return true;  // the next element of a single-stepped string instruction
  for (size_t i = 0; i < g_step.count; ++i)
    set_protection(g_step.opened[i].start, g_step.opened[i].length, PROT_NONE);
  g_step.active = false;
  g_step.count = 0;
  finish_step_end(uc, g_step.end);
  trap_unlock();
  return true;
}

}  // namespace shmcheck::trap
