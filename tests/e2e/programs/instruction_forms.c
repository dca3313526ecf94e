/* Every way the runtime carries out a trapped access must leave registers,
 * flags and memory exactly as the instruction itself would: plain moves of
 * each width (emulated), movzx/movsx/movsxd, immediate stores, high-byte
 * registers, read-modify-writes and atomics (run on the alias view),
 * instructions that use their address register as data too (stepped on an
 * opened page), a push from the segment, accesses straddling a page
 * boundary, and rep movs/stos (forward, backward, overlapping), once or
 * for several rounds. Prints everything it sees; the driver compares with a
 * run without the runtime. */
#include <stdint.h>

#include "e2e_util.h"

static uint64_t *seg;

static void show(const char *what, uint64_t a, uint64_t b) {
  printf("%-14s %016llx %016llx\n", what, (unsigned long long)a,
         (unsigned long long)b);
}

static void moves(void) {
  uint64_t r = 0x1111111111111111ull;
  seg[0] = 0x8899aabbccddeeffull;
  __asm__ volatile("movb (%1), %b0" : "+r"(r) : "r"(seg) : "memory");
  show("load8", r, 0);
  r = 0x1111111111111111ull;
  __asm__ volatile("movw (%1), %w0" : "+r"(r) : "r"(seg) : "memory");
  show("load16", r, 0);
  r = 0x1111111111111111ull;
  __asm__ volatile("movl (%1), %k0" : "+r"(r) : "r"(seg) : "memory");
  show("load32", r, 0);
  uint64_t ax = 0x2222222222222222ull;
  __asm__ volatile("movb 1(%1), %%ah" : "+a"(ax) : "r"(seg) : "memory");
  show("load-ah", ax, 0);
  __asm__ volatile("movb %%ah, 9(%1)" : : "a"(0x7766554433221100ull), "r"(seg) : "memory");
  show("store-ah", seg[1], 0);
  r = 0;
  __asm__ volatile("movzbl 7(%1), %k0" : "=r"(r) : "r"(seg) : "memory");
  show("movzx8", r, 0);
  r = 0;
  __asm__ volatile("movswq 6(%1), %0" : "=r"(r) : "r"(seg) : "memory");
  show("movsx16", r, 0);
  r = 0;
  __asm__ volatile("movslq 4(%1), %0" : "=r"(r) : "r"(seg) : "memory");
  show("movsxd", r, 0);
  __asm__ volatile("movq $-5, 16(%0)\n\tmovl $0x12345678, 24(%0)\n\t"
                   "movw $0x4321, 28(%0)\n\tmovb $0x7f, 30(%0)"
                   : : "r"(seg) : "memory");
  show("imm-stores", seg[2], seg[3]);
}

static void read_modify_writes(void) {
  seg[4] = 40;
  uint64_t flags;
  __asm__ volatile("addq $2, (%1)\n\tpushfq\n\tpopq %0" : "=r"(flags) : "r"(seg + 4) : "memory", "cc");
  show("add-imm", seg[4], flags & 0x8d5);
  uint64_t v = 5;
  __asm__ volatile("lock xaddq %0, (%1)" : "+r"(v) : "r"(seg + 4) : "memory");
  show("lock-xadd", v, seg[4]);
  uint64_t expected = 47, desired = 100;
  __asm__ volatile("lock cmpxchgq %2, (%3)" : "+a"(expected), "=m"(seg[4]) : "r"(desired), "r"(seg + 4) : "memory", "cc");
  show("cmpxchg", expected, seg[4]);
  v = 9;
  __asm__ volatile("xchgq %0, (%1)" : "+r"(v) : "r"(seg + 4) : "memory");
  show("xchg", v, seg[4]);
  uint64_t index = 2;
  __asm__ volatile("incq (%0,%1,8)" : : "r"(seg + 3), "r"(index) : "memory", "cc");
  show("inc-indexed", seg[5], 0);
  /* Address registers whose encodings need a SIB byte (r12) or a REX
   * prefix (r13), and one the instruction overwrites (rax, via xadd). */
  register uint64_t *r12 __asm__("r12") = seg + 7;
  register uint64_t *r13 __asm__("r13") = seg + 7;
  seg[7] = 70;
  __asm__ volatile("addq $3, 8(%0)\n\tsubq $1, (%1)" : "+r"(r12), "+r"(r13) : : "memory", "cc");
  show("r12-r13", seg[7], seg[8]);
  show("r12-r13-kept", (uint64_t)(r12 - seg), (uint64_t)(r13 - seg));
  uint64_t *through = seg + 7;
  __asm__ volatile("xaddq %0, (%0)" : "+r"(through) : : "memory", "cc");
  show("xadd-self", seg[7] - (uint64_t)(uintptr_t)(seg + 7), (uint64_t)through);
  /* Instructions that may leave their address register partly or wholly
   * unchanged: a conditional move, a 16-bit destination. */
  uint64_t *cm = seg + 7;
  __asm__ volatile("cmpq $0, %1\n\tcmovneq (%0), %0" : "+r"(cm) : "r"(0L) : "memory", "cc");
  show("cmov-kept", (uint64_t)(cm - seg), 0);
  uint64_t *bs = seg + 4;
  __asm__ volatile("bsfw (%0), %w0" : "+r"(bs) : : "memory", "cc");
  show("bsf16", (uint64_t)((uintptr_t)bs & 0xffffffffffff0000ull) ==
                    ((uintptr_t)(seg + 4) & 0xffffffffffff0000ull), (uint64_t)bs & 0xffff);
  /* The address register is also the value added: stepped, not rebased. */
  uint64_t *p = seg + 6;
  seg[6] = 1;
  __asm__ volatile("addq %0, (%0)" : : "r"(p) : "memory", "cc");
  show("add-self", seg[6] - (uint64_t)(uintptr_t)p, 0);
  /* Two memory operands: the segment and the stack. */
  uint64_t popped;
  __asm__ volatile("pushq (%1)\n\tpopq %0" : "=r"(popped) : "r"(seg + 5) : "memory");
  show("push", popped, 0);
}

