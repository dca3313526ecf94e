#include "patch/pinned_bytes.h"

#include <cstring>

#include "patch/code_pages.h"
#include "patch/site_table.h"
#include "patch/text_writer.h"

namespace shmcheck::patch {

namespace {

constexpr uint8_t kInt3 = 0xcc;

// Where the punned jump of `jumper` lands when the bytes of `site` are
// `state` (the rest of its text as it is now).
uintptr_t target_with(const PatchedSite &jumper, const PatchedSite &site,
                      const uint8_t *state) {
  uint8_t text[20];
  memcpy(text, reinterpret_cast<const void *>(jumper.pc), jumper.jump_span);
  const size_t from = site.pc - jumper.pc;
  for (size_t i = 0; i < site.length && from + i < jumper.jump_span; ++i)
    text[from + i] = state[i];
  const size_t prefixes = jumper.jump_span - 5;
  int32_t displacement = 0;
  memcpy(&displacement, text + prefixes + 1, 4);
  return jumper.pc + jumper.jump_span + static_cast<int64_t>(displacement);
}

bool place_pad(TextWriter &writer, uintptr_t at, uintptr_t code,
               const char **why) {
  const auto delta = static_cast<int64_t>(code - (at + 5));
  if (delta < INT32_MIN || delta > INT32_MAX) {
    *why = "pinned: code out of reach";
    return false;
  }
  if (allocate_code(at, at, 5) != at) {
    *why = "pinned: no room for a pad";
    return false;
  }
  uint8_t jump[5] = {0xe9};
  const auto d = static_cast<int32_t>(delta);
  memcpy(jump + 1, &d, 4);
  return writer.write(at, jump, sizeof(jump));
}

}  // namespace

bool keep_punned_jumps_valid(TextWriter &writer, const PatchedSite &site,
                             const uint8_t *new_bytes, const char **why) {
  bool ok = true;
  for_each_site([&](const PatchedSite &jumper) {
    const SiteState state = jumper.state.load(std::memory_order_acquire);
    if (!ok || jumper.pad == 0 || state != SiteState::Installed ||
        !(jumper.pc < site.pc && site.pc < jumper.pc + jumper.jump_span))
      return;
    // The states install_jump goes through: int3 first, then each later
    // byte, then the first byte.
    uint8_t bytes[15];
    memcpy(bytes, site.original, site.length);
    const uintptr_t now = target_with(jumper, site, bytes);
    uintptr_t placed[17];
    size_t placed_count = 0;
    const auto visit = [&]() {
      const uintptr_t t = target_with(jumper, site, bytes);
      if (t == now)
        return true;
      for (size_t i = 0; i < placed_count; ++i)
        if (placed[i] == t)
          return true;
      if (!place_pad(writer, t, jumper.stub, why))
        return false;
      placed[placed_count++] = t;
      return true;
    };
    bytes[0] = kInt3;
    ok = visit();
    for (size_t i = 1; ok && i < site.length; ++i) {
      bytes[i] = new_bytes[i];
      ok = visit();
    }
    if (ok) {
      bytes[0] = new_bytes[0];
      ok = visit();
    }
  });
  return ok;
}

}  // namespace shmcheck::patch
