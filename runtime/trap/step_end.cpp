#include "trap/step_end.h"

#include "trap/displaced_execution.h"
#include "trap/trap_lock.h"

namespace shmcheck::trap {

namespace {

constexpr greg_t kTrapFlag = 0x100;

}  // namespace

bool displaceable(const DecodedAccesses &decoded) {
  return !decoded.transfers_control && !decoded.rip_relative;
}

void arm_step_end(ucontext_t *uc, uintptr_t pc, const DecodedAccesses &decoded,
                  int reg, uint64_t shift, bool restore,
                  const RecordedAccesses &recorded, StepEnd *end) {
  mcontext_t &context = uc->uc_mcontext;
  end->saved_mask = uc->uc_sigmask;
  end->recorded = recorded;
  end->app_trap_flag = (context.gregs[REG_EFL] & kTrapFlag) != 0;
  end->resume = displaceable(decoded)
                    ? run_displaced(uc, pc, decoded.length, reg, shift,
                                    restore, true)
                    : 0;
  end->by_int3 = end->resume != 0;
  if (!end->by_int3) {
    if (reg >= 0)
      context.gregs[reg] = static_cast<greg_t>(
          static_cast<uint64_t>(context.gregs[reg]) + shift);
    context.gregs[REG_EFL] |= kTrapFlag;
  }
  asynchronous_signals(&uc->uc_sigmask);
}

bool is_step_end(const ucontext_t *uc, const StepEnd &end) {
  if (end.by_int3)
    return static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]) ==
           end.resume;
  return true;
}

void finish_step_end(ucontext_t *uc, const StepEnd &end) {
  if (!end.by_int3 && !end.app_trap_flag)
    uc->uc_mcontext.gregs[REG_EFL] &= ~kTrapFlag;
  uc->uc_sigmask = end.saved_mask;
  complete_recorded(end.recorded, &uc->uc_mcontext);
}

}  // namespace shmcheck::trap
