// Atomics (never racing with each other, ordering through release/acquire)
// and the threads of one process, on a real segment.
#include <gtest/gtest.h>

#include <pthread.h>
#include <sys/shm.h>

#include "core_state.h"
#include "session.h"

namespace shmcheck::testing {
namespace {

using core::AccessType;

constexpr int kFailed = kScenarioSetupFailed;

class AtomicsAndThreads : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(session.leftovers().empty()); }
  Session session;
};

TEST_F(AtomicsAndThreads, AtomicIncrementsFromTwoProcessesDoNotRace) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      auto *counter = static_cast<long *>(seg.address);
      auto increments = [&] {
        for (int i = 0; i < 1000; ++i) {
          SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::AtomicUpdate);
          __atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
        }
        return 0;
      };
      pid_t a = spawn(increments);
      pid_t b = spawn(increments);
      int rc = reap(a) + reap(b);
      // Reaped: the plain read of the total is ordered after both.
      SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Read);
      return rc == 0 && *counter == 2000 ? 0 : 1;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(AtomicsAndThreads, RelaxedAtomicsOfTwoProcessesDoNotRace) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      // Relaxed: no edges at all, and still no race between atomics.
      pid_t a = spawn([&] {
        SHMCHECK_ACCESS_ORDER(seg.ref, 0, 8, AccessType::AtomicUpdate, 0);
        SHMCHECK_ACCESS_ORDER(seg.ref, 8, 8, AccessType::AtomicWrite, 0);
        SHMCHECK_ACCESS_ORDER(seg.ref, 16, 8, AccessType::AtomicRead, 0);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        SHMCHECK_ACCESS_ORDER(seg.ref, 0, 8, AccessType::AtomicUpdate, 0);
        SHMCHECK_ACCESS_ORDER(seg.ref, 8, 8, AccessType::AtomicRead, 0);
        SHMCHECK_ACCESS_ORDER(seg.ref, 16, 8, AccessType::AtomicWrite, 0);
        return 0;
      });
      return reap(a) + reap(b);
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

// Without sync words (with them, a plain store to a word once updated
// atomically is a release store: sync_words_test.cpp).
TEST_F(AtomicsAndThreads, PlainWriteRacesWithAtomicUpdate) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      pid_t a = spawn([&] {
        SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::AtomicUpdate);
        post(sem, 0);
        return 0;
      });
      pid_t b = spawn([&] {
        wait_for(sem, 0);
        SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Write);
        return 0;
      });
      reap(a);
      reap(b);
      return 0;
    });
  }, "sync_words=0");
  EXPECT_EQ(status, 0);
  std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 1) << logs;
  EXPECT_NE(logs.find("Previous atomic write of size 8"), std::string::npos) << logs;
}

// Producer: data, then a release store of the flag. Consumer: spins on the
// flag, acquires, reads the data. An acquiring load is reported to the core
// after it executed (as the trap front end does), a releasing store before.
int flag_handoff(const Attached &seg, AccessType consumer_flag_load, core::MemoryOrder order) {
  auto *flag = reinterpret_cast<int *>(static_cast<char *>(seg.address) + 64);
  pid_t producer = spawn([&] {
    SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Write);
    SHMCHECK_ACCESS_ORDER(seg.ref, 64, 4, AccessType::AtomicWrite, 3);
    __atomic_store_n(flag, 1, __ATOMIC_RELEASE);
    return 0;
  });
  pid_t consumer = spawn([&] {
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0) {
    }
    SHMCHECK_ACCESS_ORDER(seg.ref, 64, 4, consumer_flag_load, order);
    SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Read);
    return 0;
  });
  reap(producer);
  reap(consumer);
  return 0;
}

TEST_F(AtomicsAndThreads, AtomicReleaseAcquireHandsDataOver) {
  int shmid = session.make_segment(128);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      return flag_handoff(seg, AccessType::AtomicRead, 2);
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(AtomicsAndThreads, RelaxedAtomicLoadDoesNotOrderTheData) {
  int shmid = session.make_segment(128);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      return flag_handoff(seg, AccessType::AtomicRead, 0);
    });
  });
  EXPECT_EQ(status, 0);
  std::string logs = session.logs();
  EXPECT_EQ(session.report_count(), 1) << logs;  // the data, not the flag
  EXPECT_NE(logs.find("offset 0x0 by"), std::string::npos) << logs;
}

