#include "sync_table.h"

#include <cstring>

#include "robust_mutex.h"
#include "core_state.h"
#include "vector_clock.h"

namespace shmcheck::core {
namespace {

uint64_t hash_key(const SyncKey &key) {
  uint64_t h = static_cast<uint64_t>(key.kind) * 0x9e3779b97f4a7c15ull;
  h ^= key.a + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  h ^= key.b + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

struct Place {
  uint32_t stripe;
  uint32_t home;
};

Place place_of(const SyncKey &key) {
  uint64_t h = hash_key(key);
  return Place{static_cast<uint32_t>(h % kSyncStripes),
               static_cast<uint32_t>((h / kSyncStripes) % kSyncPerStripe)};
}

bool matches(const SyncObjectShm &o, const SyncKey &key) {
  return o.used && o.kind == static_cast<uint8_t>(key.kind) && o.a == key.a && o.b == key.b;
}

// Index of `key` in the stripe, or kSyncPerStripe when absent.
uint32_t find(const SyncStripeShm &stripe, uint32_t home, const SyncKey &key) {
  for (uint32_t i = 0; i < kSyncPerStripe; ++i) {
    uint32_t at = (home + i) % kSyncPerStripe;
    const SyncObjectShm &o = stripe.objects[at];
    if (!o.used) return kSyncPerStripe;
    if (matches(o, key)) return at;
  }
  return kSyncPerStripe;
}

uint32_t home_of(const SyncObjectShm &o) {
  SyncKey key{static_cast<SyncKind>(o.kind), o.a, o.b};
  return place_of(key).home;
}

// Every change of a slot, under the stripe's lock, is bracketed so that
// lock-free readers (acquire_without_lock) can tell.
void begin_change(SyncObjectShm &o) {
  __atomic_store_n(&o.version, (o.version | 1) + 2, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
}
void end_change(SyncObjectShm &o) {
  __atomic_store_n(&o.version, o.version + 1, __ATOMIC_RELEASE);
}

// Deletion with backward shift keeps linear probing correct without
// tombstones, so a stripe never fills up with dead entries.
void erase(uint32_t stripe_index, uint32_t at) {
  SyncStripeShm &stripe = state().sync_stripes[stripe_index];
  auto &clocks = state().sync_clocks[stripe_index];
  uint32_t hole = at;
  uint32_t j = at;
  for (uint32_t step = 0; step < kSyncPerStripe; ++step) {
    j = (j + 1) % kSyncPerStripe;
    const SyncObjectShm &o = stripe.objects[j];
    if (!o.used) break;
    uint32_t home = home_of(o);
    // Move j into the hole when its home is not cyclically within (hole, j].
    bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_in_range) {
      SyncObjectShm &to = stripe.objects[hole];
      begin_change(to);
      const uint64_t version = to.version;
      to = o;
      to.version = version;
      memcpy(&clocks[hole], &clocks[j], sizeof(VectorClockShm));
      end_change(to);
      hole = j;
    }
  }
  SyncObjectShm &last = stripe.objects[hole];
  begin_change(last);
  last.used = 0;
  end_change(last);
  if (stripe.count > 0) --stripe.count;
}

// An acquire without the stripe's lock, for the common case: the object
// exists and no release is changing it right now. Reads the clock into a
// local copy and keeps it only when the slot's version shows it did not
// change meanwhile. False when the caller must take the lock (the object
// is being changed, or was not found: a concurrent erase may be moving it).
bool acquire_without_lock(VectorClockShm &into, const Place &p, const SyncKey &key) {
  const SyncStripeShm &stripe = state().sync_stripes[p.stripe];
  const uint32_t width = clock_width();
  for (uint32_t i = 0; i < kSyncPerStripe; ++i) {
    const uint32_t at = (p.home + i) % kSyncPerStripe;
    const SyncObjectShm &o = stripe.objects[at];
    const uint64_t before = __atomic_load_n(&o.version, __ATOMIC_ACQUIRE);
    if (before & 1) return false;
    if (!__atomic_load_n(&o.used, __ATOMIC_RELAXED)) return false;
    if (__atomic_load_n(&o.kind, __ATOMIC_RELAXED) != static_cast<uint8_t>(key.kind) ||
        __atomic_load_n(&o.a, __ATOMIC_RELAXED) != key.a ||
        __atomic_load_n(&o.b, __ATOMIC_RELAXED) != key.b)
      continue;
    Clock copy[kMaxSlots];
    const VectorClockShm &clock = state().sync_clocks[p.stripe][at];
    for (uint32_t s = 0; s < width; ++s) copy[s] = __atomic_load_n(&clock.c[s], __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&o.version, __ATOMIC_RELAXED) != before) return false;
    for (uint32_t s = 0; s < width; ++s)
      if (copy[s] > into.c[s]) into.c[s] = copy[s];
    return true;
  }
  return false;
}

// Makes room in a full stripe by dropping its oldest one-shot edge.
bool evict_one(uint32_t stripe_index) {
  SyncStripeShm &stripe = state().sync_stripes[stripe_index];
  uint32_t victim = kSyncPerStripe;
  for (uint32_t i = 0; i < kSyncPerStripe; ++i) {
    const SyncObjectShm &o = stripe.objects[i];
    if (!o.used || !is_one_shot(static_cast<SyncKind>(o.kind))) continue;
    if (victim == kSyncPerStripe ||
        static_cast<int32_t>(o.order - stripe.objects[victim].order) < 0)
      victim = i;
  }
  if (victim == kSyncPerStripe) return false;
  erase(stripe_index, victim);
  state().header.sync_evictions.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace

void sync_acquire_into(VectorClockShm &into, const SyncKey &key, bool consume) {
  Place p = place_of(key);
  if (!consume && acquire_without_lock(into, p, key)) return;
  SyncStripeShm &stripe = state().sync_stripes[p.stripe];
  RobustLock lock(stripe.lock, SignalsStayOpen{});
  if (!lock.ok()) return;
  uint32_t at = find(stripe, p.home, key);
  if (at == kSyncPerStripe) return;
  vc_join(into, state().sync_clocks[p.stripe][at], clock_width());
  if (consume) erase(p.stripe, at);
}

bool sync_release_from(const SyncKey &key, const VectorClockShm &from) {
  Place p = place_of(key);
  SyncStripeShm &stripe = state().sync_stripes[p.stripe];
  RobustLock lock(stripe.lock, SignalsStayOpen{});
  if (!lock.ok()) return false;
  uint32_t at = find(stripe, p.home, key);
  if (at == kSyncPerStripe) {
    if (stripe.count >= kSyncPerStripe - 1 && !evict_one(p.stripe)) return false;
    for (uint32_t i = 0; i < kSyncPerStripe; ++i) {
      uint32_t candidate = (p.home + i) % kSyncPerStripe;
      if (!stripe.objects[candidate].used) {
        at = candidate;
        break;
      }
    }
    if (at == kSyncPerStripe) return false;
    SyncObjectShm &o = stripe.objects[at];
    begin_change(o);
    o.kind = static_cast<uint8_t>(key.kind);
    o.a = key.a;
    o.b = key.b;
    o.order = stripe.next_order++;
    o.used = 1;
    ++stripe.count;
    vc_clear(state().sync_clocks[p.stripe][at]);
    vc_join(state().sync_clocks[p.stripe][at], from, clock_width());
    end_change(o);
    return true;
  }
  SyncObjectShm &o = stripe.objects[at];
  begin_change(o);
  vc_join(state().sync_clocks[p.stripe][at], from, clock_width());
  end_change(o);
  return true;
}

void sync_forget(const SyncKey &key) {
  Place p = place_of(key);
  SyncStripeShm &stripe = state().sync_stripes[p.stripe];
  RobustLock lock(stripe.lock, SignalsStayOpen{});
  if (!lock.ok()) return;
  uint32_t at = find(stripe, p.home, key);
  if (at != kSyncPerStripe) erase(p.stripe, at);
}

namespace {

template <typename Predicate>
void forget_matching(Predicate doomed) {
  for (uint32_t s = 0; s < kSyncStripes; ++s) {
    SyncStripeShm &stripe = state().sync_stripes[s];
    if (stripe.count == 0) continue;
    RobustLock lock(stripe.lock, SignalsStayOpen{});
    if (!lock.ok()) continue;
    // Erasing shifts later entries back into `i`: look at `i` again then.
    for (uint32_t i = 0; i < kSyncPerStripe;) {
      const SyncObjectShm &o = stripe.objects[i];
      if (o.used && doomed(o)) erase(s, i);
      else ++i;
    }
  }
}

}  // namespace

void sync_forget_incarnation(uint64_t incarnation) {
  forget_matching([&](const SyncObjectShm &o) {
    auto kind = static_cast<SyncKind>(o.kind);
    return (kind == SyncKind::ProcessLocal || kind == SyncKind::ThreadExit ||
            kind == SyncKind::ForkEdge) &&
           o.a == incarnation;
  });
}

void sync_forget_segment(uint32_t segment) {
  forget_matching([&](const SyncObjectShm &o) {
    return static_cast<SyncKind>(o.kind) == SyncKind::InSegment && o.a == segment;
  });
}

}  // namespace shmcheck::core

