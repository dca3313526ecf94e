#include "trap/attachment_table.h"

#include "syscall/dispatch_switch.h"

#include <atomic>

namespace shmcheck::trap {

namespace {

struct Slot {
  std::atomic<bool> live{false};
  Attachment attachment;
};

Slot g_slots[kMaxAttachments];
std::atomic<size_t> g_high_water{0};  // slots [0, high_water) were ever used
std::atomic<int> g_watched{0};
size_t g_next = 0;  // round-robin start for the next free slot

const Attachment *live_slot(size_t i) {
  return g_slots[i].live.load(std::memory_order_acquire)
             ? &g_slots[i].attachment
             : nullptr;
}

// Recomputes the bounds after a change (writers hold the trap lock).
void update_bounds() {
  uintptr_t lo = UINTPTR_MAX;
  uintptr_t hi = 0;
  const size_t n = g_high_water.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    const Attachment *a = live_slot(i);
    if (a == nullptr || !a->watched)
      continue;
    if (a->base < lo)
      lo = a->base;
    if (a->base + a->mapped > hi)
      hi = a->base + a->mapped;
  }
  if (hi == 0)
    lo = 0;
  g_watched_bounds.generation.fetch_add(1, std::memory_order_release);
  g_watched_bounds.lo.store(lo, std::memory_order_release);
  g_watched_bounds.hi.store(hi, std::memory_order_release);
}

}  // namespace

WatchedBounds g_watched_bounds{{0}, {0}, {1}};

const Attachment *attachment_slot(size_t index) { return live_slot(index); }

size_t attachment_slots_in_use() {
  return g_high_water.load(std::memory_order_acquire);
}

bool any_watched() { return g_watched.load(std::memory_order_relaxed) > 0; }

const Attachment *watched_attachment(uintptr_t address) {
  if (!maybe_watched(address))
    return nullptr;
  const size_t n = attachment_slots_in_use();
  for (size_t i = 0; i < n; ++i) {
    const Attachment *a = live_slot(i);
    if (a && a->watched && a->contains(address))
      return a;
  }
  return nullptr;
}

bool find_attachment(uintptr_t address, Attachment *out) {
  const Attachment *a = watched_attachment(address);
  if (a == nullptr)
    return false;
  *out = *a;
  return true;
}

bool find_attachment_at(uintptr_t base, Attachment *out) {
  const size_t n = attachment_slots_in_use();
  for (size_t i = 0; i < n; ++i) {
    const Attachment *a = live_slot(i);
    if (a && a->base == base) {
      *out = *a;
      return true;
    }
  }
  return false;
}

void *alias_of(const volatile void *address) {
  const auto a = reinterpret_cast<uintptr_t>(address);
  if (!any_watched())
    return reinterpret_cast<void *>(a);
  const Attachment *found = watched_attachment(a);
  if (found == nullptr || found->alias == 0)
    return reinterpret_cast<void *>(a);
  return reinterpret_cast<void *>(found->alias + (a - found->base));
}

bool add_attachment(const Attachment &attachment) {
  for (size_t probe = 0; probe < kMaxAttachments; ++probe) {
    const size_t i = (g_next + probe) % kMaxAttachments;
    if (g_slots[i].live.load(std::memory_order_relaxed))
      continue;
    g_slots[i].attachment = attachment;
    g_slots[i].live.store(true, std::memory_order_release);
    if (i + 1 > g_high_water.load(std::memory_order_relaxed))
      g_high_water.store(i + 1, std::memory_order_release);
    if (attachment.watched)
      g_watched.fetch_add(1, std::memory_order_relaxed);
    g_next = i + 1;
    update_bounds();
    // From the first watched piece on, system calls go through the boundary.
    if (attachment.watched)
      syscall::dispatch_all_threads();
    return true;
  }
  return false;
}

void remove_attachment_at(uintptr_t base) {
  const size_t n = attachment_slots_in_use();
  for (size_t i = 0; i < n; ++i) {
    Slot &slot = g_slots[i];
    if (slot.live.load(std::memory_order_relaxed) &&
        slot.attachment.base == base) {
      if (slot.attachment.watched)
        g_watched.fetch_sub(1, std::memory_order_relaxed);
      slot.live.store(false, std::memory_order_release);
      update_bounds();
      return;
    }
  }
}

bool replace_attachment(uintptr_t base, const Attachment *pieces, size_t count) {
  const size_t n = attachment_slots_in_use();
  size_t old = kMaxAttachments;
  for (size_t i = 0; i < n && old == kMaxAttachments; ++i)
    if (g_slots[i].live.load(std::memory_order_relaxed) &&
        g_slots[i].attachment.base == base)
      old = i;
  if (old == kMaxAttachments)
    return false;
  size_t free_slots = 0;
  for (size_t i = 0; i < kMaxAttachments; ++i)
    if (!g_slots[i].live.load(std::memory_order_relaxed))
      ++free_slots;
  if (free_slots < count)
    return false;
  for (size_t i = 0; i < count; ++i)
    add_attachment(pieces[i]);
  Slot &slot = g_slots[old];
  if (slot.attachment.watched)
    g_watched.fetch_sub(1, std::memory_order_relaxed);
  slot.live.store(false, std::memory_order_release);
  update_bounds();
  return true;
}

size_t count_attachments_of(int shmid) {
  // One per piece: where the application's mprotect or munmap split its
  // view, the kernel would count each part of it.
  size_t count = 0;
  for_each_attachment([&](const Attachment &a) {
    if (a.is_sysv() && a.shmid == shmid)
      ++count;
  });
  return count;
}

}  // namespace shmcheck::trap