// The trap front end records a load before it executes. If the release it
// will observe is published only after that, the edge must come from
// access_completed(), called after the load executed.
int load_recorded_early(const Attached &seg, int sem, AccessType flag_load, bool complete) {
  auto *flag = reinterpret_cast<int *>(static_cast<char *>(seg.address) + 64);
  pid_t consumer = spawn([&] {
    SHMCHECK_ACCESS_ORDER(seg.ref, 64, 4, flag_load, 2);  // before the release exists
    post(sem, 0);
    while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0) {
    }
    if (complete)
      core::access_completed(core::current_thread(), seg.ref, 64, 4, flag_load, 2);
    SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Read);
    return 0;
  });
  pid_t producer = spawn([&] {
    wait_for(sem, 0);
    SHMCHECK_ACCESS(seg.ref, 0, 8, AccessType::Write);
    SHMCHECK_ACCESS_ORDER(seg.ref, 64, 4, AccessType::AtomicUpdate, 5);
    __atomic_store_n(flag, 1, __ATOMIC_SEQ_CST);
    return 0;
  });
  reap(producer);
  reap(consumer);
  return 0;
}

TEST_F(AtomicsAndThreads, AcquireLoadRecordedBeforeItExecutesGetsItsEdgeWhenCompleted) {
  for (AccessType load : {AccessType::AtomicRead, AccessType::Read}) {
    Session local;
    int shmid = local.make_segment(128);
    int sem = local.make_semaphores(1);
    int status = local.run([&] {
      return scenario(shmid, [&](const Attached &seg) {
        return load_recorded_early(seg, sem, load, true);
      });
    });
    EXPECT_EQ(status, 0);
    EXPECT_EQ(local.report_count(), 0) << local.logs();
    EXPECT_TRUE(local.leftovers().empty());
  }
}

TEST_F(AtomicsAndThreads, AcquireLoadRecordedBeforeItExecutesMissesTheEdgeOtherwise) {
  int shmid = session.make_segment(128);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      return load_recorded_early(seg, sem, AccessType::AtomicRead, false);
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

TEST_F(AtomicsAndThreads, PlainLoadOfAtomicFlagActsAsAcquireByDefault) {
  int shmid = session.make_segment(128);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      return flag_handoff(seg, AccessType::Read, 0);
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(AtomicsAndThreads, PlainLoadOfAtomicFlagRacesWhenOptionIsOff) {
  int shmid = session.make_segment(128);
  int status = session.run(
      [&] {
        return scenario(shmid, [&](const Attached &seg) {
          return flag_handoff(seg, AccessType::Read, 0);
        });
      },
      "atomic_plain_loads=0");
  EXPECT_EQ(status, 0);
  // The flag (plain read vs atomic write) and the data it no longer orders.
  EXPECT_EQ(session.report_count(), 2) << session.logs();
}

// Compiler instrumentation reports atomic loads as such: a process that
// says so (instrumented mode) has its plain loads taken for plain ones.
TEST_F(AtomicsAndThreads, PlainLoadOfAtomicFlagRacesInAnInstrumentedProcess) {
  int shmid = session.make_segment(128);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      core::plain_loads_are_exact();
      return flag_handoff(seg, AccessType::Read, 0);
    });
  });
  EXPECT_EQ(status, 0);
  // As with atomic_plain_loads=0: the flag and the data it does not order.
  EXPECT_EQ(session.report_count(), 2) << session.logs();
}

