// The shared state's life: bounded slots under thousands of processes,
// reclaim after crashes (also inside the runtime's own locks), removal by the
// last process, and refusal of corrupt or foreign state objects.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <cstdlib>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core_state.h"
#include "session.h"
#include "sync_table.h"

namespace shmcheck::testing {
namespace {

using core::AccessType;

constexpr int kFailed = 90;

class SharedStateLifecycle : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(session.leftovers().empty()) << "shared state left behind";
  }
  std::string state_path() const {
    return "/dev/shm/shmcheck-" + std::to_string(geteuid()) + "-" + session.name();
  }
  Session session;
};

uint32_t live_slots() {
  uint32_t n = 0;
  for (const core::ThreadSlotShm &slot : core::state().slots)
    if (slot.state == core::kSlotLive) ++n;
  return n;
}

TEST_F(SharedStateLifecycle, ThousandsOfShortLivedProcessesReuseSlotsWithoutLoss) {
  int shmid = session.make_segment(64);
  constexpr int kChildren = 3000;
  constexpr int kWindow = 8;  // children alive at once
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    Attached seg = attach(shmid);
    pid_t alive[kWindow] = {};
    int failures = 0;
    for (int i = 0; i < kChildren; ++i) {
      int at = i % kWindow;
      if (alive[at] != 0) failures += reap(alive[at]) != 0;
      // Children at the same byte are kWindow apart: the earlier one was
      // reaped before the later one was forked, so they are ordered.
      uint64_t offset = static_cast<uint64_t>(i % (kWindow * 4));
      alive[at] = spawn([&] {
        if (core::current_thread() == nullptr) return 1;  // ran unchecked
        SHMCHECK_ACCESS(seg.ref, offset, 1, AccessType::Read);
        SHMCHECK_ACCESS(seg.ref, offset, 1, AccessType::Write);
        return 0;
      });
    }
    for (pid_t pid : alive) failures += reap(pid) != 0;
    const core::StateHeaderShm &h = core::state().header;
    bool bounded = live_slots() == 1 && h.processes_registered.load() == kChildren + 1 &&
                   h.unordered_slot_reuses.load() == 0 && h.slots_high_water.load() <= 16;
    shmdt(seg.address);
    core::segment_detached(seg.ref);
    core::process_exit();
    if (failures != 0) return 1;
    return bounded ? 0 : 2;
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs();
}

TEST_F(SharedStateLifecycle, KilledChildrenAreReclaimedEvenWhenNotReapedThroughTheCore) {
  int shmid = session.make_segment(64);
  constexpr int kChildren = 600;  // more than the slots: reclaim must happen
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    Attached seg = attach(shmid);
    int unchecked = 0;
    for (int i = 0; i < kChildren; ++i) {
      core::fork_prepare();
      pid_t pid = fork();
      if (pid == 0) {
        core::fork_child();
        if (core::current_thread() == nullptr) _exit(1);
        SHMCHECK_ACCESS(seg.ref, static_cast<uint64_t>(i % 64), 1, AccessType::Write);
        raise(SIGKILL);
      }
      core::fork_parent(pid);
      int st = 0;
      waitpid(pid, &st, 0);  // a plain waitpid: the core only sees a dead pid
      if (!WIFSIGNALED(st)) ++unchecked;
    }
    bool reclaimed = core::state().header.processes_reclaimed.load() > 0;
    shmdt(seg.address);
    core::segment_detached(seg.ref);
    core::process_exit();
    return unchecked == 0 && reclaimed ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
}

TEST_F(SharedStateLifecycle, IndependentProcessesMeetInOneSession) {
  int shmid = session.make_segment(64);
  int sem = session.make_semaphores(2);
  auto independent = [&](bool second) {
    return [&, second] {
      if (!core::process_start()) return kFailed;
      Attached seg = attach(shmid);
      if (second) wait_for(sem, 0);  // real-time order only
      SHMCHECK_ACCESS(seg.ref, 4, 4, AccessType::Write);
      // The first stays registered until the second one wrote.
      if (second) post(sem, 1);
      else post(sem, 0), wait_for(sem, 1);
      shmdt(seg.address);
      core::segment_detached(seg.ref);
      core::process_exit();
      return core::reported_race() ? 66 : 0;
    };
  };
  pid_t first = session.start(independent(false));
  pid_t second = session.start(independent(true));
  EXPECT_EQ(session.finish(second), 66);
  EXPECT_EQ(session.finish(first), 66);  // took part, although the other one printed
  EXPECT_EQ(session.report_count(), 1) << session.logs();
}

