#include "patch/site_table.h"

namespace shmcheck::patch {

namespace {

PatchedSite g_sites[kMaxSites];

size_t slot_of(uintptr_t pc) {
  return static_cast<size_t>((pc * 0x9e3779b97f4a7c15ull) >> 52) % kMaxSites;
}

uintptr_t published_pc(const PatchedSite &s) {
  return __atomic_load_n(&s.pc, __ATOMIC_ACQUIRE);
}

bool live(const PatchedSite &s) {
  const SiteState state = s.state.load(std::memory_order_acquire);
  return state == SiteState::Installing || state == SiteState::Installed;
}

}  // namespace

PatchedSite *site_slot(size_t index) { return &g_sites[index]; }

size_t site_index(const PatchedSite &site) {
  return static_cast<size_t>(&site - g_sites);
}

PatchedSite *site_for(uintptr_t pc) {
  for (size_t probe = 0, i = slot_of(pc); probe < kMaxSites;
       ++probe, i = (i + 1) % kMaxSites) {
    PatchedSite &s = g_sites[i];
    const uintptr_t at = published_pc(s);
    if (at == pc)
      return &s;
    if (at == 0) {
      __atomic_store_n(&s.pc, pc, __ATOMIC_RELEASE);
      return &s;
    }
  }
  return nullptr;
}

const PatchedSite *find_site(uintptr_t pc) {
  for (size_t probe = 0, i = slot_of(pc); probe < kMaxSites;
       ++probe, i = (i + 1) % kMaxSites) {
    const uintptr_t at = published_pc(g_sites[i]);
    if (at == pc)
      return &g_sites[i];
    if (at == 0)
      return nullptr;
  }
  return nullptr;
}

const PatchedSite *site_running_at(uintptr_t pc) {
  for (const PatchedSite &s : g_sites)
    if (published_pc(s) != 0 && live(s) && pc - s.insn_begin <
                                               s.insn_end - s.insn_begin)
      return &s;
  return nullptr;
}

bool pinned_by_jump(uintptr_t address) {
  for (const PatchedSite &s : g_sites)
    if (published_pc(s) != 0 && live(s) && address > s.pc &&
        address < s.pc + s.jump_span)
      return true;
  return false;
}

}  // namespace shmcheck::patch
