// The two entry points generated code calls (stub_builder.h), and what they
// call in C++.
//
// A thunk is entered from generated code with the frame
//   [rsp+8] site, [rsp+16] unwind pc, [rsp+24] address to use,
//   [rsp+32] application address
// (PatchFrame). It saves the flags, every caller-saved general register and
// the whole extended state (xsavec), aligns the stack, clears the direction
// flag, calls the C++ function with the frame, and restores everything: to
// the patched code, the call is invisible except for what the function
// wrote into the frame.
//
// The translate thunk's unwind information describes the site as its caller
// (the canonical frame is the application's rsp, the return address the
// unwind pc), so a stack captured inside it starts at the site and goes on
// through the application's own frames.
#pragma once

#include <cstdint>

#include "patch/patched_site.h"

namespace shmcheck::patch {

struct PatchFrame {
  const PatchedSite *site;
  uintptr_t unwind_pc;    // the site's pc + 1 (a return address inside it)
  uintptr_t use;          // out: the address the instruction runs on
  uintptr_t application;  // in: the operand's address; out: 0 when there is
                          // nothing to complete
};

// Normal context, at start: sizes the xsave area. False when the CPU has no
// xsavec (patching then stays off).
bool prepare_thunks();

}  // namespace shmcheck::patch

extern "C" {
void shmcheck_patch_translate_thunk();
void shmcheck_patch_complete_thunk();
// Called by the thunks (patched_access.cpp).
void shmcheck_patched_access(shmcheck::patch::PatchFrame *frame);
void shmcheck_patched_access_done(shmcheck::patch::PatchFrame *frame);
}
