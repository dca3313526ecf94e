// Writes the jump from a site to its generated code, atomically for threads
// executing the site meanwhile.
//
// Only the instruction's own bytes change, so no jump target elsewhere can
// be broken (there is no control-flow graph to prove one safe). An
// instruction of 5 bytes or more gets `jmp rel32` to its code. A shorter one
// gets a punned jump: its own bytes hold optional ignored prefixes, the
// opcode and the low bytes of the displacement, and the displacement's high
// bytes are the next instruction's bytes, left as they are. That fixes a
// window (256 bytes to 16 MiB) where the jump lands; a 5-byte pad there
// jumps on to the code. The next instruction's bytes are pinned from then
// on (site_table.h).
//
// Installation: the first byte becomes int3, every thread serializes, the
// other bytes are written, every thread serializes, the first byte is
// written, every thread serializes. A thread that meets the int3 is sent to
// the generated code by the SIGTRAP handler (site_patching.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "patch/patched_site.h"

namespace shmcheck::patch {

class TextWriter;

struct JumpPlan {
  uint8_t bytes[15];  // the new bytes of the instruction (site.length of them)
  uint8_t span = 0;   // bytes of text the jump reads, from the site's pc
  uintptr_t pad = 0;  // punned: where the pad goes (allocated), else 0
};

// Plans the jump for `site` (pc, length) to code of `stub_size` bytes.
// `following` holds the 4 bytes after the instruction. Allocates the pad and
// the code (`*stub`, near what jumps to it). False when neither fits.
bool plan_jump(const PatchedSite &site, const uint8_t *following,
               size_t stub_size, JumpPlan *plan, uintptr_t *stub);

// Writes the pad (if any), then the jump with the int3-first protocol. The
// site must already be marked Installing. With `bytewise` the bytes after
// the first are written one at a time, every thread serializing after each
// (an earlier punned jump reads them: pinned_bytes.h). False when a write
// failed (the original bytes are then back).
bool install_jump(TextWriter &writer, const PatchedSite &site,
                  const JumpPlan &plan, uintptr_t stub, bool bytewise);

}  // namespace shmcheck::patch
