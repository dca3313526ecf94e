#include "patch/stub_builder.h"

#include <cstring>
#include <initializer_list>

#include "patch/access_thunk.h"

namespace shmcheck::patch {

namespace {

class Emitter {
 public:
  explicit Emitter(Stub *stub) : s_(stub) {}
  void bytes(std::initializer_list<uint8_t> list) {
    for (uint8_t b : list)
      byte(b);
  }
  void byte(uint8_t b) {
    if (s_->size < sizeof(s_->code))
      s_->code[s_->size] = b;
    ++s_->size;
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  // An instruction `opcode2 disp32` with a rip-relative reference to
  // literal `index`, resolved by finish().
  void rip_literal(uint8_t modrm, int index) {
    bytes({0xff, modrm});
    fixups_[fixup_count_++] = {s_->size, index};
    u32(0);
  }
  void push_reg(int n) {
    if (n >= 8)
      byte(0x41);
    byte(static_cast<uint8_t>(0x50 + (n & 7)));
  }
  void pop_reg(int n) {
    if (n >= 8)
      byte(0x41);
    byte(static_cast<uint8_t>(0x58 + (n & 7)));
  }
  bool encoded(const ZydisEncoderRequest &request) {
    uint8_t buffer[ZYDIS_MAX_INSTRUCTION_LENGTH];
    ZyanUSize length = sizeof(buffer);
    if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&request, buffer, &length)))
      return false;
    for (ZyanUSize i = 0; i < length; ++i)
      byte(buffer[i]);
    return true;
  }
  // Appends the literals and resolves the references to them.
  bool finish(const uint64_t *literals, int count) {
    while (s_->size % 8 != 0)
      byte(0xcc);
    const size_t base = s_->size;
    for (int i = 0; i < count; ++i)
      u64(literals[i]);
    for (int i = 0; i < fixup_count_; ++i) {
      const size_t at = fixups_[i].offset;
      const auto disp = static_cast<uint32_t>(base + 8 * fixups_[i].index -
                                              (at + 4));
      memcpy(s_->code + at, &disp, 4);
    }
    return s_->size <= sizeof(s_->code);
  }

 private:
  struct Fixup {
    size_t offset;
    int index;
  };
  Stub *s_;
  Fixup fixups_[8];
  int fixup_count_ = 0;
};

enum Literal { kUnwindPc, kSite, kTranslate, kComplete, kNext, kLiteralCount };

ZydisRegister gpr64(int n) {
  return static_cast<ZydisRegister>(ZYDIS_REGISTER_RAX + n);
}

}  // namespace

bool build_stub(const SitePlan &plan, uintptr_t pc, const void *site,
                bool completes, Stub *out) {
  *out = Stub{};
  Emitter e(out);
  const int s = plan.scratch;
  const ZydisDecodedOperand &mem = plan.operands[plan.memory_operand];

  e.bytes({0x48, 0x8d, 0x64, 0x24, 0x80});  // lea rsp, [rsp-128]
  e.push_reg(s);
  // lea S, [base + index*scale + disp]
  ZydisEncoderRequest lea;
  memset(&lea, 0, sizeof(lea));
  lea.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
  lea.mnemonic = ZYDIS_MNEMONIC_LEA;
  lea.operand_count = 2;
  lea.operands[0].type = ZYDIS_OPERAND_TYPE_REGISTER;
  lea.operands[0].reg.value = gpr64(s);
  lea.operands[1].type = ZYDIS_OPERAND_TYPE_MEMORY;
  lea.operands[1].mem.base = mem.mem.base;
  lea.operands[1].mem.index = mem.mem.index;
  lea.operands[1].mem.scale = mem.mem.index == ZYDIS_REGISTER_NONE
                                  ? 0 : mem.mem.scale;
  lea.operands[1].mem.displacement =
      mem.mem.disp.has_displacement ? mem.mem.disp.value : 0;
  lea.operands[1].mem.size = 8;
  if (!e.encoded(lea))
    return false;
  e.push_reg(s);
  e.push_reg(s);
  // S gets its own value back for the call: the unwinder reads the site's
  // registers through the thunk, and a frame's rule may name S (a function
  // that realigns its stack keeps its frame address in a register).
  const uint8_t restore[5] = {static_cast<uint8_t>(0x48 | (s >= 8 ? 4 : 0)),
                              0x8b,
                              static_cast<uint8_t>(0x44 | ((s & 7) << 3)),
                              0x24, 0x10};  // mov S, [rsp+16]
  for (uint8_t b : restore)
    e.byte(b);
  e.rip_literal(0x35, kUnwindPc);  // push [rip+unwind pc]
  e.rip_literal(0x35, kSite);      // push [rip+site]
  e.rip_literal(0x15, kTranslate);  // call [rip+translate]
  for (uint8_t b : restore)  // mov S, [rsp+16]: the address to use
    e.byte(b);

  // The instruction, its memory operand replaced by [S].
  ZydisEncoderRequest request;
  if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(
          &plan.insn, plan.operands, plan.insn.operand_count_visible,
          &request)))
    return false;
  bool replaced = false;
  for (ZyanU8 i = 0; i < request.operand_count; ++i) {
    ZydisEncoderOperand &op = request.operands[i];
    if (op.type != ZYDIS_OPERAND_TYPE_MEMORY)
      continue;
    op.mem.base = gpr64(s);
    op.mem.index = ZYDIS_REGISTER_NONE;
    op.mem.scale = 0;
    op.mem.displacement = 0;
    replaced = true;
  }
  if (!replaced)
    return false;
  out->insn_offset = out->size;
  if (!e.encoded(request))
    return false;
  out->insn_length = out->size - out->insn_offset;

  if (completes)
    e.rip_literal(0x15, kComplete);  // call [rip+complete]
  e.bytes({0x48, 0x8d, 0x64, 0x24, 0x20});  // lea rsp, [rsp+32]
  e.pop_reg(s);
  e.bytes({0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00});  // lea rsp, [rsp+128]
  e.rip_literal(0x25, kNext);  // jmp [rip+next]
  const uint64_t literals[kLiteralCount] = {
      pc + 1, reinterpret_cast<uint64_t>(site),
      reinterpret_cast<uint64_t>(&shmcheck_patch_translate_thunk),
      reinterpret_cast<uint64_t>(&shmcheck_patch_complete_thunk),
      pc + plan.insn.length};
  return e.finish(literals, kLiteralCount);
}

}  // namespace shmcheck::patch
