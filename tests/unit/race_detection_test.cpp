// Happens-before across real processes: forked children access one real
// System V segment through the core, ordered (or not) by real semaphores.
#include <gtest/gtest.h>

#include <string>

#include <signal.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "session.h"

namespace shmcheck::testing {
namespace {

using core::AccessType;

constexpr int kFailed = kScenarioSetupFailed;

// Root process of a scenario: registers, attaches the segment, runs `body`,
// leaves. Exit status: body's, or kFailed.
class RaceDetection : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(session.leftovers().empty()) << "shared state left behind";
  }
  Session session;
};

TEST_F(RaceDetection, UnorderedWritesOfTwoProcessesAreReportedOnce) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t a = spawn([&] {
        for (int i = 0; i < 10; ++i) SHMCHECK_ACCESS(seg.ref, 16, 4, AccessType::Write);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);  // real-time order only: no happens-before
        for (int i = 0; i < 10; ++i) SHMCHECK_ACCESS(seg.ref, 16, 4, AccessType::Write);
        return 0;
      });
      int rb = reap(b);
      reap(a);  // a may have left before b's report: its status can be 0 or 66
      return rb == 66 ? 0 : 10;  // b took part in a reported race
    });
  });
  EXPECT_EQ(status, 0);
  std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 1) << logs;
  EXPECT_NE(logs.find("==================\nWARNING: shmcheck: data race (pid="), std::string::npos)
      << logs;
  EXPECT_NE(logs.find("  Write of size 4 at segment shmid=" + std::to_string(shmid) +
                      " key=0x0 offset 0x10 by pid "),
            std::string::npos)
      << logs;
  EXPECT_NE(logs.find("  Previous write of size 4 at segment shmid=" + std::to_string(shmid) +
                      " key=0x0 offset 0x10 by pid "),
            std::string::npos)
      << logs;
  EXPECT_NE(logs.find("(locks: none):\n    #0 "), std::string::npos) << logs;
  EXPECT_NE(logs.find("race_detection_test.cpp:"), std::string::npos) << logs;
  EXPECT_NE(logs.find("  Location is segment shmid=" + std::to_string(shmid)), std::string::npos)
      << logs;
  EXPECT_NE(logs.find("SUMMARY: shmcheck: data race "), std::string::npos) << logs;
}

TEST_F(RaceDetection, ReleaseAcquireThroughASemaphoreOrdersProcesses) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      core::SyncKey key{core::SyncKind::SysVSemaphore, static_cast<uint64_t>(sem), 0};
      pid_t a = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 8, 8, AccessType::Write);
        SHMCHECK_ACCESS(seg.ref, 8, 8, AccessType::Read);
        core::release(core::current_thread(), key);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        core::acquire(core::current_thread(), key);
        SHMCHECK_ACCESS(seg.ref, 8, 8, AccessType::Read);
        SHMCHECK_ACCESS(seg.ref, 8, 8, AccessType::Write);
        return 0;
      });
      return reap(a) + reap(b);
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(RaceDetection, NeighbouringBytesDoNotRace) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t a = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 0, 1, AccessType::Write);
        SHMCHECK_ACCESS(seg.ref, 8, 4, AccessType::Write);
        SHMCHECK_ACCESS(seg.ref, 2, 1, AccessType::Read);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        SHMCHECK_ACCESS(seg.ref, 1, 1, AccessType::Write);   // byte beside a's byte 0
        SHMCHECK_ACCESS(seg.ref, 12, 4, AccessType::Write);  // other half of the word
        SHMCHECK_ACCESS(seg.ref, 2, 1, AccessType::Read);    // concurrent reads
        return 0;
      });
      return reap(a) + reap(b);
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(RaceDetection, OverlappingAccessOfDifferentSizesRaces) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t a = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Write);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        SHMCHECK_ACCESS(seg.ref, 4, 2, AccessType::Read);
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
  EXPECT_NE(logs.find("  Read of size 2 at segment shmid=" + std::to_string(shmid) +
                      " key=0x0 offset 0x4"),
            std::string::npos)
      << logs;
  // The earlier access is named by its own start, not by the racing byte.
  EXPECT_NE(logs.find("  Previous write of size 8 at segment shmid=" + std::to_string(shmid) +
                      " key=0x0 offset 0x0"),
            std::string::npos)
      << logs;
}

TEST_F(RaceDetection, ConcurrentReadersThenOrderedWriterIsClean) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      SHMCHECK_ACCESS(seg.ref, 0, 16, AccessType::Write);  // initialise, then fork
      pid_t readers[4];
      for (pid_t &r : readers)
        r = spawn([&] {
          SHMCHECK_ACCESS(seg.ref, 0, 16, AccessType::Read);
          return 0;
        });
      int rc = 0;
      for (pid_t r : readers) rc += reap(r);
      // Every reader is reaped: their reads happen before this write.
      SHMCHECK_ACCESS(seg.ref, 0, 16, AccessType::Write);
      return rc;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(RaceDetection, WriterUnorderedWithSharedReadersIsReported) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t readers[3];
      for (pid_t &r : readers)
        r = spawn([&] {
          SHMCHECK_ACCESS(seg.ref, 32, 4, AccessType::Read);
          post(sem, 0);
          return 0;
        });
      pid_t writer = spawn([&] {
        wait_for(sem, 0, 3);  // after all three reads, but not ordered by them
        SHMCHECK_ACCESS(seg.ref, 32, 4, AccessType::Write);
        return 0;
      });
      for (pid_t r : readers) reap(r);
      reap(writer);
      return 0;
    });
  });
  EXPECT_EQ(status, 0);
  std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 1) << logs;
  EXPECT_NE(logs.find("  Previous read of size 4"), std::string::npos) << logs;
}

