#include "patch/site_selection.h"

#include <sys/ucontext.h>

#include <cstring>

namespace shmcheck::patch {

namespace {

bool common_form(ZydisMnemonic m) {
  switch (m) {
    case ZYDIS_MNEMONIC_MOV: case ZYDIS_MNEMONIC_MOVZX:
    case ZYDIS_MNEMONIC_MOVSX: case ZYDIS_MNEMONIC_MOVSXD:
    case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_SUB:
    case ZYDIS_MNEMONIC_ADC: case ZYDIS_MNEMONIC_SBB:
    case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_OR:
    case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_INC:
    case ZYDIS_MNEMONIC_DEC: case ZYDIS_MNEMONIC_NEG:
    case ZYDIS_MNEMONIC_NOT: case ZYDIS_MNEMONIC_CMP:
    case ZYDIS_MNEMONIC_TEST: case ZYDIS_MNEMONIC_XADD:
    case ZYDIS_MNEMONIC_CMPXCHG: case ZYDIS_MNEMONIC_XCHG:
    case ZYDIS_MNEMONIC_MOVD: case ZYDIS_MNEMONIC_MOVQ:
    case ZYDIS_MNEMONIC_MOVDQA: case ZYDIS_MNEMONIC_MOVDQU:
    case ZYDIS_MNEMONIC_MOVAPS: case ZYDIS_MNEMONIC_MOVUPS:
    case ZYDIS_MNEMONIC_MOVAPD: case ZYDIS_MNEMONIC_MOVUPD:
    case ZYDIS_MNEMONIC_MOVSS: case ZYDIS_MNEMONIC_MOVSD:
    case ZYDIS_MNEMONIC_VMOVD: case ZYDIS_MNEMONIC_VMOVQ:
    case ZYDIS_MNEMONIC_VMOVDQA: case ZYDIS_MNEMONIC_VMOVDQU:
    case ZYDIS_MNEMONIC_VMOVAPS: case ZYDIS_MNEMONIC_VMOVUPS:
    case ZYDIS_MNEMONIC_VMOVAPD: case ZYDIS_MNEMONIC_VMOVUPD:
      return true;
    default:
      return false;
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
  if (!common_form(insn.mnemonic)) {
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
    if (op.mem.type != ZYDIS_MEMOP_TYPE_MEM || plan->memory_operand >= 0) {
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
  if (mem.size == 0 || mem.size % 8 != 0 || mem.size > 256) {
    *why = "operand size";
    return false;
  }
  plan->access_size = mem.size / 8;
  plan->reads = (mem.actions & ZYDIS_OPERAND_ACTION_MASK_READ) != 0;
  plan->writes = (mem.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
  plan->locked = (insn.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0 ||
                 insn.mnemonic == ZYDIS_MNEMONIC_XCHG;
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
