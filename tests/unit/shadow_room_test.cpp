// The room the state takes: a densely written segment costs a few bytes of
// state per byte, committed as it is touched, and a session that reaches its
// limit leaves the rest unchecked, says so once, and keeps running.
#include <gtest/gtest.h>

#include <string>

#include <sys/shm.h>
#include <unistd.h>

#include "core_state.h"
#include "session.h"

namespace shmcheck::testing {
namespace {

using core::AccessType;

constexpr int kFailed = 90;

class ShadowRoom : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(session.leftovers().empty()) << "shared state left behind";
  }
  Session session;
};

void write_densely(const Attached &seg, uint64_t from, uint64_t to) {
  for (uint64_t off = from; off < to; off += 8) SHMCHECK_ACCESS(seg.ref, off, 8, AccessType::Write);
}

// Two processes each write half of a 128 MiB segment, 8 bytes at a time
// (every word a different access), then read all of it after an edge.
TEST_F(ShadowRoom, DenseSegmentOf128MiBTakesUnder512MiBOfState) {
  constexpr uint64_t kSize = 128ull << 20;
  int shmid = session.make_segment(kSize);
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    Attached seg = attach(shmid);
    if (seg.ref == core::kNoSegment) return kFailed;
    pid_t a = spawn([&] {
      write_densely(seg, 0, kSize / 2);
      return 0;
    });
    pid_t b = spawn([&] {
      write_densely(seg, kSize / 2, kSize);
      return 0;
    });
    if (reap(a) != 0 || reap(b) != 0) return 10;
    for (uint64_t off = 0; off < kSize; off += 4096) SHMCHECK_ACCESS(seg.ref, off, 8, AccessType::Read);
    const core::StateHeaderShm &h = core::state().header;
    const uint64_t peak = h.state_peak_bytes.load();
    fprintf(stderr, "state peak %llu MiB\n", static_cast<unsigned long long>(peak >> 20));
    shmdt(seg.address);
    core::segment_detached(seg.ref);
    core::process_exit();
    if (peak >= (512ull << 20)) return 11;
    if (peak < kSize * 3) return 12;  // the accounting missed the shadow
    return 0;
  });
  EXPECT_EQ(status, 0) << session.errors();
}

// max_state_mb below what the segment needs: the first chunks are checked,
// the rest is not, one line says why, and nothing crashes.
TEST_F(ShadowRoom, LimitReachedLeavesTheRestUncheckedWithOneLine) {
  constexpr uint64_t kSize = 32ull << 20;
  int shmid = session.make_segment(kSize);
  int status = session.run(
      [&] {
        if (!core::process_start()) return kFailed;
        Attached seg = attach(shmid);
        if (seg.ref == core::kNoSegment) return kFailed;
        pid_t a = spawn([&] {
          write_densely(seg, 0, kSize);
          return 0;
        });
        pid_t b = spawn([&] {
          write_densely(seg, 0, 4096);  // checked: races with a
          write_densely(seg, kSize - 4096, kSize);  // past the limit: unchecked
          return 0;
        });
        int ra = reap(a), rb = reap(b);
        const uint64_t peak = core::state().header.state_peak_bytes.load();
        shmdt(seg.address);
        core::segment_detached(seg.ref);
        core::process_exit();
        if (peak > (64ull << 20)) return 11;
        // Whichever of the two comes second on the first page reports.
        const bool clean_or_reported = (ra == 0 || ra == 66) && (rb == 0 || rb == 66);
        return clean_or_reported && (ra == 66 || rb == 66) ? 0 : 12;
      },
      "max_state_mb=64");
  EXPECT_EQ(status, 0) << session.errors();
  const std::string errors = session.errors();
  EXPECT_NE(errors.find("no room for more state (max_state_mb reached"), std::string::npos)
      << errors;
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

}  // namespace
}  // namespace shmcheck::testing
