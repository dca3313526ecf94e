#include "trap/alias_access.h"

#include "trap/attachment_table.h"
#include "trap/displaced_execution.h"
#include "trap/step_end.h"

namespace shmcheck::trap {

namespace {

struct AliasStep {
  bool active;
  bool restore;        // the instruction does not overwrite the register
  int register_index;  // in gregs
  uint64_t shift;
  StepEnd end;
};
__thread AliasStep t_step __attribute__((tls_model("initial-exec")));

// Stores need nothing after they executed (core::access published their
// release); loads and updates take their acquire edge only afterwards, so
// they need control back after the instruction.
bool completes_at_once(const RecordedAccesses &recorded) {
  for (size_t i = 0; i < recorded.count; ++i)
    if (recorded.items[i].type != core::AccessType::Write &&
        recorded.items[i].type != core::AccessType::AtomicWrite)
      return false;
  return true;
}

}  // namespace

AliasAccess run_on_alias(ucontext_t *uc, uintptr_t pc,
                         const DecodedAccesses &decoded,
                         const RecordedAccesses &recorded) {
  if (decoded.count != 1 || decoded.string_op != StringOp::None)
    return AliasAccess::NotApplicable;
  const OperandAccess &op = decoded.accesses[0];
  if (!op.plain_address)
    return AliasAccess::NotApplicable;
  Attachment a;
  if (!find_attachment(op.address, &a) || a.alias == 0 ||
      op.address + op.size > a.base + a.mapped)
    return AliasAccess::NotApplicable;
  const uint64_t delta = static_cast<uint64_t>(a.alias) - a.base;
  // The moved register must not be the stack pointer, nor a value the
  // instruction also reads (it would see the moved value).
  const auto movable = [&](int r) {
    return r >= 0 && r != REG_RSP && op.base_register != op.index_register &&
           (decoded.registers_read & (1u << r)) == 0;
  };
  int reg = -1;
  uint64_t shift = 0;
  if (movable(op.base_register)) {
    reg = op.base_register;
    shift = delta;
  } else if (movable(op.index_register) && delta % op.scale == 0) {
    reg = op.index_register;
    shift = delta / op.scale;
  }
  if (reg < 0)
    return AliasAccess::NotApplicable;
  const bool restore = (decoded.registers_written & (1u << reg)) == 0;
  if (displaceable(decoded) && completes_at_once(recorded) &&
      run_displaced(uc, pc, decoded.length, reg, shift, restore, false))
    return AliasAccess::Done;
  AliasStep &step = t_step;
  step.active = true;
  step.register_index = reg;
  step.shift = shift;
  step.restore = restore;
  arm_step_end(uc, pc, decoded, reg, shift, restore, recorded, &step.end);
  return AliasAccess::Stepping;
}

bool alias_step_displaced() { return t_step.end.by_int3; }

bool finish_alias_step(ucontext_t *uc) {
  AliasStep &step = t_step;
  if (!step.active || !is_step_end(uc, step.end))
    return false;
  step.active = false;
  // A displaced copy moved the register back itself (its lea).
  if (!step.end.by_int3 && step.restore) {
    greg_t &reg = uc->uc_mcontext.gregs[step.register_index];
    reg = static_cast<greg_t>(static_cast<uint64_t>(reg) - step.shift);
  }
  finish_step_end(uc, step.end);
  return true;
}

}  // namespace shmcheck::trap
