// The generated code of one patched site.
//
//   lea  rsp, [rsp-128]          ; keep clear of the red zone
//   push S                       ; S: a register the instruction leaves alone
//   lea  S, [operand]            ; the application address
//   push S ; push S              ; application address, address to use
//   mov  S, [rsp+16]             ; S as at the site, for the unwinder
//   push [unwind pc] ; push [site]
//   call [translate thunk]       ; records, picks the alias or the address
//   mov  S, [rsp+16]
//   <the instruction, its operand rewritten to [S]>
//   call [complete thunk]        ; loads and atomics: their acquire edge
//   lea  rsp, [rsp+32] ; pop S ; lea rsp, [rsp+128]
//   jmp  [next instruction]
//   literals
//
// The thunks (access_thunk.h) preserve every register and the flags, so the
// instruction sees exactly the state it would have seen in place, and sets
// flags and registers as it would have. Everything is relative to the
// code's own position or absolute: the code runs wherever it is put.
#pragma once

#include <cstddef>
#include <cstdint>

#include "patch/site_selection.h"

namespace shmcheck::patch {

inline constexpr size_t kMaxStubBytes = 160;

struct Stub {
  uint8_t code[kMaxStubBytes];
  size_t size = 0;
  size_t insn_offset = 0;  // where the relocated instruction starts
  size_t insn_length = 0;
};

// Builds the code for `plan` at `pc`, for the site record `site`. False when
// the instruction cannot be re-encoded on the scratch register.
bool build_stub(const SitePlan &plan, uintptr_t pc, const void *site,
                bool completes, Stub *out);

}  // namespace shmcheck::patch
