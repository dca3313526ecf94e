// Trap mode's hot instructions stop trapping: after an instruction has
// trapped patch_threshold times, it is rewritten into a jump to generated
// code that checks its access as instrumented mode does (range check; in a
// segment: record with the core and run the instruction on the alias view;
// elsewhere: run it as written) and continues after it. The watched pages
// stay protected, so code that was never patched still traps.
//
// The pieces: site_selection (which instructions), stub_builder (their
// code), access_thunk/patched_access (what the code calls), code_pages
// (where it lives), jump_installer and text_writer (how the jump gets in).
#pragma once

#include <sys/ucontext.h>

#include <cstdint>

namespace shmcheck::patch {

// Normal context, at start: reads patch_sites and patch_threshold, and
// prepares what patching needs; with verbosity >= 2 every patched site (and
// every refusal) is logged.
void configure(int verbosity);

// With the trap lock held, after the trap path carried out the access of the
// instruction at `pc` and the faulting thread no longer resumes at `pc`.
// Counts the trap; at the threshold, patches the site or marks it refused.
void note_trap(uintptr_t pc);

// [signal-safe] SIGSEGV at `pc` after the instruction there was replaced by
// a jump (the fault was raised by the old instruction): the thread only has
// to run it again.
bool replaced(uintptr_t pc);

// [signal-safe] SIGTRAP at the int3 of an installation in progress: sends
// the thread to the site's generated code. False when it is not one.
bool redirect_breakpoint(ucontext_t *uc);

// [signal-safe] A signal the application gets, raised by a relocated
// instruction: makes the context the one the instruction would have faulted
// with in place (pc, rsp and the scratch register). No-op otherwise.
void restore_site_context(ucontext_t *uc);

// Sites patched, sites that reached the threshold, and the traps taken at
// sites that are not patched (for verbosity=1).
struct PatchCounts {
  uint64_t patched;
  uint64_t hot;
  uint64_t unpatched_traps;
};
PatchCounts patch_counts();

// Lists the sites not patched that trapped at least `at_least` times, and
// why (verbosity=2, at exit).
void print_unpatched_sites(uint32_t at_least);

}  // namespace shmcheck::patch
