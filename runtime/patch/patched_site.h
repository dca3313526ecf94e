// One instruction that trap mode rewrote (or considered rewriting) into a
// jump to generated code: what the generated code and the fault handlers
// need to know about it. Records live in a fixed table in the library's own
// memory (site_table.h), so a forked child inherits them with the code.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/core_api.h"

namespace shmcheck::patch {

enum class SiteState : uint8_t {
  Counting,    // trapped fewer than patch_threshold times so far
  Refused,     // not patchable: stays trapping for good
  Installing,  // generated code ready, jump being written (int3 first)
  Installed,   // the jump is in place
};

struct PatchedSite {
  uintptr_t pc = 0;  // the instruction's address; 0: free slot
  uint8_t length = 0;
  uint8_t original[15] = {};  // its bytes before the jump was written
  uint32_t traps = 0;
  std::atomic<SiteState> state{SiteState::Counting};

  // The one memory operand, as the generated code records it.
  uint64_t access_size = 0;
  core::AccessType type = core::AccessType::Read;
  core::MemoryOrder order = 0;
  bool reads = false;
  bool writes = false;
  bool completes = false;  // loads and atomics take their edge afterwards

  // The generated code: `stub` is its entry; the relocated instruction lies
  // at [insn_begin, insn_end). `scratch_greg` (gregs index) is the register
  // that holds the operand's address there; its own value is saved at
  // rsp + kSavedScratchOffset while the relocated instruction runs, and the
  // application's rsp is rsp + kFrameBytes.
  uintptr_t stub = 0;
  uintptr_t insn_begin = 0;
  uintptr_t insn_end = 0;
  int scratch_greg = -1;
  // Bytes of the application's text the jump occupies from pc (more than
  // `length` when it overlaps the next instruction: punning). Those bytes
  // must never change again, so no site may start inside them.
  uint8_t jump_span = 0;
  uintptr_t pad = 0;  // the punned jump's landing pad, 0 for a direct jump
  char refusal[24] = {};  // why it stays trapping (verbosity=2 and tests)
};

// The generated code's frame while the relocated instruction runs (see
// stub_builder.h): [rsp] site, [rsp+8] unwind pc, [rsp+16] address used,
// [rsp+24] application address, [rsp+32] saved scratch, then the 128 bytes
// kept free for the application's red zone.
inline constexpr uintptr_t kSavedScratchOffset = 32;
inline constexpr uintptr_t kFrameBytes = 40 + 128;

}  // namespace shmcheck::patch
