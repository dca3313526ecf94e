// Where code is loaded, so that a return address can be stored as
// (module, offset): that is what lets one process symbolize another's stack
// although each loads its binaries at different addresses (ASLR).
//
// Module paths are registered in the shared module table; this process keeps
// its own address ranges in two buffers, switched atomically, so that a
// signal handler always reads a complete one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

// Normal context: re-reads the loaded objects when any were added or removed.
void refresh_modules();

// Forgets the local ranges (the shared table stays).
void reset_modules();

// [signal-safe] The frame for `pc`: its module and offset if known, else the
// absolute pc with module 0.
PackedFrame pack_frame(uintptr_t pc);

// [signal-safe] Changes whenever the local ranges are rebuilt: a raw pc
// packs to the same frame while it stays the same.
uint32_t modules_generation();

// Path of module `index` (1-based, as packed in frames) from the shared
// table, validated. Returns false for module 0 or a bad index.
bool module_path(uint32_t index, char *out, size_t out_size);

// If module `index` is loaded in this process, its load bias.
bool module_local_bias(uint32_t index, uintptr_t *bias);

inline uint32_t frame_module(PackedFrame f) { return static_cast<uint32_t>(f >> kFrameModuleShift); }
inline uint64_t frame_offset(PackedFrame f) { return f & kFrameOffsetMask; }

}  // namespace shmcheck::core