TEST_F(AtomicsAndThreads, AtomicAcquireStillOrdersInAnInstrumentedProcess) {
  int shmid = session.make_segment(128);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) {
      core::plain_loads_are_exact();
      return flag_handoff(seg, AccessType::AtomicRead, 2);
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

// Threads of one process: the front end's creation and join edges.
struct Worker {
  const Attached *seg;
  core::SyncKey created;
  core::SyncKey *lock;  // null: unguarded
  pthread_mutex_t *mutex;
};

void *worker_main(void *arg) {
  auto *w = static_cast<Worker *>(arg);
  core::ThreadState *t = core::thread_start();
  core::acquire(t, w->created);
  for (int i = 0; i < 100; ++i) {
    if (w->lock != nullptr) {
      pthread_mutex_lock(w->mutex);
      core::acquire(t, *w->lock);
      core::lock_held(t, *w->lock, false);
    }
    SHMCHECK_ACCESS(w->seg->ref, 8, 4, AccessType::Read);
    SHMCHECK_ACCESS(w->seg->ref, 8, 4, AccessType::Write);
    if (w->lock != nullptr) {
      core::lock_dropped(t, *w->lock);
      core::release(t, *w->lock);
      pthread_mutex_unlock(w->mutex);
    }
  }
  core::thread_exit();
  return nullptr;
}

int two_threads(const Attached &seg, bool guarded) {
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  core::SyncKey lock{core::SyncKind::ProcessLocal, core::process_incarnation(),
                     reinterpret_cast<uint64_t>(&mutex)};
  Worker workers[2];
  pthread_t threads[2];
  for (int i = 0; i < 2; ++i) {
    workers[i] = Worker{&seg,
                        {core::SyncKind::ForkEdge, core::process_incarnation(),
                         core::kThreadCreateEdge | static_cast<uint64_t>(i)},
                        guarded ? &lock : nullptr,
                        &mutex};
    core::release(core::current_thread(), workers[i].created);
    pthread_create(&threads[i], nullptr, worker_main, &workers[i]);
  }
  for (pthread_t thread : threads) {
    pthread_join(thread, nullptr);
    core::acquire(core::current_thread(),
                  {core::SyncKind::ThreadExit, core::process_incarnation(),
                   static_cast<uint64_t>(thread)});
  }
  SHMCHECK_ACCESS(seg.ref, 8, 4, AccessType::Write);  // after both joins: ordered
  return 0;
}

TEST_F(AtomicsAndThreads, TwoThreadsOfOneProcessRace) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) { return two_threads(seg, false); });
  });
  EXPECT_EQ(status, 0);
  EXPECT_GE(session.report_count(), 1) << session.logs();
}

TEST_F(AtomicsAndThreads, TwoThreadsWithAMutexDoNotRace) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return scenario(shmid, [&](const Attached &seg) { return two_threads(seg, true); });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

struct SlotHunter {
  pthread_barrier_t *all_started;
  bool got_slot;
};

void *hunt_slot(void *arg) {
  auto *h = static_cast<SlotHunter *>(arg);
  h->got_slot = core::thread_start() != nullptr;
  pthread_barrier_wait(h->all_started);  // hold the slot until everyone tried
  core::thread_exit();
  return nullptr;
}

TEST_F(AtomicsAndThreads, MoreThreadsThanSlotsRunUncheckedAndSlotsComeBack) {
  constexpr int kThreads = 300;
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, nullptr, kThreads);
    static SlotHunter hunters[kThreads];
    static pthread_t threads[kThreads];
    for (int i = 0; i < kThreads; ++i) {
      hunters[i] = SlotHunter{&barrier, false};
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      pthread_attr_setstacksize(&attr, 64 * 1024);
      if (pthread_create(&threads[i], &attr, hunt_slot, &hunters[i]) != 0) return 3;
      pthread_attr_destroy(&attr);
    }
    int checked = 0;
    for (int i = 0; i < kThreads; ++i) {
      pthread_join(threads[i], nullptr);
      checked += hunters[i].got_slot;
    }
    // Freed slots serve new threads again.
    SlotHunter again{nullptr, false};
    pthread_barrier_t single;
    pthread_barrier_init(&single, nullptr, 1);
    again.all_started = &single;
    pthread_t late;
    pthread_create(&late, nullptr, hunt_slot, &again);
    pthread_join(late, nullptr);
    core::process_exit();
    return checked == static_cast<int>(core::kMaxSlots) - 1 && again.got_slot ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
  std::string errors = session.errors();
  EXPECT_NE(errors.find("shmcheck: all 256 thread slots are in use"), std::string::npos) << errors;
  EXPECT_EQ(errors.find('\n'), errors.size() - 1) << "warned once: " << errors;
}

}  // namespace
}  // namespace shmcheck::testing
