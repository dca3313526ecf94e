#include "instrument/shadow_stack.h"

namespace shmcheck::instrument {

__thread ShadowStack t_shadow_stack __attribute__((tls_model("initial-exec")));

size_t capture_stack(uintptr_t pc, uintptr_t *frames, size_t max) {
  if (max == 0)
    return 0;
  // Minus one: the report looks up the call itself, not the instruction
  // after it (the next line when the call ends one).
  frames[0] = pc - 1;
  size_t count = 1;
  const ShadowStack &s = t_shadow_stack;
  const uint32_t kept = s.depth < kShadowFrames ? s.depth : kShadowFrames;
  for (uint32_t i = 0; i < kept && count < max; ++i)
    frames[count++] = s.frames[(s.depth - 1 - i) & (kShadowFrames - 1)];
  return count;
}

}  // namespace shmcheck::instrument