TEST_F(SharedStateLifecycle, StateOfACrashedRunIsReclaimedAndRemoved) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    attach(shmid);
    raise(SIGKILL);
    return 0;
  });
  EXPECT_EQ(status, 128 + SIGKILL);
  EXPECT_FALSE(session.leftovers().empty()) << "the crash should leave the state behind";
  status = session.run([&] {
    if (!core::process_start()) return kFailed;
    bool reclaimed = core::state().header.processes_reclaimed.load() == 1 && live_slots() == 1;
    core::process_exit();
    return reclaimed ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
  // The last process removed the state and the crashed run's shadow.
}

TEST_F(SharedStateLifecycle, ProcessKilledInsideTheRuntimesLockDoesNotBlockOthers) {
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    core::RobustLock lock(core::state().header.registry_lock);
    raise(SIGKILL);  // dies holding the registry lock
    return 0;
  });
  EXPECT_EQ(status, 128 + SIGKILL);
  status = session.run([&] {
    if (!core::process_start()) return kFailed;
    bool recovered = core::state().header.lock_recoveries.load() >= 1;
    core::process_exit();
    return recovered ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
}

// exit() from a signal handler that interrupted the thread inside a hot-path
// critical section (signals stay open there): process_exit() is called with
// the lock still held by this very thread. It must not wait for itself; the
// process leaves like a killed one, and the others take the lock over.
TEST_F(SharedStateLifecycle, ExitFromInsideAHotLockDoesNotWaitForItself) {
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    // An object of ours in some stripe: leaving takes that stripe's lock.
    core::sync_release_from(
        core::SyncKey{core::SyncKind::ProcessLocal, core::process_incarnation(), 1},
        core::current_thread()->shm->vc);
    std::vector<std::unique_ptr<core::RobustLock>> held;
    for (core::SyncStripeShm &stripe : core::state().sync_stripes)
      held.push_back(std::make_unique<core::RobustLock>(stripe.lock, core::SignalsStayOpen{}));
    core::process_exit();  // as exit() in a handler that interrupted us
    _exit(0);              // still holding them
  });
  EXPECT_EQ(status, 0);
  status = session.run([&] {
    if (!core::process_start()) return kFailed;
    const core::StateHeaderShm &h = core::state().header;
    // Joining reclaimed the process that left unregistered, and dropping its
    // object took over the stripe it died holding.
    bool taken_over = h.processes_reclaimed.load() >= 1 && h.lock_recoveries.load() >= 1;
    core::process_exit();
    return taken_over ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
}

TEST_F(SharedStateLifecycle, ScribbledStateNeverCrashesTheProcess) {
  int shmid = session.make_segment(256);
  int sem = session.make_semaphores(1);
  int status = session.run([&] {
    if (!core::process_start()) return kFailed;
    Attached seg = attach(shmid);
    pid_t a = spawn([&] {
      SHMCHECK_ACCESS(seg.ref, 0, 64, AccessType::Read);
      post(sem, 0);
      return 0;
    });
    pid_t b = spawn([&] {
      wait_for(sem, 0);
      SHMCHECK_ACCESS(seg.ref, 0, 64, AccessType::Read);
      return 0;
    });
    reap(a);
    reap(b);
    // A hostile or broken process overwrites indexes everywhere.
    std::mt19937_64 random(42);
    core::SharedStateShm &s = core::state();
    auto scribble = [&](void *p, size_t n) {
      auto *bytes = static_cast<unsigned char *>(p);
      for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<unsigned char>(random());
    };
    scribble(s.history, sizeof s.history);
    scribble(s.depot.buckets, sizeof s.depot.buckets);
    scribble(s.depot.stacks, sizeof s.depot.stacks);
    scribble(&s.depot.stack_count, sizeof s.depot.stack_count);
    scribble(s.readsets, sizeof s.readsets);
    scribble(s.modules, sizeof s.modules);
    scribble(&s.header.module_count, sizeof s.header.module_count);
    scribble(core::g_runtime.segments[seg.ref].words, 32 * sizeof(core::ShadowWordShm));
    scribble(s.expanded, sizeof s.expanded);
    pid_t c = spawn([&] {
      for (uint64_t off = 0; off < 256; off += 4) {
        SHMCHECK_ACCESS(seg.ref, off, 4, AccessType::Read);
        SHMCHECK_ACCESS(seg.ref, off, 4, AccessType::Write);
      }
      core::flush_reports();
      return 0;
    });
    int rc = reap(c);
    shmdt(seg.address);
    core::segment_detached(seg.ref);
    core::process_exit();
    return rc == 0 || rc == 66 ? 0 : 1;
  });
  EXPECT_EQ(status, 0);
}

// A state object that is not what we created: the process runs unchecked,
// with one clear line on stderr, and never crashes.
void expect_refused(Session &session, const std::string &fragment) {
  int status = session.run([] { return core::process_start() ? 1 : 0; });
  EXPECT_EQ(status, 0);
  std::string errors = session.errors();
  EXPECT_NE(errors.find(fragment), std::string::npos) << errors;
  EXPECT_EQ(errors.find('\n'), errors.size() - 1) << "one line: " << errors;
}

int create_object(const std::string &path, mode_t mode, off_t size) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, mode);
  if (fd < 0) return -1;
  fchmod(fd, mode);
  if (ftruncate(fd, size) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST_F(SharedStateLifecycle, CorruptStateIsRefused) {
  int fd = create_object(state_path(), 0600, sizeof(core::SharedStateShm));
  ASSERT_GE(fd, 0);
  const char junk[] = "definitely not a shmcheck state";
  ASSERT_EQ(pwrite(fd, junk, sizeof junk, 0), static_cast<ssize_t>(sizeof junk));
  close(fd);
  expect_refused(session, "is corrupt or from another version");
  unlink(state_path().c_str());
}

TEST_F(SharedStateLifecycle, StateOfTheWrongSizeIsRefused) {
  int fd = create_object(state_path(), 0600, 4096);
  ASSERT_GE(fd, 0);
  close(fd);
  expect_refused(session, "has the wrong size");
  unlink(state_path().c_str());
}

TEST_F(SharedStateLifecycle, StateReadableByOthersIsRefused) {
  int fd = create_object(state_path(), 0644, sizeof(core::SharedStateShm));
  ASSERT_GE(fd, 0);
  close(fd);
  expect_refused(session, "is not a private object of this user");
  unlink(state_path().c_str());
}

// With a private directory for its key, the state would move to a private
// name instead (StateLocation.*); without one, it is refused.
TEST_F(SharedStateLifecycle, StateOwnedByAnotherUserWithNoPrivateNameIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the object away";
  int fd = create_object(state_path(), 0600, sizeof(core::SharedStateShm));
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fchown(fd, 65534, 65534), 0);
  close(fd);
  const char *home = getenv("HOME");
  const std::string saved_home = home != nullptr ? home : "";
  const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
  const std::string saved_runtime_dir = runtime_dir != nullptr ? runtime_dir : "";
  setenv("HOME", "/nonexistent", 1);
  unsetenv("XDG_RUNTIME_DIR");
  expect_refused(session, "is not a private object of this user");
  if (home != nullptr) setenv("HOME", saved_home.c_str(), 1);
  if (runtime_dir != nullptr) setenv("XDG_RUNTIME_DIR", saved_runtime_dir.c_str(), 1);
  unlink(state_path().c_str());
}

TEST_F(SharedStateLifecycle, SymlinkInPlaceOfTheStateIsNotFollowed) {
  std::string target = state_path() + "@target";
  ASSERT_EQ(symlink(target.c_str(), state_path().c_str()), 0);
  expect_refused(session, "shared state");
  EXPECT_NE(access(target.c_str(), F_OK), 0) << "nothing created through the link";
  unlink(state_path().c_str());
}

TEST_F(SharedStateLifecycle, MalformedOptionGivesOneLineAndDefaults) {
  // Only parse: with the defaults the process would join the "default"
  // session, which belongs to the user's own runs.
  int status = session.run([] { return core::options().exitcode == 66 ? 0 : 1; },
                           "exitcode=bogus");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.errors(),
            "shmcheck: bad option 'exitcode=bogus' in SHMCHECK_OPTIONS: expected an integer; "
            "using defaults\n");
}

}  // namespace
}  // namespace shmcheck::testing
