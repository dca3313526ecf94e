#include "trap/move_emulation.h"

#include <cstring>

namespace shmcheck::trap {

namespace {

// Aligned accesses stay single-copy atomic, as the instruction was: another
// process may be reading or writing the same word through its own view.
uint64_t load(uintptr_t at, unsigned bytes) {
  const bool aligned = (at & (bytes - 1)) == 0;
  if (aligned) {
    switch (bytes) {
      case 1: return __atomic_load_n(reinterpret_cast<uint8_t *>(at), __ATOMIC_RELAXED);
      case 2: return __atomic_load_n(reinterpret_cast<uint16_t *>(at), __ATOMIC_RELAXED);
      case 4: return __atomic_load_n(reinterpret_cast<uint32_t *>(at), __ATOMIC_RELAXED);
      default: return __atomic_load_n(reinterpret_cast<uint64_t *>(at), __ATOMIC_RELAXED);
    }
  }
  uint64_t value = 0;
  memcpy(&value, reinterpret_cast<const void *>(at), bytes);
  return value;
}

void store(uintptr_t at, unsigned bytes, uint64_t value) {
  const bool aligned = (at & (bytes - 1)) == 0;
  if (aligned) {
    switch (bytes) {
      case 1: __atomic_store_n(reinterpret_cast<uint8_t *>(at), static_cast<uint8_t>(value), __ATOMIC_RELAXED); return;
      case 2: __atomic_store_n(reinterpret_cast<uint16_t *>(at), static_cast<uint16_t>(value), __ATOMIC_RELAXED); return;
      case 4: __atomic_store_n(reinterpret_cast<uint32_t *>(at), static_cast<uint32_t>(value), __ATOMIC_RELAXED); return;
      default: __atomic_store_n(reinterpret_cast<uint64_t *>(at), value, __ATOMIC_RELAXED); return;
    }
  }
  memcpy(reinterpret_cast<void *>(at), &value, bytes);
}

uint64_t mask(unsigned bytes) {
  return bytes >= 8 ? ~0ull : (1ull << (bytes * 8)) - 1;
}

uint64_t sign_extend(uint64_t value, unsigned bytes) {
  if (bytes >= 8)
    return value;
  const uint64_t sign = 1ull << (bytes * 8 - 1);
  value &= mask(bytes);
  return (value ^ sign) - sign;
}

uint64_t read_register(const mcontext_t &c, const MoveForm &m) {
  const auto full = static_cast<uint64_t>(c.gregs[m.register_index]);
  return m.high_byte ? (full >> 8) & 0xff : full & mask(m.register_bytes);
}

// x86-64 register write rules: a 32-bit write clears the upper half, 8- and
// 16-bit writes keep the other bits.
void write_register(mcontext_t *c, const MoveForm &m, uint64_t value) {
  auto full = static_cast<uint64_t>(c->gregs[m.register_index]);
  if (m.high_byte)
    full = (full & ~0xff00ull) | ((value & 0xff) << 8);
  else if (m.register_bytes == 4)
    full = value & 0xffffffffu;
  else if (m.register_bytes == 8)
    full = value;
  else
    full = (full & ~mask(m.register_bytes)) | (value & mask(m.register_bytes));
  c->gregs[m.register_index] = static_cast<greg_t>(full);
}

}  // namespace

void emulate_move(const DecodedAccesses &decoded, uintptr_t alias,
                  mcontext_t *context) {
  const MoveForm &m = decoded.move;
  if (m.kind == MoveForm::Kind::Store) {
    const uint64_t value = m.from_immediate
                               ? sign_extend(m.immediate, m.memory_bytes)
                               : read_register(*context, m);
    store(alias, m.memory_bytes, value);
  } else {
    uint64_t value = load(alias, m.memory_bytes);
    if (m.extend == MoveForm::Extend::Sign)
      value = sign_extend(value, m.memory_bytes);
    write_register(context, m, value);
  }
  context->gregs[REG_RIP] += decoded.length;
}

}  // namespace shmcheck::trap
