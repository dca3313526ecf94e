#include "patch/access_thunk.h"

#include <cpuid.h>

// Bytes the thunks reserve for xsave, a multiple of 64 (the area must be
// 64-byte aligned). Set once at start.
extern "C" {
__attribute__((visibility("hidden"))) uint64_t shmcheck_patch_xsave_bytes = 0;
}

namespace shmcheck::patch {

bool prepare_thunks() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || (ecx & bit_OSXSAVE) == 0)
    return false;
  // Leaf 0xd, sub-leaf 0: ebx is the area size for what the OS enabled.
  __cpuid_count(0xd, 0, eax, ebx, ecx, edx);
  if (ebx < 576)
    return false;
  // Sub-leaf 1, eax bit 1: xsavec.
  unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
  __cpuid_count(0xd, 1, a1, b1, c1, d1);
  if ((a1 & 2) == 0)
    return false;
  shmcheck_patch_xsave_bytes = (ebx + 63) & ~uint64_t{63};
  return true;
}

}  // namespace shmcheck::patch

// The thunks. At entry rsp is the application's rsp minus 176 (see
// PatchFrame and stub_builder.h): the canonical frame address is rsp + 176
// and the unwind pc lies at CFA - 160. Register numbers in .cfi_offset are
// DWARF's (16: the return address column).
#define SHMCHECK_THUNK(name, target)                                          \
  ".globl " #name "\n"                                                        \
  ".hidden " #name "\n"                                                       \
  ".type " #name ", @function\n"                                              \
  #name ":\n"                                                                 \
  ".cfi_startproc\n"                                                          \
  ".cfi_def_cfa %rsp, 176\n"                                                  \
  ".cfi_offset 16, -160\n"                                                    \
  "pushfq\n"                                                                  \
  ".cfi_adjust_cfa_offset 8\n"                                                \
  "push %rax\n .cfi_adjust_cfa_offset 8\n"                                    \
  "push %rcx\n .cfi_adjust_cfa_offset 8\n"                                    \
  "push %rdx\n .cfi_adjust_cfa_offset 8\n"                                    \
  "push %rsi\n .cfi_adjust_cfa_offset 8\n"                                    \
  "push %rdi\n .cfi_adjust_cfa_offset 8\n"                                    \
  "push %r8\n .cfi_adjust_cfa_offset 8\n"                                     \
  "push %r9\n .cfi_adjust_cfa_offset 8\n"                                     \
  "push %r10\n .cfi_adjust_cfa_offset 8\n"                                    \
  "push %r11\n .cfi_adjust_cfa_offset 8\n"                                    \
  "push %rbp\n .cfi_adjust_cfa_offset 8\n"                                    \
  ".cfi_offset %rbp, -264\n"                                                  \
  "mov %rsp, %rbp\n"                                                          \
  ".cfi_def_cfa_register %rbp\n"                                              \
  "and $-64, %rsp\n"                                                          \
  "sub shmcheck_patch_xsave_bytes(%rip), %rsp\n"                              \
  /* xrstor needs a clean header: xsave writes only the bits of the       \
     state it saves into bytes 0-7, and nothing into bytes 8-63. */         \
  "xor %eax, %eax\n mov %rax, 512(%rsp)\n"                                    \
  "mov %rax, 520(%rsp)\n mov %rax, 528(%rsp)\n mov %rax, 536(%rsp)\n"         \
  "mov %rax, 544(%rsp)\n mov %rax, 552(%rsp)\n mov %rax, 560(%rsp)\n"         \
  "mov %rax, 568(%rsp)\n"                                                     \
  "mov $-1, %eax\n mov $-1, %edx\n"                                           \
  /* Compacted, and skipping what is in its initial state: most programs  \
     leave the AVX-512 state unused, and saving it dominated the cost. */   \
  "xsavec (%rsp)\n"                                                           \
  "cld\n"                                                                     \
  "lea 96(%rbp), %rdi\n"                                                      \
  "call " #target "\n"                                                        \
  "mov $-1, %eax\n mov $-1, %edx\n"                                           \
  "xrstor (%rsp)\n"                                                           \
  /* The epilogue keeps the unwind rules exact at every instruction: a     \
     signal handler may unwind from any of them. */                          \
  "mov %rbp, %rsp\n"                                                          \
  ".cfi_def_cfa_register %rsp\n"                                              \
  "pop %rbp\n .cfi_adjust_cfa_offset -8\n .cfi_restore %rbp\n"                \
  "pop %r11\n .cfi_adjust_cfa_offset -8\n"                                    \
  "pop %r10\n .cfi_adjust_cfa_offset -8\n"                                    \
  "pop %r9\n .cfi_adjust_cfa_offset -8\n"                                     \
  "pop %r8\n .cfi_adjust_cfa_offset -8\n"                                     \
  "pop %rdi\n .cfi_adjust_cfa_offset -8\n"                                    \
  "pop %rsi\n .cfi_adjust_cfa_offset -8\n"                                    \
  "pop %rdx\n .cfi_adjust_cfa_offset -8\n"                                    \
  "pop %rcx\n .cfi_adjust_cfa_offset -8\n"                                    \
  "pop %rax\n .cfi_adjust_cfa_offset -8\n"                                    \
  "popfq\n .cfi_adjust_cfa_offset -8\n"                                       \
  "ret\n"                                                                     \
  ".cfi_endproc\n"                                                            \
  ".size " #name ", . - " #name "\n"

__asm__(".text\n"
        SHMCHECK_THUNK(shmcheck_patch_translate_thunk, shmcheck_patched_access)
        SHMCHECK_THUNK(shmcheck_patch_complete_thunk,
                       shmcheck_patched_access_done));
