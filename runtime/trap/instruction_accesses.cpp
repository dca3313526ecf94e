#include "trap/instruction_accesses.h"

#include <Zydis/Zydis.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#include <cstring>

#include "trap/raw_syscall.h"

namespace shmcheck::trap {

namespace {

ZydisDecoder g_decoder;

// General-purpose register -> index in mcontext_t::gregs.
int greg_index(ZydisRegister full) {
  switch (full) {
    case ZYDIS_REGISTER_RAX: return REG_RAX;
    case ZYDIS_REGISTER_RBX: return REG_RBX;
    case ZYDIS_REGISTER_RCX: return REG_RCX;
    case ZYDIS_REGISTER_RDX: return REG_RDX;
    case ZYDIS_REGISTER_RSI: return REG_RSI;
    case ZYDIS_REGISTER_RDI: return REG_RDI;
    case ZYDIS_REGISTER_RBP: return REG_RBP;
    case ZYDIS_REGISTER_RSP: return REG_RSP;
    case ZYDIS_REGISTER_R8: return REG_R8;
    case ZYDIS_REGISTER_R9: return REG_R9;
    case ZYDIS_REGISTER_R10: return REG_R10;
    case ZYDIS_REGISTER_R11: return REG_R11;
    case ZYDIS_REGISTER_R12: return REG_R12;
    case ZYDIS_REGISTER_R13: return REG_R13;
    case ZYDIS_REGISTER_R14: return REG_R14;
    case ZYDIS_REGISTER_R15: return REG_R15;
    default: return -1;
  }
}

// Value of a base or index register; `ok` turns false for registers we do
// not model (vector index registers of gathers).
uint64_t register_value(ZydisRegister reg, uintptr_t next_pc,
                        const mcontext_t &context, bool *ok) {
  if (reg == ZYDIS_REGISTER_NONE)
    return 0;
  if (reg == ZYDIS_REGISTER_RIP || reg == ZYDIS_REGISTER_EIP)
    return next_pc;
  const ZydisRegister full =
      ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
  const int index = greg_index(full);
  if (index < 0) {
    *ok = false;
    return 0;
  }
  uint64_t value = static_cast<uint64_t>(context.gregs[index]);
  const ZydisRegisterWidth width =
      ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, reg);
  if (width == 32)
    value &= 0xffffffffu;
  else if (width == 16)
    value &= 0xffffu;
  return value;
}

uint64_t segment_base(ZydisRegister segment) {
  unsigned long base = 0;
  if (segment == ZYDIS_REGISTER_FS)
    raw_syscall(SYS_arch_prctl, ARCH_GET_FS, reinterpret_cast<long>(&base));
  else if (segment == ZYDIS_REGISTER_GS)
    raw_syscall(SYS_arch_prctl, ARCH_GET_GS, reinterpret_cast<long>(&base));
  return base;
}

StringOp string_op_of(const ZydisDecodedInstruction &insn) {
  if (insn.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
    return StringOp::None;
  switch (insn.opcode) {
    case 0xa4: case 0xa5: return StringOp::Movs;
    case 0xaa: case 0xab: return StringOp::Stos;
    case 0xa6: case 0xa7:  // cmps
    case 0xac: case 0xad:  // lods
    case 0xae: case 0xaf:  // scas
      return StringOp::Other;
    default: return StringOp::None;
  }
}

bool is_high_byte(ZydisRegister reg) {
  return reg == ZYDIS_REGISTER_AH || reg == ZYDIS_REGISTER_CH ||
         reg == ZYDIS_REGISTER_DH || reg == ZYDIS_REGISTER_BH;
}

// Recognizes mov/movzx/movsx/movsxd between a general-purpose register (or
// an immediate) and memory.
MoveForm move_form_of(const ZydisDecodedInstruction &insn,
                      const ZydisDecodedOperand *operands) {
  MoveForm form;
  MoveForm::Extend extend = MoveForm::Extend::None;
  switch (insn.mnemonic) {
    case ZYDIS_MNEMONIC_MOV: break;
    case ZYDIS_MNEMONIC_MOVZX: extend = MoveForm::Extend::Zero; break;
    case ZYDIS_MNEMONIC_MOVSX:
    case ZYDIS_MNEMONIC_MOVSXD: extend = MoveForm::Extend::Sign; break;
    default: return form;
  }
  if (insn.operand_count_visible != 2 ||
      (insn.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0)
    return form;
  const ZydisDecodedOperand &to = operands[0];
  const ZydisDecodedOperand &from = operands[1];
  const auto register_operand = [&](const ZydisDecodedOperand &op) {
    if (op.type != ZYDIS_OPERAND_TYPE_REGISTER)
      return false;
    form.register_index = greg_index(ZydisRegisterGetLargestEnclosing(
        ZYDIS_MACHINE_MODE_LONG_64, op.reg.value));
    form.register_bytes = static_cast<uint8_t>(op.size / 8);
    form.high_byte = is_high_byte(op.reg.value);
    return form.register_index >= 0;
  };
  if (to.type == ZYDIS_OPERAND_TYPE_MEMORY && extend == MoveForm::Extend::None) {
    form.memory_bytes = static_cast<uint8_t>(to.size / 8);
    if (from.type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
      form.from_immediate = true;
      form.immediate = from.imm.value.u;
    } else if (!register_operand(from)) {
      return MoveForm{};
    }
    form.kind = MoveForm::Kind::Store;
  } else if (from.type == ZYDIS_OPERAND_TYPE_MEMORY && register_operand(to)) {
    form.memory_bytes = static_cast<uint8_t>(from.size / 8);
    form.kind = MoveForm::Kind::Load;
    form.extend = extend;
  } else {
    return MoveForm{};
  }
  const uint8_t m = form.memory_bytes;
  if (m != 1 && m != 2 && m != 4 && m != 8)
    return MoveForm{};
  return form;
}

}  // namespace

int hardware_register_number(int index) {
  switch (index) {
    case REG_RAX: return 0;
    case REG_RCX: return 1;
    case REG_RDX: return 2;
    case REG_RBX: return 3;
    case REG_RSP: return 4;
    case REG_RBP: return 5;
    case REG_RSI: return 6;
    case REG_RDI: return 7;
    case REG_R8: return 8;
    case REG_R9: return 9;
    case REG_R10: return 10;
    case REG_R11: return 11;
    case REG_R12: return 12;
    case REG_R13: return 13;
    case REG_R14: return 14;
    case REG_R15: return 15;
    default: return -1;
  }
}

void init_instruction_decoder() {
  ZydisDecoderInit(&g_decoder, ZYDIS_MACHINE_MODE_LONG_64,
                   ZYDIS_STACK_WIDTH_64);
}

bool decode_accesses(uintptr_t pc, const mcontext_t &context,
                     DecodedAccesses *out) {
  // The CPU fetched the whole instruction before faulting on its operand, so
  // its bytes are readable; bytes past it may not be (end of the mapping),
  // so try what is left of the page first.
  uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
  const size_t to_page_end = 4096 - (pc & 4095);
  size_t length = to_page_end < sizeof(bytes) ? to_page_end : sizeof(bytes);
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
  memcpy(bytes, reinterpret_cast<const void *>(pc), length);
  ZyanStatus status =
      ZydisDecoderDecodeFull(&g_decoder, bytes, length, &insn, operands);
  if (status == ZYDIS_STATUS_NO_MORE_DATA && length < sizeof(bytes)) {
    length = sizeof(bytes);
    memcpy(bytes, reinterpret_cast<const void *>(pc), length);
    status = ZydisDecoderDecodeFull(&g_decoder, bytes, length, &insn, operands);
  }
  if (!ZYAN_SUCCESS(status))
    return false;

  *out = DecodedAccesses{};
  out->length = insn.length;
  out->address32 = insn.address_width == 32;
  out->string_op = string_op_of(insn);
  out->repeated =
      out->string_op != StringOp::None &&
      (insn.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
                          ZYDIS_ATTRIB_HAS_REPNE)) != 0;
  bool has_memory_operand = false;
  const uintptr_t next_pc = pc + insn.length;
  for (unsigned i = 0; i < insn.operand_count; ++i) {
    const ZydisDecodedOperand &op = operands[i];
    if (op.type == ZYDIS_OPERAND_TYPE_REGISTER) {
      const int index = greg_index(ZydisRegisterGetLargestEnclosing(
          ZYDIS_MACHINE_MODE_LONG_64, op.reg.value));
      if (index < 0)
        continue;
      // A register counts as read when the instruction may keep any of its
      // bits: read outright, written only conditionally (cmov), or written
      // as 8/16 bits (the other bits stay).
      const bool kept_bits =
          (op.actions & ZYDIS_OPERAND_ACTION_MASK_READ) ||
          (op.actions & ZYDIS_OPERAND_ACTION_CONDWRITE) ||
          ((op.actions & ZYDIS_OPERAND_ACTION_WRITE) && op.size < 32);
      if (kept_bits)
        out->registers_read |= 1u << index;
      if (op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)
        out->registers_written |= 1u << index;
      if (insn.mnemonic == ZYDIS_MNEMONIC_XCHG && op.visibility ==
              ZYDIS_OPERAND_VISIBILITY_EXPLICIT && !is_high_byte(op.reg.value))
        out->previous_value_register = index;
      continue;
    }
    if (op.type != ZYDIS_OPERAND_TYPE_MEMORY ||
        op.mem.type != ZYDIS_MEMOP_TYPE_MEM)
      continue;
    has_memory_operand = true;
    if (op.mem.base == ZYDIS_REGISTER_RIP || op.mem.base == ZYDIS_REGISTER_EIP)
      out->rip_relative = true;
    bool ok = true;
    uint64_t address = register_value(op.mem.base, next_pc, context, &ok) +
                       register_value(op.mem.index, next_pc, context, &ok) *
                           (op.mem.scale ? op.mem.scale : 1);
    if (op.mem.disp.has_displacement)
      address += static_cast<uint64_t>(op.mem.disp.value);
    if (!ok || out->count == sizeof(out->accesses) / sizeof(out->accesses[0]))
      continue;
    if (out->address32)
      address &= 0xffffffffu;
    address += segment_base(op.mem.segment);
    OperandAccess &access = out->accesses[out->count++];
    const auto address_register = [](ZydisRegister reg) {
      return reg == ZYDIS_REGISTER_NONE
                 ? -1
                 : greg_index(ZydisRegisterGetLargestEnclosing(
                       ZYDIS_MACHINE_MODE_LONG_64, reg));
    };
    access.base_register = address_register(op.mem.base);
    access.index_register = address_register(op.mem.index);
    access.scale = op.mem.scale ? op.mem.scale : 1;
    access.plain_address =
        !out->address32 && op.mem.segment != ZYDIS_REGISTER_FS &&
        op.mem.segment != ZYDIS_REGISTER_GS &&
        op.mem.base != ZYDIS_REGISTER_RIP && op.mem.base != ZYDIS_REGISTER_EIP &&
        (op.mem.base == ZYDIS_REGISTER_NONE || access.base_register >= 0) &&
        (op.mem.index == ZYDIS_REGISTER_NONE || access.index_register >= 0);
    access.address = address;
    access.size = op.size ? op.size / 8 : 1;
    access.read = (op.actions & ZYDIS_OPERAND_ACTION_MASK_READ) != 0;
    access.write = (op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
    if (out->string_op != StringOp::None)
      out->element_size = static_cast<uint8_t>(access.size);
  }
  // bsf/bsr leave the destination unchanged when the source is zero.
  if (insn.mnemonic == ZYDIS_MNEMONIC_BSF || insn.mnemonic == ZYDIS_MNEMONIC_BSR)
    out->registers_read |= out->registers_written;
  if (out->count == 1)
    out->move = move_form_of(insn, operands);
  switch (insn.meta.category) {
    case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_UNCOND_BR:
    case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_SYSTEM:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSCALL:
    case ZYDIS_CATEGORY_SYSRET:
      out->transfers_control = true;
      break;
    default:
      break;
  }
  out->locked = (insn.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0 ||
                (insn.mnemonic == ZYDIS_MNEMONIC_XCHG && has_memory_operand);
  out->exchanges = insn.mnemonic == ZYDIS_MNEMONIC_XCHG ||
                   insn.mnemonic == ZYDIS_MNEMONIC_CMPXCHG;
  out->compare_exchange = insn.mnemonic == ZYDIS_MNEMONIC_CMPXCHG;
  if (out->compare_exchange)
    out->previous_value_register = REG_RAX;
  if (!has_memory_operand)
    out->previous_value_register = -1;
  return true;
}

}  // namespace shmcheck::trap
