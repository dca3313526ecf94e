// Pages of generated code, placed where a rel32 jump can reach them.
//
// A jump written over an instruction reaches +-2 GiB from it, and a punned
// jump (one whose displacement overlaps the next instruction's bytes) can
// only land in a small window fixed by those bytes. The allocator hands out
// byte ranges inside a requested window, from pages it already mapped or
// from new ones it maps there (MAP_FIXED_NOREPLACE: never over anything
// else). Pages are private, readable and executable, never writable: code
// is written into them through text_writer.h. Called under the trap lock.
// A forked child inherits the pages and the table with them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shmcheck::patch {

// `size` free bytes starting in [lo, hi] (inclusive bounds on the start),
// marked used. 0 when no page there can be had.
uintptr_t allocate_code(uintptr_t lo, uintptr_t hi, size_t size);

// `size` free bytes anywhere within +-(2 GiB - 64 KiB) of `near`.
uintptr_t allocate_code_near(uintptr_t near, size_t size);

// True when `address` lies in a page of generated code.
bool in_code_pages(uintptr_t address);

}  // namespace shmcheck::patch
