// The shared stack depot keeps recording when it is full: it recycles its
// oldest stacks in place, and a recycled id reads as missing, with a reason.
#include <gtest/gtest.h>

#include "session.h"
#include "stack_depot.h"

namespace shmcheck::testing {
namespace {

using core::PackedFrame;

// A distinct stack of `depth` frames for each `n`.
uint32_t put_stack(uint32_t n, uint32_t depth) {
  PackedFrame frames[core::kMaxStackDepth];
  for (uint32_t i = 0; i < depth; ++i) frames[i] = (uint64_t{n} << 8) | i;
  return core::depot_put(frames, depth, core::hash_frames(frames, depth));
}

bool holds(uint32_t id, uint32_t n, uint32_t depth) {
  PackedFrame out[core::kMaxStackDepth];
  if (core::depot_get(id, out, core::kMaxStackDepth) != depth) return false;
  for (uint32_t i = 0; i < depth; ++i)
    if (out[i] != ((uint64_t{n} << 8) | i)) return false;
  return true;
}

TEST(StackDepot, RecyclesTheOldestStacksWhenFullAndKeepsRecording) {
  Session session;
  int status = session.run([] {
    if (!core::process_start()) return 90;
    int rc = 0;
    const uint32_t first = put_stack(0, 4);
    if (first == 0 || !holds(first, 0, 4)) rc = 1;
    if (put_stack(0, 4) != first) rc = 2;  // stored once
    // More stacks than the depot has entries, then more frames than its ring.
    uint32_t last = 0;
    const uint32_t total = core::kDepotStacks + 1000;
    for (uint32_t n = 1; n <= total && rc == 0; ++n) {
      last = put_stack(n, 4);
      if (last == 0) rc = 3;
    }
    if (holds(first, 0, 4)) rc = 4;  // recycled
    if (!holds(last, total, 4)) rc = 5;
    const uint32_t deep_count = core::kDepotFrames / 16 + 10;
    uint32_t deep_first = put_stack(total + 1, 16);
    for (uint32_t n = 2; n <= deep_count && rc == 0; ++n)
      if (put_stack(total + n, 16) == 0) rc = 6;
    if (holds(deep_first, total + 1, 16)) rc = 7;  // its frames were overwritten
    // A recycled stack, recorded again, gets a new id that holds it.
    const uint32_t again = put_stack(0, 4);
    if (again == 0 || again == first || !holds(again, 0, 4)) rc = 8;
    if (std::string(core::depot_missing_reason(first)).find("no longer stored") ==
        std::string::npos)
      rc = 9;
    core::process_exit();
    return rc;
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(session.leftovers().empty());
}

}  // namespace
}  // namespace shmcheck::testing