TEST_F(RaceDetection, WriterOrderedAfterOnlyTheLastReaderStillRacesWithTheFirst) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(2);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      core::SyncKey handoff{core::SyncKind::SysVSemaphore, static_cast<uint64_t>(sem), 1};
      pid_t first = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 32, 4, AccessType::Read);
        post(sem, 0);
        return 0;
      });
      pid_t last = spawn([&] {
        wait_for(sem, 0);
        SHMCHECK_ACCESS(seg.ref, 32, 4, AccessType::Read);
        core::release(core::current_thread(), handoff);
        post(sem, 1);
        return 0;
      });
      pid_t writer = spawn([&] {
        wait_for(sem, 1);
        core::acquire(core::current_thread(), handoff);  // ordered after `last` only
        SHMCHECK_ACCESS(seg.ref, 32, 4, AccessType::Write);
        return 0;
      });
      reap(first);
      reap(last);
      reap(writer);
      return 0;
    });
  });
  EXPECT_EQ(status, 0);
  std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 1) << logs;
  EXPECT_NE(logs.find("  Previous read of size 4"), std::string::npos) << logs;
}

TEST_F(RaceDetection, HistorySurvivesDetachAndReattachElsewhere) {
  int shmid = session.make_segment(8192);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    pid_t a = spawn([&] {
      Attached seg = attach(shmid);
      SHMCHECK_ACCESS(seg.ref, 100, 4, AccessType::Write);
      shmdt(seg.address);
      core::segment_detached(seg.ref);
      post(sem, 0);
      return 0;
    });
    pid_t b = spawn([&] {
      wait_for(sem, 0);  // nobody has the segment attached now
      void *elsewhere = mmap(nullptr, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      Attached seg = attach(shmid);  // at another address than a's
      munmap(elsewhere, 3 * 4096);
      SHMCHECK_ACCESS(seg.ref, 100, 4, AccessType::Read);
      shmdt(seg.address);
      core::segment_detached(seg.ref);
      return 0;
    });
    reap(a);
    reap(b);
    core::process_exit();
    return 0;
  });
  EXPECT_EQ(status, 0);
  std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 1) << logs;
  EXPECT_NE(logs.find("offset 0x64"), std::string::npos) << logs;
}

TEST_F(RaceDetection, ParentWriteAfterForkRacesWithChildRead) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);  // before fork: ordered
      pid_t child = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Read);
        post(sem, 0);
        return 0;
      });
      wait_for(sem, 0);
      SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);  // after fork: concurrent
      reap(child);
      return 0;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

TEST_F(RaceDetection, WaitpidOrdersAChildBeforeItsParent) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t child = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Write);
        return 0;
      });
      int rc = reap(child);
      SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Read);
      SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Write);
      return rc;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(RaceDetection, WaitpidOrdersAChildKilledWithoutProcessExit) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      core::fork_prepare();
      pid_t child = fork();
      if (child == 0) {
        core::fork_child();
        SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Write);
        raise(SIGKILL);  // no process_exit: the core must recover the clock
      }
      core::fork_parent(child);
      int rc = reap(child);
      SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Write);
      return rc == 128 + SIGKILL ? 0 : 1;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(RaceDetection, ReportShowsTheLocksEachSideHeld) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(2);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      core::SyncKey lock{core::SyncKind::SysVSemaphore, static_cast<uint64_t>(sem), 1};
      pid_t a = spawn([&] {
        core::lock_held(core::current_thread(), lock, false);
        SHMCHECK_ACCESS(seg.ref, 40, 4, AccessType::Write);
        core::lock_dropped(core::current_thread(), lock);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        SHMCHECK_ACCESS(seg.ref, 40, 4, AccessType::Write);
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
  EXPECT_NE(logs.find("(locks: write semid=" + std::to_string(sem) + "[1]):"), std::string::npos)
      << logs;
  EXPECT_NE(logs.find("(locks: none):"), std::string::npos) << logs;
}

TEST_F(RaceDetection, DistinctSourcePairsAreReportedSeparately) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t a = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);
        SHMCHECK_ACCESS(seg.ref, 8, 4, AccessType::Write);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        for (int i = 0; i < 3; ++i) {
          SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);
          SHMCHECK_ACCESS(seg.ref, 8, 4, AccessType::Write);
        }
        return 0;
      });
      reap(a);
      reap(b);
      return 0;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 2) << session.logs();
}

TEST_F(RaceDetection, HaltOnErrorExitsWithExitcodeAtTheFirstReport) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run(
      [&] {
        return scenario(shmid, [&](const Attached &seg) {
          pid_t a = spawn([&] {
            SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);
            post(sem, 0);
            return 0;
          });
          pid_t b = spawn([&] {
            wait_for(sem, 0);
            SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);
            core::flush_reports();  // as an interceptor would
            return 1;               // not reached
          });
          reap(a);
          return reap(b) == 23 ? 0 : 1;
        });
      },
      "halt_on_error=1:exitcode=23");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

TEST_F(RaceDetection, ReportOfAProcessThatDiedBeforePrintingIsPrintedByAnother) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t a = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);
        post(sem, 0);
        return 0;
      });
      core::fork_prepare();
      pid_t b = fork();
      if (b == 0) {
        core::fork_child();
        wait_for(sem, 0);
        SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);  // queued, never flushed
        raise(SIGKILL);
      }
      core::fork_parent(b);
      reap(a);
      reap(b);
      core::flush_reports();  // the detector is dead: its report is ours to print
      return 0;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

}  // namespace
}  // namespace shmcheck::testing
