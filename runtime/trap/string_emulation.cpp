#include "trap/string_emulation.h"

#include <cstring>

#include "trap/attachment_table.h"

namespace shmcheck::trap {

namespace {

constexpr uint64_t kDirectionFlag = 0x400;

uint64_t reg(const mcontext_t &c, int index, bool address32) {
  const auto v = static_cast<uint64_t>(c.gregs[index]);
  return address32 ? (v & 0xffffffffu) : v;
}

void set_reg(mcontext_t *c, int index, uint64_t value, bool address32) {
  c->gregs[index] = static_cast<greg_t>(address32 ? (value & 0xffffffffu)
                                                  : value);
}

StringRange range_of(uint64_t start, uint64_t count, unsigned size,
                     bool backwards) {
  const uint64_t bytes = count * size;
  if (!backwards)
    return {start, bytes};
  // Elements at start, start - size, ..., start - (count - 1) * size.
  return {start - (bytes - size), bytes};
}

// Where to touch [address, address + size) without faulting: the alias when
// the whole range lies in one watched attachment, the address itself when it
// touches none, nullptr when it straddles (then element by element).
uint8_t *direct_view(uintptr_t address, uint64_t size) {
  Attachment a;
  if (find_attachment(address, &a)) {
    if (a.alias != 0 && address + size <= a.base + a.mapped)
      return reinterpret_cast<uint8_t *>(a.alias + (address - a.base));
    return nullptr;
  }
  if (find_attachment(address + size - 1, &a))
    return nullptr;
  return reinterpret_cast<uint8_t *>(address);
}

uint8_t *element_view(uintptr_t address) {
  return static_cast<uint8_t *>(alias_of(reinterpret_cast<void *>(address)));
}

}  // namespace

void string_ranges(const DecodedAccesses &d, const mcontext_t &context,
                   StringRange *source, StringRange *destination) {
  const bool backwards = (context.gregs[REG_EFL] & kDirectionFlag) != 0;
  const uint64_t count = d.repeated ? reg(context, REG_RCX, d.address32) : 1;
  *source = range_of(reg(context, REG_RSI, d.address32), count,
                     d.element_size, backwards);
  *destination = range_of(reg(context, REG_RDI, d.address32), count,
                          d.element_size, backwards);
}

void emulate_repeated_string(const DecodedAccesses &d, mcontext_t *context) {
  const bool backwards = (context->gregs[REG_EFL] & kDirectionFlag) != 0;
  const unsigned size = d.element_size;
  const uint64_t count = reg(*context, REG_RCX, d.address32);
  StringRange source{};
  StringRange destination{};
  string_ranges(d, *context, &source, &destination);

  if (d.string_op == StringOp::Stos) {
    const auto value = static_cast<uint64_t>(context->gregs[REG_RAX]);
    uint8_t *view = direct_view(destination.low, destination.size);
    if (view != nullptr && size == 1) {
      memset(view, static_cast<int>(value & 0xff), destination.size);
    } else {
      for (uint64_t i = 0; i < count; ++i) {
        const uintptr_t at = destination.low + i * size;
        memcpy(view ? view + i * size : element_view(at), &value, size);
      }
    }
  } else {
    uint8_t *from = direct_view(source.low, source.size);
    uint8_t *to = direct_view(destination.low, destination.size);
    const bool disjoint =
        from && to &&
        (from + source.size <= to || to + destination.size <= from);
    if (disjoint) {
      memcpy(to, from, source.size);
    } else {
      // Overlapping or straddling: one element at a time, in the CPU's
      // order, so that overlapping copies replicate exactly as rep movs does.
      const uint64_t src = reg(*context, REG_RSI, d.address32);
      const uint64_t dst = reg(*context, REG_RDI, d.address32);
      for (uint64_t i = 0; i < count; ++i) {
        const uint64_t step = i * size;
        const uintptr_t s = backwards ? src - step : src + step;
        const uintptr_t t = backwards ? dst - step : dst + step;
        uint8_t element[8];
        memcpy(element, element_view(s), size);
        memcpy(element_view(t), element, size);
      }
    }
    const uint64_t src = reg(*context, REG_RSI, d.address32);
    const uint64_t moved = count * size;
    set_reg(context, REG_RSI, backwards ? src - moved : src + moved,
            d.address32);
  }
  const uint64_t dst = reg(*context, REG_RDI, d.address32);
  const uint64_t moved = count * size;
  set_reg(context, REG_RDI, backwards ? dst - moved : dst + moved,
          d.address32);
  set_reg(context, REG_RCX, 0, d.address32);
  context->gregs[REG_RIP] += d.length;
}

}  // namespace shmcheck::trap
