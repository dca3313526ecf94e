#include "patch/site_selection.h"

#include <sys/ucontext.h>

#include <cstring>

namespace shmcheck::patch {

namespace {

// Instructions whose effect does not depend on where they run, and whose
// one memory access is their explicit operand: everything but control
// transfers, stack and string instructions, system and state-saving
// instructions, and the bit tests (a register bit offset reaches outside
// the operand).
bool patchable_form(const ZydisDecodedInstruction &insn) {
  if ((insn.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED) != 0)
    return false;
  switch (insn.meta.category) {
    case ZYDIS_CATEGORY_CALL: case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_UNCOND_BR: case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_SYSTEM: case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_SYSRET:
    case ZYDIS_CATEGORY_STRINGOP: case ZYDIS_CATEGORY_PUSH:
    case ZYDIS_CATEGORY_POP: case ZYDIS_CATEGORY_SEGOP:
    case ZYDIS_CATEGORY_XSAVE: case ZYDIS_CATEGORY_XSAVEOPT:
      return false;
    default:
      break;
  }
  switch (insn.mnemonic) {
    case ZYDIS_MNEMONIC_BT: case ZYDIS_MNEMONIC_BTS:
    case ZYDIS_MNEMONIC_BTR: case ZYDIS_MNEMONIC_BTC:
    case ZYDIS_MNEMONIC_ENTER: case ZYDIS_MNEMONIC_LEAVE:
    case ZYDIS_MNEMONIC_XLAT: case ZYDIS_MNEMONIC_LEA:
    case ZYDIS_MNEMONIC_MOVDIR64B: case ZYDIS_MNEMONIC_ENQCMD:
    case ZYDIS_MNEMONIC_ENQCMDS: case ZYDIS_MNEMONIC_FXSAVE:
    case ZYDIS_MNEMONIC_FXSAVE64: case ZYDIS_MNEMONIC_FXRSTOR:
    case ZYDIS_MNEMONIC_FXRSTOR64: case ZYDIS_MNEMONIC_FLDENV:
    case ZYDIS_MNEMONIC_FNSTENV: case ZYDIS_MNEMONIC_FRSTOR:
    case ZYDIS_MNEMONIC_FNSAVE:
    // A divide error would reach the program's SIGFPE handler with the
    // generated code's context.
    case ZYDIS_MNEMONIC_DIV: case ZYDIS_MNEMONIC_IDIV:
      return false;
    default:
      return true;
  }
}

// Hardware number of a 64-bit general register, -1 for anything else.
int hardware_number(ZydisRegister reg) {
  if (reg == ZYDIS_REGISTER_NONE)
    return -1;
  const ZydisRegister full =
      ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
  if (full < ZYDIS_REGISTER_RAX || full > ZYDIS_REGISTER_R15)
    return -1;
  return full - ZYDIS_REGISTER_RAX;
}

constexpr int kRsp = 4;

}  // namespace

int greg_of_hardware(int number) {
  static constexpr int kGregs[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX,
                                     REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                     REG_R8,  REG_R9,  REG_R10, REG_R11,
                                     REG_R12, REG_R13, REG_R14, REG_R15};
  return number >= 0 && number < 16 ? kGregs[number] : -1;
}

bool plan_site(uintptr_t pc, SitePlan *plan, const char **why) {
  static ZydisDecoder decoder;
  static bool ready = false;
  if (!ready) {
    ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    ready = true;
  }
  // The instruction just trapped, so its bytes are readable.
  const size_t to_page_end = 4096 - (pc & 4095);
  size_t length = to_page_end < sizeof(plan->bytes) ? to_page_end
                                                    : sizeof(plan->bytes);
  memcpy(plan->bytes, reinterpret_cast<const void *>(pc), length);
  ZyanStatus status = ZydisDecoderDecodeFull(&decoder, plan->bytes, length,
                                             &plan->insn, plan->operands);
  if (status == ZYDIS_STATUS_NO_MORE_DATA && length < sizeof(plan->bytes)) {
    length = sizeof(plan->bytes);
    memcpy(plan->bytes, reinterpret_cast<const void *>(pc), length);
    status = ZydisDecoderDecodeFull(&decoder, plan->bytes, length, &plan->insn,
                                    plan->operands);
  }
  if (!ZYAN_SUCCESS(status)) {
    *why = "undecodable";
    return false;
  }
  const ZydisDecodedInstruction &insn = plan->insn;
  if (!patchable_form(insn)) {
    *why = "form not handled";
    return false;
  }
  if (insn.address_width != 64) {
    *why = "32-bit address";
    return false;
  }
  uint32_t used = 1u << kRsp;
  plan->memory_operand = -1;
  for (unsigned i = 0; i < insn.operand_count; ++i) {
    const ZydisDecodedOperand &op = plan->operands[i];
    if (op.type == ZYDIS_OPERAND_TYPE_REGISTER) {
      const int n = hardware_number(op.reg.value);
      if (n == kRsp) {
        *why = "uses rsp";
        return false;
      }
      if (n >= 0)
        used |= 1u << n;
      continue;
    }
    if (op.type != ZYDIS_OPERAND_TYPE_MEMORY)
      continue;
    if (op.mem.type != ZYDIS_MEMOP_TYPE_MEM || plan->memory_operand >= 0 ||
        op.visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT) {
      *why = "memory operands";
      return false;
    }
    if (op.mem.base == ZYDIS_REGISTER_RIP) {
      *why = "rip-relative";
      return false;
    }
    if (op.mem.segment == ZYDIS_REGISTER_FS ||
        op.mem.segment == ZYDIS_REGISTER_GS) {
      *why = "segment base";
      return false;
    }
    const int base = hardware_number(op.mem.base);
    const int index = hardware_number(op.mem.index);
    if ((op.mem.base != ZYDIS_REGISTER_NONE && base < 0) ||
        (op.mem.index != ZYDIS_REGISTER_NONE && index < 0) || base == kRsp) {
      *why = "address registers";
      return false;
    }
    if (base >= 0)
      used |= 1u << base;
    if (index >= 0)
      used |= 1u << index;
    plan->memory_operand = static_cast<int>(i);
  }
  if (plan->memory_operand < 0) {
    *why = "no memory operand";
    return false;
  }
  const ZydisDecodedOperand &mem = plan->operands[plan->memory_operand];
  if (mem.size == 0 || mem.size % 8 != 0 || mem.size > 512) {
    *why = "operand size";
    return false;
  }
  plan->access_size = mem.size / 8;
  plan->reads = (mem.actions & ZYDIS_OPERAND_ACTION_MASK_READ) != 0;
  plan->writes = (mem.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
  plan->locked = (insn.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0 ||
                 insn.mnemonic == ZYDIS_MNEMONIC_XCHG;
  // An exchange may take a spinlock, which reports name by the value the
  // word held before (core::atomic_update_done). The trap path reads it
  // from the register the instruction leaves it in; generated code does not
  // see that register, so exchanges stay trapping. They are a lock's
  // acquire, rare next to the accesses the lock guards.
  if (insn.mnemonic == ZYDIS_MNEMONIC_XCHG ||
      insn.mnemonic == ZYDIS_MNEMONIC_CMPXCHG) {
    *why = "exchange";
    return false;
  }
  // The scratch register: one without a REX prefix first.
  plan->scratch = -1;
  for (int n = 0; n < 16 && plan->scratch < 0; ++n)
    if ((used & (1u << n)) == 0)
      plan->scratch = n;
  if (plan->scratch < 0) {
    *why = "no free register";
    return false;
  }
  return true;
}

}  // namespace shmcheck::patch
