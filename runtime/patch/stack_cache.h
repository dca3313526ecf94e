// Stacks of patched sites, kept so that most accesses need no unwinding.
//
// Unwinding with DWARF costs far more than the rest of a patched access. A
// site is usually reached through the same few call chains, so each site
// keeps its last two stacks with the distance between consecutive frames'
// canonical frame addresses. A stack is reused when, walking those
// distances up from the site's rsp, every frame's return address is still
// at its cfa - 8: the same chain of calls, at the same depth. A frame whose
// size changed (alloca) moves the return addresses and the stack is
// unwound again. Entries are per site and guarded by a sequence count, so
// threads running the same site never see half an entry.
#pragma once

#include <cstddef>
#include <cstdint>

#include "patch/patched_site.h"

namespace shmcheck::patch {

// [signal-safe] The stack last remembered for `site` that still matches the
// stack above `rsp` (the application's rsp at the site); 0 when none does.
size_t cached_stack(const PatchedSite &site, uintptr_t rsp, uintptr_t *frames,
                    size_t max);

// [signal-safe] Remembers an unwound stack (frames and their cfas).
void remember_stack(const PatchedSite &site, uintptr_t rsp,
                    const uintptr_t *frames, const uintptr_t *cfas,
                    size_t count);

}  // namespace shmcheck::patch
