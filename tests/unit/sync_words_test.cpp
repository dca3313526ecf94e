// Sync words: once a word has been updated atomically, plain stores to it
// release and plain loads of it acquire, in every process of the session;
// a 0 -> non-zero update followed by a plain store is a spinlock held.
// Real processes and a real segment; the accesses are told to the core as a
// front end would (access before, access_completed after).
#include <gtest/gtest.h>

#include <sys/shm.h>

#include <functional>
#include <string>

#include "session.h"

namespace shmcheck::testing {
namespace {

using core::AccessType;

constexpr uint64_t kLock = 0;   // the spinlock / flag word
constexpr uint64_t kData = 64;  // what it guards

// A locked exchange of the lock word, as a trap reports it.
void take(const Attached &seg, uint64_t before) {
  SHMCHECK_ACCESS(seg.ref, kLock, 1, AccessType::AtomicUpdate);
  core::access_completed(core::current_thread(), seg.ref, kLock, 1, AccessType::AtomicUpdate,
                         core::kSeqCst);
  core::atomic_update_done(core::current_thread(), seg.ref, kLock, 1, before, 1, true);
}

class SyncWords : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(session.leftovers().empty()); }

  // Two processes take turns in a spinlock released with a plain store of
  // 0 (PostgreSQL's S_UNLOCK). `second_locks`: the second process takes it
  // too; else it writes the data bare.
  int spinlock_turns(bool second_locks, const std::string &options = "") {
    int shmid = session.make_segment(128);
    int sem = session.make_semaphores(1);
    return session.run(
        [&] {
          return scenario(shmid, [&](const Attached &seg) {
            pid_t first = spawn([&] {
              take(seg, 0);
              SHMCHECK_ACCESS(seg.ref, kData, 8, AccessType::Write);
              SHMCHECK_ACCESS(seg.ref, kLock, 1, AccessType::Write);  // the unlock
              post(sem, 0);
              return 0;
            });
            pid_t second = spawn([&] {
              wait_for(sem, 0);
              if (second_locks) take(seg, 0);
              SHMCHECK_ACCESS(seg.ref, kData, 8, AccessType::Write);
              return 0;
            });
            // A process that took part in a race exits with 66.
            const int a = reap(first), b = reap(second);
            return second_locks && options.empty() ? a + b : 0;
          });
        },
        options);
  }

  Session session;
};

TEST_F(SyncWords, SpinlockReleasedWithPlainStoreOrdersItsData) {
  EXPECT_EQ(spinlock_turns(true), 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(SyncWords, OptionOffLeavesThePlainStorePlain) {
  EXPECT_EQ(spinlock_turns(true, "sync_words=0"), 0);
  EXPECT_GE(session.report_count(), 1) << session.logs();
}

TEST_F(SyncWords, DataWrittenOutsideTheSpinlockIsReportedWithTheLockHeld) {
  int shmid = session.make_segment(128);
  int sems = session.make_semaphores(2);  // 0: holder -> bare, 1: back
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t holder = spawn([&] {
        take(seg, 0);
        SHMCHECK_ACCESS(seg.ref, kData, 8, AccessType::Write);  // held here
        post(sems, 0);
        wait_for(sems, 1);
        SHMCHECK_ACCESS(seg.ref, kLock, 1, AccessType::Write);  // released
        SHMCHECK_ACCESS(seg.ref, kData + 8, 8, AccessType::Write);
        post(sems, 0);
        return 0;
      });
      pid_t bare = spawn([&] {
        wait_for(sems, 0);
        SHMCHECK_ACCESS(seg.ref, kData, 8, AccessType::Write);
        post(sems, 1);
        wait_for(sems, 0);
        SHMCHECK_ACCESS(seg.ref, kData + 8, 8, AccessType::Write);
        return 0;
      });
      reap(holder);
      reap(bare);
      return 0;
    });
  });
  EXPECT_EQ(status, 0);
  std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 2) << logs;
  // The write at kData was made holding the lock; the one at kData + 8
  // after the plain store of 0 released it.
  const size_t first = logs.find("(locks: spin shmid=");
  EXPECT_NE(first, std::string::npos) << logs;
  EXPECT_EQ(logs.find("(locks: spin", first + 1), std::string::npos) << logs;
}

TEST_F(SyncWords, FailedExchangeTakesNoLock) {
  int shmid = session.make_segment(128);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t a = spawn([&] {
        take(seg, 1);  // the word was 1 already: someone else holds it
        SHMCHECK_ACCESS(seg.ref, kData, 8, AccessType::Write);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        SHMCHECK_ACCESS_ORDER(seg.ref, kData, 8, AccessType::Write, 0);
        return 0;
      });
      reap(a);
      reap(b);
      return 0;
    });
  });
  EXPECT_EQ(status, 0);
  std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 1) << logs;
  EXPECT_EQ(logs.find("spin"), std::string::npos) << logs;
}

// A flag updated atomically once, then published with a plain store and
// polled with a plain load (release store and acquire load on x86-64).
// `complete`: the load is completed as by a trap; else its acquire waits
// for the thread's next access, as in instrumented mode.
int flag_handoff(int shmid, bool complete) {
  return scenario(shmid, [&](const Attached &seg) {
    auto *flag = static_cast<volatile int *>(seg.address);
    SHMCHECK_ACCESS(seg.ref, kLock, 4, AccessType::AtomicUpdate);  // reset atomically
    pid_t producer = spawn([&] {
      SHMCHECK_ACCESS(seg.ref, kData, 8, AccessType::Write);
      SHMCHECK_ACCESS(seg.ref, kLock, 4, AccessType::Write);
      *flag = 1;
      return 0;
    });
    pid_t consumer = spawn([&] {
      while (*flag == 0) {
      }
      SHMCHECK_ACCESS(seg.ref, kLock, 4, AccessType::Read);
      if (complete)
        core::access_completed(core::current_thread(), seg.ref, kLock, 4, AccessType::Read, 0);
      SHMCHECK_ACCESS(seg.ref, kData, 8, AccessType::Read);
      return 0;
    });
    return reap(producer) + reap(consumer);
  });
}

TEST_F(SyncWords, PlainLoadOfSyncWordAcquiresAfterItCompleted) {
  int shmid = session.make_segment(128);
  EXPECT_EQ(session.run([&] { return flag_handoff(shmid, true); }), 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(SyncWords, PlainLoadOfSyncWordAcquiresAtTheNextAccess) {
  int shmid = session.make_segment(128);
  EXPECT_EQ(session.run([&] { return flag_handoff(shmid, false); }), 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(SyncWords, AccessOnlyPartlyOnASyncWordStaysPlain) {
  int shmid = session.make_segment(128);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      SHMCHECK_ACCESS(seg.ref, kLock, 4, AccessType::AtomicUpdate);
      pid_t a = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, kLock, 8, AccessType::Write);  // word and 4 more bytes
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        SHMCHECK_ACCESS(seg.ref, kLock + 4, 4, AccessType::Read);
        return 0;
      });
      reap(a);
      reap(b);
      return 0;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

}  // namespace
}  // namespace shmcheck::testing
