// What memory one x86-64 instruction touches, decoded with Zydis at the
// faulting pc against the interrupted thread's registers.
#pragma once

#include <sys/ucontext.h>

#include <cstddef>
#include <cstdint>

namespace shmcheck::trap {

struct OperandAccess {
  uintptr_t address;
  uint64_t size;
  bool read;
  bool write;
  // How the address was formed: gregs indexes of the base and index
  // registers (-1 when absent) and the scale. plain_address is false when a
  // segment base, rip or a 32-bit address size also took part.
  int base_register;
  int index_register;
  uint8_t scale;
  bool plain_address;
};

enum class StringOp : uint8_t {
  None,
  Movs,   // rep movs: emulated as one copy
  Stos,   // rep stos: emulated as one fill
  Other,  // rep lods/scas/cmps: stepped one iteration at a time
};

// A plain data move between a general-purpose register (or an immediate)
// and memory: mov, movzx, movsx, movsxd. These are most accesses, and the
// fault handler carries them out itself on the alias view.
struct MoveForm {
  enum class Kind : uint8_t { None, Load, Store };
  enum class Extend : uint8_t { None, Zero, Sign };
  Kind kind = Kind::None;
  Extend extend = Extend::None;
  bool from_immediate = false;  // Store of `immediate`
  bool high_byte = false;       // ah, ch, dh, bh
  int register_index = -1;      // gregs index
  uint8_t register_bytes = 0;   // width of the register operand
  uint8_t memory_bytes = 0;     // width of the memory operand
  uint64_t immediate = 0;
};

struct DecodedAccesses {
  uint8_t length = 0;           // instruction length in bytes
  bool locked = false;          // lock prefix, or xchg with memory
  bool exchanges = false;       // xchg or cmpxchg: the updates that take locks
  // Where the word's previous value is after an xchg (its register
  // operand, gregs index) or a successful cmpxchg (rax); -1 when unknown.
  int previous_value_register = -1;
  bool compare_exchange = false;  // cmpxchg: rax holds it only if ZF is set
  bool repeated = false;        // rep/repe/repne prefix on a string op
  StringOp string_op = StringOp::None;
  uint8_t element_size = 0;     // string element size in bytes
  bool address32 = false;       // 0x67 prefix: rcx/rsi/rdi are 32 bits
  OperandAccess accesses[4];    // memory operands, explicit and hidden
  size_t count = 0;
  // gregs indexes (as bits) of the general-purpose registers the
  // instruction reads (or may leave partly unchanged) and writes, as
  // operands (not as address parts).
  uint32_t registers_read = 0;
  uint32_t registers_written = 0;
  // Branches, calls, returns, system instructions: they depend on where
  // they execute and may never come back to the next instruction.
  bool transfers_control = false;
  bool rip_relative = false;    // an operand is addressed relative to rip
  MoveForm move;
};

// The hardware number (0 = rax ... 15 = r15) of a gregs index, -1 if none.
int hardware_register_number(int greg_index);

// Must run once before the first decode (in normal context).
void init_instruction_decoder();

// Decodes the instruction at `pc`. False when Zydis cannot decode it.
bool decode_accesses(uintptr_t pc, const mcontext_t &context,
                     DecodedAccesses *out);

}  // namespace shmcheck::trap
