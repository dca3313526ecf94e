#include "patch/site_patching.h"

#include <sys/syscall.h>

#include <cstring>

#include "core/options.h"
#include "patch/access_thunk.h"
#include "patch/code_pages.h"
#include "patch/jump_installer.h"
#include "patch/pinned_bytes.h"
#include "patch/site_selection.h"
#include "patch/site_table.h"
#include "patch/stub_builder.h"
#include "patch/text_writer.h"
#include "trap/raw_syscall.h"
#include "trap/safe_log.h"

namespace shmcheck::patch {

namespace {

bool g_enabled = false;
int g_verbosity = 0;
uint32_t g_threshold = 8;

bool live(const PatchedSite &site) {
  const SiteState state = site.state.load(std::memory_order_acquire);
  return state == SiteState::Installing || state == SiteState::Installed;
}

void refuse(PatchedSite *site, const char *why) {
  size_t n = strlen(why);
  if (n >= sizeof(site->refusal))
    n = sizeof(site->refusal) - 1;
  memcpy(site->refusal, why, n);
  site->refusal[n] = '\0';
  site->state.store(SiteState::Refused, std::memory_order_release);
  if (g_verbosity >= 2)
    trap::SafeLine().text("patch: pid ").dec(trap::raw_syscall(SYS_getpid))
        .text(" pc ").hex(site->pc).text(" keeps trapping: ").text(why).emit();
}

// The 4 bytes after the instruction (a punned jump reads them), through
// /proc/self/mem: they may lie on an unmapped page.
bool read_following(uintptr_t address, uint8_t *out) {
  const long fd = trap::raw_syscall(
      SYS_open, reinterpret_cast<long>("/proc/self/mem"), 0 /* O_RDONLY */);
  if (fd < 0)
    return false;
  const long got = trap::raw_syscall(SYS_pread64, fd, reinterpret_cast<long>(out),
                                     4, static_cast<long>(address));
  trap::raw_syscall(SYS_close, fd);
  return got == 4;
}

void patch(PatchedSite *site) {
  SitePlan plan;
  const char *why = "";
  const bool pinned = pinned_by_jump(site->pc);
  if (!plan_site(site->pc, &plan, &why))
    return refuse(site, why);
  site->length = plan.insn.length;
  memcpy(site->original, plan.bytes, plan.insn.length);
  site->access_size = plan.access_size;
  site->reads = plan.reads;
  site->writes = plan.writes;
  if (plan.locked) {
    site->type = core::AccessType::AtomicUpdate;
    site->order = core::kSeqCst;
  } else {
    site->type = plan.writes ? core::AccessType::Write : core::AccessType::Read;
    site->order = 0;
  }
  site->completes = site->type != core::AccessType::Write;
  site->scratch_greg = greg_of_hardware(plan.scratch);

  Stub stub;
  if (!build_stub(plan, site->pc, site, site->completes, &stub))
    return refuse(site, "cannot re-encode");
  uint8_t following[4];
  if (site->length < 5 && !read_following(site->pc + site->length, following))
    return refuse(site, "text unreadable");
  JumpPlan jump;
  uintptr_t at = 0;
  if (!plan_jump(*site, following, stub.size, &jump, &at))
    return refuse(site, site->length < 5 ? "no room for a punned jump"
                                         : "no code page in reach");
  TextWriter writer;
  if (!writer.ok() || !writer.write(at, stub.code, stub.size))
    return refuse(site, "cannot write code");
  site->stub = at;
  site->insn_begin = at + stub.insn_offset;
  site->insn_end = site->insn_begin + stub.insn_length;
  site->jump_span = jump.span;
  site->pad = jump.pad;
  if (pinned && !keep_punned_jumps_valid(writer, *site, jump.bytes, &why))
    return refuse(site, why);
  site->state.store(SiteState::Installing, std::memory_order_release);
  if (!install_jump(writer, *site, jump, at, pinned))
    return refuse(site, "cannot write the jump");
  site->state.store(SiteState::Installed, std::memory_order_release);
  if (g_verbosity >= 2)
    trap::SafeLine().text("patch: pid ").dec(trap::raw_syscall(SYS_getpid))
        .text(" pc ").hex(site->pc).text(jump.pad ? " punned" : " jump")
        .text(", ").dec(site->length).text(" bytes, ")
        .dec(static_cast<int64_t>(site->access_size)).text("-byte ")
        .text(site->type == core::AccessType::AtomicUpdate ? "atomic update"
              : site->writes ? "write" : "read")
        .text(", code at ").hex(at).emit();
}

}  // namespace

void configure(int verbosity) {
  g_verbosity = verbosity;
  const core::Options &options = core::options();
  g_threshold = options.patch_threshold > 0
                    ? static_cast<uint32_t>(options.patch_threshold) : 1;
  g_enabled = options.patch_sites && prepare_thunks() && prepare_text_writes();
  if (options.patch_sites && !g_enabled && verbosity >= 1)
    trap::SafeLine().text("patch: this machine cannot patch sites (xsave, "
                          "membarrier); every access keeps trapping").emit();
}

void note_trap(uintptr_t pc) {
  if (!g_enabled || in_code_pages(pc))
    return;
  PatchedSite *site = site_for(pc);
  if (site == nullptr)
    return;
  const SiteState state = site->state.load(std::memory_order_relaxed);
  if (state == SiteState::Refused && site->traps != UINT32_MAX)
    ++site->traps;  // what the refusal costs, for verbosity=1
  if (state == SiteState::Counting && ++site->traps >= g_threshold)
    patch(site);
}

bool replaced(uintptr_t pc) {
  const PatchedSite *site = find_site(pc);
  return site != nullptr && live(*site);
}

bool redirect_breakpoint(ucontext_t *uc) {
  greg_t &rip = uc->uc_mcontext.gregs[REG_RIP];
  const PatchedSite *site = find_site(static_cast<uintptr_t>(rip) - 1);
  if (site == nullptr || !live(*site))
    return false;
  rip = static_cast<greg_t>(site->stub);
  return true;
}

void restore_site_context(ucontext_t *uc) {
  greg_t *gregs = uc->uc_mcontext.gregs;
  const PatchedSite *site =
      site_running_at(static_cast<uintptr_t>(gregs[REG_RIP]));
  if (site == nullptr)
    return;
  const auto rsp = static_cast<uintptr_t>(gregs[REG_RSP]);
  gregs[site->scratch_greg] =
      *reinterpret_cast<const greg_t *>(rsp + kSavedScratchOffset);
  gregs[REG_RSP] = static_cast<greg_t>(rsp + kFrameBytes);
  gregs[REG_RIP] = static_cast<greg_t>(site->pc);
}

void print_unpatched_sites(uint32_t at_least) {
  for_each_site([&](const PatchedSite &s) {
    if (!live(s) && s.traps >= at_least)
      trap::SafeLine().text("patch: pid ").dec(trap::raw_syscall(SYS_getpid))
          .text(" pc ").hex(s.pc).text(" trapped ").dec(s.traps)
          .text(" times, not patched: ")
          .text(s.refusal[0] != '\0' ? s.refusal : "below the threshold")
          .emit();
  });
}

PatchCounts patch_counts() {
  PatchCounts counts{0, 0, 0};
  for_each_site([&](const PatchedSite &s) {
    if (s.traps >= g_threshold || live(s))
      ++counts.hot;
    if (live(s))
      ++counts.patched;
    else
      counts.unpatched_traps += s.traps;
  });
  return counts;
}

}  // namespace shmcheck::patch
