#include "patch/jump_installer.h"

#include <cstring>

#include "patch/code_pages.h"
#include "patch/text_writer.h"

namespace shmcheck::patch {

namespace {

constexpr uint8_t kJmp = 0xe9;
constexpr uint8_t kInt3 = 0xcc;
constexpr uint8_t kIgnoredPrefix = 0x26;  // es: no effect on a jump
constexpr size_t kPadBytes = 5;

bool rel32(uintptr_t from_next, uintptr_t to, int32_t *out) {
  const auto delta = static_cast<int64_t>(to - from_next);
  if (delta < INT32_MIN || delta > INT32_MAX)
    return false;
  *out = static_cast<int32_t>(delta);
  return true;
}

void put_jump(uint8_t *at, int32_t displacement) {
  at[0] = kJmp;
  memcpy(at + 1, &displacement, 4);
}

}  // namespace

bool plan_jump(const PatchedSite &site, const uint8_t *following,
               size_t stub_size, JumpPlan *plan, uintptr_t *stub) {
  *plan = JumpPlan{};
  const size_t length = site.length;
  if (length >= 5) {
    *stub = allocate_code_near(site.pc, stub_size);
    int32_t d = 0;
    if (*stub == 0 || !rel32(site.pc + 5, *stub, &d))
      return false;
    put_jump(plan->bytes, d);
    memset(plan->bytes + 5, kInt3, length - 5);  // never executed
    plan->span = static_cast<uint8_t>(length);
    return true;
  }
  // Punned: `prefixes` ignored prefixes, the opcode, then `free` low bytes
  // of the displacement in the instruction and 4 - free from `following`.
  uint8_t text[4 + 4];
  memcpy(text, site.original, length);
  memcpy(text + length, following, 4);
  for (size_t prefixes = 0; prefixes < length; ++prefixes) {
    const size_t free = length - prefixes - 1;
    uint32_t fixed = 0;
    for (size_t i = free; i < 4; ++i)
      fixed |= static_cast<uint32_t>(text[prefixes + 1 + i]) << (8 * i);
    const uint32_t span = free == 0 ? 0 : (uint32_t{1} << (8 * free)) - 1;
    const int64_t low = static_cast<int32_t>(fixed);
    const int64_t high = low + span;
    const uintptr_t next = site.pc + prefixes + 5;
    if (static_cast<int64_t>(next) + low < 0)
      continue;
    const uintptr_t pad = allocate_code(next + low, next + high, kPadBytes);
    if (pad == 0)
      continue;
    *stub = allocate_code_near(pad, stub_size);
    if (*stub == 0)
      return false;  // the pad stays allocated and unused: harmless
    memset(plan->bytes, kIgnoredPrefix, prefixes);
    plan->bytes[prefixes] = kJmp;
    const auto d = static_cast<uint32_t>(pad - next);
    for (size_t i = 0; i < free; ++i)
      plan->bytes[prefixes + 1 + i] = static_cast<uint8_t>(d >> (8 * i));
    plan->span = static_cast<uint8_t>(prefixes + 5);
    plan->pad = pad;
    return true;
  }
  return false;
}

bool install_jump(TextWriter &writer, const PatchedSite &site,
                  const JumpPlan &plan, uintptr_t stub, bool bytewise) {
  if (plan.pad != 0) {
    uint8_t pad[kPadBytes];
    int32_t d = 0;
    if (!rel32(plan.pad + 5, stub, &d))
      return false;
    put_jump(pad, d);
    if (!writer.write(plan.pad, pad, sizeof(pad)))
      return false;
  }
  const uintptr_t pc = site.pc;
  const size_t n = site.length;
  const uint8_t int3 = kInt3;
  if (!writer.write(pc, &int3, 1))
    return false;
  bool ok = sync_cores();
  if (bytewise) {
    for (size_t i = 1; ok && i < n; ++i)
      ok = writer.write(pc + i, plan.bytes + i, 1) && sync_cores();
  } else if (n > 1) {
    ok = ok && writer.write(pc + 1, plan.bytes + 1, n - 1);
  }
  ok = ok && sync_cores() && writer.write(pc, plan.bytes, 1);
  if (!ok) {
    // Back to the original instruction, in the same order.
    if (n > 1)
      writer.write(pc + 1, site.original + 1, n - 1);
    sync_cores();
    writer.write(pc, site.original, 1);
  }
  sync_cores();
  return ok;
}

}  // namespace shmcheck::patch