static long forty_two(void) { return 42; }

/* An indirect call through a function pointer kept in the segment: a branch
 * cannot run displaced, so it is single-stepped on the alias. (The red zone
 * of this frame is skipped before the call.) */
static void indirect_call(void) {
  long (*fn)(void) = forty_two;
  memcpy(seg + 40, &fn, sizeof fn);
  long result;
  __asm__ volatile("subq $128, %%rsp\n\tcall *(%1)\n\taddq $128, %%rsp"
                   : "=a"(result)
                   : "b"(seg + 40)
                   : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
                     "memory", "cc");
  show("call-through", (uint64_t)result, 0);
  /* An indirect jump with a single memory operand: single-stepped on the
   * alias through the moved address register, which must come back. */
  uint64_t *target = seg + 41;
  __asm__ volatile("leaq 1f(%%rip), %%rax\n\tmovq %%rax, (%0)\n\t"
                   "jmp *(%0)\n\tud2\n1:"
                   : "+r"(target)
                   :
                   : "rax", "memory");
  show("jump-through", (uint64_t)(target - seg), 0);
}

static void straddling_and_vectors(void) {
  unsigned char *bytes = (unsigned char *)seg;
  uint64_t value = 0x0102030405060708ull;
  memcpy(bytes + 4092, &value, 8); /* crosses into the second page */
  uint64_t back;
  __asm__ volatile("movq 4092(%1), %0" : "=r"(back) : "r"(bytes) : "memory");
  show("straddle", back, 0);
  __asm__ volatile("movdqu (%0), %%xmm1\n\tmovdqu %%xmm1, 64(%0)" : : "r"(seg) : "memory", "xmm1");
  show("sse-copy", seg[8], seg[9]);
}

static void strings(void) {
  unsigned char *bytes = (unsigned char *)seg + 512;
  for (int i = 0; i < 64; ++i)
    bytes[i] = (unsigned char)i;
  void *d = bytes + 100, *s = bytes;
  size_t n = 64;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  show("movsb", seg[(512 + 100) / 8 + 1], (uint64_t)((unsigned char *)d - bytes));
  d = bytes + 8; s = bytes; n = 16;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  show("movsb-overlap", seg[512 / 8 + 2], seg[512 / 8 + 3]);
  d = bytes + 200 + 31; s = bytes + 31; n = 32;
  __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  show("movsb-back", seg[(512 + 200) / 8], (uint64_t)((unsigned char *)d - bytes));
  d = bytes + 300; n = 10;
  __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0xabcdull) : "memory");
  show("stosq", seg[(512 + 300) / 8 + 9], (uint64_t)((unsigned char *)d - bytes));
}

/* argv[1]: how many rounds (with patch_threshold=1 the later rounds run
 * the sites' generated code). */
int main(int argc, char **argv) {
  seg = new_segment(2 * 4096, NULL);
  for (long round = arg_long(argc, argv, 1, 1); round > 0; --round) {
    moves();
    read_modify_writes();
    indirect_call();
    straddling_and_vectors();
    strings();
  }
  shmdt(seg);
  return 0;
}
