// POSIX objects in the core: one segment per (device, inode) whatever
// extent each attachment needs, shadows that grow in place in every process
// that uses them, names in reports, and removal by identity (shm_unlink).
// Real forked processes, ordered in real time by real semaphores.
#include <gtest/gtest.h>

#include <string>

#include <sys/sysmacros.h>
#include <unistd.h>

#include "session.h"

namespace shmcheck::testing {
namespace {

using core::AccessType;

constexpr int kFailed = 90;

// The identity of an object as the front end passes it (st_dev, st_ino).
// The core only uses it as a key.
const core::SegmentIdentity kObject{core::SegmentKind::PosixObject, makedev(8, 1), 424242};

core::SegmentRef attach_object(size_t extent) {
  uintptr_t pcs[1] = {caller_pc()};
  core::StackTrace where{pcs, 1};
  return core::segment_attached(kObject, extent, &where);
}

class ObjectSegments : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(session.leftovers().empty()) << "shared state left behind";
  }
  Session session;
};

TEST_F(ObjectSegments, GrowsInPlaceAndKeepsItsHistoryAcrossProcesses) {
  const int sem = session.make_semaphores(2);
  const int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    const core::SegmentRef small = attach_object(4096);
    if (small == core::kNoSegment) return kFailed;
    core::segment_named(small, "object /dev/shm/unit-growing");
    SHMCHECK_ACCESS(small, 100, 8, AccessType::Write);
    pid_t child = spawn([&] {
      // A mapping further into the object: the same segment, grown.
      const core::SegmentRef grown = attach_object(3 * 4096);
      if (grown != small) return 11;
      SHMCHECK_ACCESS(grown, 9000, 8, AccessType::Write);
      post(sem, 0);
      wait_for(sem, 1);
      core::segment_detached(grown);
      return 0;
    });
    // After the child grew the shadow, in real time only: the parent's
    // access at 9000 is unordered with the child's.
    wait_for(sem, 0);
    const core::SegmentRef again = attach_object(3 * 4096);
    if (again != small) return 12;
    SHMCHECK_ACCESS(again, 9000, 8, AccessType::Write);
    post(sem, 1);
    const int child_status = reap(child);
    core::segment_detached(again);
    core::segment_detached(small);
    core::process_exit();
    return child_status == 0 || child_status == 66 ? 0 : child_status;
  });
  EXPECT_EQ(status, 0) << session.errors();
  const std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 1) << logs;
  EXPECT_NE(logs.find("  Write of size 8 at object /dev/shm/unit-growing dev=8:1 ino=424242 "
                      "offset 0x2328 by pid "),
            std::string::npos)
      << logs;
  EXPECT_NE(logs.find("  Location is object /dev/shm/unit-growing dev=8:1 ino=424242 of size "
                      "12288"),
            std::string::npos)
      << logs;
}

// An object nobody maps keeps its history (another process may map it
// again) until it is unlinked: then the next mapping starts afresh.
int write_then_leave(int sem, bool unlink) {
  const core::SegmentRef ref = attach_object(4096);
  if (ref == core::kNoSegment) return kFailed;
  SHMCHECK_ACCESS(ref, 0, 8, AccessType::Write);
  if (unlink) core::object_removed(kObject);
  core::segment_detached(ref);
  post(sem, 0);
  return 0;
}

int map_later_and_write(int sem) {
  wait_for(sem, 0);
  const core::SegmentRef ref = attach_object(4096);
  if (ref == core::kNoSegment) return kFailed;
  SHMCHECK_ACCESS(ref, 0, 8, AccessType::Write);
  core::segment_detached(ref);
  return 0;
}

int two_mappers(int sem, bool unlink) {
  if (!core::process_start()) return kFailed;
  pid_t first = spawn([&] { return write_then_leave(sem, unlink); });
  pid_t second = spawn([&] { return map_later_and_write(sem); });
  const int second_status = reap(second);
  const int first_status = reap(first);
  core::process_exit();
  if (first_status == kFailed || second_status == kFailed) return kFailed;
  return 0;
}

TEST_F(ObjectSegments, HistoryOutlivesTheLastMappingUntilUnlinked) {
  const int sem = session.make_semaphores(1);
  EXPECT_EQ(session.run([&] { return two_mappers(sem, false); }), 0) << session.errors();
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

TEST_F(ObjectSegments, UnlinkedObjectGoesWithItsLastMapping) {
  const int sem = session.make_semaphores(1);
  EXPECT_EQ(session.run([&] { return two_mappers(sem, true); }), 0) << session.errors();
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

}  // namespace
}  // namespace shmcheck::testing
