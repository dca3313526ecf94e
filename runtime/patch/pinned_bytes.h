// Keeping punned jumps valid while the bytes they read change.
//
// A punned jump's displacement ends in the next instruction's bytes. When
// that instruction is patched in turn, its bytes change one at a time
// (install_jump with `bytewise`), and the earlier jump's target moves with
// each of them. Before the first byte changes, every such jump gets a pad
// (a jump on to its generated code) at each target it will have along the
// way, so that a thread executing it at any moment lands on one.
#pragma once

#include <cstdint>

#include "patch/patched_site.h"

namespace shmcheck::patch {

class TextWriter;

// `site` is about to go from its original bytes to `new_bytes`. False (and
// `why`) when a pad cannot be placed (the site then keeps trapping). Under
// the trap lock.
bool keep_punned_jumps_valid(TextWriter &writer, const PatchedSite &site,
                             const uint8_t *new_bytes, const char **why);

}  // namespace shmcheck::patch
