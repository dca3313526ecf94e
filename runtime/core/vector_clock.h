// Operations on the fixed-width vector clocks kept in shared memory.
// Only the first `width` entries are ever non-zero (see slots_high_water).
#pragma once

#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

inline void vc_join(VectorClockShm &into, const VectorClockShm &from, uint32_t width) {
  for (uint32_t i = 0; i < width; ++i)
    if (from.c[i] > into.c[i]) into.c[i] = from.c[i];
}

inline void vc_clear(VectorClockShm &vc) {
  for (Clock &c : vc.c) c = 0;
}

// True when every entry of `a` is <= the same entry of `b`.
inline bool vc_leq(const VectorClockShm &a, const VectorClockShm &b, uint32_t width) {
  for (uint32_t i = 0; i < width; ++i)
    if (a.c[i] > b.c[i]) return false;
  return true;
}

}  // namespace shmcheck::core
